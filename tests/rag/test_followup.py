"""Follow-up questions made standalone, by rules and through a checked LLM rewrite."""

from __future__ import annotations

import pytest

from rag.followup import adds_only_known_words, is_follow_up, resolve, standalone
from rag.llm import LLMError, LLMProvider, Message

BAIDU = "Wie viele Ascend-910B-Chips hat Baidu bestellt?"


@pytest.mark.parametrize(("follow_up", "resolved"), [
    ("Und Bytedance?", "Wie viele Ascend-910B-Chips hat Bytedance bestellt?"),
    ("Was ist mit Tencent?", "Wie viele Ascend-910B-Chips hat Tencent bestellt?"),
    ("Bytedance?", "Wie viele Ascend-910B-Chips hat Bytedance bestellt?"),
    ("Und Bytedance und Alibaba?", "Wie viele Ascend-910B-Chips hat Bytedance und Alibaba bestellt?"),
    ("Und die H20?", "Wie viele Ascend-H20-Chips hat Baidu bestellt?"),  # a model name replaces a model name
])
def test_a_new_subject_takes_the_place_of_the_old_one(follow_up: str, resolved: str) -> None:
    assert resolve(follow_up, [BAIDU]) == resolved


def test_english_follow_ups_keep_their_language() -> None:
    assert resolve("What about Bytedance?", ["How many Ascend 910B chips did Baidu order?"]) == \
        "How many Ascend 910B chips did Bytedance order?"


def test_a_follow_up_without_a_subject_borrows_the_previous_words() -> None:
    resolved = resolve("Und wann?", [BAIDU])
    assert resolved.startswith("Wann?")
    assert {"Ascend-910B-Chips", "Baidu", "bestellt"} <= set(resolved.split())
    assert "viele" not in resolved  # the previous question's question words would change what is asked


def test_a_chain_of_follow_ups_keeps_the_subject_it_reached() -> None:
    assert resolve("Und wann?", [BAIDU, "Und Bytedance?"]).split()[1:] == ["Ascend-910B-Chips", "Bytedance",
                                                                           "bestellt"]


@pytest.mark.parametrize("question", [
    "Wie viel hat Bytedance im vergangenen Jahr für Nvidia-Chips ausgegeben?",
    "Wer ist Jensen Huang?",
    "Which company makes the H20 chip?",
])
def test_a_standalone_question_is_left_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert resolve(question, [BAIDU]) == question


def test_without_history_nothing_changes() -> None:
    assert resolve("Und Bytedance?", []) == "Und Bytedance?"
    assert standalone("Und Bytedance?", ["  "]) == "Und Bytedance?"


class ScriptedLLM(LLMProvider):
    """Replies with a fixed text, or fails; records the messages it was sent."""

    name = "scripted"

    def __init__(self, reply: str | None) -> None:
        self.reply = reply
        self.sent: list[list[Message]] = []

    def generate(self, messages: list[Message], *, max_tokens: int | None = None) -> str:
        self.sent.append(messages)
        if self.reply is None:
            raise LLMError("down")
        return self.reply


def test_the_llm_rewrite_is_used_when_it_adds_only_words_of_the_conversation() -> None:
    llm = ScriptedLLM("Wie viele Ascend-910B-Chips hat Bytedance bestellt?")
    assert standalone("Und Bytedance?", [BAIDU], llm) == "Wie viele Ascend-910B-Chips hat Bytedance bestellt?"
    assert BAIDU in llm.sent[0][-1]["content"] and "Und Bytedance?" in llm.sent[0][-1]["content"]


@pytest.mark.parametrize("reply", [
    "Wie viele Ascend-910B-Chips hat Bytedance im Jahr 2023 bestellt?",  # invents a year
    "Wie viele Chips hat Alibaba bestellt?",  # invents a company
    "",
    None,  # the LLM failed
])
def test_an_unchecked_rewrite_falls_back_to_the_rules(reply: str | None) -> None:
    assert standalone("Und Bytedance?", [BAIDU], ScriptedLLM(reply)) == \
        "Wie viele Ascend-910B-Chips hat Bytedance bestellt?"


def test_known_words_are_checked_folded_and_by_compound_part() -> None:
    assert adds_only_known_words("wie viele ASCEND chips hat bytedance bestellt", [BAIDU, "Und Bytedance?"])
    assert not adds_only_known_words("Wie viele Chips hat Huawei geliefert?", [BAIDU, "Und Bytedance?"])
