"""What a question asks for, and what evidence states it."""

from __future__ import annotations

import pytest

from rag.question import analyse, counted_words, coverage, defines, states


@pytest.mark.parametrize(("question", "counted"), [
    ("Wie viele Zeichen darf ein Benutzername höchstens haben?", ("zeichen",)),
    ("Nach wie vielen fehlgeschlagenen Anmeldeversuchen sperrt fail2ban?", ("anmeldeversuchen",)),
    ("How many seconds does the GRUB menu wait?", ("seconds",)),
    ("How many failed login attempts are allowed?", ("failed", "login", "attempts")),
    ("Wie viele Ascend-910B-Chips hat Baidu bestellt?", ("ascend", "910b", "chips")),
    ("Was kostet ein Chip?", ()),
    ("How much on-board memory does the chip have?", ("board", "memory")),
    ("Wie viel Speicher belegt ein Eintrag?", ("speicher",)),
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


def test_across_languages_the_count_is_found_by_its_translations() -> None:
    # "lines" is "Zeile" only in the lexicon's fourth sense: the counted words are looked for in more senses
    q = analyse("How many lines does tail print by default?")
    assert states("quantity", "Die letzten 10 Zeilen jeder DATEI auf der Standardausgabe ausgeben.", "", q)
    assert not states("quantity", "Das Paket wurde 2127 mal installiert.", "", q)
    # a function word of the question ("on" in "on-board") is no count, nor is its translation ("an")
    q = analyse("How much on-board memory does the chip have?")
    assert not states("quantity", "Huawei schickt Muster an zwei Serverfirmen.", "", q)
    assert states("quantity", "Der Chip hat 64 GB Speicher.", "", q)


def test_a_year_after_a_word_of_time_is_no_quantity() -> None:
    q = analyse("How much memory does the chip have?")
    assert not states("quantity", "Ein Konsortium soll bis 2026 High-Bandwidth Memory produzieren.", "", q)
    assert states("quantity", "Der Chip hat 2048 MB Memory.", "", q)


def test_how_long_asks_for_a_time_or_a_length() -> None:
    q = analyse("How long does fail2ban ban an address by default?")
    assert not states("quantity", "fail2ban\tV:111, I:125\t2127\tIP-Adressen sperren", "", q)
    assert states("quantity", "Eine Adresse wird für 600 Sekunden gesperrt.", "", q)
    assert states("quantity", "Die Sperre dauert 10 min.", "", q)
    q = analyse("Wie lang darf eine Zeile höchstens sein?")
    assert states("quantity", "Eine Zeile darf höchstens 2048 Zeichen lang sein.", "", q)


def test_how_frequently_is_how_often() -> None:
    q = analyse("Wie häufig werden Änderungen am Schlüsselring eingespielt?")
    assert q.asks == "quantity"
    assert states("quantity", "Aktualisierungen werden mindestens einmal monatlich eingespielt.", "", q)
    assert analyse("How frequently is testing updated?").asks == "quantity"


def test_an_option_question_may_name_the_command_first() -> None:
    assert analyse("Which tar option compresses the archive with gzip?").asks == "option"
    assert analyse("Welche tar-Option komprimiert mit gzip?").asks == "option"
    assert analyse("Which kernel parameters can be used from the boot menu?").asks is None  # not a command's option


def test_how_much_may_be_stated_in_a_unit_alone() -> None:
    q = analyse("Wie viel Geld hat die Firma in Hardware gesteckt?")
    assert states("quantity", "Die Firma gab 2 Milliarden Dollar für Chips aus.", "", q)
    assert not states("quantity", "Die Firma sprach mit zwei Quellen.", "", q)
    q = analyse("How much revenue could the chip bring?")
    assert states("quantity", "Der Chip könnte einen Umsatz von 12 Milliarden Dollar bringen.", "", q)


def test_an_organisation_question_may_qualify_what_it_asks_for() -> None:
    assert analyse("Which server manufacturers received the samples?").asks == "organisation"
    assert analyse("Welcher Auftragsfertiger stellt die Chips her?").asks == "organisation"
    assert analyse("Welche Firmen gehören zum Konsortium?").asks == "organisation"
    assert analyse("Which package provides mkpasswd?").asks is None


def test_a_contraction_is_no_content_word() -> None:
    words = analyse("How many lines does tail print if I don't tell it otherwise?").words
    assert "don" not in words and "lines" in words


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Virtual consoles", "en"), ("Package dependencies", "en"), ("Basic fonts", "en"),
     ("Grundlegende Schriften", "de"), ("Downgrade im Notfall", "de"), ("Verwenden von vim", "de")],
)
def test_a_question_without_function_words_gets_its_language_from_the_lexicon(question: str, lang: str) -> None:
    analysed = analyse(question)
    assert analysed.language == lang
    assert analysed.translations  # so its words are looked for in the other language too


def test_search_terms_stem_each_word_in_its_own_language() -> None:
    terms = analyse("Virtual consoles").search_terms()
    assert "consol" in terms and "konsol" in terms  # the English stem and the German stem of "konsole"


def test_coverage_weighs_the_question_words_a_heading_holds() -> None:
    question = analyse("Wie verifiziere ich installierte Paketdateien?")
    assert coverage(question, "Verifizierung von installierten Paketdateien") == 1.0
    assert coverage(question, "Verwenden von vim") == 0.0
    assert coverage(analyse("Which virtual consoles are there?"), "Virtuelle Konsolen") == 1.0  # through the lexicon


def test_a_heading_worded_question_opens_with_a_common_word_not_a_name() -> None:
    # A capital that only opens the question makes no name the documents must hold ("special" is English);
    # a name the lexicon does not know, or one with inner capitals, stays a name.
    assert analyse("Special key strokes").names == frozenset()
    assert analyse("Rescue with the dpkg command").names == frozenset()
    assert analyse("Nvidia chips in China").names == {"nvidia"}
    assert analyse("ByteDance orders from Huawei").names == {"bytedance", "huawei"}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Sponsern eines Pakets bedeutet, ein Paket für einen Betreuer hochzuladen.", True),
        ("The sponsor of a package is the person who uploads it.", True),
        # no verb of definition after a word of the question
        ("Es ist keine belanglose Angelegenheit, der Sponsor muss die Paketierung überprüfen.", False),
        ("Der Chip wird Kunden angeboten, die auch wichtige Kunden von Paketen sind.", False),  # a clause's last verb
        ("Meanwhile the package sponsor meanders.", False),  # "mean" only inside a word
    ],
)
def test_a_definition_names_the_thing_before_its_verb(sentence: str, expected: bool) -> None:
    assert defines(analyse("What does it mean to sponsor a package?"), sentence) is expected


def test_a_command_line_quoted_after_its_lead_in_is_a_command() -> None:
    question = analyse("Mit welchem Befehl sehe ich das Protokoll des letzten Bootvorgangs?")
    assert question.asks == "command"
    assert states("command", "Zum Beispiel erhalten Sie das Protokoll vom letzten Boot-Vorgang mit:\n\n"
                              "    $ journalctl -b", "", question)


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Führen Sie licensecheck aus (Teil von devscripts).", True),
    ("Then run debdiff on the two source packages.", True),
    ("Führen Sie die Tests erneut aus.", False),  # an instruction, but no program is named
    ("Run the tests again.", False),
    ("Sie werden nicht immer alles richtig machen.", False),
])
def test_an_instruction_to_run_a_program_by_its_name_names_a_command(sentence: str, expected: bool) -> None:
    question = analyse("Mit welchem Werkzeug prüfe ich debian/copyright?")
    assert question.asks == "command"
    assert states("command", sentence, "", question) is expected


def test_a_number_that_identifies_is_a_quantity() -> None:
    # "Welche Portnummer verwendet squid?" over a text that names no port was answered with squid's user
    for text in ("Welche Portnummer verwendet squid?", "What is the UID of the user nobody?",
                 "Which port does ssh listen on?", "Welche Versionsnummer hat das Paket?"):
        assert analyse(text).asks == "quantity", text
    assert analyse("What is the default value?").asks == "definition"  # a value need not be a number
    q = analyse("What is the UID of the user nobody?")
    assert not states("quantity", "Daemons that need not own any files sometimes run as user nobody.", "", q)
    assert states("quantity", "The user nobody has the UID 65534.", "", q)


def test_so_they_can_gives_a_purpose() -> None:
    # users-and-groups.html (base-passwd): "Why are many games sgid games?" was refused over this sentence
    q = analyse("Why are many games sgid games?")
    assert states("reason", "Many games are sgid to games so they can write their high score files.", "", q)
    assert not states("reason", "Many games are sgid to games.", "", q)


def test_an_instruction_opening_a_sentence_names_no_person() -> None:
    # "See Debian Policy for further details." answered "Who wrote the Debian Policy Manual?": "See" opened it
    q = analyse("Who wrote the Debian Policy Manual?")
    assert not states("person", "See Debian Policy for further details.", "", q)
    assert states("person", "Ian Jackson wrote the Debian Policy Manual.", "", q)


def test_an_english_loanword_in_a_german_question_stands_for_itself() -> None:
    # Node.js's collaborator guide: "pull" was looked up by its stem as "Puller" (willie, willy, winkle), and the
    # English text's "pull requests" did not count for the question
    q = analyse("Wie lange sollte man warten, bevor man einen Pull Request landet?")
    assert q.translations["pull"] == ("pull",) and q.translations["request"] == ("request",)
    assert "pull" in q.search_terms() and "request" in q.search_terms()
    assert "wait" in q.translations["warten"]  # a German word is translated as before
    assert analyse("Welcher Branch wird gemergt?").translations["branch"] == ("branch",)  # not Branche: industry


def test_what_something_costs_is_money() -> None:
    # "Wie viel kostet eine DVD-R?" was answered with "100 Jahre: Optische Speichermedien (CD/DVD, CD-R/DVD-R);"
    q = analyse("Wie viel kostet eine DVD-R?")
    assert q.asks == "money"
    assert not states("money", "100 Jahre: Optische Speichermedien (CD/DVD, CD-R/DVD-R);", "", q)


def test_the_question_word_that_comes_first_asks() -> None:
    # German find(1): "Mit welcher Option …, wie viele Ebenen …" was taken for a number question and refused over
    # "-maxdepth Ebenen: steigt höchstens Ebenen … hinab"
    assert analyse("Mit welcher Option von find begrenze ich, wie viele Ebenen find hinabsteigt?").asks == "option"
    assert analyse("Wie viele Ebenen steigt find mit -maxdepth hinab?").asks == "quantity"
    assert analyse("Wie viel kostet eine DVD-R?").asks == "money"  # money wherever it is asked
    assert analyse("What is the maximum upload size?").asks == "quantity"  # "what is" only when nothing else is


def test_a_port_a_length_or_a_size_is_a_quantity() -> None:
    # Trials: "Auf welchem Port lauscht …" ("welchem", not only "welcher") and "What key length does ssh-keygen use
    # …?" asked for nothing in particular, so any sentence about the topic answered them
    assert analyse("Auf welchem Port lauscht der NFS-Server?").asks == "quantity"
    assert analyse("What key length does ssh-keygen use for RSA keys?").asks == "quantity"
    assert analyse("Welche Schlüssellänge verwendet ssh-keygen?").asks == "quantity"
    assert analyse("Welchem Zweck dient das Paket?").asks is None
    # a period asked for is a time: "Innerhalb welcher Frist … widersprechen?" ("innerhalb von 21 Tagen")
    assert analyse("Innerhalb welcher Frist können Betreuer widersprechen?").asks == "quantity"
    assert analyse("Within what period can maintainers object?").asks == "quantity"


def test_how_can_i_asks_for_a_way() -> None:
    # Debian Reference ch. 9 (trial): "How can I see vim's startup sequence and how long each step takes?" was taken
    # for a length of time and refused over 'starten Sie vim mit "vim --startuptime vimstart.log"'
    assert analyse("How can I see vim's startup sequence and how long each step takes?").asks is None
    assert analyse("Wie kann ich herausfinden, wie viele Dateien ein Verzeichnis hat?").asks is None
    assert analyse("Wie viele Dateien kann ich anlegen?").asks == "quantity"
    assert analyse("How long can a process run?").asks == "quantity"


def test_a_value_may_be_a_quoted_word() -> None:
    # German ps(1): "Auf welchen Wert kann man PS_PERSONALITY setzen?" was refused: »Linux« is no number
    q = analyse("Auf welchen Wert kann man PS_PERSONALITY auf normalen Systemen setzen?")
    assert q.asks == "quantity"
    assert states("quantity", "PS_PERSONALITY kann für normale Systeme auf »Linux« gesetzt werden.", "", q)
    assert not states("quantity", 'Wie es die Anleitung "TCP Tuning Guide" beschreibt.', "", q)  # a title is no value
    assert not states("quantity", "PS_PERSONALITY legt die Persönlichkeit fest.", "", q)


def test_an_acronym_names_no_person() -> None:
    # users-and-groups.html: "It is not mentioned in the FHS, Debian Policy, …" answered who wrote the manual
    q = analyse("Who wrote the Debian Policy Manual?")
    assert not states("person", "It is not mentioned in the FHS or in any other standard.", "", q)
    assert states("organisation", "It is not mentioned in the FHS or in any other standard.",
                  "", analyse("Which organisation publishes the standard?"))


def test_for_reasons_of_is_a_reason() -> None:
    # German find(1): "aus Leistungs- und Sicherheitsgründen" says why
    q = analyse("Why is -execdir safer than -exec?")
    assert states("reason", "Verwenden Sie »-execdir … +« aus Leistungs- und Sicherheitsgründen.", "", q)


def test_a_relative_path_is_a_place_and_an_unknown_lower_case_word_a_program() -> None:
    # Developer's Reference, chapter 6: "In welcher Datei stehen … die Patches …?" over "… die in
    # debian/patches/series aufgeführt sind", and "Mit welchem Werkzeug …?" over "… können Sie msguntypot benutzen"
    place = analyse("In welcher Datei stehen die Patches?")
    assert states("place", "Es gilt, was in debian/patches/series aufgeführt ist.", "", place)
    assert not states("place", "Die Patches und/oder Änderungen werden angewandt.", "", place)
    tool = analyse("Mit welchem Werkzeug entfernt man fuzzy-Markierungen?")
    assert states("command", "Dazu können Sie msguntypot benutzen.", "", tool)
    assert not states("command", "Sie können stattdessen die Markierungen ebenfalls entfernen, siehe oben.", "", tool)


def test_what_a_step_avoids_is_its_reason() -> None:
    q = analyse("Warum sollte man große Daten in ein separates Paket auslagern?")
    assert states("reason", "Indem Sie dies tun, vermeiden Sie die Vervielfältigung der gleichen Daten.", "", q)
    assert states("reason", "This prevents the same data from being copied ten times.", "", q)


def test_a_technical_cognate_is_spelled_as_the_other_language_spells_it() -> None:
    # Developer's Reference 6.5: "maintainer script" met "Betreuerskripte" only as "Skript"; the lexicon gives
    # "script" as Schrift, Drehbuch, Manuskript
    assert "skript" in analyse("Why is command -v portable in a maintainer script?").translations["script"]
    assert "configuration" in analyse("Wo steht die Konfiguration?").translations["konfiguration"]
    assert not any(t.endswith("kk") for t in analyse("Which check runs first?").translations["check"])  # no "chekk"


def test_version_control_asks_for_no_number() -> None:
    # "Which version control systems does the package tracking system support?" was refused: no number
    assert analyse("Which version control systems does the tracker support?").asks is None
    assert analyse("Which version of dpkg is needed?").asks == "quantity"


def test_a_program_name_may_hold_underscores() -> None:
    q = analyse("Which program merges the templates at build time?")
    assert states("command", "Dann wird das Programm dh_installdebconf dafür sorgen, dass alles passt.", "", q)


def test_an_address_asked_for_is_an_address_on_the_net() -> None:
    # Developer's Reference 6.4: "What is the email address for reporting security issues …?" (the chapter gives
    # none) was answered with an English sentence about a manual
    q = analyse("What is the email address for reporting security issues?")
    assert q.asks == "place"
    assert states("place", "Schreiben Sie an team@security.debian.org.", "", q)
    assert states("place", "Die Datenbank steht unter https://db.debian.org/.", "", q)
    assert not states("place", "A set of suggestions can be found in the Securing Debian Manual.", "", q)
    assert analyse("Which network address ranges are meant for a LAN?").asks is None  # IP addresses


def test_a_role_the_question_names_says_nobody() -> None:
    # Developer's Reference chapter 5: "Wer leitet derzeit das Debian-Sicherheits-Team?" (the chapter names nobody)
    # was answered with "Das Debian-Sicherheits-Team existiert, um …"
    q = analyse("Wer leitet derzeit das Debian-Sicherheits-Team?")
    assert not states("person", "Das Debian-Sicherheits-Team existiert, um Sicherheitsprobleme zu verfolgen.", "", q)
    assert states("person", "Anfragen beantwortet der Projektleiter.", "", q)


def test_an_acronym_is_not_translated() -> None:
    # "Which ps option selects processes by their parent process ID?" looked for "es" (the dictionary's "id"), and
    # "OS" would be a bone, "RAM" a ram
    assert "id" not in analyse("Which ps option selects processes by their parent process ID?").translations
    assert analyse("How much RAM does the OS need?").translations.keys() == {"need"}
    assert analyse("What is the id of the process?").translations["id"]  # a word in lower case is still looked up


def test_a_time_may_be_said_in_words() -> None:
    # Developer's Reference, l10n (trial): "Wie viel Zeit sollte ich mindestens einplanen, …?" was refused over
    # "… dass diese Aufgabe Zeit beansprucht; mindestens eine Woche, um die Aktualisierung korrekturlesen zu lassen"
    q = analyse("Wie viel Zeit sollte ich mindestens einplanen, wenn ich den Übersetzer um eine Aktualisierung bitte?")
    assert q.asks == "quantity"
    assert states("quantity", "Diese Aufgabe beansprucht Zeit; mindestens eine Woche.", "", q)
    assert states("quantity", "It takes a few days.", "", analyse("How long does the review take?"))
    assert not states("quantity", "Eine Woche ist ein Zeitraum.", "", analyse("Wie viele Dateien gibt es?"))
