"""`contract-ner eval`: per-document sets of (label, text), case-insensitive, ignoring surrounding
whitespace and trailing `.,;:`, scored per label and micro-averaged, beside the rule baseline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.evaluation import as_set, score

ROOT = Path(__file__).resolve().parent.parent


def test_matching_ignores_case_whitespace_and_trailing_punctuation() -> None:
    gold = [as_set([("WORKPLACE", "Supervej 21, 2000 Frederiksberg"), ("SALARY", "32.500 kr.")])]
    predicted = [
        as_set([("WORKPLACE", " supervej 21, 2000 frederiksberg."), ("SALARY", "32.500 kr"), ("PENSION", "8 %")])
    ]

    report = score(gold, predicted)

    assert report["per_label"]["WORKPLACE"]["f1"] == 1.0
    assert report["per_label"]["SALARY"]["f1"] == 1.0
    assert report["per_label"]["PENSION"]["precision"] == 0.0
    assert report["micro"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "tp": 2, "fp": 1, "fn": 0, "support": 2}


@pytest.mark.e2e
def test_the_eval_command_scores_the_model_beside_the_rule_baseline(tmp_path: Path, keyword_dir: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    documents = [
        {"id": "a", "text": "Arbejdsstedet er Supervej 21, 2000 Frederiksberg.", "entities": [
            {"label": "WORKPLACE", "text": "Supervej 21, 2000 Frederiksberg"}]},
        {"id": "b", "text": "Lønnen er 32.500,00 kr. om måneden hos Nordlys ApS.", "entities": [
            {"label": "SALARY", "text": "32.500,00 kr."}, {"label": "EMPLOYER", "text": "Nordlys ApS"}]},
    ]  # fmt: skip
    gold.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in documents))

    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "eval", str(gold), "--model", str(keyword_dir), "--json"],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["documents"] == 2
    assert report["model"]["micro"]["f1"] == 1.0
    assert set(report["rule_baseline"]["per_label"]) >= {"WORKPLACE", "SALARY", "EMPLOYER"}
