"""The contract card: one row per document with the best value of each fact, how sure the model was of
it, and short flags for what a reviewer must look at. Rebuilt from the document's entities whenever they
change; analysts and dashboards read it through `contract_card_view`, the API through `card_as_dict`.

`card_values` computes a card from plain entity values (label, text, score, typed values), so the
same code fills the stored card and the one `contract-ner extract --card` prints without a database.
Which label fills which columns, and which flags it raises, is the label spec's (`models.labels`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.labels import CARD_COLUMNS, LABELS, LabelSpec, ValueKind
from models.normalisation import CURRENCIES, DURATION_UNITS, SALARY_PERIODS, NormalisedValue
from models.schema import STANDARD_MONTHLY_HOURS, ContractCard, Document, Entity, utcnow

# Flags, in the order they are listed on a card. Codes are stable: clients filter on them.
MISSING_START_DATE = "missing_start_date"
MISSING_SALARY = "missing_salary"
MISSING_WORKING_HOURS = "missing_working_hours"
END_BEFORE_START = "end_before_start"
HOURS_ABOVE_48 = "hours_above_48"
CONFLICTING_SALARIES = "conflicting_salaries"
MISSING_EMPLOYER = "missing_employer"
MISSING_EMPLOYEE = "missing_employee"
# A chosen value whose (calibrated, worker.calibration) score is below the review threshold.
LOW_CONFIDENCE = "low_confidence"
# Raised by field decoding (worker.fields.competing_values), which alone sees the values it dropped: a
# single-valued label with a second, well-supported value; different parties in different parts of the file.
CONFLICTING_VALUES = "conflicting_values"
MULTIPLE_CONTRACTS = "multiple_contracts"
_LISTED_FLAGS = (
    MULTIPLE_CONTRACTS,
    MISSING_EMPLOYER,
    MISSING_EMPLOYEE,
    MISSING_START_DATE,
    MISSING_SALARY,
    MISSING_WORKING_HOURS,
    END_BEFORE_START,
    HOURS_ABOVE_48,
    CONFLICTING_SALARIES,
    CONFLICTING_VALUES,
    LOW_CONFIDENCE,
)
# Flags a card takes from the document's decoding rather than from its entities.
DOCUMENT_FLAGS = frozenset({MULTIPLE_CONTRACTS, CONFLICTING_VALUES})
# A label declared later lists its flags after these.
FLAGS = (
    *_LISTED_FLAGS,
    *dict.fromkeys(
        flag
        for spec in LABELS
        for flag in (spec.missing_flag, spec.conflict_flag)
        if flag is not None and flag not in _LISTED_FLAGS
    ),
)

# The EU working time directive's ceiling on average weekly hours, overtime included.
MAX_WEEKLY_HOURS = Decimal(48)

_CENT = Decimal("0.01")
# Months per unit as (numerator, denominator), divided once so 30 days is exactly 1.00 month. A month is
# taken as 30 days: a day count converted to months is for comparing and sorting, not a legal term.
_MONTHS_PER_UNIT = {"days": (1, 30), "weeks": (7, 30), "months": (1, 1), "years": (12, 1)}


class EntityFacts(Protocol):
    """What the card reads of an entity: an `entities` row, or an `EntityValue` found without a database."""

    @property
    def label(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def value_date(self) -> date | None: ...
    @property
    def value_number(self) -> Decimal | None: ...
    @property
    def value_unit(self) -> str | None: ...
    @property
    def value_period(self) -> str | None: ...


@dataclass(frozen=True)
class EntityValue:
    """An entity's label, text, score and normalised value, outside the database."""

    label: str
    text: str
    score: float
    value_date: date | None = None
    value_number: Decimal | None = None
    value_unit: str | None = None
    value_period: str | None = None

    @classmethod
    def of(cls, label: str, text: str, score: float, value: NormalisedValue) -> EntityValue:
        return cls(label, text, score, value.date, value.number, value.unit, value.period)


@dataclass(frozen=True)
class CardValues:
    """A computed card: a value (or None) for every card column, the score behind each filled one, flags,
    and the columns a reviewer set directly."""

    columns: dict[str, Any]
    confidence: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    set_by_reviewer: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    @property
    def lowest_confidence(self) -> float:
        """The least certain filled column's score; 0 for a card with nothing filled (least certain of all)."""
        return min(self.confidence.values(), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, in the form of the API's card (without the document's id and timestamps)."""
        c = self.columns
        monthly = monthly_salary(c.get("salary_amount"), c.get("salary_period"), c.get("weekly_hours"))
        return {
            **card_columns_as_json(self.columns),
            "salary_monthly": _json_value(monthly),
            "salary_monthly_basis": monthly_basis(c.get("salary_period"), c.get("weekly_hours"))
            if monthly is not None
            else None,
            "confidence": dict(self.confidence),
            "flags": list(self.flags),
            "needs_review": self.needs_review,
            "set_by_reviewer": list(self.set_by_reviewer),
        }


def card_values(
    entities: Iterable[EntityFacts],
    reviewer_values: Mapping[str, Any] | None = None,
    document_flags: Iterable[str] = (),
    min_confidence: float | None = None,
) -> CardValues:
    """The card of a document with these entities, given in document order (the first mention wins ties).

    `reviewer_values` ({column: typed value}, see `parse_card_value`) are columns a reviewer set directly:
    they win over every entity, with confidence 1, and the flags are those of the card they make.
    `document_flags`: what field decoding found about the document as a whole (`DOCUMENT_FLAGS`; others
    are refused). `min_confidence`: a chosen value with a lower score raises `low_confidence`; None: none
    is checked. Scores are probabilities where the checkpoint is calibrated (worker.calibration)."""
    unknown = set(document_flags) - DOCUMENT_FLAGS
    if unknown:
        raise ValueError(f"not a document flag: {sorted(unknown)}")
    by_label: dict[str, list[EntityFacts]] = {}
    for entity in entities:
        by_label.setdefault(entity.label, []).append(entity)
    overrides = dict(reviewer_values or {})
    columns: dict[str, Any] = dict.fromkeys(CARD_COLUMNS)
    confidence: dict[str, float] = {}
    flags: set[str] = set(document_flags)
    for spec in LABELS:
        if not spec.card:
            continue
        candidates = by_label.get(spec.name, [])
        best = _best(_preferred(spec, candidates), _USABLE[spec.kind])
        if best is not None:
            for column, value in zip(spec.card, _card_parts(spec, best), strict=True):
                columns[column] = value
                if value is not None:
                    confidence[column] = round(float(best.score), 4)
        set_here = [column for column in spec.card if column in overrides]
        for column in set_here:
            columns[column] = overrides[column]
            confidence.pop(column, None)
            if overrides[column] is not None:
                confidence[column] = 1.0
        if spec.kind is ValueKind.DURATION and set_here:
            # The months follow the number and unit as the reviewer left them.
            months, value, unit = spec.card
            columns[months] = _months(
                EntityValue(spec.name, "", 1.0, value_number=columns[value], value_unit=columns[unit])
            )
            confidence.pop(months, None)
            if columns[months] is not None:
                confidence[months] = 1.0
        if spec.missing_flag and columns[spec.card[0]] is None:
            flags.add(spec.missing_flag)
        # A reviewer's amount settles which of the found ones is right.
        if spec.conflict_flag and not set_here and _conflicting([e for e in candidates if _usable_amount(e)]):
            flags.add(spec.conflict_flag)

    start, end, hours = columns.get("start_date"), columns.get("end_date"), columns.get("weekly_hours")
    if start is not None and end is not None and end < start:
        flags.add(END_BEFORE_START)
    if hours is not None and hours > MAX_WEEKLY_HOURS:
        flags.add(HOURS_ABOVE_48)
    if min_confidence is not None and any(score < min_confidence for score in confidence.values()):
        flags.add(LOW_CONFIDENCE)
    set_by_reviewer = [column for column in CARD_COLUMNS if column in overrides]
    return CardValues(columns, confidence, [flag for flag in FLAGS if flag in flags], set_by_reviewer)


def rebuild_contract_card(
    session: Session,
    document_id: uuid.UUID,
    document_flags: Iterable[str] | None = None,
    min_confidence: float | None = None,
) -> ContractCard:
    """Create or replace the document's card from its current entities (and what decoding found about the
    document, see `card_values`: None keeps what the stored card has of it); flushes, the caller commits.

    Human values win (`models.review`): where a person added, corrected or confirmed an entity of a
    label, the model's other entities of that label no longer count, and a reviewed entity's confidence
    is 1; a column a reviewer set directly wins over every entity. A document marked reviewed keeps its
    flags but no longer `needs_review`. Raises LookupError for an unknown document."""
    # The row lock serialises two rebuilds of one document (a redelivered task, a re-run), so the second
    # finds the first's card instead of inserting a duplicate primary key.
    document = session.get(Document, document_id, with_for_update=True)
    if document is None:
        raise LookupError(f"no document {document_id}")
    entities = session.scalars(
        select(Entity).where(Entity.document_id == document_id).order_by(Entity.start_char, Entity.id)
    ).all()
    card = session.get(ContractCard, document_id)
    stored = (card.reviewer_values if card is not None else None) or {}
    if document_flags is None:
        # A rebuild after a review action: decoding has not run again, so what it found stays.
        document_flags = [flag for flag in (card.flags if card is not None else None) or [] if flag in DOCUMENT_FLAGS]
    values = card_values(
        human_first(entities),
        {column: parse_card_value(column, value) for column, value in stored.items()},
        document_flags,
        min_confidence,
    )

    if card is None:
        card = ContractCard(document_id=document_id)
        session.add(card)
    for column, value in values.columns.items():
        setattr(card, column, value)
    card.confidence = values.confidence
    card.flags = values.flags
    card.needs_review = values.needs_review and document.reviewed_at is None
    card.lowest_confidence = values.lowest_confidence
    # Set here, not left to onupdate: a rebuild that changes nothing still records when it was checked.
    card.updated_at = utcnow()
    session.flush()
    return card


def human_first(entities: Iterable[Entity]) -> list[EntityValue]:
    """The entities the card reads: of a label a person stands behind (an entity added, corrected or
    confirmed), only those, at confidence 1; of the other labels, every entity with its model's score."""
    entities = list(entities)
    reviewed_labels = {entity.label for entity in entities if entity.reviewed}
    return [
        EntityValue(
            entity.label,
            entity.text,
            1.0 if entity.reviewed else entity.score,
            entity.value_date,
            entity.value_number,
            entity.value_unit,
            entity.value_period,
        )
        for entity in entities
        if entity.reviewed or entity.label not in reviewed_labels
    ]


# The card columns a reviewer may set directly: each column's facts except the months of a duration,
# which follow its number and unit.
SETTABLE_COLUMNS: tuple[str, ...] = tuple(column for column in CARD_COLUMNS if not column.endswith("_months"))
_TEXT_LIMITS = {"salary_currency": 3, "salary_period": 8, "notice_period_unit": 8, "probation_period_unit": 8}
_CHOICES = {
    "salary_currency": CURRENCIES,
    "salary_period": SALARY_PERIODS,
    "notice_period_unit": DURATION_UNITS,
    "probation_period_unit": DURATION_UNITS,
}
_NUMERIC_SHAPES = {"weekly_hours": (8, 2), "salary_amount": (14, 2), "pension_percent": (8, 2),
                   "notice_period_value": (8, 2), "probation_period_value": (8, 2)}  # fmt: skip
_DATE_COLUMNS = frozenset({"start_date", "end_date"})


def parse_card_value(column: str, raw: Any) -> Any:
    """A reviewer's value for a card column, typed as the column holds it (None clears the column).

    Dates are ISO strings, numbers decimal strings or numbers within the column's precision, currencies,
    periods and units one of the known codes; ValueError says what was expected."""
    if column not in SETTABLE_COLUMNS:
        raise ValueError(f"{column!r} is not a card field a reviewer can set; one of: {', '.join(SETTABLE_COLUMNS)}")
    if raw is None:
        return None
    if column in _DATE_COLUMNS:
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError(f"{column} must be an ISO date (YYYY-MM-DD), got {raw!r}") from None
    if column in _NUMERIC_SHAPES:
        precision, scale = _NUMERIC_SHAPES[column]
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ValueError(f"{column} must be a number, got {raw!r}")
        try:
            number = Decimal(str(raw).strip())
        except ArithmeticError:
            raise ValueError(f"{column} must be a number, got {raw!r}") from None
        fitted = _fit(number, precision, scale) if number.is_finite() else None
        if fitted is None or fitted < 0:
            raise ValueError(f"{column} must be a number from 0 below {10 ** (precision - scale)}, got {raw!r}")
        return fitted
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"{column} must be a non-empty string, got {raw!r}")
    value = " ".join(raw.split())
    if column in _CHOICES:
        choices = _CHOICES[column]
        if value not in choices:
            raise ValueError(f"{column} must be one of {', '.join(sorted(choices))}, got {raw!r}")
    if "\x00" in value or len(value) > _TEXT_LIMITS.get(column, 2000):
        raise ValueError(f"{column} is too long or holds a NUL character")
    return value


def card_as_dict(card: ContractCard) -> dict[str, Any]:
    """The card as JSON-ready values for the API.

    Dates are ISO strings; decimals are strings with their stored two decimals ("32500.00", "37.50"):
    exact, so a client never sees 0.1 + 0.2 artefacts and can parse them with its own decimal type."""
    return {
        "document_id": str(card.document_id),
        **card_columns_as_json({column: getattr(card, column) for column in CARD_COLUMNS}),
        "salary_monthly": _json_value(card.salary_monthly),
        "salary_monthly_basis": monthly_basis(card.salary_period, card.weekly_hours)
        if card.salary_monthly is not None
        else None,
        "confidence": dict(card.confidence or {}),
        "flags": list(card.flags or []),
        "needs_review": bool(card.needs_review),
        "set_by_reviewer": [column for column in CARD_COLUMNS if column in (card.reviewer_values or {})],
        "updated_at": card.updated_at.isoformat() if card.updated_at is not None else None,
    }


_CENT = Decimal("0.01")
_WEEKS_PER_MONTH = (Decimal(52), Decimal(12))
# Beyond these the monthly equivalent would not fit Numeric(14, 2): none rather than a failed card.
_WEEKLY_LIMIT, _HOURLY_LIMIT = Decimal(200_000_000_000), Decimal(6_000_000_000)


def monthly_salary(amount: Decimal | None, period: str | None, weekly_hours: Decimal | None) -> Decimal | None:
    """The salary as a monthly equivalent, so pay stated per hour, week, month or year compares: a year / 12,
    a week x 52 / 12, an hour x weekly hours x 52 / 12 or, without weekly hours, x 160.33 (37 h x 52 / 12,
    the Danish full-time norm: `models.schema.STANDARD_MONTHLY_HOURS`); None for an unknown period.

    The database computes the card's `salary_monthly` column with the same rules
    (`models.schema.MONTHLY_SALARY_SQL`); this is the same number without a database (`extract --card`)."""
    if amount is None:
        return None
    weeks, months = _WEEKS_PER_MONTH
    if period == "month":
        return amount
    if period == "year":
        value = amount / months
    elif period == "week" and amount < _WEEKLY_LIMIT:
        value = amount * weeks / months
    elif period == "hour" and weekly_hours is not None and amount * weekly_hours < _WEEKLY_LIMIT:
        value = amount * weekly_hours * weeks / months
    elif period == "hour" and weekly_hours is None and amount < _HOURLY_LIMIT:
        value = amount * STANDARD_MONTHLY_HOURS
    else:
        return None
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def monthly_basis(period: str | None, weekly_hours: Decimal | None) -> str | None:
    """How `salary_monthly` was reached, for people reading the card."""
    if period == "hour":
        return "hourly x weekly_hours x 52 / 12" if weekly_hours is not None else "hourly x 160.33 h"
    return {"month": "monthly", "year": "yearly / 12", "week": "weekly x 52 / 12"}.get(period or "")


def card_columns_as_json(columns: Mapping[str, Any]) -> dict[str, Any]:
    return {column: _json_value(value) for column, value in columns.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Fixed-point: str(Decimal("1E+3")) would be "1E+3".
        return f"{value:f}"
    return value


def _card_parts(spec: LabelSpec, entity: EntityFacts) -> tuple[Any, ...]:
    """The values of the card columns `spec` declares, from its best entity."""
    if spec.is_name:
        # One space for any whitespace run: an address spanning two PDF lines reads as one line.
        return (" ".join(entity.text.split()),)
    if spec.kind is ValueKind.DATE:
        return (entity.value_date,)
    if spec.kind is ValueKind.AMOUNT:
        return (_fit(entity.value_number, 14, 2), entity.value_unit, entity.value_period)
    if spec.kind is ValueKind.DURATION:
        # In months for comparing and sorting, and beside them the duration as the contract says it.
        said = _fit(entity.value_number, 8, 2)
        return (_months(entity), said, entity.value_unit if said is not None else None)
    return (_fit(entity.value_number, 8, 2),)


def _preferred(spec: LabelSpec, candidates: list[EntityFacts]) -> list[EntityFacts]:
    """A salary stated both yearly and monthly goes on the card as the monthly amount, the way Danish
    contracts and payslips state pay; other periods count only when no monthly amount is usable."""
    if spec.kind is ValueKind.AMOUNT:
        monthly = [e for e in candidates if e.value_period == "month" and _usable_amount(e)]
        return monthly or candidates
    return candidates


def _best(candidates: Iterable[EntityFacts], usable: Callable[[EntityFacts], bool]) -> EntityFacts | None:
    """The highest-scoring usable entity; on equal scores the first in the document (its first mention)."""
    best: EntityFacts | None = None
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


def _usable_hours(entity: EntityFacts) -> bool:
    return entity.value_unit == "hours" and _fit(entity.value_number, 8, 2) is not None


def _usable_amount(entity: EntityFacts) -> bool:
    # An amount in an unknown currency still fills the card (the amount is certain), but one with a
    # unit that is no currency (a mislabelled entity from elsewhere) does not.
    return (
        entity.value_number is not None
        and (entity.value_unit is None or entity.value_unit in CURRENCIES)
        and (entity.value_period is None or entity.value_period in SALARY_PERIODS)
    )


def _usable_percent(entity: EntityFacts) -> bool:
    return entity.value_unit == "percent" and _fit(entity.value_number, 8, 2) is not None


def _months(entity: EntityFacts) -> Decimal | None:
    if entity.value_number is None or entity.value_unit not in DURATION_UNITS:
        return None
    numerator, denominator = _MONTHS_PER_UNIT[entity.value_unit]
    return _fit(entity.value_number * numerator / denominator, 8, 2)


def _conflicting(amounts: Sequence[EntityFacts]) -> bool:
    """Two amounts that could describe the same pay but differ.

    Same currency and same period, or an unknown currency or period on either side (it could be the
    other's). An hourly and a monthly rate, or a DKK and a EUR amount, are different facts, not a conflict."""
    for i, first in enumerate(amounts):
        for second in amounts[i + 1 :]:
            if first.value_number == second.value_number:
                continue
            same_currency = None in (first.value_unit, second.value_unit) or first.value_unit == second.value_unit
            same_period = None in (first.value_period, second.value_period) or first.value_period == second.value_period
            if same_currency and same_period:
                return True
    return False


def _has_text(entity: EntityFacts) -> bool:
    return bool(entity.text.strip())


def _has_date(entity: EntityFacts) -> bool:
    return entity.value_date is not None


def _has_months(entity: EntityFacts) -> bool:
    return _months(entity) is not None


# Which of a label's entities can fill its card columns, by the label's kind.
_USABLE: dict[ValueKind, Callable[[EntityFacts], bool]] = {
    ValueKind.ORGANISATION: _has_text,
    ValueKind.PERSON: _has_text,
    ValueKind.TEXT: _has_text,
    ValueKind.ADDRESS: _has_text,
    ValueKind.DATE: _has_date,
    ValueKind.AMOUNT: _usable_amount,
    ValueKind.HOURS: _usable_hours,
    ValueKind.PERCENT: _usable_percent,
    ValueKind.DURATION: _has_months,
}
