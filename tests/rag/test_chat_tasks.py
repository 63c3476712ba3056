"""Chat UIs' task prompts are recognised by their default wordings; questions are not."""

from __future__ import annotations

import json

import pytest

from rag.chat_tasks import make_title, recognise

HISTORY = "<chat_history>\nUSER: Wie viele Ascend-910B-Chips hat Baidu bestellt?\nASSISTANT: 1.600 [1]\n</chat_history>"
OPEN_WEBUI_TITLE = ("### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n"
                    "### Guidelines:\n- The title should clearly represent the main theme or subject of the "
                    "conversation.\n### Output:\nJSON format: { \"title\": \"your concise title here\" }\n"
                    f"### Chat History:\n{HISTORY}")
OPEN_WEBUI_TAGS = ("### Task:\nGenerate 1-3 broad tags categorizing the main themes of the chat history, along with "
                   "1-3 more specific subtopic tags.\n### Output:\nJSON format: { \"tags\": [\"tag1\", \"tag2\"] }\n"
                   f"### Chat History:\n{HISTORY}")
OPEN_WEBUI_FOLLOW_UPS = ("### Task:\nSuggest 3-5 relevant follow-up questions or prompts that the user might naturally "
                         "ask next in this conversation as a **user**, based on the chat history.\n### Output:\n"
                         f"JSON format: {{ \"follow_ups\": [\"Question 1?\"] }}\n### Chat History:\n{HISTORY}")
OPEN_WEBUI_QUERIES = ("### Task:\nAnalyze the chat history to determine the necessity of generating search queries, "
                      "in the given language.\n### Output:\nStrictly return in JSON format: "
                      f"{{ \"queries\": [\"query1\"] }}\n### Chat History:\n{HISTORY}")
LIBRECHAT_TITLE = ("Provide a concise, 5-word-or-less title for the conversation, using title case conventions. "
                   "Only return the title itself.\n\nConversation:\nUser: Wie viele Ascend-910B-Chips hat Baidu "
                   "bestellt?\nAI: 1.600 [1]")


def test_open_webui_title_is_json_from_the_first_question() -> None:
    task = recognise(OPEN_WEBUI_TITLE)
    assert task is not None and task.kind == "title"
    assert json.loads(task.reply) == {"title": "Wie viele Ascend-910B-Chips hat Baidu bestellt"}


@pytest.mark.parametrize(("prompt", "kind", "reply"), [
    (OPEN_WEBUI_TAGS, "tags", {"tags": ["General"]}),
    (OPEN_WEBUI_FOLLOW_UPS, "follow_ups", {"follow_ups": []}),
    (OPEN_WEBUI_QUERIES, "queries", {"queries": []}),
])
def test_open_webui_tasks_get_empty_json_replies(prompt: str, kind: str, reply: object) -> None:
    task = recognise(prompt)
    assert task is not None and task.kind == kind and json.loads(task.reply) == reply


def test_librechat_title_is_plain_text() -> None:
    task = recognise(LIBRECHAT_TITLE)
    assert task is not None and task.kind == "title"
    assert task.reply == "Wie viele Ascend-910B-Chips hat Baidu bestellt"


def test_a_title_without_a_quoted_conversation_comes_from_the_earlier_questions() -> None:
    task = recognise("Generate a short title for this conversation.", ["How many chips did Baidu order?"])
    assert task is not None and task.reply == "How many chips did Baidu order"


@pytest.mark.parametrize("question", [
    "Wie viele Ascend-910B-Chips hat Baidu bestellt?",
    "What is the title of the Reuters report?",
    "Welche Tags hat das Dokument?",
    "Which follow-up questions did the analysts ask?",
])
def test_questions_are_not_tasks(question: str) -> None:
    assert recognise(question) is None


def test_make_title_keeps_a_few_words() -> None:
    title = make_title("Was kostet ein H20-Chip von Nvidia in China im Jahr 2024?")
    assert title == "Was kostet ein H20-Chip von Nvidia"
    assert make_title("???") == "Quelle"
