"""Chat UIs' own task prompts (a title, tags, follow-up suggestions, search queries): recognised and answered
briefly, without retrieval, and never taken for questions about the documents.

The wordings are those of the UIs' default prompt templates: Open WebUI's (every template opens with "### Task:"
and quotes the conversation in <chat_history>), LibreChat's title prompts ("… 5-word-or-less title for the
conversation …"), and the common "Generate a short title" family."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

TaskKind = Literal["title", "tags", "follow_ups", "queries", "autocomplete", "emoji"]

_WORDINGS: tuple[tuple[TaskKind, str], ...] = (
    ("follow_ups", r"suggest\s+3-5\s+relevant\s+follow-up\s+(questions|prompts)|\"follow_ups\"\s*:"),
    ("tags", r"generate\s+1-3\s+broad\s+tags|\{\s*\"tags\"\s*:"),
    ("queries", r"generat(e|ing)\s+search\s+quer(y|ies)|\{\s*\"queries\"\s*:"),
    ("autocomplete", r"you\s+are\s+an\s+autocompletion\s+system"),
    ("emoji", r"reflect\s+the\s+speaker'?s\s+likely\s+facial\s+expression"),
    ("title", r"###\s*task:.{0,200}\btitle\b|5-word-or-less\s+title|title\s+for\s+(the|this)\s+conversation"
              r"|concise\s+title\s+(summarizing|for)|generate\s+a\s+(short|concise|brief)\s+(chat\s+)?title"
              r"|\{\s*\"title\"\s*:"),
)
_PATTERNS = tuple((kind, re.compile(pattern, re.IGNORECASE | re.DOTALL)) for kind, pattern in _WORDINGS)
_TASK_HEADER = re.compile(r"^\s*###\s*task\s*:", re.IGNORECASE)
_HISTORY = re.compile(r"<chat_history>(.*?)</chat_history>", re.IGNORECASE | re.DOTALL)
_USER_LINE = re.compile(r"^\s*(?:user|human)\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
TITLE_WORDS = 6


@dataclass(frozen=True)
class ChatTask:
    """A recognised task prompt and the reply to send back."""

    kind: TaskKind
    reply: str


def recognise(prompt: str, earlier_questions: list[str] | None = None) -> ChatTask | None:
    """The task a chat UI's prompt asks for, with a short reply, or None for an ordinary message.
    `earlier_questions` are the conversation's user turns before it (a title is made from the first)."""
    head = prompt[:3000]
    for kind, pattern in _PATTERNS:
        if pattern.search(head) and (kind != "title" or _reads_like_task(head)):
            return ChatTask(kind, _reply(kind, prompt, earlier_questions or []))
    if _TASK_HEADER.match(prompt):  # some other "### Task:" of Open WebUI: answer it empty rather than search
        return ChatTask("queries", _reply("queries", prompt, []))
    return None


def _reads_like_task(text: str) -> bool:
    # "What is the title of the report?" is a question; a title task tells the model how to write one.
    return bool(_TASK_HEADER.match(text) or re.search(r"\b(generate|create|write|provide|give)\b.{0,60}\btitle\b",
                                                      text, re.IGNORECASE | re.DOTALL))


def _reply(kind: TaskKind, prompt: str, earlier: list[str]) -> str:
    wants_json = "json" in prompt.lower()
    if kind == "title":
        title = make_title(_first_question(prompt, earlier))
        return json.dumps({"title": title}, ensure_ascii=False) if wants_json else title
    if kind == "tags":
        return json.dumps({"tags": ["General"]})
    if kind == "follow_ups":
        return json.dumps({"follow_ups": []})
    if kind == "autocomplete":
        return json.dumps({"text": ""})
    if kind == "emoji":
        return "\U0001f642"
    return json.dumps({"queries": []})


def _first_question(prompt: str, earlier: list[str]) -> str:
    history = _HISTORY.search(prompt)
    lines = _USER_LINE.findall(history.group(1) if history else prompt)
    if lines:
        return str(lines[0])
    return earlier[0] if earlier else ""


def make_title(question: str) -> str:
    """A few words of the question, without punctuation: "Wie viele Ascend-910B-Chips hat Baidu bestellt?" ->
    "Wie viele Ascend-910B-Chips hat Baidu bestellt"."""
    words = re.sub(r"[^\w\s-]", " ", question).split()
    return " ".join(words[:TITLE_WORDS]) or "Quelle"
