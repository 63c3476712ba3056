// Quelle's page: ask with streaming, click [n] to see the cited span highlighted in its source.
"use strict";
const $ = (id) => document.getElementById(id);
const keyInput = $("apikey");
keyInput.value = localStorage.getItem("quelle-key") || "";
keyInput.addEventListener("change", () => { localStorage.setItem("quelle-key", keyInput.value); loadDocs(); });

function headers(extra = {}) {
  const h = { ...extra };
  if (keyInput.value) h["Authorization"] = "Bearer " + keyInput.value;
  return h;
}

async function problemText(resp) {
  try { const p = await resp.json(); return p.detail || p.title || resp.statusText; } catch { return resp.statusText; }
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Answer text with each [n] turned into a clickable citation marker.
function renderAnswerText(text, citations) {
  const byId = new Map((citations || []).map((c) => [c.id, c]));
  return escapeHtml(text).replace(/\[(\d{1,2})\]/g, (m, n) =>
    byId.has(Number(n)) ? `<a class="cite" data-id="${n}" href="#">[${n}]</a>` : m);
}

let current = null;

function showAnswer(answer) {
  current = answer;
  const badge = `<span class="badge ${answer.mode}">${answer.mode}</span>`;
  $("answer").innerHTML = renderAnswerText(answer.answer, answer.citations) + badge;
  $("citations").innerHTML = answer.citations.map((c) =>
    `<li data-id="${c.id}"><a class="cite" data-id="${c.id}" href="#">[${c.id}]</a> ${escapeHtml(c.title)} ` +
    `<small>(${c.start}–${c.end})</small></li>`).join("");
  const total = answer.timings_ms && answer.timings_ms.total;
  $("status").textContent = total ? `${Math.round(total)} ms` : "";
}

async function showSource(id) {
  const c = current && current.citations.find((x) => x.id === Number(id));
  if (!c) return;
  const resp = await fetch(`/v1/documents/${encodeURIComponent(c.doc_id)}`, { headers: headers() });
  if (!resp.ok) { $("status").textContent = await problemText(resp); return; }
  const doc = await resp.json();
  const body = doc.text;
  $("source-title").textContent = doc.title;
  $("source").innerHTML = escapeHtml(body.slice(0, c.start)) + `<mark id="cited">${escapeHtml(body.slice(c.start, c.end))}</mark>` +
    escapeHtml(body.slice(c.end));
  $("source-panel").hidden = false;
  $("cited").scrollIntoView({ block: "center" });
}

document.addEventListener("click", (ev) => {
  const el = ev.target.closest("[data-id]");
  if (el && (el.classList.contains("cite") || el.tagName === "LI")) { ev.preventDefault(); showSource(el.dataset.id); }
});

// POST /v1/ask with stream: true, reading Server-Sent Events from the response body.
async function ask(question) {
  $("answer").textContent = ""; $("citations").innerHTML = ""; $("status").textContent = "…";
  const resp = await fetch("/v1/ask", {
    method: "POST", headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify({ question, stream: true }),
  });
  if (!resp.ok) { $("status").innerHTML = `<span class="error">${escapeHtml(await problemText(resp))}</span>`; return; }
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", streamed = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const event = (block.match(/^event: (.*)$/m) || [])[1];
      const data = (block.match(/^data: (.*)$/m) || [])[1];
      if (event === "token") { streamed += JSON.parse(data).text; $("answer").textContent = streamed; }
      else if (event === "answer") showAnswer(JSON.parse(data));
    }
  }
}

$("ask-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = $("question").value.trim();
  if (q) ask(q).catch((e) => { $("status").textContent = String(e); });
});

async function loadDocs() {
  const resp = await fetch("/v1/documents", { headers: headers() });
  if (!resp.ok) { $("docs").innerHTML = `<li class="error">${escapeHtml(await problemText(resp))}</li>`; return; }
  const docs = await resp.json();
  $("docs").innerHTML = docs.map((d) =>
    `<li><span title="${escapeHtml(d.doc_id)}">${escapeHtml(d.title)} <small>(${d.chunks})</small></span>` +
    `<button class="delete" data-doc="${escapeHtml(d.doc_id)}">delete</button></li>`).join("");
}

$("docs").addEventListener("click", async (ev) => {
  const doc = ev.target.dataset && ev.target.dataset.doc;
  if (!doc || !confirm(`Delete ${doc}?`)) return;
  const resp = await fetch(`/v1/documents/${encodeURIComponent(doc)}`, { method: "DELETE", headers: headers() });
  $("status").textContent = resp.ok ? `deleted ${doc}` : await problemText(resp);
  loadDocs();
});

$("upload-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const file = $("upload").files[0];
  if (!file) return;
  const form = new FormData(); form.append("file", file);
  const resp = await fetch("/v1/documents", { method: "POST", headers: headers(), body: form });
  $("status").textContent = resp.ok ? `${file.name}: ${(await resp.json()).status}` : await problemText(resp);
  loadDocs();
});

loadDocs();
