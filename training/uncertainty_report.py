"""How honest the scores and the card's needs_review are, on the dev sets.

    python -m training.uncertainty_report training/dev/dev.jsonl training/dev/long.jsonl

For each gold file: the expected calibration error (10 equal-width bins, over every entity mention the
model reads out, right = its text or its value is gold, `training.calibrate.observations`) of the
model's own scores and of the calibrated ones (`calibration.json` next to the model, fitted by
`training.calibrate` on synthetic documents only), and the card's review confusion table: each document's
card (`models.contract_card.card_values`, as the worker computes it, with the review threshold of the
settings or `--min-confidence`) is right when every card value is one of the gold values of its label and
no label without gold values has one; a file holding several contracts (`"contracts"` > 1) has no right
card. Per document it lists the flags and what was wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from models.contract_card import EntityValue, card_values
from models.labels import LABELS, LabelSpec
from models.normalisation import normalise_in
from models.settings import Settings
from training.calibrate import expected_calibration_error, observations, uncalibrated_classifier
from worker.calibration import load_calibration
from worker.fields import value_key
from worker.spans import EntitySpan, document_flags


def _gold_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _gold_spans(row: dict[str, Any]) -> list[EntitySpan]:
    spans = []
    for e in row["entities"]:
        start = e["start"] if "start" in e else row["text"].find(e["text"])
        spans.append(EntitySpan(e["label"], start, start + len(e["text"]), e["text"], 1.0))
    return spans


def _facts(text: str, span: EntitySpan) -> EntityValue:
    return EntityValue.of(span.label, span.text, span.score, normalise_in(text, span.label, span.start, span.end))


def _column_value(spec: LabelSpec, value: Any) -> Any:
    return value_key(value) if spec.is_name and isinstance(value, str) else value


def card_errors(row: dict[str, Any], card_columns: dict[str, Any]) -> list[str]:
    """What is wrong with a card against the gold entities: `LABEL missing`, `LABEL wrong`, `LABEL spurious`."""
    text = row["text"]
    errors = []
    gold_by_label: dict[str, list[EntitySpan]] = {}
    for span in _gold_spans(row):
        gold_by_label.setdefault(span.label, []).append(span)
    for spec in LABELS:
        if not spec.card:
            continue
        chosen = _column_value(spec, card_columns[spec.card[0]])
        gold = {
            _column_value(spec, card_values([_facts(text, s)]).columns[spec.card[0]])
            for s in gold_by_label.get(spec.name, [])
        }
        gold.discard(None)
        if chosen is None and gold:
            errors.append(f"{spec.name} missing")
        elif chosen is not None and not gold:
            errors.append(f"{spec.name} spurious")
        elif chosen is not None and chosen not in gold:
            errors.append(f"{spec.name} wrong")
    if row.get("contracts", 1) > 1:
        errors.append(f"{row['contracts']} contracts in one file")
    return errors


def report(gold_path: Path, settings: Settings, thresholds: list[float]) -> list[dict[str, Any]]:
    """One result per review threshold (the model runs once)."""
    rows = _gold_rows(gold_path)
    classifier = uncalibrated_classifier(settings.model)
    raw = classifier.predict([row["text"] for row in rows], batch_size=settings.ner_batch_size)
    calibration = load_calibration(settings.model)
    calibrated = [calibration.apply(doc) if calibration else list(doc) for doc in raw]
    texts = [row["text"] for row in rows]
    gold = [_gold_spans(row) for row in rows]
    seen_raw = observations(texts, gold, raw)
    seen_cal = observations(texts, gold, calibrated)
    return [
        _result(gold_path, rows, raw, calibrated, seen_raw, seen_cal, min_confidence) for min_confidence in thresholds
    ]


def _result(
    gold_path: Path,
    rows: list[dict[str, Any]],
    raw: list[list[EntitySpan]],
    calibrated: list[list[EntitySpan]],
    seen_raw: list[tuple[str, float, bool]],
    seen_cal: list[tuple[str, float, bool]],
    min_confidence: float,
) -> dict[str, Any]:
    documents = []
    for row, doc_raw, doc_cal in zip(rows, raw, calibrated, strict=True):
        card = card_values(
            (_facts(row["text"], e) for e in doc_cal),
            document_flags=document_flags(doc_raw),
            min_confidence=min_confidence,
        )
        errors = card_errors(row, card.columns)
        documents.append({"id": row["id"], "needs_review": card.needs_review, "flags": card.flags, "errors": errors})
    table = {
        (wrong, flagged): sum(1 for d in documents if bool(d["errors"]) == wrong and d["needs_review"] == flagged)
        for wrong in (True, False)
        for flagged in (True, False)
    }
    return {
        "gold": str(gold_path),
        "entities": len(seen_raw),
        "right": sum(1 for *_, right in seen_raw if right),
        "ece_raw": expected_calibration_error([(s, r) for _, s, r in seen_raw]),
        "ece_calibrated": expected_calibration_error([(s, r) for _, s, r in seen_cal]),
        "mean_raw": sum(s for _, s, _ in seen_raw) / max(1, len(seen_raw)),
        "mean_calibrated": sum(s for _, s, _ in seen_cal) / max(1, len(seen_cal)),
        "min_confidence": min_confidence,
        "table": table,
        "documents": documents,
    }


def format_report(result: dict[str, Any], documents: bool = False) -> str:
    t = result["table"]
    wrong, right = t[True, True] + t[True, False], t[False, True] + t[False, False]
    lines = [
        f"{result['gold']}: {result['entities']} entity mentions, {result['right']} right "
        f"({result['right'] / max(1, result['entities']):.3f})",
        f"  mean score {result['mean_raw']:.3f} raw, {result['mean_calibrated']:.3f} calibrated",
        f"  ECE {result['ece_raw']:.4f} raw, {result['ece_calibrated']:.4f} calibrated",
        f"  needs_review (threshold {result['min_confidence']}):   flagged  unflagged",
        f"    card wrong or missing ({wrong:>2})      {t[True, True]:>7}  {t[True, False]:>9}",
        f"    card right ({right:>2})                 {t[False, True]:>7}  {t[False, False]:>9}",
        f"  wrong cards flagged: {t[True, True] / max(1, wrong):.0%}; right cards unflagged: "
        f"{t[False, False] / max(1, right):.0%}",
    ]
    for d in result["documents"] if documents else []:
        lines.append(
            f"    {d['id']:<10} {'review' if d['needs_review'] else 'ok':<7} flags={','.join(d['flags']) or '-'}"
            f"  errors={'; '.join(d['errors']) or '-'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Calibration error and needs_review confusion on gold sets.")
    ap.add_argument("gold", type=Path, nargs="+")
    ap.add_argument("--model", type=Path, default=None, help="default: CONTRACT_NER_MODEL")
    ap.add_argument(
        "--min-confidence",
        type=float,
        nargs="+",
        default=None,
        help="review threshold(s); default: CONTRACT_NER_REVIEW_MIN_CONFIDENCE",
    )
    ap.add_argument("--documents", action="store_true", help="list every document's flags and card errors")
    args = ap.parse_args(argv)
    settings = Settings(**({"model": args.model} if args.model else {}))
    thresholds = args.min_confidence or [settings.review_min_confidence]
    for path in args.gold:
        for result in report(path, settings, thresholds):
            print(format_report(result, args.documents))
    return 0


if __name__ == "__main__":
    sys.exit(main())
