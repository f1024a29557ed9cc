"""Specification of `models.normalisation`: how each Danish way of writing a date, amount, number of
hours, percentage or duration is read into the typed `value_*` columns, and which spans are refused
(an empty value) because they do not have exactly one reading."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from models.normalisation import EMPTY, NormalisedValue, entity_values, entity_values_in, normalise

D = datetime.date


# --------------------------------------------------------------------------------------------------
# Dates: day first, Danish month names, two-digit years pivot at 69
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. januar 2020", D(2020, 1, 1)),
        ("1 januar 2020", D(2020, 1, 1)),
        ("01. januar 2020", D(2020, 1, 1)),
        ("1. Januar 2020", D(2020, 1, 1)),
        ("1.januar 2020", D(2020, 1, 1)),
        ("15. august 2024", D(2024, 8, 15)),
        ("1. jan. 2020", D(2020, 1, 1)),
        ("1. jan 2020", D(2020, 1, 1)),
        ("6. jan. 2025", D(2025, 1, 6)),
        ("01.01.2020", D(2020, 1, 1)),
        ("1.1.2020", D(2020, 1, 1)),
        ("1/1-2020", D(2020, 1, 1)),
        ("3/6-2024", D(2024, 6, 3)),
        ("1/1 2020", D(2020, 1, 1)),
        ("01-01-2020", D(2020, 1, 1)),
        ("31-01-2025", D(2025, 1, 31)),
        ("2020-01-01", D(2020, 1, 1)),
        ("2024-09-01", D(2024, 9, 1)),
        ("01/01/2020", D(2020, 1, 1)),
        ("3/6/2024", D(2024, 6, 3)),
        ("1.1.20", D(2020, 1, 1)),
        ("01.10.24", D(2024, 10, 1)),
        ("1.1.69", D(2069, 1, 1)),
        ("1.1.70", D(1970, 1, 1)),
        ("1. jan. 20", D(2020, 1, 1)),
        ("29. februar 2024", D(2024, 2, 29)),
        ("31.12.2099", D(2099, 12, 31)),
        ("1. marts 2024.", D(2024, 3, 1)),
        ("1.\nmarts 2024", D(2024, 3, 1)),
    ],
)
def test_dates_in_every_danish_format(text: str, expected: datetime.date) -> None:
    assert normalise("START_DATE", text) == NormalisedValue(date=expected)
    assert normalise("END_DATE", text) == NormalisedValue(date=expected)


@pytest.mark.parametrize(
    ("word", "month"),
    [
        ("januar", 1), ("jan", 1), ("februar", 2), ("feb", 2), ("marts", 3), ("mar", 3), ("april", 4),
        ("apr", 4), ("maj", 5), ("juni", 6), ("jun", 6), ("juli", 7), ("jul", 7), ("august", 8), ("aug", 8),
        ("september", 9), ("sep", 9), ("sept", 9), ("sept.", 9), ("oktober", 10), ("okt", 10), ("okt.", 10),
        ("november", 11), ("nov", 11), ("december", 12), ("dec", 12), ("dec.", 12),
    ],
)  # fmt: skip
def test_every_month_name_and_abbreviation(word: str, month: int) -> None:
    assert normalise("START_DATE", f"2. {word} 2024").date == D(2024, month, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mandag den 4. marts 2024", D(2024, 3, 4)),
        ("Mandag den 4. marts 2024", D(2024, 3, 4)),
        ("mandag, den 4. marts 2024", D(2024, 3, 4)),
        ("fredag 1.3.2024", D(2024, 3, 1)),
        ("den 1. marts 2024", D(2024, 3, 1)),
        ("d. 1. marts 2024", D(2024, 3, 1)),
        ("pr. 1. marts 2024", D(2024, 3, 1)),
        ("per 1/3-2024", D(2024, 3, 1)),
        ("fra og med den 1. marts 2024", D(2024, 3, 1)),
        ("med virkning fra 1. marts 2024", D(2024, 3, 1)),
    ],
)
def test_weekdays_and_filler_words_around_a_date_are_ignored(text: str, expected: datetime.date) -> None:
    assert normalise("START_DATE", text).date == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("31.02.2024", id="impossible day"),
        pytest.param("30. februar 2024", id="impossible day, month name"),
        pytest.param("29.02.2023", id="no leap day in 2023"),
        pytest.param("1.13.2024", id="month 13"),
        pytest.param("2024-13-01", id="ISO month 13"),
        pytest.param("tirsdag den 4. marts 2024", id="weekday contradicts the date"),
        pytest.param("marts 2024", id="no day"),
        pytest.param("1. marts", id="no year"),
        pytest.param("primo marts 2024", id="not a day"),
        pytest.param("snarest muligt", id="no date"),
        pytest.param("efter aftale", id="by agreement"),
        pytest.param("1. marts 2024 eller senere", id="more than a date"),
        pytest.param("1.3.2024 - 31.3.2024", id="two dates"),
        pytest.param("1. marts 1024", id="year out of range"),
        pytest.param("1.3.202", id="three-digit year"),
        pytest.param("", id="empty"),
    ],
)
def test_dates_that_are_not_certain_are_refused(text: str) -> None:
    assert normalise("START_DATE", text) == EMPTY


# --------------------------------------------------------------------------------------------------
# Salaries: Danish number format, currencies, thousands, the period from the span or right after it
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("23.000,00 kr.", "23000"),
        ("23.000 kr.", "23000"),
        ("23000 kr.", "23000"),
        ("168,40 kr.", "168.40"),
        ("1.234.567,5 kr.", "1234567.5"),
        ("kr. 23.000,-", "23000"),
        ("23.000,- kr.", "23000"),
        ("kr. 28.412,55", "28412.55"),
        ("Kr. 27.815,34", "27815.34"),
        ("kr.23.000", "23000"),
        ("kr 23.000", "23000"),
        ("23.000 kr", "23000"),
        ("23.000 kroner", "23000"),
        ("23.000 danske kroner", "23000"),
        ("DKK 52.000", "52000"),
        ("52.000 dkk", "52000"),
        ("dkr. 52.000", "52000"),
        ("23 000 kr.", "23000"),
        ("450 t.kr.", "450000"),
        ("450 tkr.", "450000"),
        ("450 t. kr.", "450000"),
        ("1,2 mio. kr.", "1200000"),
        ("23 tusinde kroner", "23000"),
        ("23.000 kr. (23.000 kroner)", "23000"),
        ("kr. 23.000,00 (treogtyve tusinde kroner)", "23000"),
    ],
)
def test_amounts_in_danish_kroner(text: str, amount: str) -> None:
    value = normalise("SALARY", text)
    assert value.number == Decimal(amount)
    assert value.unit == "DKK"


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("EUR 4.500", "EUR", "4500"),
        ("4.500 euro", "EUR", "4500"),
        ("€ 4.500,00", "EUR", "4500"),
        ("€4.500", "EUR", "4500"),
        ("EUR 4,500.00", "EUR", "4500"),
        ("SEK 35.000", "SEK", "35000"),
        ("35.000 svenske kroner", "SEK", "35000"),
        ("NOK 40.000", "NOK", "40000"),
        ("40.000 norske kr.", "NOK", "40000"),
        ("USD 5.000", "USD", "5000"),
        ("$5,000.00", "USD", "5000"),
        ("GBP 3.000", "GBP", "3000"),
        ("£3.000", "GBP", "3000"),
    ],
)
def test_amounts_in_other_currencies(text: str, currency: str, amount: str) -> None:
    assert normalise("SALARY", text) == NormalisedValue(number=Decimal(amount), unit=currency)


def test_an_amount_without_a_currency_keeps_its_number_and_leaves_the_currency_unknown() -> None:
    assert normalise("SALARY", "32.500,00") == NormalisedValue(number=Decimal("32500.00"))


@pytest.mark.parametrize(
    ("text", "following", "period"),
    [
        ("32.500 kr.", " pr. måned", "month"),
        ("32.500 kr.", " pr. md.", "month"),
        ("32.500 kr.", " pr.md.", "month"),
        ("32.500 kr.", " per måned", "month"),
        ("32.500 kr.", " om måneden.", "month"),
        ("32.500 kr.", " i måneden", "month"),
        ("32.500 kr.", "/md.", "month"),
        ("32.500 kr.", "/mdr.", "month"),
        ("32.500 kr.", " månedligt før skat", "month"),
        ("32.500", " kr. pr. måned", "month"),
        ("32.500", ",- kr. brutto om måneden", "month"),
        ("32.500 kr.", " brutto pr. måned", "month"),
        ("kr. 168,40", " i timen", "hour"),
        ("kr. 168,40", " pr. time", "hour"),
        ("kr. 168,40", " pr. arbejdstime", "hour"),
        ("kr. 168,40", "/t.", "hour"),
        ("kr. 168,40", " for hver arbejdet time", "hour"),
        ("kr. 8.000", " pr. uge", "week"),
        ("kr. 8.000", " om ugen", "week"),
        ("kr. 8.000", " ugentligt", "week"),
        ("kr. 450.000", " årligt", "year"),
        ("kr. 450.000", " om året", "year"),
        ("kr. 450.000", " pr. år", "year"),
        ("kr. 450.000", " p.a.", "year"),
        ("kr. 450.000", "/år", "year"),
        ("32.500 kr. pr. måned", "", "month"),
        ("32.500 kr. om måneden", ". Lønnen udbetales", "month"),
        ("168,40 kr. i timen", "", "hour"),
        ("kr. 450.000 årligt", "", "year"),
        ("32.500 kr. pr. måned", " pr. måned", "month"),
    ],
)
def test_salary_period_from_the_span_or_the_words_right_after_it(text: str, following: str, period: str) -> None:
    value = normalise("SALARY", text, following)
    assert value.period == period
    assert value.number is not None


@pytest.mark.parametrize(
    ("text", "following"),
    [
        pytest.param("32.500 kr.", "", id="nothing follows"),
        pytest.param("32.500 kr.", ", som udbetales bagud den sidste hverdag", id="no period"),
        pytest.param("32.500 kr.", ", og arbejdstiden er 37 timer om ugen.", id="a later clause's period"),
        pytest.param("32.500 kr.", " (niveau pr. 1. april 2024)", id="'pr.' before a date"),
        pytest.param("kr. 172,50", ". Lønnen udbetales hver 14. dag.", id="pay day is not the rate"),
        pytest.param("kr. 450.000 årligt", " pr. måned", id="span and following disagree"),
        pytest.param("30.800 kr.", ", der udbetales månedsvis bagud", id="paid monthly is not a monthly rate"),
    ],
)
def test_salary_period_is_left_unknown_unless_it_is_certain(text: str, following: str) -> None:
    value = normalise("SALARY", text, following)
    assert value.period is None
    assert value.number is not None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("efter aftale", id="by agreement"),
        pytest.param("overenskomstmæssig løn", id="no number"),
        pytest.param("30.000-35.000 kr.", id="a range"),
        pytest.param("kr. 30.000 + kr. 2.000 i tillæg", id="two amounts"),
        pytest.param("løntrin 5, kr. 32.000", id="a pay grade and an amount"),
        pytest.param("1.2345 kr.", id="a dot in no known place"),
        pytest.param("EUR 4.500 (DKK 33.500)", id="two currencies"),
        pytest.param("4.500 EUR / 33.500 kr.", id="two currencies, two amounts"),
        pytest.param("8 % af lønnen", id="a percentage"),
        pytest.param("1 t.kr. og 2 mio. kr.", id="two multipliers"),
        pytest.param("kr. 16.000 + kr. 16.000", id="the same amount twice, not as a repeat"),
        pytest.param("kr. 123.456.789.012", id="beyond the column's precision"),
        pytest.param("", id="empty"),
    ],
)
def test_amounts_that_are_not_certain_are_refused(text: str) -> None:
    assert normalise("SALARY", text, " pr. måned") == EMPTY


# --------------------------------------------------------------------------------------------------
# Working hours: a weekly number of hours
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("37 timer", "37"),
        ("37,5 timer", "37.5"),
        ("37.5 timer", "37.5"),
        ("37 t", "37"),
        ("37 t.", "37"),
        ("37½ timer", "37.5"),
        ("37 ½ timer", "37.5"),
        ("37,0 timer", "37.0"),
        ("37 Timer", "37"),
        ("37 arbejdstimer", "37"),
        ("37 timer om ugen", "37"),
        ("37 timer pr. uge", "37"),
        ("37 timer ugentligt", "37"),
        ("gennemsnitligt 37 timer", "37"),
        ("37", "37"),
    ],
)
def test_weekly_working_hours(text: str, hours: str) -> None:
    assert normalise("WORKING_HOURS", text, " om ugen") == NormalisedValue(number=Decimal(hours), unit="hours")


@pytest.mark.parametrize(
    ("text", "following"),
    [
        pytest.param("fuld tid", "", id="no number"),
        pytest.param("30-37 timer", "", id="a range"),
        pytest.param("mellem 30 og 37 timer", "", id="two numbers"),
        pytest.param("7,4 timer dagligt", "", id="daily"),
        pytest.param("7,4 timer", " om dagen", id="daily, said right after"),
        pytest.param("160,33 timer pr. måned", "", id="monthly"),
        pytest.param("160,33 timer", " om måneden", id="monthly, said right after"),
        pytest.param("1.924 timer årligt", "", id="yearly"),
        pytest.param("37 timer og 30 minutter", "", id="minutes"),
        pytest.param("37 %", "", id="a percentage"),
        pytest.param("kr. 168,40", "", id="an amount"),
    ],
)
def test_working_hours_that_are_not_certainly_weekly_are_refused(text: str, following: str) -> None:
    assert normalise("WORKING_HOURS", text, following) == EMPTY


# --------------------------------------------------------------------------------------------------
# Pension: a percentage
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("8 %", "8"),
        ("8%", "8"),
        ("10 procent", "10"),
        ("8,5 pct.", "8.5"),
        ("8,5 pct", "8.5"),
        ("15,27 %", "15.27"),
        ("12,0 %", "12.0"),
        ("8 % af lønnen", "8"),
        ("8 % (otte procent)", "8"),
        ("8 % (8 procent)", "8"),
    ],
)
def test_pension_percentages(text: str, percent: str) -> None:
    assert normalise("PENSION", text) == NormalisedValue(number=Decimal(percent), unit="percent")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("8", id="a bare number could be kroner"),
        pytest.param("kr. 2.000", id="an amount"),
        pytest.param("2.000 kr. svarende til 8 %", id="an amount and a percentage"),
        pytest.param("8 % + 4 %", id="two percentages"),
        pytest.param("4 % og 4 %", id="the same percentage twice, not as a repeat"),
        pytest.param("8-10 %", id="a range"),
        pytest.param("PFA Pension", id="a pension company"),
    ],
)
def test_pension_values_that_are_not_one_percentage_are_refused(text: str) -> None:
    assert normalise("PENSION", text) == EMPTY


# --------------------------------------------------------------------------------------------------
# Notice and probation periods: a number and a unit
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("3 måneder", "3", "months"),
        ("1 måned", "1", "months"),
        ("1 måneds", "1", "months"),
        ("12 måneders", "12", "months"),
        ("3 mdr.", "3", "months"),
        ("1 md.", "1", "months"),
        ("14 dages", "14", "days"),
        ("14 dage", "14", "days"),
        ("1 dag", "1", "days"),
        ("6 ugers", "6", "weeks"),
        ("6 uger", "6", "weeks"),
        ("1 uge", "1", "weeks"),
        ("1 år", "1", "years"),
        ("2 års", "2", "years"),
        ("1½ måned", "1.5", "months"),
        ("1,5 måned", "1.5", "months"),
        ("½ år", "0.5", "years"),
        ("halvanden måned", "1.5", "months"),
        ("et halvt år", "0.5", "years"),
        ("en halv måned", "0.5", "months"),
        ("tre (3) måneder", "3", "months"),
        ("tre måneder (3 måneder)", "3", "months"),
        ("3 (tre) måneder", "3", "months"),
        ("3 måneder til udgangen af en måned", "3", "months"),
        ("1 måneds varsel til fratræden ved udgangen af en måned", "1", "months"),
        ("3 måneders varsel til en måneds udgang", "3", "months"),
        ("en prøvetid på 3 måneder", "3", "months"),
        ("op til 3 måneder", "3", "months"),
    ],
)
def test_durations(text: str, number: str, unit: str) -> None:
    expected = NormalisedValue(number=Decimal(number), unit=unit)
    assert normalise("NOTICE_PERIOD", text) == expected
    assert normalise("PROBATION_PERIOD", text) == expected


@pytest.mark.parametrize(
    ("word", "number"),
    [
        ("en", 1), ("et", 1), ("én", 1), ("ét", 1), ("to", 2), ("tre", 3), ("fire", 4), ("fem", 5),
        ("seks", 6), ("syv", 7), ("otte", 8), ("ni", 9), ("ti", 10), ("elleve", 11), ("tolv", 12),
        ("fjorten", 14),
    ],
)  # fmt: skip
def test_durations_with_number_words(word: str, number: int) -> None:
    assert normalise("NOTICE_PERIOD", f"{word} måneder") == NormalisedValue(number=Decimal(number), unit="months")
    assert normalise("NOTICE_PERIOD", f"{word.capitalize()} måneders") == NormalisedValue(
        number=Decimal(number), unit="months"
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("efter aftale", id="by agreement"),
        pytest.param("ingen prøvetid", id="none"),
        pytest.param("løbende måned", id="no number"),
        pytest.param("1-3 måneder", id="a range"),
        pytest.param("3 måneder plus 3 måneder for hver 3 års ansættelse", id="an escalating period"),
        pytest.param("1 år og 6 måneder", id="two units"),
        pytest.param("1 måned + 1 måned", id="the same duration twice, not as a repeat"),
        pytest.param("3 (fire) måneder", id="digits and words disagree"),
        pytest.param("14 hverdage", id="working days are not calendar days"),
        pytest.param("3 måneder, dog 1 måned i de første 2 år", id="a second number"),
        pytest.param("to halve år", id="half of a number other than one"),
        pytest.param("1.5 måned", id="a point decimal"),
    ],
)
def test_durations_that_are_not_certain_are_refused(text: str) -> None:
    assert normalise("NOTICE_PERIOD", text) == EMPTY


# --------------------------------------------------------------------------------------------------
# Labels and the row helper
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["EMPLOYER", "EMPLOYEE", "JOB_TITLE", "WORKPLACE", "UNKNOWN"])
def test_text_labels_have_no_typed_value(label: str) -> None:
    value = normalise(label, "1. marts 2024 37 timer 8 %")
    assert value == EMPTY
    assert value.is_empty


def test_a_label_reads_only_its_own_kind_of_value() -> None:
    assert normalise("START_DATE", "37 timer") == EMPTY
    assert normalise("WORKING_HOURS", "1. marts 2024") == EMPTY
    assert normalise("NOTICE_PERIOD", "8 %") == EMPTY


def test_entity_values_are_the_value_columns_of_an_entities_row() -> None:
    assert entity_values("SALARY", "kr. 32.500,00", " pr. måned") == {
        "value_date": None,
        "value_number": Decimal("32500.00"),
        "value_unit": "DKK",
        "value_period": "month",
    }
    assert entity_values("START_DATE", "1. marts 2024", "") == {
        "value_date": D(2024, 3, 1),
        "value_number": None,
        "value_unit": None,
        "value_period": None,
    }
    assert entity_values("EMPLOYER", "Nordlys ApS", "") == {
        "value_date": None,
        "value_number": None,
        "value_unit": None,
        "value_period": None,
    }


@pytest.mark.parametrize(
    ("preceding", "text", "following", "period"),
    [
        ("Timelønnen er ", "kr. 176,92", " og udbetales bagud", "hour"),
        ("Månedslønnen udgør ", "32.500 kr.", "", "month"),
        ("Løn pr. måned: ", "32.500 kr.", "", "month"),
        ("Årslønnen er fastsat til ", "DKK 420.000", "", "year"),
        ("Arbejdstiden er 37 timer om ugen. Lønnen er ", "32.500 kr.", "", None),
        ("Årsløn: ", "DKK 420.000", " pr. måned", None),
        ("Den 1. marts 2024 hæves lønnen til ", "33.000 kr.", " pr. måned", "month"),
    ],
)
def test_a_salary_period_named_before_the_amount_is_read(
    preceding: str, text: str, following: str, period: str | None
) -> None:
    value = normalise("SALARY", text, following, preceding)

    assert value.period == period
    assert value.number is not None


# --------------------------------------------------------------------------------------------------
# The words around a value end at its line, unless the sentence wraps onto the next one
# --------------------------------------------------------------------------------------------------

KEY_VALUE_CONTRACT = """ANSÆTTELSESBEVIS

Arbejdsgiver: Nordlys ApS, Supervej 21, 2000 Frederiksberg
Medarbejder: Mette Hansen
Tiltrædelse: 1. marts 2024
Ugentlig arbejdstid: 37 timer
Månedsløn: 32.500 kr.
Pension: 8 % af lønnen
"""
TABLE_CONTRACT = """Ansættelsesdato:\t\t4/11-2020
Arbejdstid:\t\t37,5 timer ugentligt
Løn:\t\t67.535 kr. + pension

Normal arbejdstid:
8 timer om ugen
Løn pr. time:
kr. 195

Arbejdsgiverbidrag til pension:
7,5 %
"""
WRAPPED_LETTER = """Kære Mette

Vi glæder os til at byde dig velkommen. Den faste månedlige
løn udgør 32.500 kr. og udbetales bagud. Din timeløn for
overarbejde er 250 kr.
pr. påbegyndt time. Tillægget udgør 1.200 kr.
Ugentlig arbejdstid er 37 timer.
"""


def value_in(document: str, label: str, text: str) -> dict[str, object]:
    start = document.index(text)
    return entity_values_in(document, label, start, start + len(text))


def test_a_salary_period_is_read_in_its_own_line_not_the_previous_lines() -> None:
    # Before: the line above ("Ugentlig arbejdstid: 37 timer") joined the clause; "Ugentlig" made it weekly.
    salary = value_in(KEY_VALUE_CONTRACT, "SALARY", "32.500 kr.")

    assert (salary["value_number"], salary["value_period"]) == (Decimal(32500), "month")


def test_working_hours_above_a_monthly_salary_line_are_still_weekly_hours() -> None:
    # Before: "Månedsløn:" on the next line read as "per month" right after the hours, so they were refused.
    hours = value_in(KEY_VALUE_CONTRACT, "WORKING_HOURS", "37 timer")

    assert (hours["value_number"], hours["value_unit"]) == (Decimal(37), "hours")


def test_the_previous_fields_period_does_not_become_the_salarys() -> None:
    # Before: "37,5 timer ugentligt" on the line above made the salary weekly.
    salary = value_in(TABLE_CONTRACT, "SALARY", "67.535 kr.")

    assert (salary["value_number"], salary["value_period"]) == (Decimal(67535), None)


def test_a_value_under_its_label_reads_the_label_above_it() -> None:
    # Before: the clause joined "8 timer om ugen" and "Løn pr. time:", two periods, so none.
    salary = value_in(TABLE_CONTRACT, "SALARY", "kr. 195")

    assert salary["value_period"] == "hour"


def test_a_sentence_wrapped_by_a_line_break_is_read_across_it() -> None:
    monthly = value_in(WRAPPED_LETTER, "SALARY", "32.500 kr.")
    hourly = value_in(WRAPPED_LETTER, "SALARY", "250 kr.")
    # The next line starts a clause of its own: "Ugentlig" says nothing about this amount.
    allowance = value_in(WRAPPED_LETTER, "SALARY", "1.200 kr.")

    assert monthly["value_period"] == "month"
    assert hourly["value_period"] == "hour"
    assert (allowance["value_number"], allowance["value_period"]) == (Decimal(1200), None)


def test_a_date_that_a_line_break_splits_is_read_whole() -> None:
    document = "2. Tiltrædelse\nMedarbejderen tiltræder stillingen den 1. juni\n2024 og ansættes på fuld tid.\n"

    assert value_in(document, "START_DATE", "1. juni\n2024")["value_date"] == D(2024, 6, 1)


def test_bilingual_templates_english_dates_periods_and_thousands_separators_in_amounts() -> None:
    assert normalise("START_DATE", "1 March 2025").date == datetime.date(2025, 3, 1)
    assert normalise("START_DATE", "15 May 2025").date == datetime.date(2025, 5, 15)
    salary = normalise("SALARY", "DKK 41,500", " per month")
    assert (salary.number, salary.unit, salary.period) == (Decimal("41500"), "DKK", "month")
    # Money has at most two decimals, so a comma before three digits groups thousands ("23,000 kr.",
    # "1,234,567 kr."); a percentage "1,250" could be either and is refused.
    assert normalise("SALARY", "23,000 kr.").number == Decimal("23000")
    assert normalise("SALARY", "1,234,567 kr.").number == Decimal("1234567")
    assert normalise("PENSION", "1,250 %").number is None


def test_english_durations_and_their_number_words_read_as_the_danish_ones() -> None:
    assert (normalise("NOTICE_PERIOD", "two months").number, normalise("NOTICE_PERIOD", "two months").unit) == (
        Decimal(2),
        "months",
    )
    assert normalise("NOTICE_PERIOD", "one month's").number == Decimal(1)
    assert normalise("PROBATION_PERIOD", "6 weeks").unit == "weeks"
    # The genitive of a Danish count ("4 ugers varsel") is the same count.
    assert (normalise("NOTICE_PERIOD", "4 ugers").number, normalise("NOTICE_PERIOD", "4 ugers").unit) == (
        Decimal(4),
        "weeks",
    )
