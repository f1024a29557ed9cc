"""The Danish words the rules read contracts with: month and weekday names, number words, duration
units, companies' legal forms and the abbreviations that keep their dot. One list each, used by value
normalisation (`models.normalisation`), field decoding and span trimming (`worker.fields`,
`worker.inference`), the rule baseline and the synthetic corpus (`training/`), so that what one of
them reads as a month, a number or a legal form the others read the same way.

Words are lower-case, legal forms as they are registered; callers decide whether case matters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

MONTH_NAMES = (
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november",
    "december",
)  # fmt: skip
# Abbreviations contracts use, with or without a dot ("1. sept. 2024", "1. jan 2025").
MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "okt": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
# Bilingual templates give dates the English way too ("1 March 2025", "1 May 2025").
ENGLISH_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
)  # fmt: skip
# Every way to write a month: its Danish or English name or an abbreviation.
MONTHS: dict[str, int] = (
    {name: number for number, name in enumerate(MONTH_NAMES, 1)}
    | {name: number for number, name in enumerate(ENGLISH_MONTH_NAMES, 1)}
    | MONTH_ABBREVIATIONS
    | {"oct": 10}
)
# Monday first, as `datetime.date.weekday()` counts.
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")

# Number words contracts write counts with ("tre måneders varsel", "fireogtyve måneder").
NUMBER_WORDS = {
    "en": 1, "et": 1, "én": 1, "ét": 1, "een": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
    "otte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19, "tyve": 20, "fireogtyve": 24, "tredive": 30,
}  # fmt: skip
# Bilingual templates count in English too ("one month's notice", "three (3) months").
ENGLISH_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fourteen": 14, "eighteen": 18, "twenty-four": 24,
}  # fmt: skip
# The forms of "one" ("et halvt år" is half a year, "to halve år" is not a phrasing to trust).
ONE_WORDS = frozenset(word for word, number in NUMBER_WORDS.items() if number == 1)
HALF_AND_ONE = {"halvanden": Decimal("1.5"), "halvandet": Decimal("1.5")}

# Duration unit words, every inflection, and what they count.
DURATION_UNIT_WORDS = {
    **dict.fromkeys(("dag", "dage", "dages", "dags"), "days"),
    **dict.fromkeys(("uge", "uger", "uges", "ugers"), "weeks"),
    **dict.fromkeys(("måned", "måneder", "måneds", "måneders", "md", "mdr", "mnd", "mdrs"), "months"),
    **dict.fromkeys(("år", "års"), "years"),
    # Bilingual templates: "14 days", "one month's", "3 months".
    **dict.fromkeys(("day", "days", "day's", "days'"), "days"),
    **dict.fromkeys(("week", "weeks", "week's", "weeks'"), "weeks"),
    **dict.fromkeys(("month", "months", "month's", "months'"), "months"),
    **dict.fromkeys(("year", "years", "year's", "years'"), "years"),
}

# Danish companies' legal forms, as written after the name ("Nordlys ApS", "Andelsmejeriet A.m.b.a.").
LEGAL_FORMS = ("ApS", "A/S", "I/S", "IVS", "K/S", "P/S", "AMBA", "A.m.b.a.", "SMBA", "S.m.b.a.")

# Abbreviations whose dot belongs to the word, so a value that ends in one keeps it ("23.000 kr.",
# "37 t.", "2. tv."); month abbreviations (MONTH_ABBREVIATIONS) keep theirs too.
ABBREVIATIONS_WITH_DOT = ("kr", "t", "tim", "md", "mdr", "mdl", "nr", "st", "tv", "th", "mf", "ca", "pkt", "stk")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words` (escaped), longest first, so a prefix never wins over the whole word."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
