"""The long dev set as built from its sources, and how `training.uncertainty_report` judges scores and
cards: expected calibration error, a card right or wrong against the gold entities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.contract_card import card_values
from training.calibrate import expected_calibration_error
from training.dev.build_long import OUT, build
from training.dev.long_documents import DOCUMENTS
from training.model_card import KEPT_END, KEPT_START, with_kept_sections
from training.uncertainty_report import _facts, _gold_spans, card_errors


def test_the_committed_long_dev_set_is_what_its_sources_build() -> None:
    committed = [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]

    assert committed == [build(doc) for doc in DOCUMENTS]


def test_every_long_dev_entity_is_the_text_at_its_offsets_and_the_documents_are_long() -> None:
    rows = [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]

    assert len(rows) >= 15
    assert sum(len(row["text"]) for row in rows) / len(rows) >= 6000
    for row in rows:
        for entity in row["entities"]:
            assert row["text"][entity["start"] : entity["end"]] == entity["text"], (row["id"], entity)


def test_a_mark_that_does_not_close_fails_the_build() -> None:
    from training.dev.long_documents import LongDocument

    with pytest.raises(AssertionError):
        build(LongDocument("x", "x", "Løn [[SALARY|32.000 kr. pr. måned"))


def test_calibration_error_is_the_gap_between_confidence_and_accuracy_per_bin() -> None:
    assert expected_calibration_error([(0.95, True)] * 19 + [(0.95, False)]) == pytest.approx(0.0)
    # 0.95 claimed, half right: a gap of 0.45 for every entity.
    assert expected_calibration_error([(0.95, True), (0.95, False)]) == pytest.approx(0.45)
    # Two bins, each of half the entities: (0.1 + 0.2) / 2.
    pairs = [(0.9, True)] * 8 + [(0.9, False)] * 2 + [(0.3, False)] * 9 + [(0.3, True)] * 1
    assert expected_calibration_error(pairs) == pytest.approx((abs(0.8 - 0.9) + abs(0.1 - 0.3)) / 2)


ROW = {
    "id": "t",
    "text": "Nordlys ApS ansætter Hanne Holm fra 1. marts 2024 til 32.000 kr. pr. måned.",
    "entities": [
        {"label": "EMPLOYER", "text": "Nordlys ApS"},
        {"label": "EMPLOYEE", "text": "Hanne Holm"},
        {"label": "START_DATE", "text": "1. marts 2024"},
        {"label": "SALARY", "text": "32.000 kr."},
    ],
}


def _card_of(row: dict[str, object], labels_and_texts: list[tuple[str, str]]) -> dict[str, object]:
    text = str(row["text"])
    entities = [{"label": label, "text": value} for label, value in labels_and_texts]
    return card_values(_facts(text, s) for s in _gold_spans({"text": text, "entities": entities})).columns


def test_a_card_with_the_gold_values_is_right_whatever_their_case() -> None:
    columns = _card_of(ROW, [("EMPLOYER", "Nordlys ApS"), ("EMPLOYEE", "Hanne Holm"), ("START_DATE", "1. marts 2024"),
                             ("SALARY", "32.000 kr.")])  # fmt: skip
    columns["employer"] = "NORDLYS APS"

    assert card_errors(ROW, columns) == []


def test_a_card_is_wrong_for_a_missing_a_wrong_and_a_spurious_value() -> None:
    columns = _card_of(ROW, [("EMPLOYER", "Nordlys"), ("START_DATE", "1. marts 2024"), ("SALARY", "32.000 kr."),
                             ("JOB_TITLE", "Hanne")])  # fmt: skip

    assert card_errors(ROW, columns) == ["EMPLOYER wrong", "EMPLOYEE missing", "JOB_TITLE spurious"]


def test_no_card_is_right_for_a_file_with_several_contracts() -> None:
    columns = _card_of(ROW, [(e["label"], e["text"]) for e in ROW["entities"]])  # type: ignore[index, union-attr]

    assert card_errors({**ROW, "contracts": 2}, columns) == ["2 contracts in one file"]


def test_regenerating_the_model_card_keeps_its_measured_sections(tmp_path: Path) -> None:
    old = tmp_path / "MODEL_CARD.md"
    old.write_text(f"# old\n\n{KEPT_START}\n## Long dev set\n0.706\n{KEPT_END}\n\n## Limits\n- old\n", encoding="utf-8")

    card = with_kept_sections("# new\n\nscores\n\n## Limits\n- new\n", old)

    assert card == f"# new\n\nscores\n\n{KEPT_START}\n## Long dev set\n0.706\n{KEPT_END}\n\n## Limits\n- new\n"
