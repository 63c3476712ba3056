"""What a question asks for, and what evidence states it."""

from __future__ import annotations

import pytest

from rag.question import analyse, counted_words, states


@pytest.mark.parametrize(("question", "counted"), [
    ("Wie viele Zeichen darf ein Benutzername höchstens haben?", ("zeichen",)),
    ("Nach wie vielen fehlgeschlagenen Anmeldeversuchen sperrt fail2ban?", ("anmeldeversuchen",)),
    ("How many seconds does the GRUB menu wait?", ("seconds",)),
    ("How many failed login attempts are allowed?", ("failed", "login", "attempts")),
    ("Wie viele Ascend-910B-Chips hat Baidu bestellt?", ("ascend", "910b", "chips")),
    ("Was kostet ein Chip?", ()),
])
def test_what_how_many_counts(question: str, counted: tuple[str, ...]) -> None:
    assert counted_words(question) == counted


def test_a_number_of_something_else_does_not_answer_how_many() -> None:
    q = analyse("Wie viele Zeichen darf ein Benutzername höchstens haben?")
    assert q.asks == "quantity"
    assert states("quantity", "Ein Benutzername darf höchstens 32 Zeichen lang sein.", "", q)
    assert not states("quantity", "Das Paket wurde 2127 mal installiert.", "", q)
    # a compound's head counts: "Anmeldeversuchen" is met by "Versuchen"
    q = analyse("Nach wie vielen fehlgeschlagenen Anmeldeversuchen sperrt fail2ban eine Adresse?")
    assert states("quantity", "Nach 5 fehlgeschlagenen Versuchen wird die Adresse gesperrt.", "", q)


def test_across_languages_the_count_is_not_required() -> None:
    # the lexicon's few translations of "lines" miss "Zeilen": a German number still answers an English question
    q = analyse("How many lines does tail print by default?")
    assert states("quantity", "Die letzten 10 Zeilen jeder DATEI auf der Standardausgabe ausgeben.", "", q)
