"""Compare the bundled local LLMs on short cited answers from seed-article evidence (evals.llm_compare)."""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evals.harness import markdown_table
from rag.llm.base import Message
from rag.llm.llamacpp import LlamaCppProvider
from rag.llm.prompt import build_messages, format_evidence

# The seed article (shared/seed/000_a72d3fc20d34990a.txt) as it lies in the collection.
SEED = Path(__file__).resolve().parents[1] / "documents" / "huawei-ascend-910c-nvidia-china.md"

# Sentences quoted verbatim from the seed article (checked against SEED at start-up).
S = {
    "bd_order": (
        "Bytedance soll bereits über 100.000 Huawei Ascend 910B Chips bestellt, aber bis Juli "
        "weniger als 30.000 erhalten haben."
    ),
    "bd_h20": (
        "Bytedance ist auch der größte Abnehmer von Nvidias für China angepasstem H20 AI-Chip "
        "und Microsofts größter Kunde in Asien für Nvidia-Chips über die Cloud."
    ),
    "bd_spend": (
        "Laut Reuters hat Bytedance im vergangenen Jahr 2 Milliarden Dollar für Nvidia-Chips ausgegeben."
    ),
    "bd_huawei": "Bytedance wird laut Reuters-Quellen Großkunde von Huawei.",
    "bd_deny": "Ein Bytedance-Sprecher dementierte die Pläne für ein neues Modell.",
    "gap": (
        "Huawei will mit seinem neuen Ascend 910C-Chip die Lücke füllen, die Nvidia aufgrund "
        "von US-Exportbeschränkungen hinterlassen hat."
    ),
    "samples": (
        "Huawei hat damit begonnen, Muster seines neuen Prozessors Ascend 910C an große "
        "chinesische Serverfirmen für Hardwaretests und Konfigurationen zu versenden, wie zwei "
        "Quellen der South China Morning Post berichteten."
    ),
    "a100": (
        "Analysten zufolge soll der Vorgängerchip Ascend 910B in Bezug auf die "
        "KI-Rechenleistung gleichauf mit Nvidias A100-GPU liegen oder diese sogar leicht "
        "übertreffen."
    ),
    "half": (
        "Nach Angaben von Huawei wurde etwa die Hälfte der 70 leistungsstärksten chinesischen "
        "LLMs im vergangenen Jahr mit einem Ascend-Chip trainiert."
    ),
    "baidu": (
        "So soll Baidu 1.600 Huawei Ascend 910B KI-Chips im Wert von rund 62 Millionen "
        "US-Dollar bestellt haben, um sich auf eine Zukunft vorzubereiten, in der es aufgrund "
        "von US-Exportbeschränkungen möglicherweise keine Nvidia-Chips mehr kaufen kann."
    ),
    "bundle": (
        "Eine SCMP-Quelle berichtet, dass Huawei versucht, die Chips im Bundle mit anderen "
        "Komponenten wie Netzwerk- und Speicherlösungen zu verkaufen."
    ),
    "hbm": (
        "Das Unternehmen hat zudem ein Konsortium chinesischer Chiphersteller gebildet, um bis "
        "2026 High-Bandwidth Memory (HBM)-Chips für KI-Anwendungen zu produzieren, die eine "
        "Alternative zu Nvidias KI-Chips darstellen sollen."
    ),
    "h20": (
        "Nvidia soll in diesem Jahr mehr als eine Million H20-GPUs in China ausliefern und "
        "damit einen Umsatz von circa 12 Milliarden US-Dollar erzielen."
    ),
}


@dataclass(frozen=True)
class Case:
    """A question, its evidence (keys of S, numbered from 1) and the fact a right answer contains."""

    question: str
    language: str
    evidence: tuple[str, ...]
    fact: str | None  # regex; None: the evidence does not answer, the model should say so
    gold: int = 0  # the evidence number that holds the fact

    def numbered(self) -> list[tuple[int, str]]:
        return [(i, S[key]) for i, key in enumerate(self.evidence, 1)]


CASES = [
    Case(
        "Wie viele Ascend-910B-Chips hat Baidu bestellt?",
        "de",
        ("bd_order", "baidu", "half"),
        r"1[.,]?600",
        2,
    ),
    Case(
        "How much did ByteDance spend on Nvidia chips last year?",
        "en",
        ("bd_h20", "bd_spend", "h20"),
        r"\b2\s*(billion|Milliarden|bn)",
        2,
    ),
    Case(
        "Wie viele H20-GPUs will Nvidia in China ausliefern?",
        "de",
        ("bd_h20", "hbm", "h20"),
        r"(eine|1)\s*Million",
        3,
    ),
    Case(
        "How many Ascend 910B chips did ByteDance order?",
        "en",
        ("baidu", "bd_order", "bd_huawei"),
        r"100[.,\s]?000",
        2,
    ),
    Case(
        "Wie viel Umsatz soll Nvidia mit den H20-GPUs in China erzielen?",
        "de",
        ("h20", "bd_spend", "baidu"),
        r"12\s*(Milliarden|billion|Mrd)",
        1,
    ),
    Case(
        "How many of the 70 most powerful Chinese LLMs were trained on an Ascend chip?",
        "en",
        ("a100", "half", "samples"),
        r"half|Hälfte|\b35\b",
        2,
    ),
    Case("Bis wann will das Konsortium HBM-Chips produzieren?", "de", ("bundle", "gap", "hbm"), r"2026", 3),
    Case(
        "What were the chips Baidu ordered worth?",
        "en",
        ("baidu", "h20", "bd_spend"),
        r"62\s*(million|Millionen|m\b)",
        1,
    ),
    Case(
        "Wie viele Ascend-910B-Chips hatte Bytedance bis Juli erhalten?",
        "de",
        ("baidu", "bd_deny", "bd_order"),
        r"30[.,\s]?000",
        3,
    ),
    Case(
        "Which Nvidia GPU does the Ascend 910B match in AI computing power?",
        "en",
        ("h20", "a100", "gap", "bd_h20"),
        r"A100",
        2,
    ),
    # Unanswerable from the evidence: the right reply says so.
    Case("Wie viel kostet ein Ascend-910C-Chip?", "de", ("gap", "samples", "a100"), None),
    Case("How many employees does Huawei have?", "en", ("half", "hbm", "bundle"), None),
]

_REFUSAL = re.compile(
    r"nicht beantwort|keine (Angabe|Information)|not answer|no information|does not (say|mention)"
    r"|not (mentioned|stated|provided)|cannot be (answered|determined)",
    re.IGNORECASE,
)
_GERMAN = re.compile(r"\b(der|die|das|und|hat|haben|soll|nicht|ein|eine|mit|von|wurde|bis)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(the|and|has|have|did|was|were|of|with|by|is|are|not)\b", re.IGNORECASE)

# --- prompt variants ---

_LANG_NAME = {"de": "German", "en": "English"}


def english_instructions(case: Case) -> list[Message]:
    """English instructions whatever the question's language, naming the language to answer in."""
    system = (
        f"Answer the question using only the numbered evidence, in one or two sentences in "
        f"{_LANG_NAME[case.language]}. Cite the evidence as [n]. If the evidence does not answer the "
        "question, say so."
    )
    user = f"Evidence:\n{format_evidence(case.numbered())}\n\nQuestion: {case.question}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def prompt_module(case: Case) -> list[Message]:
    """rag.llm.prompt.build_messages: instructions written in the question's language."""
    return build_messages(case.question, case.numbered(), case.language)


# A worked example on an unrelated topic, so that copying it can never look like a right answer.
_EXAMPLE = {
    "de": (
        "Wie viele Leser haben 2023 Bücher ausgeliehen?",
        [
            (1, "Die Stadtbibliothek öffnet montags um 9 Uhr."),
            (2, "Im Jahr 2023 liehen 48.000 Leser Bücher aus."),
        ],
        "2023 haben 48.000 Leser Bücher ausgeliehen [2].",
    ),
    "en": (
        "How many readers borrowed books in 2023?",
        [(1, "The city library opens at 9 a.m. on Mondays."), (2, "In 2023, 48,000 readers borrowed books.")],
        "In 2023, 48,000 readers borrowed books [2].",
    ),
}


def one_shot(case: Case) -> list[Message]:
    """build_messages preceded by one worked example exchange."""
    question, evidence, answer = _EXAMPLE[case.language]
    shot = build_messages(question, evidence, case.language)
    return [
        *shot,
        {"role": "assistant", "content": answer},
        *build_messages(case.question, case.numbered(), case.language)[1:],
    ]


def completion_prompt(case: Case) -> str:
    """Plain text for a base model: one worked example, then the case, ending where the answer starts."""
    label = {"de": ("Belege", "Frage", "Antwort"), "en": ("Evidence", "Question", "Answer")}[case.language]
    question, evidence, answer = _EXAMPLE[case.language]

    def block(q: str, ev: list[tuple[int, str]]) -> str:
        return f"{label[0]}:\n{format_evidence(ev)}\n{label[1]}: {q}\n{label[2]}:"

    return f"{block(question, evidence)} {answer}\n\n{block(case.question, case.numbered())}"


CHAT_VARIANTS: dict[str, Callable[[Case], list[Message]]] = {
    "chat, build_messages": prompt_module,
    "chat, build_messages + 1 example": one_shot,
    "chat, long English instructions": english_instructions,
}
MODELS = ["smollm2-135m-instruct", "gemma-3-270m"]

# --- running and scoring ---


@dataclass
class Score:
    model: str
    prompt: str
    right: int = 0
    cited: int = 0
    cited_gold: int = 0
    usable: int = 0
    language: int = 0
    refused: int = 0
    echoed: int = 0
    seconds: float = 0.0


def first_answer(text: str) -> str:
    """What a reader takes as the answer: the first line's first two sentences. An echo of the prompt's
    evidence list ('Evidence:', 'Context:', '[1] ...') is no answer."""
    line = text.strip().split("\n", 1)[0].strip()
    if re.match(r"(Evidence|Belege|Context|Kontext)\s*:|\[\d\]", line):
        return ""
    return " ".join(re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])", line)[:2])


def score(result: Score, case: Case, text: str, seconds: float) -> None:
    result.seconds += seconds
    answer = first_answer(text)
    result.echoed += not answer
    if case.fact is None:
        result.refused += bool(_REFUSAL.search(answer))
        return
    result.right += bool(re.search(case.fact, answer, re.IGNORECASE))
    cites = {int(n) for n in re.findall(r"\[(\d)\]", answer)}
    result.cited += bool(cites)
    result.cited_gold += case.gold in cites
    result.usable += case.gold in cites and bool(re.search(case.fact, answer, re.IGNORECASE))
    german = len(_GERMAN.findall(answer)) > len(_ENGLISH.findall(answer))
    result.language += bool(answer) and german == (case.language == "de")


def run_chat(provider: LlamaCppProvider, variant: str, max_tokens: int, show: bool) -> Score:
    result = Score(provider.model.removeprefix("bundled:"), variant)
    for case in CASES:
        started = time.perf_counter()
        text = provider.generate(CHAT_VARIANTS[variant](case), max_tokens=max_tokens)
        score(result, case, text, time.perf_counter() - started)
        if show:
            print(
                f"  [{variant}] {case.question}\n    -> {first_answer(text)!r}"
                f"   (raw: {' '.join(text.split())[:160]!r})"
            )
    return result


def run_completion(provider: LlamaCppProvider, max_tokens: int, show: bool) -> Score:
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(provider.model_file()),
        n_ctx=provider.context_tokens,
        n_threads=provider.threads,
        seed=0,
        verbose=False,
    )
    result = Score(provider.model.removeprefix("bundled:"), "completion, 1 example")
    for case in CASES:
        started = time.perf_counter()
        llama.reset()  # type: ignore[no-untyped-call]
        out = llama.create_completion(
            completion_prompt(case), max_tokens=max_tokens, temperature=0.0, stop=["\n"]
        )
        text = str(out["choices"][0]["text"]).strip()  # type: ignore[index]
        score(result, case, text, time.perf_counter() - started)
        if show:
            print(f"  [completion] {case.question}\n    -> {first_answer(text)!r}")
    return result


def table(scores: list[Score]) -> str:
    answerable = sum(c.fact is not None for c in CASES)
    unanswerable = len(CASES) - answerable
    header = ["model", "prompt", f"right fact (/{answerable})", "cites [n]", "cites the right [n]",
              "right fact + right [n]", f"right language (/{answerable})", f"says unanswerable (/{unanswerable})",
              f"no answer, echo (/{len(CASES)})", "mean latency s"]
    rows = [[s.model, s.prompt, s.right, s.cited, s.cited_gold, s.usable, s.language, s.refused, s.echoed,
             f"{s.seconds / len(CASES):.2f}"] for s in scores]
    return markdown_table(header, rows)


def check_quotes() -> None:
    """Every evidence sentence must be a verbatim substring of the seed article."""
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    missing = [key for key, sentence in S.items() if sentence not in text]
    if missing:
        raise SystemExit(f"evidence not verbatim in {SEED}: {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--max-tokens", type=int, default=80)
    parser.add_argument("--show", action="store_true", help="print every answer")
    args = parser.parse_args()
    if SEED.exists():
        check_quotes()
    scores: list[Score] = []
    for model in args.models:
        provider = LlamaCppProvider(f"bundled:{model}", context_tokens=2048, threads=2, temperature=0.0)
        started = time.perf_counter()
        provider.generate([{"role": "user", "content": "Hi"}], max_tokens=1)
        print(f"{model}: loaded in {time.perf_counter() - started:.1f} s ({provider.model_file()})")
        for variant in CHAT_VARIANTS:
            scores.append(run_chat(provider, variant, args.max_tokens, args.show))
        scores.append(run_completion(provider, args.max_tokens, args.show))
        print(table(scores[-len(CHAT_VARIANTS) - 1 :]), flush=True)
    print()
    print(table(scores))
    print(
        f"\n{len(CASES)} questions ({sum(c.language == 'de' for c in CASES)} German), greedy decoding, "
        f"max_tokens={args.max_tokens}, 2 threads; load average at the end {os.getloadavg()[0]:.1f}."
    )


if __name__ == "__main__":
    main()
