"""Calibrated entity scores (worker.calibration): how the temperature is fitted, stored and read, and that
the classifier the worker builds hands out calibrated scores."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from worker.calibration import (
    ALL_LABELS,
    CALIBRATION_FILE,
    ScoreCalibration,
    fit_calibration,
    fit_temperature,
    load_calibration,
    scaled,
)
from worker.inference import TokenClassifier
from worker.spans import EntitySpan

TEXT = "Nordlys ApS ansætter fra 22-03-2023 på Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr."


def test_a_temperature_above_one_makes_a_score_less_sure_and_keeps_the_order() -> None:
    assert scaled(0.9, 1.0) == pytest.approx(0.9)
    assert scaled(0.9, 2.0) == pytest.approx(1 / (1 + math.sqrt(1 / 9)))  # log-odds halved: 3:1
    assert scaled(0.6, 2.0) < scaled(0.9, 2.0) < 0.9
    assert scaled(0.9, 0.5) > 0.9


def test_the_fitted_temperature_makes_overconfident_scores_honest() -> None:
    """Entities scored 0.99 of which only 3 in 4 are right: the fit softens them towards 0.75."""
    scores = [0.99] * 400
    right = [i % 4 != 0 for i in range(400)]

    temperature = fit_temperature(scores, right)

    assert temperature > 1
    assert scaled(0.99, temperature) == pytest.approx(0.75, abs=0.01)


def test_the_fitted_temperature_makes_underconfident_scores_surer() -> None:
    scores = [0.7] * 300
    right = [i % 100 != 0 for i in range(300)]  # 99 % right

    assert scaled(0.7, fit_temperature(scores, right)) == pytest.approx(0.99, abs=0.005)


def test_a_label_with_too_few_wrong_entities_uses_the_temperature_of_all_labels() -> None:
    observations = [("SALARY", 0.99, i % 4 != 0) for i in range(400)] + [("EMPLOYER", 0.99, True)] * 400

    calibration = fit_calibration(observations)

    assert set(calibration.temperatures) == {"SALARY", ALL_LABELS}
    assert calibration.probability("EMPLOYER", 0.99) == scaled(0.99, calibration.temperatures[ALL_LABELS])
    assert calibration.probability("SALARY", 0.99) == pytest.approx(0.75, abs=0.01)


def test_too_few_wrong_entities_over_all_labels_leave_the_scores_as_they_are() -> None:
    """Nine errors in 3,000 say little about how sure the model should be: no temperature is fitted."""
    observations = [("SALARY", 0.999, i >= 9) for i in range(3000)]

    calibration = fit_calibration(observations)

    assert calibration.temperatures == {ALL_LABELS: 1.0}
    assert calibration.probability("SALARY", 0.93) == pytest.approx(0.93)


def test_the_calibration_file_round_trips_and_is_read_once_per_version(tmp_path: Path) -> None:
    ScoreCalibration({ALL_LABELS: 1.5, "SALARY": 3.0}, {"seed": 1}).write(tmp_path)

    first = load_calibration(tmp_path)

    assert first == ScoreCalibration({ALL_LABELS: 1.5, "SALARY": 3.0}, {"seed": 1})
    assert load_calibration(tmp_path) is first
    assert load_calibration(tmp_path / "elsewhere") is None


def test_a_calibration_of_an_unknown_method_is_refused(tmp_path: Path) -> None:
    (tmp_path / CALIBRATION_FILE).write_text('{"method": "isotonic", "labels": {}}', encoding="utf-8")

    with pytest.raises(ValueError, match="unknown calibration method"):
        load_calibration(tmp_path)


@pytest.fixture(scope="module")
def calibrated_dir(keyword_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("calibrated") / "model"
    shutil.copytree(keyword_dir, copy)
    ScoreCalibration({ALL_LABELS: 4.0}).write(copy)
    return copy


def test_the_classifier_hands_out_calibrated_scores(keyword_dir: Path, calibrated_dir: Path) -> None:
    own = TokenClassifier.load(keyword_dir, precision="fp32").predict([TEXT])[0]
    calibrated = TokenClassifier.load(calibrated_dir, precision="fp32").predict([TEXT])[0]

    assert [(e.label, e.text) for e in calibrated] == [(e.label, e.text) for e in own]
    assert own, "the keyword model finds the keywords"
    for before, after in zip(own, calibrated, strict=True):
        assert after.score == pytest.approx(scaled(before.score, 4.0), abs=1e-6)
        assert after.score < before.score


def test_raw_word_groups_keep_the_model_s_scores(keyword_dir: Path, calibrated_dir: Path) -> None:
    """The calibration was fitted on decoded entities; the raw word groups are another distribution."""
    classifier = TokenClassifier.load(calibrated_dir, precision="fp32", field_decoding=False)

    assert classifier.calibration is None
    raw = TokenClassifier.load(keyword_dir, precision="fp32", field_decoding=False).predict([TEXT])[0]
    assert classifier.predict([TEXT])[0] == raw


def test_calibration_changes_scores_only() -> None:
    entities = [EntitySpan("SALARY", 3, 9, "32.500", 0.9)]

    assert ScoreCalibration({ALL_LABELS: 2.0}).apply(entities) == [
        EntitySpan("SALARY", 3, 9, "32.500", round(scaled(0.9, 2.0), 6))
    ]
