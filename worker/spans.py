"""The entity span every stage after the model speaks in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpan:
    """An entity found in a document: `text == document_text[start:end]`."""

    label: str
    start: int
    end: int
    text: str
    score: float


class DecodedEntities(list[EntitySpan]):
    """A document's decoded entities, and what decoding saw of the document as a whole that the kept
    entities no longer show (values it dropped): card flag codes such as `multiple_contracts`."""

    def __init__(self, entities: Iterable[EntitySpan] = (), flags: Iterable[str] = ()) -> None:
        super().__init__(entities)
        self.flags: tuple[str, ...] = tuple(flags)


def document_flags(entities: Sequence[EntitySpan]) -> tuple[str, ...]:
    """The document-level flags of a prediction; none for entities that were not decoded."""
    return entities.flags if isinstance(entities, DecodedEntities) else ()
