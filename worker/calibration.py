"""Calibrated entity scores: a score that says how often an entity with that score is right.

The model's entity score (the mean softmax probability of its words' labels, after field decoding) ranks
entities well but is not a probability of being right. `training/calibrate.py` fits, per label, a
temperature on the score's log-odds, p = sigmoid(logit(score) / T), on a held-out synthetic slice, and
writes it next to the checkpoint as `calibration.json`; the classifier loads it once per process and
replaces every decoded entity's score by p, so stored scores, the card's confidence and its low-confidence
flag speak in probabilities.

Why temperature and not isotonic: on the held-out slice the model is almost never wrong (61 of 8,081
entity mentions judged by their text, 6 judged by their value), a handful per label at most. An isotonic
map fitted on that pools almost every label into one or two blocks (a tried fit mapped every EMPLOYEE
score, 0.5 or 0.999, to 0.998), which throws away the ranking the scores have; one temperature per label
keeps the ranking and needs few errors to settle. The entity score is a mean of probabilities, not a
logit, so the temperature divides its log-odds (a one-parameter Platt scaling). Labels with fewer than
`MIN_WRONG` wrong entities in the slice use the temperature fitted on all labels together, and with fewer
than that over all labels, 1 (scores unchanged): see `fit_calibration`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from worker.spans import EntitySpan

CALIBRATION_FILE = "calibration.json"
ALL_LABELS = "*"
# Wrong entities a label needs in the slice for a temperature of its own.
MIN_WRONG = 10
# Scores are clipped away from 0 and 1 before taking log-odds (fp32 softmax saturates at 1.0).
_EPSILON = 1e-6


def _logit(score: float | np.ndarray) -> Any:
    p = np.clip(score, _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


def scaled(score: float, temperature: float) -> float:
    """The score with its log-odds divided by `temperature` (above 1: less sure, below 1: surer)."""
    return float(1 / (1 + math.exp(-float(_logit(score)) / temperature)))


def fit_temperature(scores: Sequence[float], correct: Sequence[bool]) -> float:
    """The temperature that minimises the negative log-likelihood of the outcomes (grid over log T, then
    refined around the best point): a one-dimensional convex problem, no optimiser needed."""
    z = _logit(np.asarray(scores, dtype=float))
    y = np.asarray(correct, dtype=float)

    def nll(temperature: float) -> float:
        p = np.clip(1 / (1 + np.exp(-z / temperature)), 1e-12, 1 - 1e-12)
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).sum())

    grid = np.exp(np.linspace(math.log(0.05), math.log(20), 241))
    best = float(grid[int(np.argmin([nll(t) for t in grid]))])
    fine = np.linspace(best / 1.03, best * 1.03, 61)
    return round(float(fine[int(np.argmin([nll(t) for t in fine]))]), 4)


@dataclass(frozen=True)
class ScoreCalibration:
    """A temperature per label, and one over all labels (`ALL_LABELS`) for the others."""

    temperatures: dict[str, float]
    fitted_on: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if any(not t > 0 for t in self.temperatures.values()):
            raise ValueError("temperatures must be positive")

    def probability(self, label: str, score: float) -> float:
        temperature = self.temperatures.get(label, self.temperatures.get(ALL_LABELS))
        return scaled(score, temperature) if temperature is not None else score

    def apply(self, entities: Iterable[EntitySpan]) -> list[EntitySpan]:
        return [replace(entity, score=round(self.probability(entity.label, entity.score), 6)) for entity in entities]

    def as_json(self) -> dict[str, Any]:
        return {
            "method": "temperature",
            "fitted_on": self.fitted_on or {},
            "temperatures": dict(sorted(self.temperatures.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoreCalibration:
        if data.get("method") != "temperature":
            raise ValueError(f"unknown calibration method {data.get('method')!r}")
        return cls({label: float(t) for label, t in data["temperatures"].items()}, data.get("fitted_on"))

    def write(self, model_dir: Path) -> Path:
        path = model_dir / CALIBRATION_FILE
        path.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path


def fit_calibration(
    observations: Iterable[tuple[str, float, bool]], fitted_on: dict[str, Any] | None = None
) -> ScoreCalibration:
    """Temperatures from (label, raw score, entity was right) triples: one per label with at least
    `MIN_WRONG` wrong entities, and one over all labels (1 where all labels together have fewer)."""
    by_label: dict[str, tuple[list[float], list[bool]]] = {}
    for label, score, correct in observations:
        for key in (label, ALL_LABELS):
            scores, outcomes = by_label.setdefault(key, ([], []))
            scores.append(score)
            outcomes.append(correct)
    temperatures = {
        label: fit_temperature(scores, outcomes)
        for label, (scores, outcomes) in by_label.items()
        if outcomes.count(False) >= MIN_WRONG
    }
    # Too few wrong entities even over all labels: nothing says how wrong the scores are, and a fit on a
    # handful of errors swings far (6 errors in 8,081 gave T = 0.68, sharper scores); they stay as they are.
    temperatures.setdefault(ALL_LABELS, 1.0)
    return ScoreCalibration(temperatures, fitted_on)


def load_calibration(model_dir: str | Path) -> ScoreCalibration | None:
    """The checkpoint's calibration, read once per process (per file and modification time); None where
    the checkpoint has none, and its scores stay the model's own."""
    path = Path(model_dir) / CALIBRATION_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _read(str(path.resolve()), stamp)


@lru_cache(maxsize=8)
def _read(path: str, _stamp: int) -> ScoreCalibration:
    return ScoreCalibration.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
