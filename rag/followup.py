"""Follow-up questions made standalone: the previous question's subject or predicate carried into the new one.

Without an LLM: a follow-up that names something new ("Und Bytedance?") takes the previous question and swaps in
the new name for the previous name of the same shape ("Wie viele Ascend-910B-Chips hat Bytedance bestellt?"); one
that names nothing ("Und wann?", "Warum hat er das getan?") keeps its own words and borrows the previous question's
content words. With an LLM, the rewrite it proposes is used only if every content word in it comes from the
conversation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.llm import LLMError, LLMProvider
from rag.text import STOPWORDS, detect_language, fold, is_model_token, names, tokenize
from rag.text.normalise import words_of
from rag.text.tokens import RAW

# A question opening with one of these leans on the one before it.
_CONNECTIVE = re.compile(
    r"^\s*(und|aber|sowie|auch|also|oder|and|but|also|or|"
    r"was\s+ist\s+mit|wie\s+(steht|sieht)\s+es\s+(mit|bei)|wie\s+ist\s+es\s+(mit|bei)|und\s+was\s+ist\s+mit|"
    r"what\s+about|how\s+about|and\s+what\s+about|same\s+for|dasselbe\s+f[üu]r|das\s+gleiche\s+f[üu]r)\b[\s,]*",
    re.IGNORECASE,
)
# Words that point back at something said before.
_ANAPHORA = words_of("er sie es ihn ihm ihr ihnen dies diese dieser dieses das dort damals davon dafür darüber "
                    "he she it they them this that these those there then its their")
_QUESTION_WORDS = words_of("wer wen wem wessen wie was wann wo woher wohin warum weshalb wieso welche welcher "
                           "welches welchen who whom whose what when where why which how")
SHORT_FOLLOW_UP = 3  # a question of at most this many words is read as a follow-up (unless it is a whole question)
LLM_REWRITE_MAX_TOKENS = 96


def resolve(question: str, history: Sequence[str]) -> str:
    """The question made standalone against the earlier user questions (oldest first); unchanged when it is
    standalone already or there is no history. Each earlier question is resolved against its own predecessors
    first, so a chain of follow-ups keeps its subject."""
    previous = ""
    for earlier in history:
        if earlier.strip():
            previous = resolve_one(earlier, previous) if previous else earlier.strip()
    return resolve_one(question, previous) if previous else question


def is_follow_up(question: str) -> bool:
    """Whether the question leans on the one before: it opens with "und"/"and"/"what about" …; it is at most
    SHORT_FOLLOW_UP words long and no whole question ("Bytedance?", "Warum nicht?", but not "Wer ist Huang?");
    or it points back ("er", "it", …) with few words and no name of its own."""
    if _CONNECTIVE.match(question):
        return True
    tokens = [fold(m.group(0)) for m in RAW.finditer(question)]
    whole_question = bool(tokens) and tokens[0] in _QUESTION_WORDS and len(tokens) >= 3
    if len(tokens) <= SHORT_FOLLOW_UP and not whole_question:
        return True
    return bool(set(tokens) & _ANAPHORA) and not names(question) and len(_content_words(question)) <= 2


def resolve_one(question: str, previous: str) -> str:
    """One follow-up against the one (standalone) question before it."""
    question = question.strip()
    if not previous.strip() or not is_follow_up(question):
        return question
    rest = _CONNECTIVE.sub("", question, count=1).strip()
    new_names = _names_in_order(rest or question, detect_language(previous))
    if new_names:
        swapped = _swap_subject(previous, new_names)
        if swapped is not None:
            return swapped
    own = rest.rstrip(" ?!.") or question.rstrip(" ?!.")
    borrowed = [w for w in _content_words(previous) if fold(w) not in {fold(t) for t in tokenize(own)}]
    return f"{own[:1].upper()}{own[1:]}? {' '.join(borrowed)}".strip() if borrowed else question


def _content_words(text: str) -> list[str]:
    """Words of the text in their own case, without stopwords, each once (compounds whole)."""
    found: dict[str, str] = {}
    for match in RAW.finditer(text):
        word = match.group(0).strip(".,'")
        key = fold(word)
        if len(key) > 1 and key not in STOPWORDS:
            found.setdefault(key, word)
    return list(found.values())


def _names_in_order(text: str, language: str) -> list[str]:
    """The names a text mentions, in their own case and order. In a short follow-up any capitalised word that is
    no stopword counts ("Und Tencent?"), since German casing alone says nothing there."""
    folded_names = names(text, language)
    found: list[str] = []
    for match in RAW.finditer(text):
        word = match.group(0).strip(".,'")
        key = fold(word)
        if key in STOPWORDS or len(key) < 2:
            continue
        if (key in folded_names or word[:1].isupper() or is_model_token(word)) and word not in found:
            found.append(word)
    return found


def _swap_subject(previous: str, new_names: list[str]) -> str | None:
    """The previous question with its subject, the last name there of the same shape as the new ones (a
    model token such as 910B for a model token, a word for a word), replaced by the new names."""
    model_like = all(is_model_token(n) for n in new_names)
    language = detect_language(previous)
    old_names = names(previous, language)
    spots: list[tuple[int, int, bool]] = []  # (start, end, standalone) of each name in the previous question
    for match in re.finditer(r"[^\W_]+", previous):
        word = match.group(0)
        if fold(word) in old_names and is_model_token(word) == model_like:
            standalone = not _joined(previous, match.start(), match.end())
            spots.append((match.start(), match.end(), standalone))
    if not spots:
        return None
    # A standalone word is the better subject than a part of a compound ("Baidu", not "Ascend" in
    # "Ascend-910B-Chips"); among equals the last one, the grammatical subject of most short questions.
    start, end, _ = max(spots, key=lambda s: (s[2] or model_like, s[0]))
    joiner = " und " if language == "de" else " and "
    return previous[:start] + joiner.join(new_names) + previous[end:]


def _joined(text: str, start: int, end: int) -> bool:
    """Whether the word at start:end is part of a hyphenated compound."""
    return (start > 0 and text[start - 1] in "-\u2010\u2011") or (end < len(text) and text[end] in "-\u2010\u2011")


# -- with an LLM ------------------------------------------------------------------------------------------

_REWRITE_SYSTEM = ("You turn the last question of a conversation into one standalone question, in the language of "
                   "that question, using only words that occur in the conversation. Reply with the question only.")


def rewrite_messages(question: str, history: Sequence[str]) -> list[dict[str, str]]:
    turns = "\n".join(f"User: {h.strip()}" for h in history if h.strip())
    return [{"role": "system", "content": _REWRITE_SYSTEM},
            {"role": "user", "content": f"Conversation:\n{turns}\n\nLast question: {question.strip()}\n\n"
                                        "Standalone question:"}]


def rewrite_with_llm(llm: LLMProvider, question: str, history: Sequence[str]) -> str | None:
    """The LLM's standalone version of the question, if it adds only words from the conversation; else None."""
    try:
        reply = llm.generate(rewrite_messages(question, history), max_tokens=LLM_REWRITE_MAX_TOKENS)
    except LLMError:
        return None
    rewrite = reply.strip().strip('"\u201e\u201c\u201d').splitlines()[0].strip() if reply.strip() else ""
    rewrite = re.sub(r"^(standalone question|question|frage)\s*:\s*", "", rewrite, flags=re.IGNORECASE)
    return rewrite if rewrite and adds_only_known_words(rewrite, [question, *history]) else None


def adds_only_known_words(rewrite: str, sources: Sequence[str]) -> bool:
    """Every content word (and number) of the rewrite occurs in one of the sources (folded, compounds split)."""
    known = {fold(t) for text in sources for t in tokenize(text)}
    used = {fold(t) for t in tokenize(rewrite)}
    return bool(used) and all(w in known or w in STOPWORDS or len(w) < 2 for w in used)


def standalone(question: str, history: Sequence[str], llm: LLMProvider | None = None) -> str:
    """The question to answer: the LLM's checked rewrite when an LLM is given, else the rule-based one."""
    if not any(h.strip() for h in history):
        return question
    if llm is not None:
        rewrite = rewrite_with_llm(llm, question, history)
        if rewrite is not None:
            return rewrite
    return resolve(question, history)
