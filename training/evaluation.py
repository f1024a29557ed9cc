"""Score the model and the rule baseline on a gold JSONL set (e.g. the hand-written dev set).

    python -m training.evaluation training/dev/dev.jsonl training/default-model [--json out.json]
    python -m training.evaluation training/dev/dev.jsonl --backend onnx-int8   # forward stage in ONNX Runtime

Scoring compares per-document sets of (label, normalised text), normalised = lower-cased, stripped of
surrounding whitespace and of trailing ``.,;:``. The model's predictions come from the project's own
inference code, built as the worker builds it (`TokenClassifier.from_settings`), because building spans
from token predictions is part of what is scored: the `CONTRACT_NER_*` settings apply (window size,
stride, backend, precision, field decoding), and the flags given here override them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.settings import Settings
from training import LABEL_TYPES, rule_baseline


@dataclass(frozen=True)
class GoldDocument:
    id: str
    text: str
    entities: list[tuple[str, str]]  # (label, text)


def load_gold(path: str | Path) -> list[GoldDocument]:
    docs: list[GoldDocument] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            ents = [(e["label"], e["text"]) for e in obj.get("entities", [])]
            docs.append(GoldDocument(str(obj.get("id", len(docs))), obj["text"], ents))
    return docs


def normalise(text: str) -> str:
    # Strip whitespace and trailing punctuation repeatedly: "3 måneder.)" style leftovers vary.
    out = text.strip().lower()
    while out and out[-1] in ".,;:":
        out = out[:-1].rstrip()
    return " ".join(out.split())


def as_set(entities: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(label, normalise(text)) for label, text in entities if normalise(text)}


def score(gold: list[set[tuple[str, str]]], pred: list[set[tuple[str, str]]]) -> dict[str, Any]:
    """Per-label and micro precision/recall/F1 over per-document entity sets."""
    counts = {label: [0, 0, 0] for label in LABEL_TYPES}  # tp, fp, fn
    for g, p in zip(gold, pred, strict=True):
        for label, _ in g & p:
            counts.setdefault(label, [0, 0, 0])[0] += 1
        for label, _ in p - g:
            counts.setdefault(label, [0, 0, 0])[1] += 1
        for label, _ in g - p:
            counts.setdefault(label, [0, 0, 0])[2] += 1

    def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "support": tp + fn,
        }

    per_label = {label: prf(*c) for label, c in counts.items()}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {"per_label": per_label, "micro": prf(*total)}


def predict_model(settings: Settings, texts: list[str]) -> list[list[tuple[str, str]]]:
    from worker.inference import TokenClassifier

    classifier = TokenClassifier.from_settings(settings)
    return [[(e.label, e.text) for e in doc] for doc in classifier.predict(texts, batch_size=settings.ner_batch_size)]


def evaluate(gold_path: str | Path, settings: Settings) -> dict[str, Any]:
    """Model and rule baseline side by side on one gold file; JSON-serialisable. The model is the one
    `settings` configure; without `settings.field_decoding` its entities are the raw word groups."""
    docs = load_gold(gold_path)
    gold = [as_set(d.entities) for d in docs]
    texts = [d.text for d in docs]
    systems: dict[str, Callable[[], list[list[tuple[str, str]]]]] = {
        "model": lambda: predict_model(settings, texts),
        "rule_baseline": lambda: [rule_baseline.predict(t) for t in texts],
    }
    report: dict[str, Any] = {
        "gold": str(gold_path),
        "model_path": str(settings.model),
        "backend": settings.backend,
        "precision": settings.precision,
        "field_decoding": settings.field_decoding,
        "documents": len(docs),
    }
    errors: dict[str, list[dict[str, Any]]] = {}
    for name, run in systems.items():
        preds = [as_set(p) for p in run()]
        report[name] = score(gold, preds)
        errors[name] = [
            {"id": d.id, "missed": sorted(g - p), "spurious": sorted(p - g)}
            for d, g, p in zip(docs, gold, preds, strict=True)
            if g != p
        ]
    report["errors"] = errors
    return report


# A candidate model is better when its micro F1 is higher and no label's F1 falls by more than this.
LABEL_TOLERANCE = 0.01


def compare(candidate: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Candidate against current on the same gold set (two `score` results): per-label F1 of both and the
    verdict, "better" when micro F1 rose and no label with support fell by more than LABEL_TOLERANCE."""
    labels = {}
    worse: list[str] = []
    for label in LABEL_TYPES:
        new, old = candidate["per_label"][label], current["per_label"][label]
        delta = round(new["f1"] - old["f1"], 4)
        labels[label] = {"support": old["support"], "candidate": new, "current": old, "delta_f1": delta}
        if old["support"] and delta < -LABEL_TOLERANCE:
            worse.append(label)
    micro_delta = round(candidate["micro"]["f1"] - current["micro"]["f1"], 4)
    better = micro_delta > 0 and not worse
    return {
        "per_label": labels,
        "micro": {"candidate": candidate["micro"], "current": current["micro"], "delta_f1": micro_delta},
        "labels_down": worse,
        "verdict": "better" if better else "worse",
    }


def compare_models(gold_path: str | Path, settings: Settings, candidate: Path, current: Path) -> dict[str, Any]:
    """Both checkpoints scored on `gold_path`, each built as the worker builds it from `settings`."""
    docs = load_gold(gold_path)
    gold = [as_set(d.entities) for d in docs]
    texts = [d.text for d in docs]
    scores = {}
    for name, path in (("candidate", candidate), ("current", current)):
        preds = [as_set(p) for p in predict_model(settings.model_copy(update={"model": path}), texts)]
        scores[name] = score(gold, preds)
    return {
        "gold": str(gold_path),
        "documents": len(docs),
        "candidate_path": str(candidate),
        "current_path": str(current),
        **compare(scores["candidate"], scores["current"]),
    }


def format_comparison(report: dict[str, Any]) -> str:
    lines = [
        f"{report['gold']}: {report['documents']} documents",
        f"candidate {report['candidate_path']}",
        f"current   {report['current_path']}",
        "",
        f"{'label':<18}{'support':>8}   {'cand P':>7}{'R':>7}{'F1':>7}   {'curr P':>7}{'R':>7}{'F1':>7}   {'ΔF1':>7}",
        "-" * 84,
    ]
    rows = [
        *report["per_label"].items(),
        ("micro", {**report["micro"], "support": report["micro"]["current"]["support"]}),
    ]
    for label, row in rows:
        new, old = row["candidate"], row["current"]
        lines.append(
            f"{label:<18}{row['support']:>8}   {new['precision']:>7.3f}{new['recall']:>7.3f}{new['f1']:>7.3f}"
            f"   {old['precision']:>7.3f}{old['recall']:>7.3f}{old['f1']:>7.3f}   {row['delta_f1']:>+7.3f}"
        )
    down = ", ".join(report["labels_down"]) or "none"
    lines += [
        "-" * 84,
        f"verdict: {report['verdict'].upper()} (micro F1 {report['micro']['delta_f1']:+.3f}; "
        f"labels down more than {LABEL_TOLERANCE}: {down})",
    ]
    return "\n".join(lines)


def format_report(report: dict[str, Any]) -> str:
    model, base = report["model"], report["rule_baseline"]
    lines = [
        f"{report['gold']}: {report['documents']} documents, model {report['model_path']}"
        + (f" ({report['backend']} backend)" if report.get("backend", "torch") != "torch" else "")
        + ("" if report.get("field_decoding", True) else " (raw word groups, no field decoding)"),
        "",
        f"{'label':<18}{'support':>8}   {'model P':>8}{'R':>7}{'F1':>7}   {'rules P':>8}{'R':>7}{'F1':>7}",
        "-" * 80,
    ]
    for label in LABEL_TYPES:
        m, b = model["per_label"][label], base["per_label"][label]
        lines.append(
            f"{label:<18}{m['support']:>8}   {m['precision']:>8.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}"
            f"   {b['precision']:>8.3f}{b['recall']:>7.3f}{b['f1']:>7.3f}"
        )
    lines.append("-" * 80)
    mm, bm = model["micro"], base["micro"]
    lines.append(
        f"{'micro':<18}{mm['support']:>8}   {mm['precision']:>8.3f}{mm['recall']:>7.3f}{mm['f1']:>7.3f}"
        f"   {bm['precision']:>8.3f}{bm['recall']:>7.3f}{bm['f1']:>7.3f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate a token-classification model against a gold JSONL set.")
    ap.add_argument("gold", type=Path)
    ap.add_argument("model", type=Path, nargs="?", default=None, help="default: CONTRACT_NER_MODEL")
    ap.add_argument("--device", default=None, help="default: CONTRACT_NER_DEVICE")
    ap.add_argument(
        "--backend", default=None, choices=["torch", "onnx", "onnx-int8"], help="forward stage (onnx*: cpu only)"
    )
    ap.add_argument(
        "--raw", action="store_true", help="score the raw word groups, without field decoding (worker.fields)"
    )
    ap.add_argument("--precision", default=None, choices=["auto", "fp32", "bf16", "fp16"], help="torch backend's dtype")
    ap.add_argument("--json", type=Path, default=None, help="write the full report (with errors) here")
    args = ap.parse_args(argv)
    given = {"model": args.model, "device": args.device, "backend": args.backend, "precision": args.precision}
    overrides: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if args.raw:
        overrides["field_decoding"] = False
    report = evaluate(args.gold, Settings(**overrides))
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
