"""Specification of the contract card (`models.contract_card`) on the real Postgres: which entity fills
each field, how durations become months, each review flag on its own, the upsert, the API's JSON and
the analyst's question asked in SQL over `contract_card_view`."""

from __future__ import annotations

import datetime
import itertools
import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from models.contract_card import EntityValue, card_as_dict, card_values, rebuild_contract_card
from models.intake import submit_document
from models.normalisation import entity_values
from models.schema import ContractCard, Document, Entity, ModelVersion

_offsets = itertools.count(0, 100)


# --------------------------------------------------------------------------------------------------
# Factories
# --------------------------------------------------------------------------------------------------


def make_document(session: Session, filename: str = "kontrakt.txt") -> Document:
    # Distinct bytes per document: intake deduplicates by sha256.
    data = f"Ansættelseskontrakt {uuid.uuid4()}".encode()
    return submit_document(session, data, filename=filename).document


def make_model(session: Session) -> ModelVersion:
    version = ModelVersion(name=f"test-model-{uuid.uuid4()}", weights_sha256="0" * 64, labels=["O"])
    session.add(version)
    session.flush()
    return version


def add_entity(
    session: Session,
    document: Document,
    model: ModelVersion,
    label: str,
    entity_text: str,
    score: float = 0.9,
    following: str = "",
) -> Entity:
    start = next(_offsets)
    entity = Entity(
        document_id=document.id,
        label=label,
        text=entity_text,
        start_char=start,
        end_char=start + len(entity_text),
        page=1,
        score=score,
        model_id=model.id,
        **entity_values(label, entity_text, following),
    )
    session.add(entity)
    session.flush()
    return entity


def add_complete_contract(session: Session, document: Document, model: ModelVersion) -> None:
    """Every fact a reviewer needs, none of them suspicious: the card has no flags."""
    add_entity(session, document, model, "EMPLOYER", "Nordlys ApS", 0.99)
    add_entity(session, document, model, "EMPLOYEE", "Mette Hansen", 0.98)
    add_entity(session, document, model, "JOB_TITLE", "bogholder", 0.95)
    add_entity(session, document, model, "WORKPLACE", "Supervej 21,\n2000 Frederiksberg", 0.9)
    add_entity(session, document, model, "START_DATE", "1. marts 2024", 0.97)
    add_entity(session, document, model, "END_DATE", "28.02.2025", 0.96)
    add_entity(session, document, model, "WORKING_HOURS", "37 timer", 0.94)
    add_entity(session, document, model, "SALARY", "kr. 32.500,00", 0.93, following=" pr. måned")
    add_entity(session, document, model, "PENSION", "8 %", 0.92)
    add_entity(session, document, model, "NOTICE_PERIOD", "1 måneds", 0.91)
    add_entity(session, document, model, "PROBATION_PERIOD", "tre måneder", 0.89)


@pytest.fixture
def model(db_session: Session) -> ModelVersion:
    return make_model(db_session)


@pytest.fixture
def document(db_session: Session) -> Document:
    return make_document(db_session)


# --------------------------------------------------------------------------------------------------
# Which entity fills each field
# --------------------------------------------------------------------------------------------------


def test_the_card_holds_each_fact_in_its_typed_column(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_complete_contract(db_session, document, model)

    card = rebuild_contract_card(db_session, document.id)

    assert (card.employer, card.employee, card.job_title) == ("Nordlys ApS", "Mette Hansen", "bogholder")
    assert card.workplace == "Supervej 21, 2000 Frederiksberg"
    assert (card.start_date, card.end_date) == (datetime.date(2024, 3, 1), datetime.date(2025, 2, 28))
    assert card.weekly_hours == Decimal("37.00")
    assert (card.salary_amount, card.salary_currency, card.salary_period) == (Decimal("32500.00"), "DKK", "month")
    assert card.pension_percent == Decimal("8.00")
    assert card.notice_period_months == Decimal("1.00")
    assert card.probation_period_months == Decimal("3.00")
    assert card.flags == []
    assert card.needs_review is False


def test_confidence_is_the_score_of_the_entity_behind_each_filled_field(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_entity(db_session, document, model, "EMPLOYER", "Nordlys ApS", 0.99)
    add_entity(db_session, document, model, "SALARY", "kr. 32.500,00", 0.93, following=" pr. måned")
    add_entity(db_session, document, model, "START_DATE", "efter aftale", 0.8)

    card = rebuild_contract_card(db_session, document.id)

    assert card.confidence == {
        "employer": 0.99,
        "salary_amount": 0.93,
        "salary_currency": 0.93,
        "salary_period": 0.93,
    }


def test_the_highest_scoring_entity_of_a_label_wins(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_entity(db_session, document, model, "EMPLOYER", "Nordlys", 0.61)
    add_entity(db_session, document, model, "EMPLOYER", "Nordlys ApS", 0.97)
    add_entity(db_session, document, model, "START_DATE", "1. april 2024", 0.7)
    add_entity(db_session, document, model, "START_DATE", "1. marts 2024", 0.9)

    card = rebuild_contract_card(db_session, document.id)

    assert card.employer == "Nordlys ApS"
    assert card.start_date == datetime.date(2024, 3, 1)


def test_on_equal_scores_the_first_mention_wins(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_entity(db_session, document, model, "JOB_TITLE", "bogholder", 0.9)
    add_entity(db_session, document, model, "JOB_TITLE", "regnskabsassistent", 0.9)

    assert rebuild_contract_card(db_session, document.id).job_title == "bogholder"


def test_a_readable_value_beats_a_higher_scoring_unreadable_one(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_entity(db_session, document, model, "START_DATE", "snarest muligt", 0.99)
    add_entity(db_session, document, model, "START_DATE", "1. marts 2024", 0.6)
    add_entity(db_session, document, model, "SALARY", "efter aftale", 0.99)
    add_entity(db_session, document, model, "SALARY", "kr. 32.500", 0.5, following=" om måneden")

    card = rebuild_contract_card(db_session, document.id)

    assert card.start_date == datetime.date(2024, 3, 1)
    assert card.confidence["start_date"] == 0.6
    assert (card.salary_amount, card.salary_period) == (Decimal("32500.00"), "month")


@pytest.mark.parametrize(
    ("duration", "months"),
    [
        ("3 måneder", "3.00"),
        ("1 måneds", "1.00"),
        ("1½ måned", "1.50"),
        ("14 dages", "0.47"),
        ("30 dage", "1.00"),
        ("6 ugers", "1.40"),
        ("1 uge", "0.23"),
        ("1 år", "12.00"),
        ("et halvt år", "6.00"),
    ],
)
def test_notice_and_probation_periods_are_converted_to_months(
    db_session: Session, document: Document, model: ModelVersion, duration: str, months: str
) -> None:
    add_entity(db_session, document, model, "NOTICE_PERIOD", duration)
    add_entity(db_session, document, model, "PROBATION_PERIOD", duration)

    card = rebuild_contract_card(db_session, document.id)

    assert card.notice_period_months == Decimal(months)
    assert card.probation_period_months == Decimal(months)


@pytest.mark.parametrize(
    ("duration", "value", "unit"),
    [
        ("14 dages", "14.00", "days"),
        ("1½ måned", "1.50", "months"),
        ("6 ugers", "6.00", "weeks"),
        ("1 år", "1.00", "years"),
    ],
)
def test_durations_are_also_kept_in_the_unit_the_contract_uses(
    db_session: Session, document: Document, model: ModelVersion, duration: str, value: str, unit: str
) -> None:
    add_entity(db_session, document, model, "NOTICE_PERIOD", "3 måneder", 0.5)
    add_entity(db_session, document, model, "NOTICE_PERIOD", duration, 0.9)  # the card's choice
    add_entity(db_session, document, model, "PROBATION_PERIOD", duration)

    card = rebuild_contract_card(db_session, document.id)

    assert (card.notice_period_value, card.notice_period_unit) == (Decimal(value), unit)
    assert (card.probation_period_value, card.probation_period_unit) == (Decimal(value), unit)
    assert card_as_dict(card)["notice_period_value"] == value


# --------------------------------------------------------------------------------------------------
# Flags: one test each
# --------------------------------------------------------------------------------------------------


def test_a_complete_contract_has_no_flags(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_complete_contract(db_session, document, model)

    card = rebuild_contract_card(db_session, document.id)

    assert (card.flags, card.needs_review) == ([], False)


def test_a_document_without_entities_misses_every_required_fact(db_session: Session, document: Document) -> None:
    card = rebuild_contract_card(db_session, document.id)

    assert card.flags == [
        "missing_employer",
        "missing_employee",
        "missing_start_date",
        "missing_salary",
        "missing_working_hours",
    ]
    assert card.needs_review is True
    assert card.confidence == {}


@pytest.mark.parametrize(("party", "flag"), [("EMPLOYER", "missing_employer"), ("EMPLOYEE", "missing_employee")])
def test_a_missing_party_needs_review(
    db_session: Session, document: Document, model: ModelVersion, party: str, flag: str
) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == party))

    card = rebuild_contract_card(db_session, document.id)

    assert (card.flags, card.needs_review) == ([flag], True)


def test_a_chosen_value_below_the_review_threshold_needs_review(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_complete_contract(db_session, document, model)  # its lowest score: PROBATION_PERIOD at 0.89

    assert rebuild_contract_card(db_session, document.id, min_confidence=0.89).flags == []
    card = rebuild_contract_card(db_session, document.id, min_confidence=0.9)

    assert (card.flags, card.needs_review) == (["low_confidence"], True)


def test_without_a_threshold_no_score_is_too_low(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_entity(db_session, document, model, "EMPLOYER", "Nordlys ApS", 0.01)

    assert "low_confidence" not in rebuild_contract_card(db_session, document.id).flags


def test_only_a_chosen_value_counts_for_the_threshold() -> None:
    """A doubtful runner-up the card does not show raises nothing; the value it shows is what a reader sees."""
    entities = [EntityValue("EMPLOYER", "Nordlys ApS", 0.97), EntityValue("EMPLOYER", "Nordlys", 0.2)]

    card = card_values(entities, min_confidence=0.9)

    assert (card.columns["employer"], card.confidence["employer"]) == ("Nordlys ApS", 0.97)
    assert "low_confidence" not in card.flags


@pytest.mark.parametrize("flag", ["multiple_contracts", "conflicting_values"])
def test_what_decoding_found_about_the_document_goes_on_the_card(
    db_session: Session, document: Document, model: ModelVersion, flag: str
) -> None:
    add_complete_contract(db_session, document, model)

    card = rebuild_contract_card(db_session, document.id, document_flags=[flag])

    assert (card.flags, card.needs_review) == ([flag], True)


def test_a_rebuild_without_decoding_keeps_what_decoding_found(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    """A review action rebuilds the card from the entities; only a new run of the model replaces the flags
    decoding raised."""
    add_complete_contract(db_session, document, model)
    rebuild_contract_card(db_session, document.id, document_flags=["multiple_contracts"])

    assert rebuild_contract_card(db_session, document.id).flags == ["multiple_contracts"]
    assert rebuild_contract_card(db_session, document.id, document_flags=[]).flags == []


def test_a_document_flag_the_card_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="not a document flag"):
        card_values([], document_flags=["missing_salary"])


def test_missing_start_date(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "START_DATE"))

    card = rebuild_contract_card(db_session, document.id)

    assert (card.flags, card.needs_review) == (["missing_start_date"], True)


def test_an_unreadable_start_date_is_missing(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "START_DATE"))
    add_entity(db_session, document, model, "START_DATE", "31.02.2024")

    card = rebuild_contract_card(db_session, document.id)

    assert card.start_date is None
    assert card.flags == ["missing_start_date"]


def test_missing_salary(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "SALARY"))
    add_entity(db_session, document, model, "SALARY", "efter gældende overenskomst")

    card = rebuild_contract_card(db_session, document.id)

    assert (card.flags, card.needs_review) == (["missing_salary"], True)


def test_missing_working_hours(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "WORKING_HOURS"))
    # Daily hours are not weekly hours: the field stays empty rather than wrong.
    add_entity(db_session, document, model, "WORKING_HOURS", "7,4 timer dagligt")

    card = rebuild_contract_card(db_session, document.id)

    assert card.weekly_hours is None
    assert (card.flags, card.needs_review) == (["missing_working_hours"], True)


def test_end_before_start(db_session: Session, document: Document, model: ModelVersion) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "END_DATE"))
    add_entity(db_session, document, model, "END_DATE", "29. februar 2024")

    card = rebuild_contract_card(db_session, document.id)

    assert (card.flags, card.needs_review) == (["end_before_start"], True)


def test_an_end_on_the_start_date_is_not_before_it(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "END_DATE"))
    add_entity(db_session, document, model, "END_DATE", "1.3.2024")

    assert rebuild_contract_card(db_session, document.id).flags == []


@pytest.mark.parametrize(("hours", "flags"), [("48 timer", []), ("48,5 timer", ["hours_above_48"])])
def test_hours_above_48(
    db_session: Session, document: Document, model: ModelVersion, hours: str, flags: list[str]
) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "WORKING_HOURS"))
    add_entity(db_session, document, model, "WORKING_HOURS", hours)

    card = rebuild_contract_card(db_session, document.id)

    assert (card.flags, card.needs_review) == (flags, bool(flags))


@pytest.mark.parametrize(
    ("salaries", "conflicting"),
    [
        pytest.param([("kr. 32.500", " pr. måned"), ("kr. 34.000", " pr. måned")], True, id="same period"),
        pytest.param([("kr. 32.500", " pr. måned"), ("kr. 34.000", "")], True, id="one period unknown"),
        pytest.param([("kr. 32.500", ""), ("kr. 34.000", "")], True, id="both periods unknown"),
        pytest.param([("kr. 32.500", " pr. måned"), ("32.500,00 kr.", "")], False, id="same amount"),
        pytest.param([("kr. 32.500", " pr. måned"), ("kr. 185,00", " i timen")], False, id="monthly and hourly"),
        pytest.param([("kr. 32.500", " pr. måned"), ("EUR 4.400", " pr. måned")], False, id="two currencies"),
        pytest.param([("kr. 32.500", " pr. måned"), ("efter aftale", "")], False, id="one unreadable"),
    ],
)
def test_conflicting_salaries(
    db_session: Session, document: Document, model: ModelVersion, salaries: list[tuple[str, str]], conflicting: bool
) -> None:
    add_complete_contract(db_session, document, model)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id, Entity.label == "SALARY"))
    for salary, following in salaries:
        add_entity(db_session, document, model, "SALARY", salary, following=following)

    card = rebuild_contract_card(db_session, document.id)

    assert card.flags == (["conflicting_salaries"] if conflicting else [])
    assert card.needs_review is conflicting


# --------------------------------------------------------------------------------------------------
# The row: upsert, JSON, unknown documents
# --------------------------------------------------------------------------------------------------


def test_a_rebuild_replaces_the_card_of_the_document(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_complete_contract(db_session, document, model)
    rebuild_contract_card(db_session, document.id)
    db_session.execute(delete(Entity).where(Entity.document_id == document.id))
    add_entity(db_session, document, model, "EMPLOYER", "Solskin A/S", 0.8)

    card = rebuild_contract_card(db_session, document.id)

    count = db_session.scalar(
        select(func.count()).select_from(ContractCard).where(ContractCard.document_id == document.id)
    )
    assert count == 1
    stored = db_session.execute(
        text("SELECT employer, salary_amount, needs_review FROM contract_cards WHERE document_id = :id"),
        {"id": document.id},
    ).one()
    assert tuple(stored) == ("Solskin A/S", None, True)
    assert card.confidence == {"employer": 0.8}


def test_rebuilding_an_unknown_document_raises(db_session: Session) -> None:
    with pytest.raises(LookupError):
        rebuild_contract_card(db_session, uuid.uuid4())


def test_card_as_dict_is_json_with_iso_dates_and_decimal_strings(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    add_complete_contract(db_session, document, model)
    card = rebuild_contract_card(db_session, document.id)

    data = json.loads(json.dumps(card_as_dict(card)))

    assert data["document_id"] == str(document.id)
    assert (data["start_date"], data["end_date"]) == ("2024-03-01", "2025-02-28")
    assert (data["salary_amount"], data["salary_currency"], data["salary_period"]) == ("32500.00", "DKK", "month")
    assert (data["weekly_hours"], data["pension_percent"]) == ("37.00", "8.00")
    assert (data["notice_period_months"], data["probation_period_months"]) == ("1.00", "3.00")
    assert (data["flags"], data["needs_review"]) == ([], False)
    assert data["confidence"]["employer"] == 0.99
    assert datetime.datetime.fromisoformat(data["updated_at"])


def test_card_as_dict_gives_null_for_empty_fields(db_session: Session, document: Document) -> None:
    data = card_as_dict(rebuild_contract_card(db_session, document.id))

    assert data["salary_amount"] is None
    assert data["start_date"] is None
    assert data["employer"] is None


# --------------------------------------------------------------------------------------------------
# The analyst's question, in SQL over the view
# --------------------------------------------------------------------------------------------------


def test_contracts_starting_in_2024_with_a_monthly_salary_above_30000_kroner(
    db_session: Session, model: ModelVersion
) -> None:
    def contract(start: str, salary: str, following: str) -> Document:
        document = make_document(db_session)
        add_entity(db_session, document, model, "START_DATE", start)
        add_entity(db_session, document, model, "SALARY", salary, following=following)
        rebuild_contract_card(db_session, document.id)
        return document

    matching = contract("1. marts 2024", "kr. 32.500,00", " pr. måned")
    contract("1. marts 2023", "kr. 32.500,00", " pr. måned")
    contract("1.3.2024", "28.000 kr.", " om måneden")
    contract("01.03.2024", "kr. 185,00", " i timen")

    found = db_session.scalars(
        text(
            "SELECT document_id FROM contract_card_view "
            "WHERE start_date >= '2024-01-01' AND start_date < '2025-01-01' "
            "AND salary_currency = 'DKK' AND salary_period = 'month' AND salary_amount > 30000"
        )
    ).all()

    assert found == [matching.id]


def test_the_stored_card_is_the_card_computed_from_plain_entity_values(
    db_session: Session, document: Document, model: ModelVersion
) -> None:
    # `contract-ner extract --card` computes the card without a database, by the same function.
    add_complete_contract(db_session, document, model)
    add_entity(db_session, document, model, "SALARY", "kr. 31.000", 0.5, following=" pr. måned")
    entities = db_session.scalars(select(Entity).where(Entity.document_id == document.id).order_by(Entity.start_char))
    plain = [
        EntityValue(e.label, e.text, e.score, e.value_date, e.value_number, e.value_unit, e.value_period)
        for e in entities
    ]

    stored = card_as_dict(rebuild_contract_card(db_session, document.id))

    assert stored.pop("document_id") == str(document.id)
    assert stored.pop("updated_at") is not None
    assert stored == card_values(plain).as_dict()
    assert stored["flags"] == ["conflicting_salaries"]


def test_a_salary_stated_yearly_and_monthly_goes_on_the_card_as_the_monthly_amount(db_session: Session) -> None:
    document, model = make_document(db_session), make_model(db_session)
    add_entity(db_session, document, model, "SALARY", "kr. 552.000", 0.99, following=" årligt")
    add_entity(db_session, document, model, "SALARY", "kr. 46.000", 0.6, following=" pr. måned")

    card = rebuild_contract_card(db_session, document.id)

    assert (card.salary_amount, card.salary_period) == (Decimal("46000.00"), "month")
    assert "conflicting_salaries" not in card.flags
