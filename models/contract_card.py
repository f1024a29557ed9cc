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
from models.schema import ContractCard, Document, Entity, utcnow

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
    """A computed card: a value (or None) for every card column, the score behind each filled one, flags."""

    columns: dict[str, Any]
    confidence: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, in the form of the API's card (without the document's id and timestamps)."""
        return {
            **card_columns_as_json(self.columns),
            "confidence": dict(self.confidence),
            "flags": list(self.flags),
            "needs_review": self.needs_review,
        }


def card_values(
    entities: Iterable[EntityFacts], document_flags: Iterable[str] = (), min_confidence: float | None = None
) -> CardValues:
    """The card of a document with these entities, given in document order (the first mention wins ties).

    `document_flags`: what field decoding found about the document as a whole (`DOCUMENT_FLAGS`; others
    are refused). `min_confidence`: a chosen value with a lower score raises `low_confidence`; None: none
    is checked. Scores are probabilities where the checkpoint is calibrated (worker.calibration)."""
    unknown = set(document_flags) - DOCUMENT_FLAGS
    if unknown:
        raise ValueError(f"not a document flag: {sorted(unknown)}")
    by_label: dict[str, list[EntityFacts]] = {}
    for entity in entities:
        by_label.setdefault(entity.label, []).append(entity)
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
        if spec.missing_flag and columns[spec.card[0]] is None:
            flags.add(spec.missing_flag)
        if spec.conflict_flag and _conflicting([e for e in candidates if _usable_amount(e)]):
            flags.add(spec.conflict_flag)

    start, end, hours = columns.get("start_date"), columns.get("end_date"), columns.get("weekly_hours")
    if start is not None and end is not None and end < start:
        flags.add(END_BEFORE_START)
    if hours is not None and hours > MAX_WEEKLY_HOURS:
        flags.add(HOURS_ABOVE_48)
    if min_confidence is not None and any(score < min_confidence for score in confidence.values()):
        flags.add(LOW_CONFIDENCE)
    return CardValues(columns, confidence, [flag for flag in FLAGS if flag in flags])


def rebuild_contract_card(
    session: Session,
    document_id: uuid.UUID,
    document_flags: Iterable[str] = (),
    min_confidence: float | None = None,
) -> ContractCard:
    """Create or replace the document's card from its current entities (and what decoding found about the
    document, see `card_values`); flushes, the caller commits.

    Raises LookupError for an unknown document."""
    # The row lock serialises two rebuilds of one document (a redelivered task, a re-run), so the second
    # finds the first's card instead of inserting a duplicate primary key.
    document = session.get(Document, document_id, with_for_update=True)
    if document is None:
        raise LookupError(f"no document {document_id}")
    entities = session.scalars(
        select(Entity).where(Entity.document_id == document_id).order_by(Entity.start_char, Entity.id)
    ).all()
    values = card_values(entities, document_flags, min_confidence)

    card = session.get(ContractCard, document_id)
    if card is None:
        card = ContractCard(document_id=document_id)
        session.add(card)
    for column, value in values.columns.items():
        setattr(card, column, value)
    card.confidence = values.confidence
    card.flags = values.flags
    card.needs_review = values.needs_review
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
        **card_columns_as_json({column: getattr(card, column) for column in CARD_COLUMNS}),
        "confidence": dict(card.confidence or {}),
        "flags": list(card.flags or []),
        "needs_review": bool(card.needs_review),
        "updated_at": card.updated_at.isoformat() if card.updated_at is not None else None,
    }


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
