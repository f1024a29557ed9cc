"""The entity span every stage after the model speaks in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpan:
    """An entity found in a document: `text == document_text[start:end]`."""

    label: str
    start: int
    end: int
    text: str
    score: float
