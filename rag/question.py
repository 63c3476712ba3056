"""A question, analysed once: language, content words and their translations, names, and what it asks for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rag.text import STOPWORDS, TermMatcher, analyze, detect_language, extract_numbers, fold, iter_tokens, names
from rag.text.language import marker_language
from rag.text.lexicon import Lexicon, lexicon_language, translate

AnswerType = Literal[
    "quantity", "money", "date", "person", "organisation", "place", "reason", "option", "command", "definition"
]

# An address on the net: "What is the email address of …", "Unter welcher URL …", "Welche Mailingliste …".
_ADDRESS_ASKED = (r"(what|which|welche[rnms]?|wie\s+lautet)\s+((is|are|ist|sind)\s+)?((the|die|der|das)\s+)?"
                  r"(?!(network|netzwerk|ip|ipv4|ipv6|mac|hardware|memory|speicher)\b)(\S+\s+)?"
                  r"(e-?mail[- ]?address(es)?|e-?mail-?adressen?|address(es)?|adressen?|urls?|web\s*sites?|webseiten?|"
                  r"homepages?|mailing\s*lists?|mailinglisten?)(?!\s+(ranges?|bereich\w*|space))")
# What the question asks for, by its wording (German and English); see asked_type.
_ASK_PATTERNS: tuple[tuple[AnswerType, str], ...] = (
    (
        "money",
        r"\b(wie\s+teuer|kostet|was\s+kosten|kosten\s+\w+|preis\w*|how\s+much\s+(does|do|did|is|was|are)\b.*\b(cost|pay|charge)"
        r"|\bprice\b|\bcosts?\b|how\s+expensive)",
    ),
    (
        "quantity",
        r"\b(wie\s+(viel\w*|hoch|gro(ss|ß)|lang|lange|alt|schnell|weit|breit|schwer|stark|oft|häufig)|wieviel\w*"
        r"|how\s+(many|much|large|big|high|long|old|fast|far|wide|heavy|often|frequently)|what\s+(share|percentage|number|size)"
        r"|welche[mnrs]?\s+(anzahl|menge|\S*größe|\S*grösse|\S*länge|zahl|wert|\S*frist|zeitspanne|zeitraum|dauer"
        r"|\S*version|\S*nummer|port|uid|gid)"
        r"|which\s+(\S+\s+)?(version(?!\s+control)|(port\s+)?number|port|uid|gid|length|size)s?"
        r"|what\s+(\S+\s+)?(version|value|length|size|period|deadline)"
        r"|what\s+((is|are)\s+the\s+)?"
        r"(\S+\s+)?((port\s+)?number|port|uid|gid)s?\b"
        r"|(maximum|minimum|largest|smallest|highest|lowest|biggest)\s+(\S+\s+)?(number|size|length"
        r"|value|amount|count|version)|höchstens|mindestens|maximal\w*|minimal\w*|at\s+(most|least))\b",
    ),
    (
        "date",
        r"\b(wann|seit\s+wann|bis\s+wann|in\s+welchem\s+jahr|an\s+welchem\s+tag|welche[mn]?\s+(tag|datum|jahr|monat)"
        r"|what\s+(date|day|year|month)|which\s+(date|day|year|month)|since\s+when)\b"
        r"|^\s*when\s+(did|was|were|is|are|will|does|do|has|had)\b",
    ),
    (
        "reason",
        r"\b(warum|weshalb|wieso|weswegen|aus\s+welchem\s+grund|why|for\s+what\s+reason|what\s+(is|was)\s+the\s+reason)\b",
    ),
    (
        "option",
        r"\b(welche[mnrs]?\s+(option|schalter|parameter|flag|argument)\w*|welche[mnrs]?\s+(\S+\s+)?(\S+-)?"
        r"(option|schalter)\w*|which\s+(option|switch|flag|parameter|argument)s?|(which|what)\s+(\S+\s+)?"
        r"(option|switch|flag)s?)\b",
    ),
    (
        "command",
        r"\b(welche[mnrs]?\s+(befehl|kommando|programm|werkzeug)\w*|which\s+(command|program|tool|utility)s?"
        r"|what\s+(command|program|tool)s?)\b",
    ),
    ("person", r"\b(wer|von\s+wem|wem|wen|who|whom|which\s+person|welche\s+person)\b"),
    (
        "organisation",
        r"\b(welche[smnr]?\s+(\w+\s+)?\w*(firma|firmen|unternehmen|konzern\w*|organisation\w*|hersteller|"
        r"anbieter|fertiger|kunde\w*)|which\s+(\w+\s+)?(compan(y|ies)|firms?|organi[sz]ations?|manufacturers?|vendors?"
        r"|customers?))\b",
    ),
    (
        "place",
        r"\b(wo|woher|wohin|in\s+welche[mnr]?\s+(land|stadt|verzeichnis|datei|ordner)"
        r"|where|which\s+(country|city|directory|file|folder)|in\s+which\s+(country|city|directory|file|folder)"
        rf"|{_ADDRESS_ASKED})\b",
    ),
    (
        "definition",
        r"\b(was\s+(ist|sind|bedeutet|bedeuten|macht|tut|bewirkt)|was\s+versteht\s+man|what\s+(is|are|does)"
        r"|what\s+do(es)?\s+\S+\s+mean)\b",
    ),
)
_ASKS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _ASK_PATTERNS
)
# A question that asks how to do something asks for a way, whatever it names later: "How can I see vim's startup
# sequence and how long each step takes?" wants the command that shows it, not a length of time.
_MANNER = re.compile(
    r"\b(how\s+(do|does|can|could|should|would|must|to)|wie\s+(kann|kannst|können|könnte|muss|müssen|soll|sollte|"
    r"sollten|lässt|lassen))\b",
    re.IGNORECASE,
)

# Words that frame a question rather than name what it is about; they need not occur in the evidence.
FRAME_WORDS = frozenset(
    fold(w)
    for w in [
        "gibt",
        "geben",
        "gab",
        "machen",
        "macht",
        "tun",
        "tut",
        "heißt",
        "heisst",
        "nennt",
        "genannt",
        "bedeutet",
        "bedeuten",
        "bewirkt",
        "bewirken",
        "steht",
        "stehen",
        "sagt",
        "sagen",
        "erfahre",
        "erfährt",
        "finde",
        "finden",
        "kann",
        "könnte",
        "lässt",
        "lassen",
        "möglich",
        "genau",
        "eigentlich",
        "bitte",
        "beim",
        "sowie",
        "dabei",
        "etwa",
        "use",
        "used",
        "using",
        "get",
        "gets",
        "got",
        "make",
        "makes",
        "made",
        "happen",
        "happens",
        "mean",
        "means",
        "called",
        "call",
        "say",
        "says",
        "said",
        "stated",
        "tell",
        "find",
        "found",
        "possible",
        "exactly",
        "actually",
        "please",
        "way",
        "ways",
        "does",
        "did",
        "done",
        "document",
        "documents",
        "text",
        "article",
        "artikel",
        "dokument",
        "dokumente",
        "laut",
        "according",
        "welche",
        "welcher",
        "welches",
        "which",
        "what",
        "wozu",
        "wofür",
        "wofur",
        "womit",
        "woran",
        "worauf",
        "wodurch",
        "wohin",
        "woher",
        "wieso",
        "weshalb",
    ]
)

_CAUSAL = re.compile(
    r"\b(weil|da|denn|deshalb|daher|darum|deswegen|dadurch|damit|sodass|aufgrund|wegen|zwecks|grund|\w*gründen|"
    r"um\s+\w+(\s+\w+){0,6}\s+zu|indem|vermeide[nt]?|verhinder\w*|because|since|due\s+to|so\s+that|in\s+order\s+to|therefore|thus|"
    r"reason|as\s+a\s+result|owing\s+to|so\s+(they|it|he|she|we|you|users?|that)\s+(can|could|may|might|will|would)|avoids?|prevents?)\b",
    re.IGNORECASE,
)
_VALUE = re.compile(r"\b(wert|werte[mn]?|value|values)\b", re.IGNORECASE)
_LITERAL = re.compile(r"[»\"„“`‚][^»«\"“”`‘’\s]{1,40}[«\"“”`‘]")  # one quoted word: »Linux«, "yes", `no`
_CURRENCY = re.compile(r"(\$|€|£|¥|\b(euro|eur|dollar|usd|yuan|rmb|cent|franken|pfund|pounds?)\b)", re.IGNORECASE)
_TIME_WORDS = r"tage?n?|wochen?|monate?n?|jahren?|stunden?|minuten?|days?|weeks?|months?|years?|hours?|minutes?"
_DATE = re.compile(
    r"\b(1[6-9]|20)\d\d\b|\b\d{1,2}\.\s?\d{1,2}\.(\d{2,4})?|\b(januar|februar|märz|april|mai|juni|juli|august|"
    r"september|oktober|november|dezember|january|february|march|may|june|july|october|december|montag|dienstag|"
    r"mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"gestern|heute|morgen|yesterday|today|tomorrow|jahrhundert|century|täglich|wöchentlich|monatlich|jährlich|daily|"
    rf"weekly|monthly|yearly|{_TIME_WORDS})\b",
    re.IGNORECASE,
)
_OPTION_TOKEN = re.compile(r"(?<![\w-])--?[A-Za-z0-9?][\w-]*")
_COMMAND_TOKEN = re.compile(
    r"\b[\w.+-]+\(\d\w?\)|^\s*[$#]\s|`[^`]+`|\b[a-z][\w.-]*-[a-z][\w.-]*\b|\b(sudo|apt|apt-get|"
    r"dpkg|systemctl)\b"
    # an instruction to run a program by its (lower-case) name: "Führen Sie licensecheck aus", "run debdiff"
    r"|\b(?i:führen|rufen)\s+(?i:sie)\s+(?!(d(ie|en|as|er|ies\w*)|ein\w*|dann|bitte|zuerst|zunächst|nun|jetzt|anschließend|"
    r"einfach|immer|auch|noch|erst|sich|es)\b)[a-z][\w.+-]+"
    r"|\b(?i:run|invoke|execute)\s+(?!the\b|a\b|an\b|it\b|this\b|that\b|these\b|your\b)[a-z][\w.+-]+",
    re.MULTILINE,  # a shell prompt opens a line, also the command line a lead-in sentence is quoted with
)
_ROLE = re.compile(
    r"\b(\w*(team|sprecher|betreuer|entwickler|maintainer|developer|administrator|admins?|sponsor|"
    r"autor|author|leiter|leader|chef|gründer|founder|mitglied|member|manager|beauftragte)\w*)\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(_ADDRESS_ASKED, re.IGNORECASE)
_NET_ADDRESS = re.compile(r"\S@[\w-]+\.\w|\bhttps?://|\bwww\.|\b[\w-]+(\.[\w-]+)*\.(org|com|net|de|io|edu|gov)\b",
                          re.IGNORECASE)
_PATH = re.compile(r"(?<![\w])(/[\w.+-]+)+/?|~/[\w.+/-]+")
# A relative path: lower-case segments joined by "/" ("debian/control", "debian/patches/series"), not two function
# words ("und/oder", "and/or").
_RELATIVE_PATH = re.compile(r"(?<![\w/.-])([a-z0-9_.+-]+)/([a-z0-9_.+-]+)(/[a-z0-9_.+-]*)*")
# A program's name: a lower-case word that neither language knows and that does not end like a German word
# ("msguntypot", "debootstrap"; not "stattdessen", "konfiguriert").
_PROGRAM = re.compile(r"(?<![\w/.-])[a-z][a-z0-9_]+(?![\w/-])")
_GERMAN_ENDING = re.compile(r"(en|et|rt|te|ten|ter|tes|ert|lich|ung|falls|weise|he)$")
# The verb of a sentence that says what something is or means: "Sponsern eines Pakets bedeutet, …", "Ein Backport
# ist ein …", "X stands for …" ("sind" and "are" with more to follow: a clause ending in "… Kunden von Nvidia sind."
# defines nothing).
_DEFINES = re.compile(
    r"\b((bedeutet|bedeuten|bezeichnet|bezeichnen|hei(ß|ss)t|hei(ß|ss)en|versteht\s+man|nennt\s+man|steht\s+für|"
    r"stehen\s+für|ist\s+(ein|eine|der|die|das)|means?|refers?\s+to|stands?\s+for|is\s+(an?|the))\b|(sind|are)\s)",
    re.IGNORECASE,
)
# A year after a word of time is a date, not a quantity: "bis 2026 Speicher produzieren" counts no memory.
_YEAR = re.compile(r"\b(bis|seit|im|in|ab|vor|nach|jahre?s?|anfang|ende|mitte|until|by|since|from|before|after|year|"
                   r"early|late|end|of)\s+(1[6-9]|20)\d\d\b", re.IGNORECASE)
# Qualifiers a question puts on what it asks, which the answering sentence must state too (see states_qualifiers).
# A default ("standardmäßig", "by default") is said as "(Voreinstellung 10)", "Die Standardkomprimierungsstufe ist
# -6", "TRENNER anstelle des Tabulators", "if no … is given": a number or option of the same thing that is not the
# default does not answer it.
_DEFAULT_ASKED = re.compile(r"\b(standardmä(ß|ss)ig|voreingestellt\w*|default)\b", re.IGNORECASE)
_DEFAULT_STATED = re.compile(
    r"(standard|default|voreinstellung|voreingestellt|vorgabe|vorgegeben)|\b(normalerweise|üblicherweise|"
    r"usually|normally|anstelle|statt|instead\s+of|unless|sofern\s+nicht|ohne\s+(angabe|option)|wenn\s+(keine?|nicht)|"
    r"falls\s+(keine?|nicht)|if\s+(no|not|none)|otherwise|andernfalls|ansonsten)\b",
    re.IGNORECASE,
)
# Who or what first, or when first ("Wer hat sudo ursprünglich entwickelt?", "In which year did … first …"): a name
# or date of the thing that does not say it was the first or the origin does not answer it.
_FIRST_ASKED = re.compile(r"\b(ursprünglich\w*|zum\s+ersten\s+mal|erstmal(s|ig)|first|originally|initially)\b",
                          re.IGNORECASE)
_FIRST_STATED = re.compile(
    r"\b(ursprünglich\w*|original\w*|erste[nmrs]?|erstmal(s|ig)|zuerst|anfangs|first|initial\w*|eingeführt|"
    r"introduced|seit|since|gegründet|founded|begann|began|started)\b",
    re.IGNORECASE,
)
_QUALIFIERS: tuple[tuple[re.Pattern[str], re.Pattern[str], frozenset[str] | None], ...] = (
    (_DEFAULT_ASKED, _DEFAULT_STATED, None),  # whatever is asked
    (_FIRST_ASKED, _FIRST_STATED, frozenset({"person", "organisation", "date"})),  # "the first partition" is no origin
)
_HOW_MUCH = re.compile(r"\b(how\s+much|wie\s*viel)\b", re.IGNORECASE)
_HOW_LONG = re.compile(r"\b(how\s+long|wie\s+lange?)\b", re.IGNORECASE)
_UNIT = re.compile(
    rf"\d\s*(ms|s|sek|min|h|std|d|kb|mb|gb|kib|mib|gib|b)\b|\b({_TIME_WORDS}|jahr|sekunden?|seconds?|nächte|nights?|"
    r"zeichen|characters?|bytes?|bits?|zeilen?|lines?|spalten?|columns?|kilobytes?|megabytes?|gigabytes?|meter|"
    r"kilometer)\b",
    re.IGNORECASE,
)
# A time asked for and said in words: "Wie viel Zeit …?" answered by "mindestens eine Woche".
_TIME_ASKED = re.compile(r"\b(wie\s+viel\s+zeit|how\s+much\s+time)\b", re.IGNORECASE)
_DURATION = re.compile(
    r"\b(eine[nmr]?|ein|einige[n]?|mehrere[n]?|paar|wenige[n]?|a|an|one|several|few|couple\s+of)\s+(sekunden?|minuten?|"
    r"stunden?|tage?n?|wochen?|monate?n?|jahre?n?|seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
_OFTEN = re.compile(r"\b(wie\s+(oft|häufig)|how\s+(often|frequently))\b", re.IGNORECASE)
# Numbers that only point somewhere: a manual section ("passwd(5)") or a section, table or figure number.
_REFERENCE_NUMBER = re.compile(
    r"\b[\w.+-]+\(\d\w?\)|\b(abschnitt|section|kapitel|chapter|tabelle|table|abbildung|figure|beispiel|example)"
    r"\s*\d+(\.\d+)*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Question:
    """What the pipeline needs to know of a question, computed once and passed down."""

    text: str
    language: str
    words: tuple[str, ...]  # content words, folded, names and model tokens included
    names: frozenset[str]
    numbers: tuple[float, ...]
    asks: AnswerType | None
    translations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word -> words of the other language
    options: frozenset[str] = frozenset()  # command-line options the question names ("-h", "--inodes")
    weights: dict[str, float] = field(default_factory=dict)  # how much each content word says what is asked
    counted: tuple[str, ...] = ()  # what "how many" counts ("Zeichen", "seconds"): a number must be of this
    # the counted words in the other language, more senses than `translations` keeps ("lines": … "zeile")
    counted_translations: tuple[str, ...] = ()

    @property
    def other_language(self) -> str:
        return "en" if self.language == "de" else "de"

    def concept_words(self) -> list[str]:
        """The words that say what the question is about (no framing words)."""
        # a hyphenated compound counts through its parts, which are words of the question too
        return [w for w in self.words if w not in FRAME_WORDS and "-" not in w]

    def search_terms(self) -> list[str]:
        """BM25 terms of the question, stemmed in its language, and of its words' translations, stemmed in theirs."""
        extra = dict.fromkeys(t for w in self.words for t in self.translations.get(w, ()))
        return analyze(self.text, self.language) + analyze(" ".join(extra), self.other_language)


def analyse(text: str) -> Question:
    """Analyse a question once (language, words, names, numbers, answer type, translations)."""
    words = question_words(text)
    # Function words decide; a short question without any ("Virtual consoles") is decided by the lexicon
    language = marker_language(text) or lexicon_language(words) or detect_language(text)
    other = "en" if language == "de" else "de"
    # a capital that only opens the question makes no name ("Special key strokes", "Rescue with the dpkg command"); a
    # name stays one with more capitals (ByteDance, HBM) or when the lexicon does not know it (Nvidia, Debian)
    asked = names(text, language, known_openers=False)
    # an acronym is no word of either language: "ID" is not the psychologist's Es, "OS" no bone, "RAM" no ram
    tokens = list(iter_tokens(text, compounds=True))
    acronyms = {fold(t.text) for t in tokens if len(t.text) >= 2 and t.text.isupper()} - {
        fold(t.text) for t in tokens if not t.text.isupper()}
    translations = {w: () if w in acronyms else _translations(w, language, other) for w in words}
    counted = counted_words(text)
    return Question(
        text=text,
        language=language,
        words=tuple(words),
        names=frozenset(asked),
        numbers=tuple(extract_numbers(_OPTION_TOKEN.sub(" ", text))),  # "-1" is an option, not a number
        asks=asked_type(text),
        translations={w: t for w, t in translations.items() if t},
        options=frozenset(option_tokens(text)),
        weights=concept_weights(text, language),
        counted=counted,
        counted_translations=tuple(dict.fromkeys(
            t for w in counted for t in translate(w, language, other, COUNTED_SENSES) if t not in STOPWORDS)),
    )


def _translations(word: str, language: str, other: str) -> tuple[str, ...]:
    """A word's translations; a word of the other language that its own does not know is a loanword and stands
    for itself ("Pull Request", "Commit", "Branch" in a German question): looked up by its stem it would be
    taken for another word ("pull" for "Puller": willie, "branch" for "Branche": industry)."""
    lexicon = Lexicon.default()
    if not lexicon.knows(word, language) and lexicon.knows(word, other):
        return (word,)
    found = tuple(translate(word, language, other))
    cognate = _cognate(word, language)
    return found + (cognate,) if cognate and cognate not in found else found


def _cognate(word: str, language: str) -> str | None:
    """The word as the other language spells its technical cognates: an English "c" (not "ch") is a German "k"
    ("script": Skript, "configuration": Konfiguration), and a German "k" before a, o, u an English "c". None when
    the spelling does not change."""
    spelled = _HARD_C.sub("k", word) if language == "en" else _GERMAN_K.sub("c", word)
    return spelled if spelled != word and len(spelled) >= MIN_COGNATE else None


_HARD_C = re.compile(r"c(?![hk])")
_GERMAN_K = re.compile(r"(?<![ck])k(?=[aou])")
MIN_COGNATE = 5


_HOW_MANY = re.compile(r"\b(how\s+(?:many|much)|wie\s*viele?[nrs]?)\s+", re.IGNORECASE)
COUNTED_SENSES = 8  # translations of a counted word looked for: the lexicon's most common senses come first


def counted_words(text: str) -> tuple[str, ...]:
    """What a "how many" (or "how much") question counts: the noun after "wie viele" (German capitalises it), or
    the words after "how many" up to the first function word. "Wie viele Zeichen darf …" counts "zeichen",
    "How many failed login attempts …" "failed", "login" and "attempts"."""
    match = _HOW_MANY.search(text)
    if match is None:
        return ()
    german = match.group(1).lower().startswith("wie")
    found: list[str] = []
    for raw in text[match.end():].split()[:3]:
        raw = raw.strip("?!.,;:»«\"'()")
        parts = [fold(p) for p in raw.split("-") if len(p) >= 2 and fold(p) not in STOPWORDS]  # "Ascend-910B-Chips":
        # any of its parts counts ("on-board": "board")
        if not parts or fold(raw) in STOPWORDS:
            break
        if german and not raw[:1].isupper():
            continue  # an adjective before the noun ("fehlgeschlagenen Anmeldeversuchen")
        found.extend(parts)
        if german:
            break
    return tuple(found)


# German capitalises nouns: a noun names what the question is about; verbs and adjectives often only frame it.
NOUN_WEIGHT = 1.0
OTHER_WEIGHT_DE = 0.35
WORD_WEIGHT_EN = 0.6


def concept_weights(text: str, language: str) -> dict[str, float]:
    """A weight per content word: in German, nouns (capitalised inside the sentence) weigh most."""
    weights: dict[str, float] = {}
    for token in iter_tokens(text, compounds=True):
        word = fold(token.text)
        if len(word) < 2 or word in STOPWORDS:
            continue
        if language == "de":
            noun = token.text[:1].isupper() and not token.sentence_start
            weight = NOUN_WEIGHT if noun or any(c.isdigit() for c in word) else OTHER_WEIGHT_DE
        else:
            weight = NOUN_WEIGHT if any(c.isdigit() for c in word) or token.text.isupper() else WORD_WEIGHT_EN
        weights[word] = max(weights.get(word, 0.0), weight)
    return weights


MIN_COMPOUND_PART = 4  # letters of each part when a German compound is split to find its parts


def found(word: str, question: Question, matcher: TermMatcher) -> bool:
    """The word, or one of its translations, occurs in the matched text; a German compound counts when both
    of its parts do ("Logdatei": "Log" and "Datei")."""
    if matcher.has_word(word) or any(matcher.has_word(t) for t in question.translations.get(word, ())):
        return True
    return question.language == "de" and len(word) >= 2 * MIN_COMPOUND_PART and any(
        matcher.has_word(word[:i]) and matcher.has_word(word[i:].removeprefix("s"))
        for i in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1)
    )


def coverage(question: Question, text: str, words: Sequence[str] | None = None) -> float:
    """The share of the question's concept weight (rag.question.concept_weights) whose words the text holds, in
    either language: 1.0 when a heading names everything the question is about. `words` narrows the concept words
    weighed (default: all of them)."""
    concepts = question.concept_words() if words is None else list(words)
    if not concepts:
        return 0.0
    matcher = TermMatcher.of([text])
    total = sum(question.weights.get(w, 0.5) for w in concepts)
    return sum(question.weights.get(w, 0.5) for w in concepts if found(w, question, matcher)) / total if total else 0.0


def option_tokens(text: str) -> list[str]:
    """The command-line options a text names: "-h", "--human-readable", "--block-size" (without "=VALUE")."""
    return [m.group(0).split("=")[0] for m in _OPTION_TOKEN.finditer(text)]


def question_words(text: str) -> list[str]:
    """The content words of a text (folded), names and model tokens included."""
    words = {fold(t.text) for t in iter_tokens(text, compounds=True)}
    return sorted(w for w in words if len(w) > 1 and w not in STOPWORDS)


def asked_type(text: str) -> AnswerType | None:
    """What kind of answer the question wants, or None when its wording does not say. The question word that comes
    first asks ("Mit welcher Option begrenze ich, wie viele Ebenen find hinabsteigt?" asks for an option); money is
    a quantity said in a currency, so it stands for the quantity wherever it is asked ("Wie viel kostet …"); "what
    is" asks for a definition only when nothing more particular is asked ("What is the maximum upload size …"); "how
    can I" asks for a way (None), whatever it names after that."""
    found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_ASKS) if (m := pattern.search(text))]
    manner = _MANNER.search(text)
    if not found or (manner is not None and manner.start() < min(found)[0]):
        return None
    kinds = {kind for _, _, kind in found}
    first = min(item for item in found if item[2] != "definition" or kinds == {"definition"})[2]
    return "money" if first == "quantity" and "money" in kinds else first


def states(kind: AnswerType | None, sentence: str, context: str, question: Question) -> bool:
    """Whether `sentence` (with `context`: its section heading) states what a question of this kind asks for."""
    if kind is None or kind == "definition":
        return True
    if kind == "quantity":
        if question.counted and not _mentions(question, f"{context}\n{sentence}") and not (
                _HOW_MUCH.search(question.text) and (_UNIT.search(sentence) or _CURRENCY.search(sentence))):
            return False  # "Wie viele Zeichen …": a number of something else does not answer it; "how much" is
            # often said in a unit alone ("Wie viel Geld …": "2 Milliarden Dollar")
        if _HOW_LONG.search(question.text) and not _UNIT.search(sentence):
            return False  # "Wie lange …": a time or a length, not any number ("V:111, I:125")
        stated = bool(_quantities(_YEAR.sub(" ", sentence))) or bool(
            (_HOW_LONG.search(question.text) or _TIME_ASKED.search(question.text)) and _DURATION.search(sentence))
        # a time said in words ("mindestens eine Woche"); how often said as a date word; a value as a word (»Linux«)
        return stated or bool(_OFTEN.search(question.text) and _DATE.search(sentence)) or bool(
            _VALUE.search(question.text) and _LITERAL.search(sentence))
    if kind == "money":
        return bool(_quantities(sentence)) and bool(_CURRENCY.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "reason":
        return bool(_CAUSAL.search(sentence))
    if kind == "option":
        return bool(_OPTION_TOKEN.search(sentence) or _OPTION_TOKEN.search(context))
    if kind == "command":
        return bool(_COMMAND_TOKEN.search(sentence) or _PATH.search(sentence) or _relative_path(sentence)
                    or _program(sentence, question))
    if kind == "place" and _ADDRESS.search(question.text):
        return bool(_NET_ADDRESS.search(sentence))  # an address asked for is one: "security@debian.org", a URL
    if kind == "place" and (_PATH.search(sentence) or _relative_path(sentence)):
        return True
    if kind == "person" and (_new_role(sentence, question) or "@" in sentence):
        return True
    # person, organisation, place: a name the question did not bring along; an acronym names no person ("It is not
    # mentioned in the FHS" does not say who wrote something)
    named = names(sentence, known_openers=False) - question.names - set(question.words)
    if kind == "person":
        named -= {fold(t.text) for t in iter_tokens(sentence) if sum(c.isupper() for c in t.text) >= 2}
    return bool(named)


def _qualifiers(question: Question) -> list[re.Pattern[str]]:
    """How the qualifiers the question puts on what it asks are stated (_QUALIFIERS)."""
    return [stated for asked, stated, kinds in _QUALIFIERS
            if (kinds is None or question.asks in kinds) and asked.search(question.text)]


def asks_qualified(question: Question) -> bool:
    """Whether the question qualifies what it asks: a default ("Welche Dringlichkeit wird standardmäßig
    verwendet?"), or who or when first ("Wer hat quilt ursprünglich entwickelt?")."""
    return bool(_qualifiers(question))


def states_qualifiers(question: Question, text: str) -> bool:
    """Whether the text states every qualifier the question puts on what it asks (see _QUALIFIERS)."""
    return all(stated.search(text) for stated in _qualifiers(question))


def defines(question: Question, sentence: str) -> bool:
    """Whether the sentence says what a thing the question names is or means: a verb of definition ("bedeutet",
    "ist ein", "stands for") after a word of the question ("Sponsern eines Pakets bedeutet, ein Paket für einen
    Betreuer hochzuladen, …" for "What does it mean to sponsor a package?")."""
    verb = _DEFINES.search(sentence)
    if verb is None or verb.start() == 0:
        return False
    subject = TermMatcher.of([sentence[:verb.start()]])
    return any(found(w, question, subject) for w in question.concept_words())


def _mentions(question: Question, text: str) -> bool:
    """Whether the text holds one of the words the question counts, or one of their translations."""
    matcher = TermMatcher.of([text])
    return any(matcher.has_word(w) or any(matcher.has_word(w[i:]) for i in range(4, len(w) - 4))  # "…versuchen"
               for w in question.counted + question.counted_translations)


def _quantities(sentence: str) -> list[float]:
    """The numbers a sentence states, without those that only refer to a manual page or a section."""
    return extract_numbers(_REFERENCE_NUMBER.sub(" ", sentence))


def _relative_path(sentence: str) -> bool:
    return any(not (m.group(1) in STOPWORDS and m.group(2) in STOPWORDS) for m in _RELATIVE_PATH.finditer(sentence))


def _program(sentence: str, question: Question) -> bool:
    """Whether the sentence names a program the question does not: a lower-case word that neither language knows."""
    lexicon = Lexicon.default()
    return any(
        word not in STOPWORDS and word not in question.words and not _GERMAN_ENDING.search(word)
        and not lexicon.headwords(word, "de") and not lexicon.headwords(word, "en")
        for word in (m.group(0) for m in _PROGRAM.finditer(sentence)))


def _new_role(sentence: str, question: Question) -> bool:
    """Whether the sentence names a role the question does not: "Wenden Sie sich an das Sicherheitsteam" says who,
    "Das Debian-Sicherheits-Team existiert, um …" does not answer "Wer leitet das Debian-Sicherheits-Team?"."""
    asked = [w for w in question.words if len(w) >= MIN_ROLE_MATCH]
    return any(not any(role in w or w in role for w in asked)
               for role in (fold(m.group(1)) for m in _ROLE.finditer(sentence)))


MIN_ROLE_MATCH = 4
