"""Document-level decoding of contract fields, after the pipeline-equivalent word grouping.

Token classification labels each word on its own; a contract's facts have structure it cannot see:
one employer, one start date, one salary, and names whose words belong together. `decode_fields`
uses that in this order:

1. `merge_split_values`: words of one name that the model split between labels ("Fjordlys" EMPLOYER,
   "Boligadministration" EMPLOYEE, "ApS" EMPLOYER) or a single-valued value split by a stray B- tag
   ("kr." + "28.412,55") are one span, labelled by the words' weighted vote.
2. `complete_values`: a span the model cut short is completed to the form the schema gives the value:
   a company's legal form ("ApS") takes the capitalised name words before it, working hours are a
   number and its unit ("37" + "timer", never "timer/uge") and a word with neither ("ingen",
   "derefter") is no quantity, a workplace address runs from the street to the city ("Restaurant
   Havneblik, Havnepladsen 2, 3000" -> "Havnepladsen 2, 3000 Helsingør"; "6000 Kolding" takes the
   "Sygehusvej 24, " before it), a date must look like one and is the date alone (its year taken from
   the start of the next line where a line break split it off: "1. juni\n2024"), a person's name
   takes its capitalised neighbours, and no value ends in the next item number of a numbered list
   ("15. januar 2025\n6").
   Names follow their kind too: a person's or organisation's name may wrap onto the next line but never
   crosses a blank line or runs into a role label or a street, and loses the titles, adverbs, role
   labels and connectors at its edges ("undertegnede", "OG", "hr.", "herved"); an organisation without a
   legal form keeps its run of capitalised name words ("Aftenskolen Lindely"), and a law is no party.
   A title that fills a form field ("Stilling: ...") is the field's value up to its separator; a word of
   a fixed phrase after "som" ("som led i") is no title, and an employment-form adjective ("timelønnet")
   gives way to the title after it. No name crosses a column gap (three spaces, a tab, a table border):
   each piece is a name of its own. A duration is a count and its unit ("4 ugers", "one month's"); a bare
   number is none. An address runs from its street to its city and ends there; a mention whose sentence
   is about a matter its label never is (`LabelSpec.other_matters`: a holiday's notice) is dropped.
3. `period_end_dates`: a start date that opens a period ("01.03.2025 - 28.02.2026") makes the date
   that closes it the END_DATE, where the model left that date untagged. `resolved_address_references`:
   a workplace given as a reference ("på ovennævnte virksomhedsadresse") is the employer's address; then
   an address label's span without a digit is no address (`addresses_only`).
4. `without_overlaps`: spans that grew into each other become one.
5. `keep_best_values`: for a single-valued label only the mentions of the best value stay: first the
   value that has its kind's form (`kind_fit`: never a value the document says was replaced, as in
   amendments' "hidtidige" or a table's old column; a full date before a yearless or recurring one; a
   person of two name words before one word; a title introduced as the position, "ansættes som"),
   then the largest sum of mention scores, so a name that recurs in header, body and signature outweighs
   a one-off union, authority or client name (an organisation's short forms count for its full name).
   Every mention of that value is kept with its offsets; a multi-valued label drops replaced values.
   Amounts are compared by what they pay a month, so the same pay stated yearly and monthly is one
   value with both mentions (the contract card then takes the monthly one).
6. `competing_values`: what the values step 5 drops say about the document, as card flags carried on the
   result (`DecodedEntities.flags`): a fact stated with two different values (`conflicting_values`), and
   different parties with their own facts in different parts of the file (`multiple_contracts`).

Where the model and a rule disagree, the rule wins on the span's extent (where a value starts and ends,
which the schema defines); which words are a value at all stays the model's call, except where the
schema rules it out (a law is no party, a word without a number is no quantity, a duration needs its
unit, an address its number, a holiday's notice is no notice period, "som led i" is no title). Which of
a label's values is the document's stays the model's call (its scores) among values of the same form;
the form (`kind_fit`) ranks first, because the model scores a fragment, a pay-review date or a replaced
value as confidently as the fact.

Which labels are single-valued and which are names is the label spec's business (`models.labels`), as is
the kind of value each label holds, which decides how step 2 completes it; a checkpoint may declare its
own single-valued and name labels in config.json (`single_valued_labels`, `name_labels`). Labels the
spec does not know are not completed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from models.contract_card import CONFLICTING_VALUES, MULTIPLE_CONTRACTS
from models.danish import (
    DURATION_UNIT_WORDS,
    ENGLISH_MONTH_NAMES,
    ENGLISH_NUMBER_WORDS,
    LEGAL_FORMS,
    MONTH_NAMES,
    NUMBER_WORDS,
    alternation,
)
from models.labels import NAME_KINDS, NAME_LABELS, SINGLE_VALUED_LABELS, ValueKind, label_spec
from models.normalisation import normalise_in
from worker.spans import DecodedEntities, EntitySpan

# Between two parts of one value: spaces, never a line break or punctuation (a comma ends a name).
_JOINING_GAP = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class FieldSchema:
    single_valued: frozenset[str]
    names: frozenset[str]

    @classmethod
    def from_labels(
        cls, single_valued: Iterable[str] = SINGLE_VALUED_LABELS, names: Iterable[str] = NAME_LABELS
    ) -> FieldSchema:
        return cls(frozenset(single_valued), frozenset(names))


def value_key(text: str) -> str:
    """Mentions of the same value: case, inner whitespace and trailing punctuation do not matter."""
    return " ".join(text.casefold().split()).rstrip(".,;:")


def _joins(text: str, left: EntitySpan, right: EntitySpan, schema: FieldSchema) -> bool:
    if not _JOINING_GAP.fullmatch(text, left.end, right.start):
        return False
    if left.label in schema.names and right.label in schema.names:
        return True
    return left.label == right.label and left.label in schema.single_valued


def merge_split_values(text: str, entities: Sequence[EntitySpan], schema: FieldSchema) -> list[EntitySpan]:
    """Join adjacent spans that are parts of one value; `entities` in document order."""
    merged: list[EntitySpan] = []
    run: list[EntitySpan] = []

    def close_run() -> None:
        if len(run) == 1:
            merged.append(run[0])
        elif run:
            votes: dict[str, float] = {}
            for part in run:
                votes[part.label] = votes.get(part.label, 0.0) + part.score * len(part.text.split())
            label = max(votes, key=lambda candidate: votes[candidate])
            start, end = run[0].start, run[-1].end
            words = sum(len(part.text.split()) for part in run)
            merged.append(EntitySpan(label, start, end, text[start:end], votes[label] / words))
        run.clear()

    for entity in entities:
        if run and not _joins(text, run[-1], entity, schema):
            close_run()
        run.append(entity)
    close_run()
    return merged


# The same pay stated for a year and for a month ("46.000 kr. pr. måned, svarende til 552.000 kr.
# årligt") is one value: both are mentions of it, and the card picks the monthly one.
_MONTHS_PER_PERIOD = {"month": Decimal(1), "year": Decimal(12)}


def _mention_key(entity: EntitySpan, text: str | None) -> str:
    if text is not None and _kind(entity.label) is ValueKind.AMOUNT:
        value = normalise_in(text, entity.label, entity.start, entity.end)
        if value.number is not None and value.period in _MONTHS_PER_PERIOD:
            monthly = (value.number / _MONTHS_PER_PERIOD[value.period]).quantize(Decimal(1))
            return f"{value.unit or ''} {monthly} a month"
    return value_key(entity.text)


def keep_best_values(entities: Sequence[EntitySpan], schema: FieldSchema, text: str | None = None) -> list[EntitySpan]:
    """Only the best value of each single-valued label, with all its mentions. With the document's `text`,
    amounts are compared by what they pay a month, and a value that has the form of its kind outranks
    one that has not, whatever their support (`kind_fit`): a replaced value never wins, nor a yearless
    date over a full one. Among values of the same fit, the largest sum of mention scores wins.
    A multi-valued label loses its replaced values where it has others."""
    keys = [_mention_key(entity, text) for entity in entities]
    fits = [kind_fit(text, entity) if text is not None else 0 for entity in entities]
    support: dict[tuple[str, str], float] = {}
    fit: dict[tuple[str, str], int] = {}
    for entity, mention, entity_fit in zip(entities, keys, fits, strict=True):
        if entity.label in schema.single_valued:
            key = (entity.label, mention)
            support[key] = support.get(key, 0.0) + entity.score
            # One mention that says the value was replaced makes it a replaced value.
            previous = fit.get(key, entity_fit)
            fit[key] = REPLACED if REPLACED in (previous, entity_fit) else max(previous, entity_fit)
    best: dict[str, tuple[tuple[int, float], str]] = {}
    for (label, value), total in support.items():
        if _kind(label) is ValueKind.ORGANISATION:
            # An organisation's short form ("Lysgaard Revision", "Fonden") is a mention of its full name:
            # the full name has its support too.
            total += sum(
                other_total
                for (other_label, other), other_total in support.items()
                if other_label == label and other != value and set(other.split()) < set(value.split())
            )
        rank = (fit[(label, value)], total)
        if label not in best or rank > best[label][0]:
            best[label] = (rank, value)
    current = {e.label for e, entity_fit in zip(entities, fits, strict=True) if entity_fit != REPLACED}
    return [
        e
        for e, mention, entity_fit in zip(entities, keys, fits, strict=True)
        if (e.label in best and mention == best[e.label][1])
        or (e.label not in best and not (entity_fit == REPLACED and e.label in current))
    ]


# How well a mention has the form of its label's kind; higher wins (see `kind_fit`).
REPLACED = -1


def kind_fit(text: str, entity: EntitySpan) -> int:
    """How well a mention has the form its label's kind gives a value, as the rank among a label's values:

    -1 (`REPLACED`): the document says the value was replaced: "den hidtidige løn på 41.200 kr.", "ændres
    fra konsulent til ...", the old column of a table of old and new terms (amendments prefer the new value).
    1: a date with its year that is no recurring date's first occurrence ("årligt pr. 1. april, første gang
    1. april 2026"); a person's name of two or more name words; a title introduced as the position
    someone is employed in ("ansættes som ...", "Stilling: ...").
    0: everything else (a yearless date, one capitalised word as a person, a title after any other "som").
    """
    if is_replaced_value(text, entity):
        return REPLACED
    kind = _kind(entity.label)
    if kind is ValueKind.DATE:
        value = normalise_in(text, entity.label, entity.start, entity.end)
        return int(value.date is not None and not _RECURRING.search(_sentence_before(text, entity.start)[-80:]))
    if kind is ValueKind.PERSON:
        return int(_has_first_and_last_name(entity.text))
    if kind is ValueKind.TEXT:
        return int(_APPOINTMENT.search(_sentence_before(text, entity.start)[-60:]) is not None)
    return 0


def _is_person_name_word(word: str) -> bool:
    """A first or last name: capitalised, perhaps joined by a hyphen or apostrophe ("Anne-Sofie",
    "O'Neill"), or in capitals as a signature block writes it ("HANSEN")."""
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return (
        len(word) > 1
        and word[0].isupper()
        and letters.isalpha()
        and word[-1].isalpha()
        and word.casefold() not in _NOT_NAME_WORDS
    )


def _has_first_and_last_name(value: str) -> bool:
    return sum(_is_person_name_word(w.strip(".,;:()")) for w in value.split()) >= 2


def _sentence_before(text: str, position: int) -> str:
    """The text of the sentence, form field or table cell before `position`, up to 200 characters."""
    before = text[max(0, position - 200) : position]
    return re.split(r"[.!?]\s+(?=[A-ZÆØÅ§])|\n[^\S\n]*\n|\|", before)[-1]


# A date that recurs ("hvert år pr. 1. april") and the first time it does ("første gang 1. april 2026").
_RECURRING = re.compile(
    r"\b(?:første gang|hvert år|hvert kalenderår|årlig(?:t|e)?|every year|each year|annually|first time)\b",
    re.IGNORECASE,
)
# What introduces the position someone is employed in: "ansættes som", "stilling som", "Stilling:",
# "employed as"; not any "som" ("som led i", "beskattes som personalegode").
_APPOINTMENT = re.compile(
    r"(?:\b(?:ansætt\w*|ansat\w*|stilling\w*|tiltræde\w*|titel|jobtitel|funktion|position|employed|job title)\b"
    r"[^\n:]{0,45}\b(?:som|as)\s+(?:\w+\s+)?$|(?:stilling|titel|jobtitel|position|job title|title)\s*:\s*$)",
    re.IGNORECASE,
)
# What marks a value as the one the document replaces: "det hidtidige varsel på 1 måned", "i stedet for".
_REPLACED_BEFORE = re.compile(
    r"\b(?:hidtidige?|(?:den|det|de|din|dit|dine|sin|sit|sine)\s+tidligere|i stedet for|previous|former)\b"
    r"[^.;]{0,40}$",
    re.IGNORECASE,
)
# "ændres fra energikonsulent til ...": the value after "fra" is the old one.
_CHANGED_FROM = re.compile(
    r"\b(?:ændr|hæv|forhøj|nedsæt|reducer|sænk|chang|increas|reduc)\w*\b[^\n.;]{0,40}\b(?:fra|from)\s+$", re.IGNORECASE
)
# A table's header cells for the old and the new terms.
_OLD_COLUMN = re.compile(
    r"(?:hidtil|hidtidig[et]?|tidligere|før|nuværende|gammel|gamle|old|previous|current)\b", re.IGNORECASE
)
_CELL = re.compile(r"[^|\t]+?(?=[^\S\n]{2,}|\t|\||$)")


def is_replaced_value(text: str, entity: EntitySpan) -> bool:
    """The document states this value as the one another replaces: in the sentence before it, or by
    its table column (a header cell "Hidtil", "Tidligere", "Nuværende" above it, next to a new one)."""
    sentence = _sentence_before(text, entity.start)
    if _REPLACED_BEFORE.search(sentence):
        return True
    if _CHANGED_FROM.search(sentence) and re.match(r"\s+(?:til|to)\b", text[entity.end : entity.end + 6]):
        return True
    return _in_old_column(text, entity.start)


def _in_old_column(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    piped = "|" in line
    if not piped and not re.search(r"[^\S\n]{3,}|\t", line):
        return False  # not a table row
    column = line.count("|", 0, position - line_start) if piped else position - line_start
    # The header: the nearest line above, in the same block of rows, that names an old column.
    above = text[max(0, line_start - 1500) : line_start].split("\n")[:-1]
    for header in reversed(above[-12:]):
        if not header.strip():
            return False
        cells = [m for m in _CELL.finditer(header) if m.group().strip(" -|")]
        if sum(1 for m in cells if _OLD_COLUMN.match(m.group().strip())) != 1 or len(cells) < 3:
            continue
        if piped:
            cell_index = column
            names = [part.strip() for part in header.split("|")]
            return cell_index < len(names) and _OLD_COLUMN.match(names[cell_index]) is not None
        under = [m for m in cells if m.start() <= column + 1]
        return bool(under) and _OLD_COLUMN.match(under[-1].group().strip()) is not None
    return False


_LEGAL_FORM = re.compile(rf"(?:{alternation(LEGAL_FORMS)})", re.IGNORECASE)
# Capitalised words that open a sentence, a greeting or a form field rather than belong to a name.
_NOT_NAME_TEXT = (
    "mellem hos til fra for med og af i ved vi du din jeres kære arbejdsgiver arbejdsgiveren virksomhed "
    "virksomheden firma firmaet navn ansat ansatte ansættende undertegnede parterne part den det de en et som "
    "overenskomst aftale kontrakt ansættelsesbevis ansættelseskontrakt hej hejsa goddag hi dear medarbejder "
    "medarbejderen medarbejderens lønmodtager lønmodtageren lønmodtagers funktionær funktionæren vedr "
    "vedrørende att emne dato underskrift herved hermed herefter kaldet benævnt således dags "
    "hr fru frk selskabet selskabets selskab medarbejderne stilling stillingen "
    # Titles a signature line puts before a name ("Formand Lone Frisk"), and the role labels of bilingual
    # templates ("The Employee", "Employer").
    "formand næstformand kasserer direktør forstander skoleleder institutleder leder "
    "the employee employer company mr mrs ms dear"
)
_NOT_NAME_WORDS = frozenset(_NOT_NAME_TEXT.split())
_NAME_WORD = re.compile(r"(?:&|[A-ZÆØÅ][\w.\-'’]*)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_POSTCODE_END = re.compile(r"\b\d{4}$")
_CITY_WORD = re.compile(r"[A-ZÆØÅ][\wæøå.\-]*")
# A month's name or abbreviation: its first three letters and whatever follows ("sep.", "september").
_MONTH = rf"(?:{alternation(dict.fromkeys(name[:3] for name in (*MONTH_NAMES, *ENGLISH_MONTH_NAMES)))})[a-zæøå]*\.?"
# What a date looks like in a contract: "1. marts 2024", "1/9-2023", "01.08.2024", "2024-09-01".
_NUMERIC_DATE = r"(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])(?:[./-]| )(?:\d{4}|\d{2})\b"
_DATE = re.compile(
    rf"(?:\d{{1,2}}\.?\s*{_MONTH}(?:\s*\d{{2,4}})?|{_NUMERIC_DATE}|\d{{4}}-[01]\d-[0-3]\d)", re.IGNORECASE
)
_STARTS_WITH_MONTH = re.compile(_MONTH, re.IGNORECASE)
# A day and month whose year a line break pushed onto the next line: "den 1. juni\n2024 og".
_DAY_AND_MONTH = re.compile(rf"\d{{1,2}}\.?\s*{_MONTH}", re.IGNORECASE)
_YEAR_AFTER = re.compile(r",?[^\S\n]+(?:19|20)\d{2}\b")
_YEAR_ON_NEXT_LINE = re.compile(r"[^\S\n]*\n[^\S\n]*(?:19|20)\d{2}\b")
_DAY = re.compile(r"\d{1,2}\.")
_DISTRICT = re.compile(r"(?:C|K|M|N|S|V|Ø|NV|NØ|SV|SØ)")


def _word_before(text: str, position: int, gap: str = r"[^\S\n]+") -> tuple[int, str] | None:
    """The word ending right before `position` across `gap` (spaces on the same line), with its start."""
    match = re.search(rf"(\S+){gap}$", text[max(0, position - 80) : position])
    if match is None:
        return None
    return position - len(match.group(0)), match.group(1)


def _word_after(text: str, position: int, gap: str = r"[^\S\n]+") -> tuple[int, str] | None:
    """The word starting right after `position` across `gap` (spaces on the same line), with its end."""
    match = re.match(rf"{gap}(\S+)", text[position : position + 80])
    if match is None:
        return None
    return position + match.end(), match.group(1)


def _span(text: str, entity: EntitySpan, start: int, end: int) -> EntitySpan:
    return EntitySpan(entity.label, start, end, text[start:end], entity.score)


def _within_its_lines(text: str, entity: EntitySpan, weight: Callable[[str], int]) -> EntitySpan:
    """A name may wrap onto the next line, but it never crosses a blank line, and a line that opens with
    a role label or another word that is no name, or that holds a street and number, is not its
    continuation (a name running into the next line's street, role label or signature line). Of the
    runs of lines that remain, the one with the most weight stays."""
    if "\n" not in entity.text:
        return entity
    runs: list[list[tuple[int, int]]] = []
    joinable = False
    for match in re.finditer(r"[^\n]+", entity.text):
        line = match.group()
        line_end = text.find("\n", entity.start + match.end())
        rest_of_line = text[entity.start + match.end() : line_end if line_end >= 0 else len(text)]
        foreign = (
            not line.split()
            or _not_a_name_word(line.split()[0])
            or (re.search(r"\d", line) is not None and not _LEGAL_FORM.search(line))
            or re.match(r"[^\S\n]*\d", rest_of_line) is not None
        )
        blank_before = bool(runs) and entity.text.count("\n", runs[-1][-1][1], match.start()) > 1
        if joinable and not foreign and not blank_before:
            runs[-1].append(match.span())
        else:
            runs.append([match.span()])
        joinable = not foreign
    best = max(runs, key=lambda run: (sum(weight(entity.text[a:b]) for a, b in run), -run[0][0]))
    return _span(text, entity, entity.start + best[0][0], entity.start + best[-1][1])


def _trimmed(
    text: str, entity: EntitySpan, keeps_first: Callable[[str], bool], keeps_last: Callable[[str], bool]
) -> EntitySpan | None:
    """The span without the words at its edges that cannot open or close a name of its kind; None when no
    word is left ("OG" between the parties, "undertegnede" alone)."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", entity.text)]
    while words and not keeps_first(entity.text[words[0][0] : words[0][1]]):
        words.pop(0)
    while words and not keeps_last(entity.text[words[-1][0] : words[-1][1]]):
        words.pop()
    if not words:
        return None
    return _span(text, entity, entity.start + words[0][0], entity.start + words[-1][1])


# Words that name a party's role or join the parties, never part of an organisation's name.
_ROLE_WORDS = frozenset({
    "mellem", "og", "samt", "undertegnede", "virksomheden", "virksomhed", "selskabet", "firmaet", "arbejdsgiver",
    "arbejdsgiveren", "medarbejder", "medarbejderen", "lønmodtager", "lønmodtageren", "herefter", "kaldet", "benævnt",
})  # fmt: skip


def _bare(word: str) -> str:
    return word.strip("()[]\"“”'.,;:").casefold()


def _not_a_name_word(word: str) -> bool:
    return _bare(word) in _NOT_NAME_WORDS


# A law, not a party: "funktionærloven", "Ferielovens", "lov om ...".
_LAW = re.compile(r"\w*lov(?:en|ens|s)?", re.IGNORECASE)


def _organisation_word_weight(line: str) -> int:
    words = line.split()
    return 10 * any(_LEGAL_FORM.fullmatch(w.rstrip(",")) for w in words) + sum(
        _NAME_WORD.fullmatch(w) is not None for w in words
    )


def _complete_employer(text: str, entity: EntitySpan) -> EntitySpan | None:
    entity = _within_its_lines(text, entity, _organisation_word_weight)
    # An organisation's name opens with a capital (or a digit: "3Shape") and ends in a name word or its
    # legal form; "undertegnede", "og", "Virksomheden" at its edges are the sentence around it.
    trimmed = _trimmed(
        text,
        entity,
        lambda w: (w[:1].isupper() or w[:1].isdigit()) and _bare(w) not in _ROLE_WORDS,
        lambda w: _bare(w) not in _ROLE_WORDS,
    )
    if trimmed is None or any(_LAW.fullmatch(_bare(w)) for w in trimmed.text.split()):
        return None
    entity = trimmed
    words = entity.text.split()
    if not _LEGAL_FORM.fullmatch(words[-1]):
        # Associations, schools, municipal units have no legal form; the model often keeps only the
        # last word of their name ("Aftenskolen Lindely" -> "Lindely"): take the name words before it.
        start, end = entity.start, entity.end
        for _ in range(3):
            before = _word_before(text, start, gap=" ")
            if before is None or not _is_name_word(before[1]):
                break
            start = before[0]
        for _ in range(3):
            # And the name words after it ("Gudenådalens" -> "Gudenådalens Gymnasium"), but not a street
            # that follows the name ("Fjordlys Havnegade 4").
            after = re.match(r" ([A-ZÆØÅ][\wæøå\-]*)(?=[,.;:]?(?:\s|$))(?![^\S\n]+\d)", text[end : end + 60])
            if after is None or not _is_name_word(after.group(1)):
                break
            end += after.end()
        return _span(text, entity, start, end)
    start = entity.start
    for _ in range(6):
        before = _word_before(text, start)
        if before is None:
            break
        word_start, word = before
        if not _NAME_WORD.fullmatch(word) or word.rstrip(".").casefold() in _NOT_NAME_WORDS:
            break
        start = word_start
    if start == entity.start and len(words) == 1:
        return None  # a legal form without a name is no employer
    return EntitySpan(entity.label, start, entity.end, text[start : entity.end], entity.score)


@dataclass(frozen=True)
class _Quantity:
    """A value that is a number and its unit; `unit_first` where the unit may lead ("kr. 168,40")."""

    number: re.Pattern[str]
    unit: re.Pattern[str]
    unit_first: bool = False


_QUANTITIES = {
    ValueKind.HOURS: _Quantity(_NUMBER, re.compile(r"(?:timer|time|t)\.?", re.IGNORECASE)),
    # Every inflection of a unit ("3 måneders", "én uges") and the English ones of bilingual templates.
    ValueKind.DURATION: _Quantity(
        re.compile(rf"(?:\d+|{alternation([*NUMBER_WORDS, *ENGLISH_NUMBER_WORDS])})", re.IGNORECASE),
        re.compile(rf"(?:(?:md|mdr|mnd|mdrs)\.|{alternation(DURATION_UNIT_WORDS)})", re.IGNORECASE),
    ),
    ValueKind.PERCENT: _Quantity(_NUMBER, re.compile(r"(?:%|procent)", re.IGNORECASE)),
    ValueKind.AMOUNT: _Quantity(
        re.compile(r"\d{1,3}(?:\.\d{3})*(?:,\d{1,2}|,-)?|\d+(?:,\d{1,2})?"),
        re.compile(r"(?:kr\.?|kroner|dkk)", re.IGNORECASE),
        unit_first=True,
    ),
}


def _has_number_and_unit(value: str) -> bool:
    duration = _QUANTITIES[ValueKind.DURATION]
    words = [w.strip("()[].,;:") for w in value.split()]
    return any(duration.number.fullmatch(w) for w in words) and any(_leading(w, duration.unit) for w in words)


def _end_without_punctuation(word: tuple[int, str]) -> int:
    """Where a word from `_word_after` ends once trailing `.,;:` are left out ("Helsingør," -> before ",")."""
    end, text = word
    return end - len(text) + len(text.rstrip(".,;:"))


def _leading(word: str, pattern: re.Pattern[str]) -> int:
    """Length of the part of `word` the pattern takes in full ("timer/uge" -> 5), or 0."""
    part = re.split(r"[/,;:]", word)[0] if not pattern.fullmatch(word) else word
    return len(part) if pattern.fullmatch(part) else 0


def _complete_quantity(text: str, entity: EntitySpan, quantity: _Quantity) -> EntitySpan | None:
    start, end = entity.start, entity.end
    words = entity.text.split()
    has_number = any(quantity.number.fullmatch(w.rstrip(".,")) for w in words)
    has_unit = any(_leading(w, quantity.unit) for w in words)
    if not has_number and not has_unit and not re.search(r"\d", entity.text):
        return None  # "ingen", "ikke", "derefter": a word near a quantity, not the quantity
    if has_unit and not has_number:
        before = _word_before(text, start)
        if before is not None and quantity.number.fullmatch(before[1]):
            start = before[0]
        elif (
            quantity.unit_first
            and (after := _word_after(text, end))
            and quantity.number.fullmatch(after[1].rstrip(".,;:"))
        ):
            end = _end_without_punctuation(after)
    elif has_number and not has_unit:
        after = _word_after(text, end)
        if after is not None and (
            taken := _leading(after[1], quantity.unit) or _leading(after[1].rstrip(".,;:"), quantity.unit)
        ):
            end = after[0] - len(after[1]) + taken
        elif quantity.unit_first and (before := _word_before(text, start)) and quantity.unit.fullmatch(before[1]):
            start = before[0]
    # A unit glued to a period ("37 timer/uge", "28.500 kr/md"): the period is not part of the value.
    last = text[start:end].split()[-1] if text[start:end].split() else ""
    if "/" in last and (taken := _leading(last, quantity.unit)):
        end = end - len(last) + taken
    return EntitySpan(entity.label, start, end, text[start:end], entity.score)


# Before a postcode on the same line: "Sygehusvej 24, ", "Nørre Allé 5, 2. th., ".
_STREET_BEFORE = re.compile(
    r"[A-ZÆØÅ][\w.\-]*(?:[^\S\n]+[A-ZÆØÅ][\w.\-]*){0,2}[^\S\n]+\d+[A-Za-z]?"
    r"(?:,[^\S\n]*\d+\.?(?:[^\S\n]*(?:sal|th|tv|mf)\.?)?)?,?[^\S\n]*$"
)
_STREET_START = re.compile(r"[A-ZÆØÅ][\w.\-]*(?:[^\S\n]+[A-ZÆØÅ][\w.\-]*)*[^\S\n]+\d")


_PLACE_LABELS = frozenset(
    ("arbejdssted", "arbejdsstedet", "tjenestested", "tjenestestedet", "arbejdsplads", "arbejdspladsen", "adresse")
)


def _address_start(text: str, start: int) -> int:
    """Where the address really starts when the model tagged only its tail: a city takes its
    postcode, a postcode its street and number ("6000 Kolding" -> "Sygehusvej 24, 6000 Kolding"),
    and a street the capitalised first words of its name ("Hovedgade 141" -> "Bagsværd Hovedgade 141")."""
    line_start = text.rfind("\n", 0, start) + 1
    if not text[start].isdigit() and (postcode := re.search(r"\b\d{4}[^\S\n]+$", text[line_start:start])):
        start = line_start + postcode.start()
    if re.match(r"\d{4}\b", text[start:]) and (street := _STREET_BEFORE.search(text[line_start:start])):
        start = line_start + street.start()
    if re.match(r"\d{1,3}[A-Za-z]?\b(?!\d)", text[start:]) and not re.match(r"\d{4}\b", text[start:]):
        # A span that starts at the house number ("17, 8000 Aarhus C") lost its street's name.
        for _ in range(3):
            before = _word_before(text, start, gap=" ")
            if before is None or not _is_name_word(before[1]) or before[1].casefold() in _PLACE_LABELS:
                break
            start = before[0]
    if _STREET_START.match(text, start):
        for _ in range(2):
            # One plain space only: a tab or a colon separates a form's label from the address.
            before = _word_before(text, start, gap=" ")
            if before is None or not _is_name_word(before[1]) or before[1].casefold() in _PLACE_LABELS:
                break
            start = before[0]
    return start


def _complete_workplace(text: str, entity: EntitySpan) -> EntitySpan:
    if not re.search(r"\d", entity.text) and (address := _PARTY_ADDRESS.match(text, entity.start)):
        # The first words of a street ("Nordre" of "Nordre Havnevej 31, 6960 Hvide Sande"): the address
        # runs on to its number, postcode and city.
        city = re.match(r"(?:[^\S\n][A-ZÆØÅ][\wæøå\-]*)*", text[address.end() :])
        entity = _span(text, entity, entity.start, address.end() + (city.end() if city else 0))
    start, end = entity.start, entity.end
    segments = entity.text.split(",")
    # Leading segments without a digit are a place's name ("Kløverhuset"), not its address.
    # A city after its postcode is no place's name ("5700 Svendborg, hal 3").
    after_postcode = re.search(r"\b\d{4}[^\S\n]+$", text[max(0, start - 10) : start]) is not None
    while (
        len(segments) > 1
        and not after_postcode
        and not any(ch.isdigit() for ch in segments[0])
        and any(ch.isdigit() for ch in segments[1])
    ):
        start += len(segments[0]) + 1
        segments = segments[1:]
    start += len(text[start:end]) - len(text[start:end].lstrip())
    start = _address_start(text, start)
    if _POSTCODE_END.search(text[start:end]):
        after = _word_after(text, end)
        if after is not None and _CITY_WORD.fullmatch(after[1].rstrip(".,;:")):
            end = _end_without_punctuation(after)
    after = _word_after(text, end)
    if re.search(r"\b\d{4} [A-ZÆØÅ]\w*$", text[start:end]) and after and _DISTRICT.fullmatch(after[1].rstrip(".,;:")):
        end = _end_without_punctuation(after)
    return _ending_at_its_city(text, EntitySpan(entity.label, start, end, text[start:end], entity.score))


# A postcode and its city, up to a comma or the end of the line: "8000 Aarhus C", "6960 Hvide Sande".
_POSTCODE_AND_CITY = re.compile(r"\b\d{4}[^\S\n]+[A-ZÆØÅ][^,;\n()]*")


def _ending_at_its_city(text: str, entity: EntitySpan) -> EntitySpan:
    """An address ends with its city: ", bygning 1671" or ", 2. sal" after it is a direction within it."""
    city = next(reversed(list(_POSTCODE_AND_CITY.finditer(entity.text))), None)
    if city is None:
        return entity
    end = entity.start + len(entity.text[: city.end()].rstrip(" .,;:"))
    return _span(text, entity, entity.start, end) if end < entity.end else entity


def _complete_date(text: str, entity: EntitySpan) -> EntitySpan | None:
    start = entity.start
    if _STARTS_WITH_MONTH.match(entity.text):
        before = _word_before(text, start)
        if before is not None and _DAY.fullmatch(before[1]):
            start = before[0]
    date = _DATE.search(text, start, entity.end)
    if date is None:
        return None  # a time of day, a bare year or month, "m.v.": not a date
    end = date.end()
    if _DAY_AND_MONTH.fullmatch(date.group()) and (year := _YEAR_AFTER.match(text, end)):
        # A date is day, month and year: the model often stops before the year ("1. maj" of "1. maj 2014").
        end = year.end()
    elif _DAY_AND_MONTH.fullmatch(date.group()) and (year := _YEAR_ON_NEXT_LINE.match(text, end)):
        # The model often leaves such a year out, or tags it as a date of its own that is no date.
        end = year.end()
    # The date alone: not the "den" before it or the verb after it ("1. oktober 2024 overgår").
    return EntitySpan(entity.label, date.start(), end, text[date.start() : end], entity.score)


# Between the words of a name: a space or two, never a column gap.
_NAME_GAP = r"[^\S\n]{1,2}"


def _complete_person(text: str, entity: EntitySpan) -> EntitySpan | None:
    entity = _within_its_lines(text, entity, lambda line: sum(_is_name_word(w.rstrip(".,;:")) for w in line.split()))
    # A person's name opens and closes with a capitalised name word: a title ("hr."), a greeting, an
    # adverb ("herved") or a role label ("Medarbejderen") at its edges is the sentence around it.
    trimmed = _trimmed(text, entity, _is_name_edge, _is_name_edge)
    if trimmed is None:
        return None
    start, end = trimmed.start, trimmed.end
    for _ in range(3):
        before = _word_before(text, start, gap=_NAME_GAP)
        if before is None or not _is_name_word(before[1]):
            break
        start = before[0]
    for _ in range(3):
        after = _word_after(text, end, gap=_NAME_GAP)
        if after is None or not _is_name_word(after[1].rstrip(".,;:")):
            break
        end = _end_without_punctuation(after)
        if end < after[0]:
            break  # punctuation after the word ends the name
    return EntitySpan(entity.label, start, end, text[start:end], entity.score)


def _is_name_edge(word: str) -> bool:
    bare = word.strip("()[]\"“”'.,;:")
    return bool(bare[:1].isupper()) and not _not_a_name_word(word)


def _is_name_word(word: str) -> bool:
    return bool(re.fullmatch(r"[A-ZÆØÅ][a-zæøåéü\-]+", word)) and word.casefold() not in _NOT_NAME_WORDS


# A form field's label and the value after it: "Stilling: Logistics Coordinator / Logistikkoordinator".
_FIELD_LABEL_BEFORE = re.compile(r"(?:^|\n)[^\n:]{1,40}:[^\S\n]*$")
_FIELD_VALUE_END = re.compile(r"[^\S\n]*(?:\n|[/;,(]|[^\S\n][-–][^\S\n]|$)")


_PREPOSITION = re.compile(r"[^\S\n]+(?:i|hos|ved|på|til|med|fra|for|under|som|og)\b")


# Words of the fixed phrases that follow "som" and name no position: "som led i", "som følge af", "som
# anført ovenfor", "som udgangspunkt", "som hovedregel".
_NOT_TITLE_WORDS = frozenset({
    "led", "følge", "anført", "nævnt", "beskrevet", "aftalt", "angivet", "fastsat", "udgangspunkt", "hovedregel",
    "minimum", "mindst",
    # A verb after a relative "som" ("som blev aftalt", "som er nævnt"): the clause, not a position.
    "blev", "bliver", "er", "var", "har", "havde", "skal", "kan", "vil", "må", "gælder",
})  # fmt: skip
# An adjective of how someone is employed or paid, before the title it describes ("timelønnet\nlagerarbejder").
_EMPLOYMENT_FORM = re.compile(r"\w*(?:lønnet|lønnede|ansat|ansatte)", re.IGNORECASE)


def _complete_title(text: str, entity: EntitySpan) -> EntitySpan | None:
    """A title that fills a form field ("Stilling: ...") is the field's whole value, up to the end of
    the line or a separator: the model often keeps one word of a multi-word title. A word of a fixed
    phrase after "som" is no title, and an adjective of employment form is the title after it."""
    if entity.text.casefold() in _NOT_TITLE_WORDS:
        return None
    if _EMPLOYMENT_FORM.fullmatch(entity.text) and (noun := re.match(r"\s+([a-zæøå][\wæøå\-]+)", text[entity.end :])):
        return _span(text, entity, entity.end + noun.start(1), entity.end + noun.end(1))
    if not _FIELD_LABEL_BEFORE.search(text, max(0, entity.start - 60), entity.start):
        return entity
    field_end = _FIELD_VALUE_END.search(text, entity.end)
    end = field_end.start() if field_end else entity.end
    # Nor through a preposition: "studentermedhjælper i dataafdelingen" is a title and a place.
    if preposition := _PREPOSITION.search(text, entity.end, end):
        end = preposition.start()
    value = text[entity.start : end]
    if end <= entity.end or len(value.split()) > 6 or re.search(r"\d", value):
        return entity
    return _span(text, entity, entity.start, end)


# A numbered list's next item number, swallowed at the end of a value: "15. januar 2025\n6".
_NEXT_ITEM_NUMBER = re.compile(r"\s*\n[^\S\n]*\d{1,2}\.?$")


def _without_next_item_number(text: str, entity: EntitySpan) -> EntitySpan:
    number = _NEXT_ITEM_NUMBER.search(entity.text)
    if number is None or number.start() == 0:
        return entity
    end = entity.start + number.start()
    return EntitySpan(entity.label, entity.start, end, text[entity.start : end], entity.score)


def _without_edge_punctuation(text: str, entity: EntitySpan) -> EntitySpan:
    """A quantity is its number and unit: "(10%," is "10%"."""
    start = entity.start + len(entity.text) - len(entity.text.lstrip("([“\"'"))
    stripped = text[start : entity.end].rstrip(",;:)]”\"'")
    return _span(text, entity, start, start + len(stripped)) if stripped else entity


# Between two columns of text that PDF extraction laid side by side (a signature block, a bilingual
# template): a run of spaces, a tab or a table's cell border.
_COLUMN_GAP = re.compile(r"[^\S\n]{3,}|\t|[^\S\n]*\|[^\S\n]*")


def _column_pieces(text: str, entity: EntitySpan) -> list[EntitySpan]:
    """A name never crosses from one column into the next ("Formand Lone Frisk      Morten Kvist Abildskov"
    is two names): a span of a name label is cut at every column gap, each piece completed on its own."""
    if _kind(entity.label) not in NAME_KINDS or not _COLUMN_GAP.search(entity.text):
        return [entity]
    pieces, start = [], entity.start
    for gap in _COLUMN_GAP.finditer(entity.text):
        pieces.append(_span(text, entity, start, entity.start + gap.start()))
        start = entity.start + gap.end()
    pieces.append(_span(text, entity, start, entity.end))
    return [piece for piece in pieces if piece.text.strip()]


def _about_other_matter(text: str, entity: EntitySpan) -> bool:
    """Whether the sentence of the mention, on its line, names a matter its label's value is never about
    (`LabelSpec.other_matters`)."""
    spec = label_spec(entity.label)
    if spec is None:
        return False
    start = text.rfind("\n", 0, entity.start) + 1
    for sentence_end in _SENTENCE_END.finditer(text, start, entity.start):
        start = sentence_end.end()
    end = text.find("\n", entity.end)
    end = len(text) if end < 0 else end
    if boundary := _SENTENCE_END.search(text, entity.end, end):
        end = boundary.start()
    words = {word.casefold() for word in re.findall(r"\w[\w\-]*", text[start:end])}
    return not words.isdisjoint(spec.other_matters)


# The end of a sentence or of a table cell.
_SENTENCE_END = re.compile(r"[.!?](?=\s)(?<!\d\.)|\t|\|")


def complete_values(text: str, entities: Sequence[EntitySpan]) -> list[EntitySpan]:
    """Each span completed to the form of its label's kind of value; spans that are none are dropped."""
    completed: list[EntitySpan] = []
    pieces = (piece for e in entities for piece in _column_pieces(text, _without_next_item_number(text, e)))
    for entity in pieces:
        repaired: EntitySpan | None = entity
        spec = label_spec(entity.label)
        kind = spec.kind if spec is not None else None
        if kind is ValueKind.ORGANISATION:
            repaired = _complete_employer(text, entity)
        elif kind in _QUANTITIES:
            repaired = _complete_quantity(text, entity, _QUANTITIES[kind])
        elif kind is ValueKind.ADDRESS:
            repaired = _complete_workplace(text, entity)
        elif kind is ValueKind.DATE:
            repaired = _complete_date(text, entity)
        elif kind is ValueKind.PERSON:
            repaired = _complete_person(text, entity)
            if repaired is not None and not _has_first_and_last_name(repaired.text):
                # A person is named by a first and a last name: one capitalised word the model tagged
                # ("Sagsnr", "Personligt") that its neighbours do not complete is no name.
                repaired = None
        elif kind is ValueKind.TEXT:
            repaired = _complete_title(text, entity)
        if repaired is not None and kind in _QUANTITIES:
            repaired = _without_edge_punctuation(text, repaired)
        if repaired is not None and kind is ValueKind.DURATION and not _has_number_and_unit(repaired.text):
            # "1" of a page footer, "en" of "en studenteransættelse": a duration is a count of a unit.
            repaired = None
        if repaired is not None and spec is not None and spec.other_matters and _about_other_matter(text, repaired):
            repaired = None
        if repaired is not None and repaired.start < repaired.end:
            completed.append(repaired)
    return completed


# Between the two dates of a period: "1.3.2025 - 28.2.2026", "fra 1. maj til og med den 31. juli".
_PERIOD_SEPARATOR = re.compile(r"[^\S\n]*(?:–|—|-|til og med|til)[^\S\n]+(?:den[^\S\n]+)?", re.IGNORECASE)


def period_end_dates(text: str, entities: Sequence[EntitySpan]) -> list[EntitySpan]:
    """A start date that opens a period ("Ansættelsesperiode: 01.03.2025 - 28.02.2026") names the
    employment's end in the same breath; the model often tags the first date and misses the second.
    The date right after the separator becomes an END_DATE unless something already claims it."""
    found: list[EntitySpan] = []
    for entity in entities:
        if entity.label != "START_DATE":
            continue
        separator = _PERIOD_SEPARATOR.match(text, entity.end)
        date = _DATE.match(text, separator.end()) if separator else None
        if date is None or any(e.start < date.end() and date.start() < e.end for e in entities):
            continue
        found.append(EntitySpan("END_DATE", date.start(), date.end(), date.group(), entity.score))
    return [*entities, *found]


# A workplace given as a reference to an address the contract already gave.
_ADDRESS_REFERENCE = re.compile(
    r"\b(?:oven|før|ovenfor\s+)?nævnte\b|\bovenstående\b|til enhver tid værende|"
    r"\b(?:virksomhedens|selskabets|arbejdsgiverens|firmaets|skolens|foreningens)\s+(?:\w+\s+)?(?:adresse|domicil)",
    re.IGNORECASE,
)
# A party's address in its block: street and number, maybe a floor, then postcode and city, on one line
# or broken over two (the way a letterhead or a party block writes it).
_PARTY_ADDRESS = re.compile(
    r"[A-ZÆØÅ][\w.\-]*(?:[^\S\n]+[A-ZÆØÅ][\w.\-]*){0,2}[^\S\n]+\d{1,4}[A-Za-z]?"
    r"(?:,?[^\S\n]*\d+\.?(?:[^\S\n]*(?:sal|th|tv|mf)\.?)?)?,?[^\S\n]*\n?[^\S\n]*"
    r"\d{4}[^\S\n]+[A-ZÆØÅ][\wæøå.\-]*(?:[^\S\n]+(?:C|K|M|N|S|V|Ø|NV|NØ|SV|SØ)\b)?"
)


def _kind(label: str) -> ValueKind | None:
    spec = label_spec(label)
    return spec.kind if spec is not None else None


def resolved_address_references(text: str, entities: Sequence[EntitySpan]) -> list[EntitySpan]:
    """A workplace written as a reference ("på ovennævnte virksomhedsadresse", "Selskabets til enhver
    tid værende adresse") is the address it refers to: the employer's, found after the employer's first
    mention (its party block or letterhead), else the document's first address."""
    employers = [e.start for e in entities if _kind(e.label) is ValueKind.ORGANISATION]
    resolved: list[EntitySpan] = []
    for entity in entities:
        is_reference = (
            _kind(entity.label) is ValueKind.ADDRESS
            and not re.search(r"\d", entity.text)
            and _ADDRESS_REFERENCE.search(text, max(0, entity.start - 40), entity.end)
        )
        if not is_reference:
            resolved.append(entity)
            continue
        anchor = min(employers, default=0)
        address = _PARTY_ADDRESS.search(text, anchor, anchor + 400) or _PARTY_ADDRESS.search(text)
        if address is None or address.start() <= entity.start < address.end():
            resolved.append(entity)
            continue
        resolved.append(EntitySpan(entity.label, address.start(), address.end(), address.group(), entity.score))
    return resolved


def without_overlaps(text: str, entities: Sequence[EntitySpan]) -> list[EntitySpan]:
    """Completed spans may reach into each other ("Per Aagaard" and "Nymann" both grow to the whole
    name): spans of one label that overlap become their union, and of two overlapping spans with
    different labels the one with the higher score stays. Returned in document order."""
    kept: list[EntitySpan] = []
    for entity in sorted(entities, key=lambda e: (e.start, -e.end)):
        if not kept or entity.start >= kept[-1].end:
            kept.append(entity)
            continue
        previous = kept[-1]
        if entity.label == previous.label:
            end = max(previous.end, entity.end)
            score = max(previous.score, entity.score)
            kept[-1] = EntitySpan(previous.label, previous.start, end, text[previous.start : end], score)
        elif entity.score > previous.score:
            kept[-1] = entity
    return kept


def addresses_only(entities: Sequence[EntitySpan]) -> list[EntitySpan]:
    """An address has a street and number or a postcode: once references to an address are resolved, a
    span of an address label without a digit ("skiftende arbejdspladser", "instituttets") is no address."""
    return [e for e in entities if _kind(e.label) is not ValueKind.ADDRESS or re.search(r"\d", e.text)]


def decode_fields(text: str, entities: Sequence[EntitySpan], schema: FieldSchema) -> DecodedEntities:
    merged = merge_split_values(text, entities, schema)
    completed = addresses_only(resolved_address_references(text, period_end_dates(text, complete_values(text, merged))))
    candidates = without_overlaps(text, completed)
    return DecodedEntities(keep_best_values(candidates, schema, text), competing_values(text, candidates, schema))


# A value counts as stated when one of its mentions has at least this (raw) score: the stray one-word tags
# decoding drops ("1. april" of a pay-review clause at 0.5) are not a second value of the fact.
STATED_SCORE = 0.95


def competing_values(text: str, entities: Sequence[EntitySpan], schema: FieldSchema) -> list[str]:
    """What the values of the single-valued labels, before one is kept, say about the document.

    A label's stated values are its different values (not two forms of one: the same date or the same
    monthly pay written differently, one value's words a part of the other's as a name and its short form)
    with a mention of at least
    `STATED_SCORE`. `conflicting_values`: a label has two stated values. `multiple_contracts`: a party label
    (an organisation or a person) has two stated values, one only before the other begins, and another
    label has a stated value before the second party begins and another after: the file repeats a
    contract's facts with other parties in another part, as when several contracts are scanned into one."""
    stated: dict[str, list[tuple[int, int]]] = {}  # label -> (first start, last end) of each stated value
    for label in schema.single_valued:
        groups: dict[str, list[EntitySpan]] = {}
        for entity in entities:
            if entity.label == label:
                groups.setdefault(value_identity(entity, text), []).append(entity)
        ranked = sorted(groups.values(), key=lambda mentions: -sum(m.score for m in mentions))
        distinct: list[list[EntitySpan]] = []
        for mentions in ranked:
            same = next((kept for kept in distinct if _same_name(mentions[0].text, kept[0].text)), None)
            if same is None:
                distinct.append(list(mentions))
            else:
                same.extend(mentions)
        values = [m for m in distinct if max(e.score for e in m) >= STATED_SCORE]
        if len(values) > 1:
            stated[label] = [(min(e.start for e in m), max(e.end for e in m)) for m in values]
    flags = [CONFLICTING_VALUES] if stated else []
    parties = [label for label in stated if _kind(label) in (ValueKind.ORGANISATION, ValueKind.PERSON)]
    for party in parties:
        for before in stated[party]:
            for after in stated[party]:
                if before[1] > after[0]:
                    continue
                # Another label with one value before the second party begins and another from there on.
                if any(
                    x[1] <= after[0] <= y[0]
                    for label, spans in stated.items()
                    if label != party
                    for x in spans
                    for y in spans
                ):
                    return [MULTIPLE_CONTRACTS, *flags]
    return flags


def value_identity(entity: EntitySpan, text: str) -> str:
    """Mentions of one value share this: a date's day, a quantity's number and unit, an amount's monthly
    pay, a name's words."""
    kind = _kind(entity.label)
    if kind is ValueKind.AMOUNT:
        return _mention_key(entity, text)
    if kind in (ValueKind.DATE, ValueKind.HOURS, ValueKind.PERCENT, ValueKind.DURATION):
        value = normalise_in(text, entity.label, entity.start, entity.end)
        if value.date is not None:
            return value.date.isoformat()
        if value.number is not None:
            return f"{value.number.normalize():f} {value.unit}"
    return value_key(entity.text)


def _same_name(first: str, second: str) -> bool:
    """One name written in full and shortened ("Lysgaard Revision" in a footer), or the same words."""
    a, b = set(value_key(first).split()), set(value_key(second).split())
    return a <= b or b <= a
