"""Reviewed documents (`contract-ner export-training`) as training and evaluation data.

The export is split deterministically by document id: a document is *held back* (evaluation only, never
trained on) when the first 8 hex digits of sha256(id) modulo 5 are 0, about one document in five. The
split depends on nothing but the id, so `train --corrections` and `eval --data` agree on it without
sharing state, and a document stays on its side when the export grows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from training import LABEL_TYPES
from training.corpus import Document, Span

HELD_BACK_ONE_IN = 5


def is_held_back(document_id: str) -> bool:
    return int(hashlib.sha256(document_id.encode("utf-8")).hexdigest()[:8], 16) % HELD_BACK_ONE_IN == 0


def read_records(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def as_document(record: dict[str, Any]) -> Document:
    """A corpus document (text + character spans) the trainer encodes like a synthetic one. Labels the
    model has no tag for (a tenant's own label) are left out rather than failing the run."""
    spans = [
        Span(e["label"], int(e["start"]), int(e["end"]))
        for e in record.get("entities", [])
        if e["label"] in LABEL_TYPES and 0 <= int(e["start"]) < int(e["end"]) <= len(record["text"])
    ]
    return Document(record["text"], spans, kind="correction")


def training_slice(path: str | Path) -> list[Document]:
    """The documents of an export that may be trained on: every one not held back."""
    return [as_document(r) for r in read_records(path) if not is_held_back(str(r["id"]))]


def held_back_slice(path: str | Path, out: Path) -> int:
    """Write the held-back documents of an export to `out` (a gold file `training.evaluation` reads);
    returns how many there are."""
    held = [r for r in read_records(path) if is_held_back(str(r["id"]))]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in held), encoding="utf-8")
    return len(held)
