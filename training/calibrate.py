"""Fit the default model's score calibration on a held-out synthetic slice and store it with the model.

    python -m training.calibrate                       # training/default-model/calibration.json
    python -m training.calibrate --model DIR --docs 800 --seed 20261

The slice is `corpus.generate(docs, seed)` with a seed training never uses (training: 13; the decoding
check in training/README.md: 99991), so the model has not seen these documents. Each entity the model
reads out (as the app reads them: word groups, then field decoding) is right when its (label, normalised
text) or its value is among the document's gold entities (`observations`). Per label, a temperature
on the raw score's log-odds is fitted (`worker.calibration`, which says why temperature and not isotonic);
the worker loads the file once per process and every stored score becomes the mapped probability.
The dev sets are never used here: they only measure the result (`training.uncertainty_report`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from models.settings import Settings
from training import corpus
from training.evaluation import normalise
from worker.calibration import CALIBRATION_FILE, MIN_WRONG, ScoreCalibration, fit_calibration
from worker.fields import value_identity
from worker.inference import TokenClassifier
from worker.spans import EntitySpan

CALIBRATION_SEED = 20261
CALIBRATION_DOCS = 800
ECE_BINS = 10


def uncalibrated_classifier(model: Path) -> TokenClassifier:
    """The classifier as the worker builds it, with the model's own scores (no calibration applied)."""
    classifier = TokenClassifier.from_settings(Settings(model=model, field_decoding=True))
    classifier.calibration = None
    return classifier


def observations(
    texts: Sequence[str], gold: Sequence[Sequence[EntitySpan]], predicted: Sequence[Sequence[EntitySpan]]
) -> list[tuple[str, float, bool]]:
    """(label, score, right) for every predicted entity mention. Right: its value is one of the label's
    gold values (`worker.fields.value_identity`: the same date, quantity or monthly pay however written,
    a name's words), or its normalised text is a gold text as `training.evaluation` matches them. By value,
    because that is what the card shows: the generator annotates "3 måneder" inside "3 måneders prøvetid",
    the dev sets keep the genitive, and either reading is the right probation period."""
    out: list[tuple[str, float, bool]] = []
    for text, gold_entities, entities in zip(texts, gold, predicted, strict=True):
        texts_wanted = {(e.label, normalise(e.text)) for e in gold_entities}
        values_wanted = {(e.label, value_identity(e, text)) for e in gold_entities}
        out.extend(
            (
                e.label,
                e.score,
                (e.label, normalise(e.text)) in texts_wanted or (e.label, value_identity(e, text)) in values_wanted,
            )
            for e in entities
        )
    return out


def expected_calibration_error(pairs: Sequence[tuple[float, bool]], bins: int = ECE_BINS) -> float:
    """Sum over equal-width confidence bins of (share of entities in the bin) x |accuracy - mean confidence|."""
    if not pairs:
        return 0.0
    totals = [[0, 0.0, 0.0] for _ in range(bins)]  # count, sum of confidence, right
    for confidence, right in pairs:
        b = totals[min(int(confidence * bins), bins - 1)]
        b[0] += 1
        b[1] += confidence
        b[2] += float(right)
    return sum(abs(right - conf) for _, conf, right in totals if _) / len(pairs)


def fit(model: Path, docs: int = CALIBRATION_DOCS, seed: int = CALIBRATION_SEED) -> tuple[ScoreCalibration, str]:
    documents = corpus.generate(docs, seed)
    classifier = uncalibrated_classifier(model)
    predicted = classifier.predict([d.text for d in documents])
    gold = [[EntitySpan(s.label, s.start, s.end, d.text[s.start : s.end], 1.0) for s in d.spans] for d in documents]
    seen = observations([d.text for d in documents], gold, predicted)
    wrong = sum(1 for *_, right in seen if not right)
    calibration = fit_calibration(
        seen,
        fitted_on={
            "generator": "training.corpus.generate",
            "documents": docs,
            "seed": seed,
            "entities": len(seen),
            "wrong": wrong,
            "min_wrong": MIN_WRONG,
        },
    )
    before = expected_calibration_error([(score, right) for _, score, right in seen])
    after = expected_calibration_error([(calibration.probability(label, s), r) for label, s, r in seen])
    lines = [f"slice: {docs} documents (seed {seed}), {len(seen)} entity mentions, {wrong} wrong"]
    lines.append(f"ECE on the slice itself: {before:.4f} raw, {after:.4f} calibrated (in-sample)")
    lines.append("temperatures: " + ", ".join(f"{k} {v}" for k, v in sorted(calibration.temperatures.items())))
    return calibration, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fit per-label score temperatures on a held-out synthetic slice.")
    ap.add_argument("--model", type=Path, default=Path("training/default-model"))
    ap.add_argument("--docs", type=int, default=CALIBRATION_DOCS)
    ap.add_argument("--seed", type=int, default=CALIBRATION_SEED)
    args = ap.parse_args(argv)
    if args.seed in (13, 99991):
        ap.error("seed 13 is training's and 99991 the decoding check's: choose another")
    # The fit reads the model's own scores; an old file (perhaps of a format this code no longer reads)
    # is replaced, not loaded (git has the committed one).
    (args.model / CALIBRATION_FILE).unlink(missing_ok=True)
    calibration, summary = fit(args.model, args.docs, args.seed)
    print(summary)
    print(f"wrote {calibration.write(args.model)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
