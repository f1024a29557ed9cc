"""The contract card: one row per document with the best value of each fact, how sure the model was of
it, and short flags for what a reviewer must look at. Rebuilt from the document's entities whenever they
change; analysts and dashboards read it through `contract_card_view`, the API through `card_as_dict`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.normalisation import CURRENCIES, DURATION_UNITS, SALARY_PERIODS
from models.schema import ContractCard, Document, Entity, utcnow

# Flags, in the order they are listed on a card. Codes are stable: clients filter on them.
MISSING_START_DATE = "missing_start_date"
MISSING_SALARY = "missing_salary"
MISSING_WORKING_HOURS = "missing_working_hours"
END_BEFORE_START = "end_before_start"
HOURS_ABOVE_48 = "hours_above_48"
CONFLICTING_SALARIES = "conflicting_salaries"
FLAGS = (
    MISSING_START_DATE,
    MISSING_SALARY,
    MISSING_WORKING_HOURS,
    END_BEFORE_START,
    HOURS_ABOVE_48,
    CONFLICTING_SALARIES,
)

# The EU working time directive's ceiling on average weekly hours, overtime included.
MAX_WEEKLY_HOURS = Decimal(48)

_TEXT_FIELDS = {"EMPLOYER": "employer", "EMPLOYEE": "employee", "JOB_TITLE": "job_title", "WORKPLACE": "workplace"}
_CENT = Decimal("0.01")
# Months per unit as (numerator, denominator), divided once so 30 days is exactly 1.00 month. A month is
# taken as 30 days: a day count converted to months is for comparing and sorting, not a legal term.
_MONTHS_PER_UNIT = {"days": (1, 30), "weeks": (7, 30), "months": (1, 1), "years": (12, 1)}


def rebuild_contract_card(session: Session, document_id: uuid.UUID) -> ContractCard:
    """Create or replace the document's card from its current entities; flushes, the caller commits.

    Raises LookupError for an unknown document."""
    # The row lock serialises two rebuilds of one document (a redelivered task, a re-run), so the second
    # finds the first's card instead of inserting a duplicate primary key.
    document = session.get(Document, document_id, with_for_update=True)
    if document is None:
        raise LookupError(f"no document {document_id}")
    entities = session.scalars(
        select(Entity).where(Entity.document_id == document_id).order_by(Entity.start_char, Entity.id)
    ).all()
    by_label: dict[str, list[Entity]] = {}
    for entity in entities:
        by_label.setdefault(entity.label, []).append(entity)

    card = session.get(ContractCard, document_id)
    if card is None:
        card = ContractCard(document_id=document_id)
        session.add(card)
    confidence: dict[str, float] = {}

    def fill(field: str, value: Any, entity: Entity) -> None:
        setattr(card, field, value)
        if value is not None:
            confidence[field] = round(float(entity.score), 4)

    for label, field in _TEXT_FIELDS.items():
        card_text = _best(by_label.get(label, ()), lambda e: bool(e.text.strip()))
        setattr(card, field, None)
        if card_text is not None:
            # One space for any whitespace run: an address spanning two PDF lines reads as one line.
            fill(field, " ".join(card_text.text.split()), card_text)

    for label, field in (("START_DATE", "start_date"), ("END_DATE", "end_date")):
        setattr(card, field, None)
        if dated := _best(by_label.get(label, ()), lambda e: e.value_date is not None):
            fill(field, dated.value_date, dated)

    card.weekly_hours = None
    if hours := _best(by_label.get("WORKING_HOURS", ()), _usable_hours):
        fill("weekly_hours", _fit(hours.value_number, 8, 2), hours)

    card.salary_amount = card.salary_currency = card.salary_period = None
    salaries = [e for e in by_label.get("SALARY", ()) if _usable_salary(e)]
    if salary := _best(salaries, lambda e: True):
        fill("salary_amount", _fit(salary.value_number, 14, 2), salary)
        fill("salary_currency", salary.value_unit, salary)
        fill("salary_period", salary.value_period, salary)

    card.pension_percent = None
    if pension := _best(by_label.get("PENSION", ()), _usable_percent):
        fill("pension_percent", _fit(pension.value_number, 8, 2), pension)

    for label, field in (("NOTICE_PERIOD", "notice_period_months"), ("PROBATION_PERIOD", "probation_period_months")):
        setattr(card, field, None)
        # Beside the months, the duration as the contract says it: the chosen entity's value and unit.
        as_said = field.removesuffix("_months")
        setattr(card, f"{as_said}_value", None)
        setattr(card, f"{as_said}_unit", None)
        if duration := _best(by_label.get(label, ()), lambda e: _months(e) is not None):
            fill(field, _months(duration), duration)
            if (value := _fit(duration.value_number, 8, 2)) is not None:
                setattr(card, f"{as_said}_value", value)
                setattr(card, f"{as_said}_unit", duration.value_unit)

    flags: set[str] = set()
    if card.start_date is None:
        flags.add(MISSING_START_DATE)
    if card.salary_amount is None:
        flags.add(MISSING_SALARY)
    if card.weekly_hours is None:
        flags.add(MISSING_WORKING_HOURS)
    if card.start_date is not None and card.end_date is not None and card.end_date < card.start_date:
        flags.add(END_BEFORE_START)
    if card.weekly_hours is not None and card.weekly_hours > MAX_WEEKLY_HOURS:
        flags.add(HOURS_ABOVE_48)
    if _conflicting(salaries):
        flags.add(CONFLICTING_SALARIES)

    card.confidence = confidence
    card.flags = [flag for flag in FLAGS if flag in flags]
    card.needs_review = bool(flags)
    # Set here, not left to onupdate: a rebuild that changes nothing still records when it was checked.
    card.updated_at = utcnow()
    session.flush()
    return card


def card_as_dict(card: ContractCard) -> dict[str, Any]:
    """The card as JSON-ready values for the API.

    Dates are ISO strings; decimals are strings with their stored two decimals ("32500.00", "37.50"):
    exact, so a client never sees 0.1 + 0.2 artefacts and can parse them with its own decimal type."""
    return {
        "document_id": str(card.document_id),
        "employer": card.employer,
        "employee": card.employee,
        "job_title": card.job_title,
        "workplace": card.workplace,
        "start_date": _iso(card.start_date),
        "end_date": _iso(card.end_date),
        "weekly_hours": _decimal_string(card.weekly_hours),
        "salary_amount": _decimal_string(card.salary_amount),
        "salary_currency": card.salary_currency,
        "salary_period": card.salary_period,
        "pension_percent": _decimal_string(card.pension_percent),
        "notice_period_months": _decimal_string(card.notice_period_months),
        "probation_period_months": _decimal_string(card.probation_period_months),
        "notice_period_value": _decimal_string(card.notice_period_value),
        "notice_period_unit": card.notice_period_unit,
        "probation_period_value": _decimal_string(card.probation_period_value),
        "probation_period_unit": card.probation_period_unit,
        "confidence": dict(card.confidence or {}),
        "flags": list(card.flags or []),
        "needs_review": bool(card.needs_review),
        "updated_at": card.updated_at.isoformat() if card.updated_at is not None else None,
    }


def _best(candidates: Iterable[Entity], usable: Callable[[Entity], bool]) -> Entity | None:
    """The highest-scoring usable entity; on equal scores the first in the document (its first mention)."""
    best: Entity | None = None
    for entity in candidates:  # in document order, so `>` keeps the earliest of equal scores
        if usable(entity) and (best is None or entity.score > best.score):
            best = entity
    return best


def _fit(value: Decimal | None, precision: int, scale: int) -> Decimal | None:
    """The value rounded to the card column's scale, or None when it cannot be stored there."""
    if value is None:
        return None
    rounded = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    return rounded if abs(rounded) < Decimal(10) ** (precision - scale) else None


def _usable_hours(entity: Entity) -> bool:
    return entity.value_unit == "hours" and _fit(entity.value_number, 8, 2) is not None


def _usable_salary(entity: Entity) -> bool:
    # A salary in an unknown currency still fills the card (the amount is certain), but one with a
    # unit that is no currency (a mislabelled entity from elsewhere) does not.
    return (
        entity.value_number is not None
        and (entity.value_unit is None or entity.value_unit in CURRENCIES)
        and (entity.value_period is None or entity.value_period in SALARY_PERIODS)
    )


def _usable_percent(entity: Entity) -> bool:
    return entity.value_unit == "percent" and _fit(entity.value_number, 8, 2) is not None


def _months(entity: Entity) -> Decimal | None:
    if entity.value_number is None or entity.value_unit not in DURATION_UNITS:
        return None
    numerator, denominator = _MONTHS_PER_UNIT[entity.value_unit]
    return _fit(entity.value_number * numerator / denominator, 8, 2)


def _conflicting(salaries: Sequence[Entity]) -> bool:
    """Two salaries that could describe the same pay but differ in amount.

    Same currency and same period, or an unknown currency or period on either side (it could be the
    other's). An hourly and a monthly rate, or a DKK and a EUR amount, are different facts, not a conflict."""
    for i, first in enumerate(salaries):
        for second in salaries[i + 1 :]:
            if first.value_number == second.value_number:
                continue
            same_currency = None in (first.value_unit, second.value_unit) or first.value_unit == second.value_unit
            same_period = None in (first.value_period, second.value_period) or first.value_period == second.value_period
            if same_currency and same_period:
                return True
    return False


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _decimal_string(value: Decimal | None) -> str | None:
    # Fixed-point: str(Decimal("1E+3")) would be "1E+3".
    return f"{value:f}" if value is not None else None
