"""The rule baseline: what a user would write instead of a model, regexes with context keywords.

`predict(text)` returns (label, text) pairs. Each rule looks for a value pattern (date, amount, hours,
percentage, duration, address, name) right after a keyword that announces it ("Løn:", "tiltræder
den", "prøvetid på"); values without such a keyword are not reported.
"""

from __future__ import annotations

import re

from models.danish import LEGAL_FORMS, MONTH_ABBREVIATIONS, MONTH_NAMES, NUMBER_WORDS, alternation

MONTHS = rf"(?:{alternation(MONTH_NAMES)}|(?:{alternation(MONTH_ABBREVIATIONS)})\.?)"
DATE = (
    rf"(?:\d{{1,2}}\.\s?{MONTHS}\s\d{{4}}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{1,2}}/\d{{1,2}}-\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
)
AMOUNT = r"\d{1,3}(?:[. ]\d{3})*(?:,\d{2}|,-)?|\d+(?:,\d{2})?"
SALARY = rf"(?:(?:kr\.?|DKK)\s?(?:{AMOUNT})|(?:{AMOUNT})\s?(?:kr\.?|kroner|DKK))"
HOURS = r"\d{1,2}(?:,\d{1,2})?\s?(?:timer|t\.?)(?=\W|$)"
PERCENT = r"\d{1,2}(?:,\d{1,2})?\s?(?:%|procent|pct\.?)"
NUMWORD = rf"(?:\d{{1,2}}|{alternation(NUMBER_WORDS)})"
DURATION = rf"{NUMWORD}\s(?:måneders|måneder|måneds|måned|mdr\.|md\.|dages|dage|ugers|uger|uges|uge)"
# street + number [+ floor], optional comma, postcode + city
ADDRESS = (
    r"[A-ZÆØÅ][\w.\- ]{1,40}?\s\d{1,3}\s?[A-Za-z]?(?:,?\s(?:st|kl|\d{1,2})\.?(?:\s?(?:tv|th|mf|sal)\.?)?)?"
    r",?\s\d{4}\s[A-ZÆØÅ][\wæøå]+(?:\s[A-ZØ]{1,2}\b)?"
)
NAME = r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøå]+)?(?:\s[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøå]+)?){1,3}"
COMPANY = rf"[A-ZÆØÅ][\w&.\-]*(?:\s[\w&.\-]+){{0,4}}?\s(?:{alternation(LEGAL_FORMS)}|Kommune)|Region\s[A-ZÆØÅ][a-zæøå]+"

_FLAGS = re.IGNORECASE | re.MULTILINE

RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "START_DATE",
        re.compile(
            rf"(?:tiltræd\w*|påbegynd\w*|begynder|starter|start|første arbejdsdag|ansættelsesdato|startdato|ansat fra"
            rf"|virkning fra|fra og med|pr\.)[^\n.]{{0,25}}?\b({DATE})",
            _FLAGS,
        ),
    ),
    (
        "END_DATE",
        re.compile(
            r"(?:ophører|udløber|slutter|fratrædelsesdato|slutdato|til og med|sidste arbejdsdag"
            rf"|tidsbegrænset[^\n]{{0,30}}?til)"
            rf"[^\n.]{{0,25}}?\b({DATE})",
            _FLAGS,
        ),
    ),
    ("SALARY", re.compile(rf"(?:løn\w*|gage|vederlag|timesats)[^\n]{{0,40}}?({SALARY})", _FLAGS)),
    (
        "WORKING_HOURS",
        re.compile(rf"(?:arbejdstid\w*|timer pr\. uge|ugentlig\w*|deltid|fuld tid)[^\n]{{0,30}}?\b({HOURS})", _FLAGS),
    ),
    ("PENSION", re.compile(rf"(?:pension\w*)[^\n]{{0,60}}?\b({PERCENT})", _FLAGS)),
    ("NOTICE_PERIOD", re.compile(rf"(?:opsige\w*|varsel\w*)[^\n]{{0,40}}?\b({DURATION})", _FLAGS)),
    ("NOTICE_PERIOD", re.compile(rf"\b({DURATION})\s+(?:varsel|opsigelsesvarsel)", _FLAGS)),
    ("PROBATION_PERIOD", re.compile(rf"(?:prøvetid\w*|prøveperiode)[^\n]{{0,20}}?\b({DURATION})", _FLAGS)),
    ("PROBATION_PERIOD", re.compile(rf"\b({DURATION})\s+(?:af ansættelsen )?(?:er |betragtes som )?prøvetid", _FLAGS)),
    (
        "WORKPLACE",
        re.compile(
            rf"(?:arbejdssted\w*|tjenestested|arbejdsplads|arbejdet udføres[^\n]{{0,20}}?på)[:\s]"
            rf"[^\n]{{0,15}}?({ADDRESS})",
            _FLAGS,
        ),
    ),
    (
        "JOB_TITLE",
        re.compile(
            r"(?:ansat som|ansættes som|stillingen som|stilling som|^stilling:|^stillingsbetegnelse:"
            r"|^titel:)\s*([\wæøåÆØÅ\-]+(?:\s[a-zæøå\-]+)?)",
            _FLAGS,
        ),
    ),
    (
        "EMPLOYEE",
        re.compile(rf"(?:^medarbejder:|^lønmodtager:|^navn:|^medarbejderens navn:|\bog)\s*({NAME})", re.MULTILINE),
    ),
    ("EMPLOYER", re.compile(rf"({COMPANY})", re.MULTILINE)),
]

_STOP_TITLE_WORDS = {"med", "hos", "i", "pr", "fra", "og", "på", "til"}


def predict(text: str) -> list[tuple[str, str]]:
    """(label, text) for every rule match; duplicates are harmless for set-based scoring."""
    out: list[tuple[str, str]] = []
    for label, pattern in RULES:
        for m in pattern.finditer(text):
            value = m.group(1).strip()
            if label == "JOB_TITLE":
                words = value.split()
                while len(words) > 1 and words[-1].lower() in _STOP_TITLE_WORDS:
                    words.pop()
                value = " ".join(words)
            if value:
                out.append((label, value))
    return out
