"""Reading an entity's value out of its Danish text: the dates, amounts, hours, percentages and
durations that land in the typed `value_*` columns of `entities` and, from there, on the contract card.

The rule of this room is certainty over coverage. A span is read only when its text admits exactly one
reading; anything else (two numbers, an impossible date, a weekday that contradicts the date, a comma
that could be a decimal or a thousands separator, "efter aftale") gives an empty `NormalisedValue`, so a
reviewer sees an empty field instead of a wrong one."""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from models.danish import (
    DURATION_UNIT_WORDS,
    ENGLISH_NUMBER_WORDS,
    HALF_AND_ONE,
    MONTHS,
    NUMBER_WORDS,
    ONE_WORDS,
    WEEKDAYS,
    alternation,
)
from models.labels import ValueKind, label_spec

CURRENCIES = ("DKK", "EUR", "SEK", "NOK", "USD", "GBP")
SALARY_PERIODS = ("hour", "week", "month", "year")
DURATION_UNITS = ("days", "weeks", "months", "years")

# entities.value_number is Numeric(14, 4): anything at or above 10^10 would make the whole insert fail.
_NUMBER_LIMIT = Decimal(10) ** 10


@dataclass(frozen=True)
class NormalisedValue:
    """One span's value; all None when the text cannot be read with certainty."""

    date: datetime.date | None = None
    number: Decimal | None = None
    # Currency code for SALARY, "hours" for WORKING_HOURS, "percent" for PENSION, "days"/"weeks"/
    # "months"/"years" for NOTICE_PERIOD and PROBATION_PERIOD.
    unit: str | None = None
    # SALARY only: "hour" | "week" | "month" | "year" when the text says so.
    period: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.date is None and self.number is None and self.unit is None and self.period is None


EMPTY = NormalisedValue()


# How much of the document around a span `normalise` is given, and reads at most.
CONTEXT_CHARS = 80


def normalise(label: str, text: str, following: str = "", preceding: str = "") -> NormalisedValue:
    """The value of an entity span with `label`, or an empty value when it is not certain.

    `following` is the document text right after the span (up to CONTEXT_CHARS characters): only a
    salary period written there (" pr. måned", "/md.", " i timen") is read from it, and a working-hours
    span followed by a daily/monthly/yearly period is refused rather than taken as weekly hours.
    `preceding` is the text right before the span: "Månedslønnen udgør 32.500 kr." names the period
    before the amount. Both end at the line break where the span's line ends or begins, unless the
    sentence wraps onto the next line (`_context_after`, `_context_before`): the line above or below
    is another clause ("Ugentlig arbejdstid: 37 timer" over "Månedsløn: 32.500 kr."). The span's own
    text may wrap a line ("1. juni\n2024") and is read whole."""
    spec = label_spec(label)
    reader = _READERS.get(spec.kind) if spec is not None else None
    if spec is None or reader is None:
        return EMPTY
    try:
        value = reader(_prepare(text), _prepare(_context_after(following[:CONTEXT_CHARS])))
        if spec.kind is ValueKind.AMOUNT and value.number is not None:
            before = _period_right_before(_prepare(_context_before(preceding[-CONTEXT_CHARS:])))
            if before is not None and before != value.period:
                # "Årsløn: 420.000 kr. pr. måned" names two periods: unknown, not a guess.
                period = before if value.period is None else None
                value = NormalisedValue(number=value.number, unit=value.unit, period=period)
    except (ValueError, ArithmeticError):
        # Belt and braces: a value is an extra, never a reason for a document's entities to fail.
        return EMPTY
    if value.number is not None and abs(value.number) >= _NUMBER_LIMIT:
        return EMPTY
    return value


def normalise_in(document_text: str, label: str, start: int, end: int) -> NormalisedValue:
    """The value of the span `document_text[start:end]`, read with the text around it."""
    return normalise(
        label,
        document_text[start:end],
        following=document_text[end : end + CONTEXT_CHARS],
        preceding=document_text[max(0, start - CONTEXT_CHARS) : start],
    )


def entity_values(label: str, text: str, following: str = "", preceding: str = "") -> dict[str, Any]:
    """The `value_*` columns of an `entities` row for this span, ready for an insert."""
    return value_columns(normalise(label, text, following, preceding))


def entity_values_in(document_text: str, label: str, start: int, end: int) -> dict[str, Any]:
    """The `value_*` columns for the span `document_text[start:end]`, read with the text around it."""
    return value_columns(normalise_in(document_text, label, start, end))


def value_columns(value: NormalisedValue) -> dict[str, Any]:
    return {
        "value_date": value.date,
        "value_number": value.number,
        "value_unit": value.unit,
        "value_period": value.period,
    }


def _continues(line: str) -> bool:
    """Whether `line`, after a line break, goes on with the sentence before it: a PDF wraps a sentence
    onto a line that starts in lower case. A form's next field ("Månedsløn: ...", "månedsløn: ...",
    "3. Løn") starts a clause of its own."""
    stripped = line.lstrip()
    if not stripped or not stripped[0].islower():
        return False
    field_name, colon, _ = stripped.partition(":")
    return not (colon and len(field_name.split()) <= 3)


def _context_after(following: str) -> str:
    """The text after a span up to where its clause's line ends: the rest of the span's line, and the
    lines after it only where the sentence wraps onto them."""
    own, *below = following.split("\n")
    kept = [own]
    for line in below:
        if not _continues(line):
            break
        kept.append(line)
    return " ".join(kept)


def _context_before(preceding: str) -> str:
    """The text before a span from where its clause's line begins: the span's line, and the lines
    above it only where the sentence wrapped from them, or, when the span starts its line, the line
    above it (a value under its label: "Månedsløn\n32.500 kr.")."""
    *above, own = preceding.split("\n")
    kept = [own]
    joins = not own.strip() or _continues(own)
    while above and joins:
        line = above.pop()
        if not line.strip():
            break  # a blank line ends a paragraph
        kept.insert(0, line)
        joins = _continues(line)
    return " ".join(kept)


def _prepare(text: str) -> str:
    """Lower-case, one space for any whitespace run (PDF text breaks lines mid-value), fractions as decimals."""
    text = " ".join(text.lower().split())
    text = _FRACTION_AFTER_DIGIT.sub(lambda m: m.group(1) + _FRACTIONS[m.group(2)], text)
    return _LONE_FRACTION.sub(lambda m: "0" + _FRACTIONS[m.group(0)], text)


_FRACTIONS = {"½": ",5", "¼": ",25", "¾": ",75"}
_FRACTION_AFTER_DIGIT = re.compile(r"(\d) ?([½¼¾])")
_LONE_FRACTION = re.compile(r"(?<!\d)[½¼¾]")


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"""
    (?<!\d)(?<!\d[.,])                               # not the tail of a longer number
    (?:
        \d{1,3}(?:\.\d{3})+(?:,\d+)?                 # Danish thousands: 23.000  1.234.567,5
      | \d{1,3}(?:,\d{3})+\.\d+                      # English, both separators: 23,000.00
      | \d{1,3}(?:,\d{3}){2,}                        # English thousands, several groups: 1,234,567
      | \d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?    # spaced thousands: 23 000,00
      | \d+(?:,\d+)?                                 # plain or decimal comma: 23000  168,40
      | \d+\.\d{1,2}                                 # a point that cannot group thousands: 37.5
    )
    (?!\d|[.,]\d)                                    # nor the head of one
    """,
    re.VERBOSE,
)


class _Ambiguous(Exception):
    """A number with two readings, e.g. "23,000" (Danish 23 or English 23000)."""


def _to_decimal(token: str, money: bool = False) -> Decimal:
    """`money`: an amount has at most two decimals, so "41,500" can only be forty-one thousand five hundred."""
    token = re.sub(r"[ \u00a0\u202f]", "", token)
    if "," in token and "." in token:
        if token.rfind(",") > token.rfind("."):
            return Decimal(token.replace(".", "").replace(",", "."))
        return Decimal(token.replace(",", ""))
    if "," in token:
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+", token) and (money or token.count(",") > 1):
            return Decimal(token.replace(",", ""))
        if len(token) - token.index(",") - 1 == 3:
            raise _Ambiguous(token)
        return Decimal(token.replace(",", "."))
    if "." in token and not re.fullmatch(r"\d+\.\d{1,2}", token):
        return Decimal(token.replace(".", ""))
    return Decimal(token)


def _single_number(text: str, money: bool = False) -> Decimal | None:
    """The one number the text holds, or None.

    A repeat is allowed only in parentheses ("23.000 kr. (23.000 kroner)"): "1 + 1" is two numbers."""
    matches = list(_NUMBER.finditer(text))
    try:
        numbers = {_to_decimal(m.group(0), money) for m in matches}
    except (_Ambiguous, InvalidOperation):
        return None
    if len(numbers) != 1 or not _repeats_in_parentheses(text, [m.span() for m in matches]):
        return None
    return numbers.pop()


def _repeats_in_parentheses(text: str, spans: list[tuple[int, int]]) -> bool:
    return all("(" in text[previous[1] : current[0]] for previous, current in itertools.pairwise(spans))


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

_WEEKDAYS = {name: number for number, name in enumerate(WEEKDAYS)}
_MONTH_WORD = alternation(MONTHS)
_WEEKDAY_WORD = alternation(WEEKDAYS)

# Words around a date that do not change it: "mandag den 1. marts 2024", "pr. 1/3-2024", "d. 1.3.24".
_DATE_PREFIX = re.compile(
    rf"^(?:(?P<weekday>{_WEEKDAY_WORD})\b,?|den\b|d\.|pr\.|per\b|fra og med\b|f\.o\.m\.|fra\b"
    r"|med virkning (?:fra|pr\.)|med tiltrædelse\b)\s*"
)
_TEXT_DATE = re.compile(rf"(?P<d>\d{{1,2}})\.? ?(?P<m>{_MONTH_WORD})\.? ?(?P<y>\d{{4}}|\d{{2}})")
_NUMERIC_DATE = re.compile(r"(?P<d>\d{1,2}) ?[./-] ?(?P<m>\d{1,2})(?: ?[./-] ?| )(?P<y>\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")


def _read_date(text: str, following: str) -> NormalisedValue:
    text = text.strip(" .,;:")
    weekday: int | None = None
    while match := _DATE_PREFIX.match(text):
        if match.group("weekday"):
            if weekday is not None:
                return EMPTY
            weekday = _WEEKDAYS[match.group("weekday")]
        text = text[match.end() :]
    for pattern in (_TEXT_DATE, _NUMERIC_DATE, _ISO_DATE):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        month_text = match.group("m")
        month = MONTHS[month_text] if month_text in MONTHS else int(month_text)
        year_text = match.group("y")
        year = int(year_text)
        if len(year_text) == 2:
            # Two-digit years pivot at 69: contracts name this century's dates and last century's births.
            year += 2000 if year <= 69 else 1900
        if not 1900 <= year <= 2099:
            return EMPTY
        try:
            value = datetime.date(year, month, int(match.group("d")))
        except ValueError:  # 31.02.2024
            return EMPTY
        # A weekday that contradicts the date means one of them is a typo, and we cannot tell which.
        if weekday is not None and value.weekday() != weekday:
            return EMPTY
        return NormalisedValue(date=value)
    return EMPTY


# --------------------------------------------------------------------------------------------------
# Periods ("pr. måned", "i timen", "årligt") shared by salaries and working hours
# --------------------------------------------------------------------------------------------------

_PER = r"\b(?:pr\.?|per) ?"
_PERIOD_PATTERNS: dict[str, re.Pattern[str]] = {
    "hour": re.compile(
        rf"{_PER}(?:time|t|arbejdstime|påbegyndt time)\b|\b(?:i|om) timen\b|/ ?(?:t|time|timen|h)\b"
        r"|\btimeløn(?:nen)?\b|\btimesats(?:en)?\b|\bfor hver (?:arbejdet |påbegyndt )?time\b"
        r"|\bper hour\b|\ban hour\b|\bhourly\b"  # bilingual templates
    ),
    "week": re.compile(rf"{_PER}uge\b|\b(?:i|om) ugen\b|/ ?uge\b|\bugentlig(?:t|e)?\b|\bugeløn(?:nen)?\b"),
    "month": re.compile(
        rf"{_PER}(?:måned|md|mdr|mnd)(?:\b|\.)|\b(?:i|om) måneden\b|/ ?(?:md|mdr|mnd|måned)(?:\b|\.)"
        r"|\bmånedlig(?:t|e)?\b|\bmånedsløn(?:nen)?\b|\bper month\b|\ba month\b|\bmonthly\b"
    ),
    "year": re.compile(
        rf"{_PER}år\b|\b(?:i|om) året\b|/ ?år\b|\bårlig(?:t|e|en)?\b|\bårsløn(?:nen)?\b|\bp\. ?a\b\.?"
        r"|\bper (?:year|annum)\b|\ba year\b|\bannual(?:ly)?\b"
    ),
}
# Only for refusing working hours that are not weekly.
_DAY_PERIOD = re.compile(rf"{_PER}(?:dag|døgn)\b|\b(?:i|om) (?:dagen|døgnet)\b|/ ?(?:dag|døgn)\b|\bdaglig(?:t|e)?\b")

# What may stand between a salary span and its period in the following text: "32.500 | kr. brutto pr. måned".
_FOLLOWING_FILLER = re.compile(
    r"(?:,-|kr\.?|kroner|dkk|eur|euro|€|brutto|netto|før skat|\(brutto\)|\(før skat\))(?!\w) ?"
)


def _periods_in(text: str) -> set[str]:
    return {period for period, pattern in _PERIOD_PATTERNS.items() if pattern.search(text)}


def _period_right_after(following: str) -> str | None:
    """The period named at the very start of the following text: " pr. måned", " kr. om måneden".

    Anchored on purpose: "32.500 kr. Arbejdstiden er 37 timer om ugen" must not read as a weekly salary."""
    rest = following.lstrip()
    while match := _FOLLOWING_FILLER.match(rest):
        rest = rest[match.end() :]
    for period, pattern in _PERIOD_PATTERNS.items():
        if pattern.match(rest):
            return period
    if _DAY_PERIOD.match(rest):
        return "day"
    return None


# The clause before an amount, from its last sentence or line break: "Timelønnen er", "Løn pr. måned:".
_CLAUSE_BEFORE = re.compile(r"(?:^|[.!?]\s|\n)(?P<clause>[^.!?\n]*(?:\b(?:kr|ca|pr|md|mdr)\.[^.!?\n]*)*)$")
_PAY_WORD = re.compile(r"løn|gage|honorar|vederlag|betaling|aflønning|aflønnes|sats")


def _period_right_before(preceding: str) -> str | None:
    """The one period named in the pay clause just before a salary amount, if that clause is about pay."""
    match = _CLAUSE_BEFORE.search(preceding)
    clause = match.group("clause") if match else preceding
    if not _PAY_WORD.search(clause):
        return None
    periods = _periods_in(clause)
    return periods.pop() if len(periods) == 1 else None


# --------------------------------------------------------------------------------------------------
# Salaries
# --------------------------------------------------------------------------------------------------

# Foreign kroner first: "svenske kroner" must not also count as DKK.
_QUALIFIED_KRONER = re.compile(r"\b(?P<country>svenske|norske|danske) (?:kroner|kr\b\.?)")
_CURRENCY_PATTERNS: dict[str, re.Pattern[str]] = {
    "DKK": re.compile(r"\b(?:dkk|dkr|kr|kroner|krone)\b"),
    "EUR": re.compile(r"\b(?:eur|euro|euros)\b|€"),
    "SEK": re.compile(r"\bsek\b"),
    "NOK": re.compile(r"\bnok\b"),
    "USD": re.compile(r"\b(?:usd|dollar|dollars)\b|\$"),
    "GBP": re.compile(r"\b(?:gbp|pund)\b|£"),
}
_QUALIFIED_CURRENCY = {"svenske": "SEK", "norske": "NOK", "danske": "DKK"}
# "450 t.kr." / "450 tkr." is thousands of kroner; "1,2 mio. kr." millions. Read, or "1,2" would be a wrong guess.
# Only right after a digit: "(treogtyve tusinde kroner)" spelled out after "23.000 kr." multiplies nothing.
_THOUSAND_KRONER = re.compile(r"(?<=\d) ?t\.? ?(?=kr\b)")
_MULTIPLIERS = (
    (re.compile(r"(?<=\d) ?(?:(?:mio|mill)\b\.?|million(?:er)?\b)"), Decimal(1_000_000)),
    (re.compile(r"(?<=\d) ?tusinde?\b"), Decimal(1000)),
)
_PERCENT = re.compile(r"%|\bprocent\b|\bpct\b")


def _read_amount(text: str, following: str) -> NormalisedValue:
    if _PERCENT.search(text):
        return EMPTY  # "8 % af lønnen" tagged as salary: not an amount
    multipliers: list[Decimal] = []
    if _THOUSAND_KRONER.search(text):
        multipliers.append(Decimal(1000))
        text = _THOUSAND_KRONER.sub(" ", text)
    multipliers += [factor for pattern, factor in _MULTIPLIERS if pattern.search(text)]
    if len(multipliers) > 1:
        return EMPTY

    currencies = {_QUALIFIED_CURRENCY[m.group("country")] for m in _QUALIFIED_KRONER.finditer(text)}
    unqualified = _QUALIFIED_KRONER.sub(" ", text)
    currencies |= {code for code, pattern in _CURRENCY_PATTERNS.items() if pattern.search(unqualified)}
    if len(currencies) > 1:
        return EMPTY

    amount = _single_number(text, money=True)
    if amount is None:
        return EMPTY
    if multipliers:
        amount *= multipliers[0]

    periods = _periods_in(text)
    after = _period_right_after(following)
    if after is not None and after != "day":
        periods.add(after)
    # Two different periods ("årsløn ... pr. måned") leave the period unknown; the amount still stands.
    period = periods.pop() if len(periods) == 1 else None
    return NormalisedValue(number=amount, unit=currencies.pop() if currencies else None, period=period)


# --------------------------------------------------------------------------------------------------
# Working hours and pension
# --------------------------------------------------------------------------------------------------

_NOT_HOURS = re.compile(r"\bminut(?:ter)?\b|\bsekund(?:er)?\b")


def _read_hours(text: str, following: str) -> NormalisedValue:
    if _PERCENT.search(text) or _NOT_HOURS.search(text) or _any_currency(text):
        return EMPTY
    # The card reads these as weekly hours: "7,4 timer dagligt" or "160,33 timer pr. måned" must not land there.
    if _DAY_PERIOD.search(text) or _periods_in(text) - {"week"}:
        return EMPTY
    if _period_right_after(following) not in (None, "week"):
        return EMPTY
    hours = _single_number(text)
    return EMPTY if hours is None else NormalisedValue(number=hours, unit="hours")


def _read_percent(text: str, following: str) -> NormalisedValue:
    # The sign or word must be in the span: a bare "8" in a pension clause could as well be kroner.
    if not _PERCENT.search(text) or _any_currency(text):
        return EMPTY
    percent = _single_number(text)
    return EMPTY if percent is None else NormalisedValue(number=percent, unit="percent")


def _any_currency(text: str) -> bool:
    return any(pattern.search(text) for pattern in _CURRENCY_PATTERNS.values())


# --------------------------------------------------------------------------------------------------
# Durations (notice and probation periods)
# --------------------------------------------------------------------------------------------------

_WORD = alternation([*NUMBER_WORDS, *ENGLISH_NUMBER_WORDS, *HALF_AND_ONE])
_UNIT = alternation(DURATION_UNIT_WORDS)
_NUM = r"\d+(?:,\d+)?"
# "3 måneder", "tre måneders", "tre (3) måneder", "3 (tre) måneder", "1,5 måned", "et halvt år".
_DURATION = re.compile(
    rf"(?:(?P<num>{_NUM})(?: ?\( ?(?P<num_word>{_WORD}) ?\))?"
    rf"|(?<!\w)(?P<word>{_WORD})(?: ?\( ?(?P<word_num>{_NUM}) ?\))?(?P<half> halvt?)?)"
    rf" ?(?P<unit>{_UNIT})(?!\w)\.?"
)
# "3 måneder til udgangen af en måned" names one duration: the month end is when it runs to, not how long.
_TERM_END = re.compile(
    r"\b(?:til|ved) (?:fratræden (?:til|ved) )?"
    r"(?:(?:udgangen|udløbet|slutningen) af (?:en|hver|den|pågældende|næste) (?:kalender)?måned(?:en)?"
    r"|(?:en|hver|den) (?:kalender)?måneds udgang)\b"
)


def _word_value(word: str) -> Decimal:
    return HALF_AND_ONE.get(word) or Decimal(NUMBER_WORDS.get(word) or ENGLISH_NUMBER_WORDS[word])


def _read_duration(text: str, following: str) -> NormalisedValue:
    text = _TERM_END.sub(" ", text)
    found: set[tuple[Decimal, str]] = set()
    covered: list[tuple[int, int]] = []
    for match in _DURATION.finditer(text):
        if match.group("num") is not None:
            amount = Decimal(match.group("num").replace(",", "."))
            if match.group("num_word") and _word_value(match.group("num_word")) != amount:
                return EMPTY  # "3 (fire) måneder"
        else:
            word = match.group("word")
            amount = _word_value(word)
            if match.group("word_num") and Decimal(match.group("word_num").replace(",", ".")) != amount:
                return EMPTY
            if match.group("half"):
                if word not in ONE_WORDS:
                    return EMPTY  # "to halve år" is not a phrasing we can trust
                amount = Decimal("0.5")
        found.add((amount, DURATION_UNIT_WORDS[match.group("unit")]))
        covered.append(match.span())
    # A digit outside every "<number> <unit>" ("3 måneder, dog 1 måned i de første 2 år") is another fact.
    for number in _NUMBER.finditer(text):
        if not any(start <= number.start() < end for start, end in covered):
            return EMPTY
    if len(found) != 1 or not _repeats_in_parentheses(text, covered):
        return EMPTY
    amount, unit = found.pop()
    return NormalisedValue(number=amount, unit=unit)


# The normaliser of each kind of value; names (organisations, persons, titles, addresses) have none.
_READERS: dict[ValueKind, Callable[[str, str], NormalisedValue]] = {
    ValueKind.DATE: _read_date,
    ValueKind.AMOUNT: _read_amount,
    ValueKind.HOURS: _read_hours,
    ValueKind.PERCENT: _read_percent,
    ValueKind.DURATION: _read_duration,
}
