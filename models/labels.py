"""The label spec: every entity label the application knows, declared once, and what each part of the
pipeline does with it.

A label's `kind` says what its value is; from the kind follow how field decoding completes a span the
model cut short (`worker.fields`), which normaliser reads its value into the typed `value_*` columns
(`models.normalisation`) and how the contract card turns its best value into card columns
(`models.contract_card`). `single_valued` labels keep one value per document (its every mention);
the others keep all. `card` names the card columns the label fills, `missing_flag` / `conflict_flag`
the review flags it raises, `colour` its highlight on the web page. Export (`api/export.py`) and the
web page (`api/web.py`) read their columns and colours from here.

Adding a label is one entry in `LABELS`. Decoding, normalisation, export and the web page follow
without further edits. A label that declares `card` columns also needs them in the database: an
Alembic revision that adds the columns to `contract_cards` (typed like the existing columns of its kind), drops
and recreates `contract_card_view` with them, and the mapped columns on `models.schema.ContractCard`;
`tests/test_labels.py` fails until they exist. Labels of a checkpoint that are not declared here are
kept as the model's word groups, without completion, value or card column.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ValueKind(enum.StrEnum):
    ORGANISATION = "organisation"  # a company or authority; its legal form takes the name before it
    PERSON = "person"  # a person's name; takes its capitalised neighbours
    TEXT = "text"  # words read as written (a job title)
    ADDRESS = "address"  # street, number, postcode and city
    DATE = "date"
    AMOUNT = "amount"  # money: number, currency, and the period it is paid for
    HOURS = "hours"  # weekly working hours
    PERCENT = "percent"
    DURATION = "duration"  # days, weeks, months or years; on the card in months


# Kinds whose values are names: adjacent parts join across labels ("Fjordlys" EMPLOYER +
# "Boligadministration" EMPLOYEE + "ApS" EMPLOYER is one name), and they have no typed value.
NAME_KINDS = frozenset({ValueKind.ORGANISATION, ValueKind.PERSON, ValueKind.TEXT, ValueKind.ADDRESS})
# What each card column of a kind holds, in order; one column ("value") for the kinds not listed.
CARD_PARTS = {
    ValueKind.AMOUNT: ("amount", "currency", "period"),
    # In months (comparable across contracts), and the number and unit the contract wrote ("14" "days").
    ValueKind.DURATION: ("months", "value", "unit"),
}


@dataclass(frozen=True)
class LabelSpec:
    name: str
    kind: ValueKind
    single_valued: bool
    colour: str
    card: tuple[str, ...] = ()
    missing_flag: str | None = None
    conflict_flag: str | None = None
    # Words that, in the sentence of a mention, say its value is another matter's: the duration in "ferie
    # varsles med 3 måneder" is how early a holiday is announced, not the notice to end the employment.
    other_matters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.name != self.name.upper() or not self.name.replace("_", "").isalnum():
            raise ValueError(f"label {self.name!r}: upper-case letters, digits and underscores only")
        expected = len(CARD_PARTS.get(self.kind, ("value",)))
        if self.card and len(self.card) != expected:
            raise ValueError(f"label {self.name}: a {self.kind} fills {expected} card column(s), got {self.card}")
        if (self.missing_flag or self.conflict_flag) and not self.card:
            raise ValueError(f"label {self.name}: flags need a card column to look at")
        if self.conflict_flag and self.kind is not ValueKind.AMOUNT:
            raise ValueError(f"label {self.name}: only amounts can conflict")

    @property
    def is_name(self) -> bool:
        return self.kind in NAME_KINDS


# The default model's labels (training/README.md), in schema order.
LABELS: tuple[LabelSpec, ...] = (
    # A contract without either party is no contract the card can vouch for (issue 13).
    LabelSpec("EMPLOYER", ValueKind.ORGANISATION, True, "#ffd166", ("employer",), missing_flag="missing_employer"),
    LabelSpec("EMPLOYEE", ValueKind.PERSON, True, "#f4a261", ("employee",), missing_flag="missing_employee"),
    LabelSpec("JOB_TITLE", ValueKind.TEXT, True, "#cdb4db", ("job_title",)),
    LabelSpec("WORKPLACE", ValueKind.ADDRESS, True, "#90e0ef", ("workplace",)),
    LabelSpec("START_DATE", ValueKind.DATE, True, "#b7e4c7", ("start_date",), missing_flag="missing_start_date"),
    LabelSpec("END_DATE", ValueKind.DATE, True, "#95d5b2", ("end_date",)),
    LabelSpec(
        "WORKING_HOURS", ValueKind.HOURS, True, "#ffc8dd", ("weekly_hours",), missing_flag="missing_working_hours"
    ),
    LabelSpec(
        "SALARY",
        ValueKind.AMOUNT,
        True,
        "#a0c4ff",
        ("salary_amount", "salary_currency", "salary_period"),
        missing_flag="missing_salary",
        conflict_flag="conflicting_salaries",
    ),
    # Employee's and employer's share: two values.
    LabelSpec("PENSION", ValueKind.PERCENT, False, "#caffbf", ("pension_percent",)),
    # The employer's and the employee's notice: two values.
    LabelSpec(
        "NOTICE_PERIOD",
        ValueKind.DURATION,
        False,
        "#fdffb6",
        ("notice_period_months", "notice_period_value", "notice_period_unit"),
        # A holiday's notice, and a restrictive covenant's own notice ("klausulen kan opsiges med 1 måneds
        # varsel"): how long before a holiday or the clause's end, not the notice that ends the employment.
        other_matters=(
            *("ferie", "ferien", "hovedferie", "hovedferien", "restferie", "holiday", "holidays", "vacation"),
            *("klausul", "klausulen", "klausulens", "konkurrenceklausul", "konkurrenceklausulen", "kundeklausul"),
            *("kundeklausulen", "jobklausul", "jobklausulen", "non-compete", "covenant"),
        ),
    ),
    LabelSpec(
        "PROBATION_PERIOD",
        ValueKind.DURATION,
        True,
        "#ffadad",
        ("probation_period_months", "probation_period_value", "probation_period_unit"),
    ),
)

SPECS: dict[str, LabelSpec] = {spec.name: spec for spec in LABELS}
SINGLE_VALUED_LABELS: tuple[str, ...] = tuple(spec.name for spec in LABELS if spec.single_valued)
NAME_LABELS: tuple[str, ...] = tuple(spec.name for spec in LABELS if spec.is_name)
LABEL_COLOURS: dict[str, str] = {spec.name: spec.colour for spec in LABELS}
# The card's fact columns in card order: the API's card JSON, export and the web page list them so.
CARD_COLUMNS: tuple[str, ...] = tuple(column for spec in LABELS for column in spec.card)
if len(set(CARD_COLUMNS)) != len(CARD_COLUMNS):
    raise ValueError("two labels declare the same card column")


def label_spec(label: str) -> LabelSpec | None:
    """The spec of a declared label; None for a label only some checkpoint knows."""
    return SPECS.get(label)


def canonical_label(label: str) -> str:
    """A declared label in any case is that label ("salary" -> "SALARY"); other text is left as it is,
    since another checkpoint's labels are whatever its config.json says."""
    upper = label.strip().upper()
    return upper if upper in SPECS else label
