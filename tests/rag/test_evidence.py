"""Evidence selection: which sentences of the retrieved passages are evidence, and how they rank."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest

from rag.config import Settings
from rag.embeddings import Embedder
from rag.evidence import SentenceVectors, _about_the_question, _promoted, candidates, scoring_text, select_evidence
from rag.question import analyse, states
from rag.schema import Passage
from rag.structure import Outline, detect_outline
from rag.text import fold, iter_tokens

DIM = 64


class BagOfWordsEmbedder(Embedder):
    """A fake embedder: hashed folded words, so texts sharing words are close (no model needed)."""

    name = "bag-of-words"
    dimension = DIM

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in iter_tokens(text):
                vectors[row, int(hashlib.md5(fold(token.text).encode()).hexdigest(), 16) % DIM] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


EMBEDDER = BagOfWordsEmbedder(batch_size=64)

MANUAL = """Paketverwaltung

Pakete installieren

    Ein Paket wird mit apt install installiert. Danach steht es allen
    Benutzern zur Verfügung.

Wie entferne ich ein Paket?

    Mit apt remove wird ein Paket entfernt, seine Konfiguration bleibt.

OPTIONEN
       -y, --yes
              Alle Rückfragen automatisch mit Ja beantworten
"""


def passage_of(text: str, outline: Outline, doc_id: str = "manual") -> Passage:
    return Passage(doc_id=doc_id, chunk_id=f"{doc_id}::v::0", title="Paketverwaltung", source="", start=0,
                   end=len(text), text=text, score=1.0, section="", outline=outline)


def select(question: str, text: str = MANUAL, k: int = 3):  # type: ignore[no-untyped-def]
    analysed = analyse(question)
    passage = passage_of(text, detect_outline(text))
    return select_evidence(analysed, [passage], SentenceVectors(EMBEDDER, 1000), EMBEDDER.embed_query(question), k)


def test_headings_titles_and_questions_are_never_evidence() -> None:
    outline = detect_outline(MANUAL)
    texts = [c.text for c in candidates([passage_of(MANUAL, outline)])]
    assert "Pakete installieren" not in texts and "Paketverwaltung" not in texts
    assert not any(t.endswith("?") for t in texts)
    assert any(t.startswith("Ein Paket wird mit apt install installiert.") for t in texts)


def test_a_heading_that_matches_lifts_its_own_first_sentence() -> None:
    selection = select("Wie kann ich Pakete installieren?")
    assert selection.evidence[0].quote.startswith("Ein Paket wird mit apt install installiert.")


def test_an_option_is_quoted_with_its_description() -> None:
    selection = select("Welche Option beantwortet alle Rückfragen mit Ja?")
    top = selection.evidence[0].quote
    assert top.startswith("-y, --yes") and top.endswith("mit Ja beantworten")
    assert selection.answers_kind  # an option was asked for, and the evidence names one


LS_OPTIONS = """OPTIONEN
       -d, --directory
              Verzeichnisse an sich auflisten, nicht deren Inhalte
       -r, --reverse
              Die Sortierreihenfolge umkehren
"""


RELEASES = """Versionen

Die Version 2 des Werkzeugs erschien am 3. Mai 2020. Sie liest Archive schneller.
"""

SOURCES = """Paketquellen

Die Paketquellen stehen in der Datei /etc/apt/sources.list.
"""

OPTION_ROWS = ("-d, --directory", "-r, --reverse")
RELEASE = "Die Version 2 des Werkzeugs erschien am 3. Mai 2020."
SOURCE = "Die Paketquellen stehen in der Datei /etc/apt/sources.list."


@pytest.mark.parametrize(("text", "question", "first", "answers"), [
    # an option: refused unless it is about at least half of the question
    (LS_OPTIONS, "Welche Option kehrt die Sortierreihenfolge um?", OPTION_ROWS, True),
    (LS_OPTIONS, "Which option lists directories themselves?", OPTION_ROWS, True),
    (LS_OPTIONS, "Mit welcher Option färbt ls Verzeichnisse rot ein?", OPTION_ROWS, False),  # -d colours nothing
    (LS_OPTIONS, "Which option colours directories red?", OPTION_ROWS, False),
    # a date
    (RELEASES, "Wann erschien die Version 2 des Werkzeugs?", RELEASE, True),
    (RELEASES, "When was version 2 released?", RELEASE, True),
    (RELEASES, "Wann wurde die Lizenz der Dokumentation geändert?", RELEASE, False),  # a date of something else
    # a place
    (SOURCES, "Wo stehen die Paketquellen?", SOURCE, True),
    (SOURCES, "Where are the package sources listed?", SOURCE, True),
    (SOURCES, "Wo liegen die Schlüssel für SSH?", SOURCE, False),  # a place, but of something else
])
def test_the_kind_asked_for_answers_only_when_stated_about_the_question(
        text: str, question: str, first: str | tuple[str, ...], answers: bool) -> None:
    selection = select(question, text)
    assert selection.evidence[0].quote.startswith(first)
    assert selection.answers_kind is answers


def test_a_wrapped_sentence_is_one_piece_of_evidence() -> None:
    quotes = [e.quote for e in select("Wem steht ein installiertes Paket zur Verfügung?", k=5).evidence]
    assert any(q.startswith("Danach steht es allen") and q.endswith("zur Verfügung.") for q in quotes)
    assert "Benutzern zur Verfügung." not in quotes


def test_words_found_nowhere_are_missing_concepts() -> None:
    selection = select("Wie hoch ist der Stromverbrauch von apt?")
    assert "stromverbrauch" in selection.missing_concepts
    assert not selection.answers_kind  # a quantity was asked for, and no sentence states a number


def test_an_english_question_finds_german_words_through_the_lexicon() -> None:
    selection = select("How do I remove a package?")
    assert selection.missing_concepts == []
    assert selection.evidence[0].quote.startswith("Mit apt remove wird ein Paket entfernt")


def test_no_passages_no_evidence() -> None:
    analysed = analyse("Was?")
    empty = select_evidence(analysed, [], SentenceVectors(EMBEDDER, 1000), EMBEDDER.embed_query("Was?"), 3)
    assert empty.evidence == [] and empty.support == 0.0


BACK = """apt

BESCHREIBUNG

    Mit apt install wird ein Paket aus dem Archiv installiert.

SIEHE AUCH

    Wie ein Paket mit apt installiert wird, beschreibt auch https://example.org/apt.

AUTOR

    Das Paket apt wurde von Jason Gunthorpe geschrieben.
"""


def test_back_matter_is_evidence_only_when_the_question_asks_about_it() -> None:
    selection = select("Wie wird ein Paket mit apt installiert?", text=BACK)
    assert selection.evidence[0].quote.startswith("Mit apt install wird")
    assert not selection.evidence[0].quote.startswith("Wie ein Paket")
    # "Wer ist der Autor von apt?" names the AUTOR section: no penalty there
    assert select("Wer ist der Autor von apt?", text=BACK).evidence[0].quote.startswith("Das Paket apt wurde")


def test_a_usage_line_is_context_not_evidence() -> None:
    text = """ÜBERSICHT
       gzip [ -acdfhklLnNrtvV19 ] [-S Endung] [ Name … ]
       zcat [ -fhLV ] [ Name … ]

BESCHREIBUNG
       zcat ist mit gunzip -c identisch.
"""
    texts = [c.text for c in candidates([passage_of(text, detect_outline(text))])]
    assert not any("[-S Endung]" in t for t in texts)
    assert "zcat ist mit gunzip -c identisch." in texts


def test_a_cross_reference_is_scored_without_the_heading_it_quotes() -> None:
    assert scoring_text("Lesen Sie auch Abschnitt 6.3.8, „Wie Sie das ferne System über SSH herunterfahren“.") \
        == "Lesen Sie auch Abschnitt 6.3.8."
    assert scoring_text('(see Section 2.7.3, "Tweaking candidate version").') == "(see Section 2.7.3)."
    assert scoring_text("Er sagte „Hallo“ zu Abschnitt 3.") == "Er sagte „Hallo“ zu Abschnitt 3."  # no reference


def test_a_sentence_pointing_to_the_section_does_not_answer_for_it() -> None:
    text = ("Konsolen\n\nLesen Sie Abschnitt 1.4, „Virtuelle Konsolen wechseln“, bevor Sie beginnen.\n\n"
            "Virtuelle Konsolen wechseln\n\nMit Alt-F1 bis Alt-F6 wechseln Sie zwischen sechs Textbildschirmen.\n")
    selection = select("Virtuelle Konsolen wechseln", text)
    assert selection.evidence[0].quote.startswith("Mit Alt-F1 bis Alt-F6")


def test_no_two_pieces_of_evidence_overlap() -> None:
    text = ("Anmelden\n\nHier ein paar Methoden, um eine root-Shell zu bekommen:\n\n"
            "Geben Sie root im Anmeldebildschirm ein.\n\nGeben Sie su -l in einer Shell ein.\n")
    selection = select("Wie bekomme ich eine root-Shell?", text, k=4)
    spans = sorted((e.start, e.end) for e in selection.evidence)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
    assert selection.evidence[0].quote.startswith("Hier ein paar Methoden")


def test_a_sentence_said_twice_is_quoted_once() -> None:
    text = ("tar\n\nUMGEBUNG\n\n       TAR_ARCHIVE\n"
            "              Der Name des Archivs, das von tar verarbeitet wird.\n\n"
            "       TAR_VOLUME\n              Die Nummer des Datenträgers.\n\nSKRIPTE\n\n       TAR_ARCHIVE\n"
            "              Der Name des Archivs, das von tar verarbeitet wird.\n")
    quotes = [" ".join(e.quote.split()) for e in select("Welches Archiv verarbeitet tar?", text, k=4).evidence]
    assert quotes.count("Der Name des Archivs, das von tar verarbeitet wird.") <= 1
    assert len(quotes) == len(set(quotes))


class FixedCrossLingual:
    """A stand-in for rag.crosslingual.CrossLingual: each heading topic's similarity to the question is given."""

    def __init__(self, similarity: dict[str, float]) -> None:
        self.similarity = similarity

    def similarities(self, text: str, others: list[str]) -> np.ndarray:
        return np.asarray([self.similarity.get(o, 0.0) for o in others], dtype=np.float32)


STAMPS = """Dateien

Zeitstempel

    Es gibt drei Arten von Zeitstempeln für eine Datei: mtime, ctime und atime.
"""


def test_a_heading_that_means_the_question_covers_words_the_lexicon_does_not_know() -> None:
    # "timestamps" is in no lexicon: found nowhere, it would make the answer a refusal; the section's heading
    # means the same across languages, so its words count as found.
    question = analyse("Timestamps")
    passage = passage_of(STAMPS, detect_outline(STAMPS))

    def selection(similarity: float):  # type: ignore[no-untyped-def]
        return select_evidence(question, [passage], SentenceVectors(EMBEDDER, 1000), EMBEDDER.embed_query("Timestamps"),
                               3, FixedCrossLingual({"Zeitstempel": similarity}))

    far, close = selection(0.3), selection(0.8)
    assert far.missing_concepts == ["timestamps"] and far.missing_weight == 1.0
    assert close.missing_concepts == [] and close.missing_weight == 0.0 and close.support > far.support
    assert close.evidence[0].quote.startswith("Es gibt drei Arten von Zeitstempeln")



DPKG = """Paketverwaltung

Der dpkg-Befehl

    dpkg ist das Werkzeug, das beim Paketmanagement auf der untersten Ebene arbeitet.

Der dpkg-divert-Befehl

    Diversions, bereitgestellt durch den dpkg-divert-Befehl, bieten die Möglichkeit, dpkg zu zwingen, eine Datei
    an einem anderen Ort zu installieren; der Befehl dient dpkg-Betreuern.
"""


def test_the_heading_that_clearly_means_the_question_holds_the_answer() -> None:
    # Both sections name dpkg and commands, the second more often; the one heading that means the question, well
    # ahead of the other, puts its own section first.
    question = analyse("The dpkg command")
    passage = passage_of(DPKG, detect_outline(DPKG))

    def first(similarity: dict[str, float]) -> str:
        selection = select_evidence(question, [passage], SentenceVectors(EMBEDDER, 1000),
                                    EMBEDDER.embed_query(question.text), 3, FixedCrossLingual(similarity))
        return selection.evidence[0].quote

    below = {"Der dpkg-Befehl": 0.65, "Der dpkg-divert-Befehl": 0.55}
    assert first(below).startswith("Diversions")
    assert first({"Der dpkg-Befehl": 0.75, "Der dpkg-divert-Befehl": 0.55}).startswith("dpkg ist")
    # not clearly ahead: no heading is singled out
    assert first({"Der dpkg-Befehl": 0.75, "Der dpkg-divert-Befehl": 0.72}).startswith("Diversions")



SPONSOR = """Wer ein Paket sponsern will, muss das Paket prüfen.

Sponsern eines Pakets bedeutet, ein Paket für einen Betreuer hochzuladen, der dies nicht selbst tun kann.
"""


def test_a_definition_question_prefers_the_sentence_that_defines() -> None:
    selection = select("What does it mean to sponsor a package?", SPONSOR)
    assert selection.evidence[0].quote.startswith("Sponsern eines Pakets bedeutet")


def test_support_reads_a_sentence_close_to_the_question_in_either_encoder() -> None:
    # The English-only model sees little of an English question in a German sentence; the shared space sees more.
    question = analyse("How do I remove a package?")
    passage = passage_of(MANUAL, detect_outline(MANUAL))

    def support(similarity: dict[str, float]) -> float:
        return select_evidence(question, [passage], SentenceVectors(EMBEDDER, 1000),
                               EMBEDDER.embed_query(question.text), 3, FixedCrossLingual(similarity)).support

    sentence = "Mit apt remove wird ein Paket entfernt, seine Konfiguration bleibt."
    assert support({sentence: 0.95}) > support({})


TOUCH = """touch

BESCHREIBUNG

       Aktualisiert die Zugriffs‐ und Modifikationszeiten jeder DATEI auf die aktuelle Zeit.

       -a     Nur die Zugriffszeit ändern

       -m     Nur Modifikationszeit ändern
"""


def test_an_option_the_question_names_counts_towards_its_support_when_the_documents_have_it() -> None:
    named = select("Was ändert touch -m?", text=TOUCH)
    assert named.evidence[0].quote.startswith("-m     Nur Modifikationszeit")
    # "ändert" is not in the text ("ändern" is another stem): without "-m", half the question would be missing
    assert named.support >= Settings().answer.refuse_below


FIND = """Aufrufe für die Auswahl von Dateien

find(1) wird oft in einem idiomatischen Stil verwendet, wie hier:

# find /path/to -xdev -type f -regex ".*~" -prune -o -type f -newer /path/to/timestamp -print0

"-prune" liefert immer ein logisches WAHR zurück und beendet die Suche an diesem Punkt.

"-newer" findet Dateien, die neuer sind als in dem Argument angegeben.
"""


def test_a_sentence_that_opens_with_the_option_asked_about_describes_it() -> None:
    # Debian Reference 10.1.5: the command line that uses -prune three times was quoted first
    assert select("Was macht die Option -prune bei find?", FIND).evidence[0].quote.startswith('"-prune" liefert')
    assert select("What does the -newer test of find do?", FIND).evidence[0].quote.startswith('"-newer" findet')
    pdf = FIND.replace('"-prune"', "• ”-prune”")  # the same list in the PDF edition
    assert select("Was macht die Option -prune bei find?", pdf).evidence[0].quote.startswith("• ”-prune” liefert")


FUZZY = """Übersetzungen

Fuzzy-Markierungen

    Nach einer Korrektur der Vorlage sind alle Übersetzungen als fuzzy markiert.
    Übersetzer ärgern sich darüber. Um die fuzzy-Markierungen aus Übersetzungen
    zu entfernen, können Sie msguntypot benutzen.
"""


@pytest.mark.parametrize(("question", "scores", "promoted"), [
    ("Mit welchem Werkzeug entfernt man fuzzy-Markierungen aus Übersetzungen?", (1.0, 0.9, 0.7), 2),
    ("Mit welchem Werkzeug entfernt man fuzzy-Markierungen aus Übersetzungen?", (1.0, 0.9, 0.5), None),  # far below
    ("Mit welchem Werkzeug prüfen Übersetzer die Vorlage?", (1.0, 0.9, 0.7), None),  # covers less than the best
    # a name of the question it does not hold: about something else (Debian Reference: "Seit welcher Debian-Version
    # ist AppArmor standardmäßig aktiviert?" was answered with "… System V Release 4 (älteres Debian-System)")
    ("Mit welchem Werkzeug entfernt OmegaT fuzzy-Markierungen aus Übersetzungen?", (1.0, 0.9, 0.7), None),
])
def test_a_sentence_just_below_the_best_that_states_what_is_asked_answers_first(
        question: str, scores: tuple[float, ...], promoted: int | None) -> None:
    # Developer's Reference 6.6.2.3: "Mit welchem Werkzeug …" was refused: the best two sentences of the section name
    # no tool, the third ("… können Sie msguntypot benutzen") does
    analysed = analyse(question)
    items = candidates([passage_of(FUZZY, detect_outline(FUZZY))])
    assert [c.text.split()[0] for c in items] == ["Nach", "Übersetzer", "Um"]
    ranked = list(zip(scores, items, strict=True))
    assert _promoted(analysed, ranked, lambda c: states(analysed.asks, c.text, c.heading, analysed)) == promoted


def test_the_day_a_date_question_asks_for_is_no_word_the_answer_must_hold() -> None:
    # the seed article: "An welchem Tag kam die Ergänzung mit der Reuters-Meldung über Bytedance hinzu?" was refused
    # over "Update vom 30. September 2024: …": "Tag" counted as a word of what the question is about
    text = "Update vom 30. September 2024: Bytedance wird laut Reuters-Quellen Großkunde von Huawei.\n"
    (item,) = candidates([passage_of(text, detect_outline(text))])
    question = analyse("An welchem Tag kam die Ergänzung mit der Reuters-Meldung über Bytedance hinzu?")
    assert _about_the_question(question, item)
    assert not _about_the_question(analyse("An welchem Tag kam die Ergänzung über den Stromverbrauch hinzu?"), item)


def test_a_question_about_a_default_is_answered_by_a_sentence_that_says_it_is_the_default() -> None:
    # Trials: "Auf welchem Port lauscht der NFS-Server … standardmäßig?" and "What key length does ssh-keygen use by
    # default for RSA keys?" (neither document says) were answered with a port and a key length of something else
    text = ("Der Server lauscht auf Port 2049, wenn er mit nfsd gestartet wird.\n\n"
            "Die Standardkomprimierungsstufe ist -6.\n\n"
            "-n, --adjustment=N\n    Die Ganzzahl N zum Nice-Wert addieren (Voreinstellung 10)\n")
    port, level, nice = candidates([passage_of(text, detect_outline(text))])
    assert not _about_the_question(analyse("Auf welchem Port lauscht der Server standardmäßig?"), port)
    assert _about_the_question(analyse("Auf welchem Port lauscht der Server?"), port)
    assert _about_the_question(analyse("What compression level is used by default?"), level)
    assert _about_the_question(analyse("Um wie viel erhöht nice den Nice-Wert standardmäßig?"), nice)
    assert not select("Welche Kompressionsmethode verwendet gzip standardmäßig?", "gzip komprimiert Dateien mit "
                      "Lempel-Ziv-Kodierung (LZ77).\n").answers_kind


def test_who_or_when_first_is_answered_by_a_sentence_about_the_origin() -> None:
    # Trials and debian-reference: "Wer hat das Werkzeug quilt ursprünglich entwickelt?" (the document does not say)
    # was answered with "quilt ist das dafür empfohlene Werkzeug."
    text = ("quilt wird von Andreas Grünbacher gepflegt.\n\n"
            "quilt wurde ursprünglich von Andrew Morton geschrieben.\n\n"
            "Die erste Partition von disk.img exportiert qemu-nbd mit -P 1.\n")
    now, origin, partition = candidates([passage_of(text, detect_outline(text))])
    who_first = analyse("Wer hat quilt ursprünglich entwickelt?")
    assert not _about_the_question(who_first, now) and _about_the_question(who_first, origin)
    assert _about_the_question(analyse("Wer pflegt quilt?"), now)
    # "the first partition" qualifies a thing, not an origin: only who, which organisation and when are checked
    assert _about_the_question(analyse("Which qemu-nbd option exports only the first partition?"), partition)


def test_a_task_is_quoted_with_the_command_line_under_it() -> None:
    # German find(1), BEISPIELE: "How do I find files in my home directory that were modified in the last 24 hours?"
    # was answered with the task alone; the command "$ find $HOME -mtime 0" under it was never quoted
    text = ("Dateisuche anhand des Alters\n"
            "       •      Nach Dateien in Ihrem Home-Verzeichnis suchen, die in den\n"
            "              letzten 24 Stunden geändert wurden.\n\n"
            "                  $ find $HOME -mtime 0\n\n"
            "              Dieser Befehl funktioniert auf diese Art, weil die Zeit geteilt wird.\n")
    texts = [" ".join(c.text.split()) for c in candidates([passage_of(text, detect_outline(text))])]
    assert texts[0] == ("• Nach Dateien in Ihrem Home-Verzeichnis suchen, die in den letzten 24 Stunden geändert "
                        "wurden. $ find $HOME -mtime 0")
    assert texts[1].startswith("Dieser Befehl funktioniert")


def test_a_man_pages_name_line_is_its_title_not_evidence() -> None:
    # German crontab(1): "crontab - Crontab-Dateien für einzelne Benutzer verwalten (Vixie Cron)" was quoted as the
    # second sentence of an answer; the page's title is "crontab(1) — Crontab-Dateien für einzelne Benutzer …"
    text = ("BEZEICHNUNG\n       crontab - Crontab-Dateien für einzelne Benutzer verwalten (Vixie Cron)\n\n"
            "BESCHREIBUNG\n       cron setzt voraus, dass jeder Eintrag mit einem Zeilenvorschubzeichen endet.\n")
    passage = replace(passage_of(text, detect_outline(text)),
                      title="crontab(1) — Crontab-Dateien für einzelne Benutzer verwalten (Vixie Cron)")
    assert [c.text.strip() for c in candidates([passage])] == [
        "cron setzt voraus, dass jeder Eintrag mit einem Zeilenvorschubzeichen endet."]
