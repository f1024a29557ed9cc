"""The label spec (`models.labels`): one declared entry per label, read by field decoding, normalisation,
the contract card, export and the web page; the card's columns exist wherever the card is stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from models.labels import CARD_COLUMNS, LABELS, SPECS, LabelSpec, ValueKind, canonical_label
from models.schema import ContractCard
from training import LABEL_TYPES

ROOT = Path(__file__).resolve().parent.parent


def test_every_card_column_is_mapped_stored_and_in_the_view(migrated_engine: Engine) -> None:
    # A label that declares card columns needs a migration: this is what fails until it has one.
    inspector = inspect(migrated_engine)
    table = {column["name"] for column in inspector.get_columns("contract_cards")}
    view = {column["name"] for column in inspector.get_columns("contract_card_view")}
    mapped = set(ContractCard.__table__.columns.keys())

    for column in CARD_COLUMNS:
        assert column in mapped, f"{column}: add it to models.schema.ContractCard"
        assert column in table, f"{column}: add an Alembic revision that adds it to contract_cards"
        assert column in view, f"{column}: recreate contract_card_view with it"


def test_the_default_models_labels_are_all_declared() -> None:
    config = json.loads((ROOT / "training" / "default-model" / "config.json").read_text())
    model_labels = {label.split("-", 1)[-1] for label in config["id2label"].values() if label != "O"}

    assert model_labels == set(SPECS) == set(LABEL_TYPES)


def test_a_declared_label_in_any_case_is_that_label_and_other_labels_stay_as_they_are() -> None:
    assert canonical_label("salary") == "SALARY"
    assert canonical_label(" Start_Date ") == "START_DATE"
    assert canonical_label("bonus") == "bonus"
    assert canonical_label("ORG") == "ORG"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (lambda: LabelSpec("bonus", ValueKind.AMOUNT, True, "#fff"), "upper-case"),
        (lambda: LabelSpec("BONUS", ValueKind.AMOUNT, True, "#fff", ("bonus",)), "3 card column"),
        (lambda: LabelSpec("BONUS", ValueKind.DATE, True, "#fff", missing_flag="missing_bonus"), "flags need"),
        (lambda: LabelSpec("BONUS", ValueKind.DATE, True, "#fff", ("bonus",), conflict_flag="x"), "only amounts"),
    ],
)
def test_a_spec_that_cannot_work_is_refused_when_it_is_declared(spec, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        spec()


def test_colours_and_card_columns_come_in_the_spec_order() -> None:
    from api.export import _CARD_SOURCES, COLUMNS
    from api.web import CARD_FIELDS, label_colour

    assert CARD_FIELDS == CARD_COLUMNS
    # A duration is exported as the contract says it (value and unit), not in the card's months.
    # salary_monthly is derived from the salary columns (the filters' comparable amount), not a label's.
    card_columns = [c for c in COLUMNS[8 : COLUMNS.index("needs_review")] if c != "salary_monthly"]
    assert [_CARD_SOURCES[column] for column in card_columns] == [c for c in CARD_COLUMNS if not c.endswith("_months")]
    assert [label_colour(spec.name) for spec in LABELS] == [spec.colour for spec in LABELS]


# A throw-away BONUS label, declared by one more entry in the spec's source and nothing else.
_NEW_LABEL = """
import sys, types
from pathlib import Path

source = Path("models/labels.py").read_text()
columns = ("bonus_amount", "bonus_currency", "bonus_period")
entry = f'    LabelSpec("BONUS", ValueKind.AMOUNT, False, "#123456", {columns!r}),\\n'
source = source.replace("\\n)\\n\\nSPECS", "\\n" + entry + ")\\n\\nSPECS", 1)
assert "BONUS" in source
module = types.ModuleType("models.labels")
module.__file__ = "models/labels.py"
sys.modules["models.labels"] = module
exec(compile(source, "models/labels.py", "exec"), module.__dict__)

import json
from api.export import COLUMNS
from api.web import label_colour
from models.contract_card import EntityValue, card_values
from models.normalisation import normalise
from worker.fields import FieldSchema, decode_fields
from worker.spans import EntitySpan

text = "Bonus: 5.000 kr. pr. kvartal, udbetales i marts. Bonus: 2.000 kr. pr. år."
parts = [EntitySpan("BONUS", text.index(v), text.index(v) + 5, v, s) for v, s in (("5.000", 0.9), ("2.000", 0.8))]
decoded = decode_fields(text, parts, FieldSchema.from_labels())
value = normalise("BONUS", "2.000 kr.", " pr. år.")
card = card_values([EntityValue.of("BONUS", "2.000 kr.", 0.8, value)])
print(json.dumps({
    "decoded": [e.text for e in decoded],
    "value": [str(value.number), value.unit, value.period],
    "card": card.as_dict(),
    "export": COLUMNS[-7:],
    "colour": label_colour("BONUS"),
}))
"""


def test_a_new_label_is_one_declared_entry() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _NEW_LABEL], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), check=False
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)

    # Decoding completes an amount with its currency and keeps both values (not single-valued).
    assert found["decoded"] == ["5.000 kr.", "2.000 kr."]
    assert found["value"] == ["2000", "DKK", "year"]
    assert found["card"]["bonus_amount"] == "2000.00"
    assert found["card"]["bonus_period"] == "year"
    assert found["card"]["confidence"]["bonus_amount"] == 0.8
    assert found["export"] == [
        "bonus_amount", "bonus_currency", "bonus_period", "needs_review", "flags", "reviewed_at", "reviewed_by"
    ]  # fmt: skip
    assert found["colour"] == "#123456"
