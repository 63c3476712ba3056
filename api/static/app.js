// Quelle's page: ask with a streamed answer, click [n] to read the cited span highlighted in its source.
"use strict";

const $ = (id) => document.getElementById(id);
const keyInput = $("apikey");
keyInput.value = localStorage.getItem("quelle-key") || "";
keyInput.addEventListener("change", () => {
  localStorage.setItem("quelle-key", keyInput.value);
  loadDocs();
});

let current = null; // the last answer object

function headers(extra = {}) {
  const h = { ...extra };
  if (keyInput.value) h["Authorization"] = "Bearer " + keyInput.value;
  return h;
}

async function problemText(resp) {
  let text = resp.statusText;
  try {
    const p = await resp.json();
    text = p.detail || p.title || text;
  } catch { /* not JSON */ }
  return resp.status === 401 ? `${text} Enter the API key at the top right.` : text;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

// The answer text, each [n] that names a citation turned into a clickable marker.
function renderAnswerText(text, citations) {
  const ids = new Set((citations || []).map((c) => c.id));
  return escapeHtml(text).replace(/\[(\d{1,3})\]/g, (m, n) =>
    ids.has(Number(n)) ? `<a class="cite" data-id="${n}" href="#source" title="show the source">[${n}]</a>` : m);
}

// Where a citation is: title, section (heading path), page, characters.
function where(c) {
  return [c.title, c.section, c.page ? `p. ${c.page}` : null, `${c.start}–${c.end}`].filter(Boolean).join(" · ");
}

// `draft`: the quoted evidence shown while a phrased answer is generated; it stays marked "quoted" and is replaced
// when the generated answer streams in (or by the final answer, which may be the same quote).
function showAnswer(answer, draft = false) {
  current = answer;
  $("answer").classList.toggle("streaming", draft);
  const badge = draft
    ? `<span id="mode" class="badge draft" title="the evidence quoted while a phrased answer is written">quoted</span>`
    : `<span id="mode" class="badge ${escapeHtml(answer.mode)}" title="how this answer was made">${escapeHtml(answer.mode)}</span>`;
  $("answer").innerHTML = renderAnswerText(answer.answer, answer.citations) + " " + badge;
  $("citations-heading").hidden = answer.citations.length === 0;
  $("citations").innerHTML = answer.citations.map((c) =>
    `<li data-id="${c.id}"><a class="cite" data-id="${c.id}" href="#source">[${c.id}]</a> ` +
    `<q class="quote">${escapeHtml(c.quote)}</q> <small>${escapeHtml(where(c))}</small></li>`).join("");
  const total = answer.timings_ms && answer.timings_ms.total;
  setStatus(total ? `answered in ${Math.round(total)} ms` : "");
}

async function fetchDocument(docId) {
  const resp = await fetch(`/v1/documents/${encodeURIComponent(docId)}`, { headers: headers() });
  if (!resp.ok) { setStatus(await problemText(resp), true); return null; }
  return resp.json();
}

// The source document with the cited characters [start:end] marked and scrolled into view.
async function showSource(id) {
  const c = current && current.citations.find((x) => x.id === Number(id));
  if (!c) return;
  const doc = await fetchDocument(c.doc_id);
  if (!doc) return;
  const body = doc.text;
  $("source-title").textContent = doc.title;
  $("source-meta").textContent = `[${c.id}] ${[doc.source, c.section, c.page ? `p. ${c.page}` : null].filter(Boolean).join(" · ")} · characters ${c.start}–${c.end}`;
  $("source").innerHTML = escapeHtml(body.slice(0, c.start)) +
    `<mark id="cited">${escapeHtml(body.slice(c.start, c.end))}</mark>` + escapeHtml(body.slice(c.end));
  $("source-panel").hidden = false;
  $("cited").scrollIntoView({ block: "center" });
  document.querySelectorAll("#citations li").forEach((li) => li.classList.toggle("active", li.dataset.id === String(c.id)));
}

async function showDocument(docId) {
  const doc = await fetchDocument(docId);
  if (!doc) return;
  $("source-title").textContent = doc.title;
  $("source-meta").textContent = `${doc.source} · ${doc.chunks} chunks · ${doc.language}`;
  $("source").textContent = doc.text;
  $("source-panel").hidden = false;
  $("source").scrollTop = 0;
}

document.addEventListener("click", (ev) => {
  const cite = ev.target.closest(".cite, #citations li");
  if (cite) { ev.preventDefault(); showSource(cite.dataset.id); }
});

// POST /v1/ask with stream: true, reading the Server-Sent Events from the response body as they arrive.
async function ask(question) {
  current = null;
  $("answer").textContent = "";
  $("answer").classList.add("streaming");
  $("citations").innerHTML = "";
  $("citations-heading").hidden = true;
  setStatus("searching the documents …");
  const resp = await fetch("/v1/ask", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", "Accept": "text/event-stream" }),
    body: JSON.stringify({ question, stream: true }),
  });
  if (!resp.ok) { $("answer").classList.remove("streaming"); setStatus(await problemText(resp), true); return; }
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", streamed = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = (block.match(/^event: (.*)$/m) || [])[1];
      const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "null");
      if (event === "draft") {
        showAnswer(data, true);
        setStatus("quoted from the sources; writing a phrased answer …");
      } else if (event === "token") {
        streamed += data.text; // after a draft, the first token replaces it
        $("answer").textContent = streamed;
        $("answer").classList.add("streaming");
        setStatus("writing …");
      } else if (event === "answer") {
        showAnswer(data);
      } else if (event === "error") {
        $("answer").classList.remove("streaming");
        setStatus(data.detail || "The answer failed.", true);
      }
    }
  }
}

$("ask-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = $("question").value.trim();
  if (!q) return;
  $("ask").disabled = true;
  try { await ask(q); } catch (e) { setStatus(String(e), true); } finally { $("ask").disabled = false; }
});

async function loadDocs() {
  const resp = await fetch("/v1/documents?limit=1000", { headers: headers() });
  if (!resp.ok) { $("docs").innerHTML = `<li class="error">${escapeHtml(await problemText(resp))}</li>`; return; }
  const docs = await resp.json();
  $("docs").innerHTML = docs.length ? docs.map((d) =>
    `<li data-doc="${escapeHtml(d.doc_id)}"><a class="doc" href="#source" data-doc="${escapeHtml(d.doc_id)}" ` +
    `title="${escapeHtml(d.doc_id)} · ${escapeHtml(d.source)}">${escapeHtml(d.title)}</a> <small>${d.chunks} chunks</small>` +
    `<button class="delete" type="button" data-doc="${escapeHtml(d.doc_id)}" aria-label="delete ${escapeHtml(d.doc_id)}">delete</button></li>`
  ).join("") : `<li class="empty">No documents yet: upload one.</li>`;
}

$("docs").addEventListener("click", async (ev) => {
  const target = ev.target.closest("[data-doc]");
  if (!target) return;
  ev.preventDefault();
  const doc = target.dataset.doc;
  if (target.classList.contains("doc")) { showDocument(doc); return; }
  if (!target.classList.contains("delete") || !confirm(`Delete ${doc}?`)) return;
  const resp = await fetch(`/v1/documents/${encodeURIComponent(doc)}`, { method: "DELETE", headers: headers() });
  setStatus(resp.ok ? `deleted ${doc}` : await problemText(resp), !resp.ok);
  loadDocs();
});

$("upload-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const files = [...$("upload").files];
  if (!files.length) { setStatus("Choose a .txt, .md, .html or .pdf file first.", true); return; }
  const form = new FormData();
  for (const file of files) form.append("file", file);
  $("upload-button").disabled = true;
  setStatus(`indexing ${files.map((f) => f.name).join(", ")} …`);
  try {
    const resp = await fetch("/v1/documents", { method: "POST", headers: headers(), body: form });
    if (resp.ok) {
      const body = await resp.json();
      const results = body.documents || [body]; // several files answer with {"documents": [...]}
      setStatus(results.map((r, i) => `${files[i].name}: ${r.status} as ${r.doc_id} (${r.chunks} chunks)`).join("; "));
      $("upload").value = "";
    } else {
      setStatus(await problemText(resp), true);
    }
  } finally {
    $("upload-button").disabled = false;
  }
  loadDocs();
});

loadDocs();
