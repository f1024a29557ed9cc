"""Where text lies on the page: word boxes packed for storage and transport, and an entity's boxes (one
per line it covers) computed from the words under its characters.

Coordinates are PDF points (1/72 inch) on the page as a viewer shows it (crop box, rotation applied),
with the origin at the top-left corner and y growing downwards: the way a browser draws an image of the
page, so a box scales onto a rendered page by `pixels / points` alone. An entity's box is
`[page, x0, y0, x1, y1]` with a 1-based page number.

Shared by the worker (which writes words and entity boxes) and the API (which reads them), hence in
`models`."""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

WORD_RECORD = struct.Struct("<3i4f")
"""One word box packed: start, end, page (int32) and x0, y0, x1, y1 (float32, points), little-endian."""

# Two boxes are on one line when their vertical extents overlap by at least this share of the lower one.
_SAME_LINE_OVERLAP = 0.5

EntityBox = list[float]
"""`[page, x0, y0, x1, y1]` as stored in `entities.boxes` and returned by the API."""


class PlacedWord(Protocol):
    """A word of the extracted text on its page: `text[start:end]` lies in the box."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def page(self) -> int: ...
    @property
    def x0(self) -> float: ...
    @property
    def y0(self) -> float: ...
    @property
    def x1(self) -> float: ...
    @property
    def y1(self) -> float: ...


@dataclass(frozen=True)
class WordBox:
    """One word of the extracted text on its page: `text[start:end]` lies inside the box. What the
    extractors produce (`worker.extracted_text` re-exports it) and what stored words unpack to."""

    start: int
    end: int
    page: int
    """1-based page number."""
    x0: float
    y0: float
    x1: float
    y1: float


def pack_words(words: Sequence[PlacedWord]) -> bytes:
    packed = bytearray(WORD_RECORD.size * len(words))
    for i, w in enumerate(words):
        WORD_RECORD.pack_into(packed, i * WORD_RECORD.size, w.start, w.end, w.page, w.x0, w.y0, w.x1, w.y1)
    return bytes(packed)


def unpack_words(packed: bytes) -> Iterator[WordBox]:
    """The packed words back, their coordinates rounded to the hundredths of a point they were made
    with (float32 keeps about seven digits)."""
    if len(packed) % WORD_RECORD.size:
        raise ValueError(f"{len(packed)} bytes are not whole word records of {WORD_RECORD.size} bytes")
    for start, end, page, x0, y0, x1, y1 in WORD_RECORD.iter_unpack(packed):
        yield WordBox(start, end, page, round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))


class WordIndex:
    """A document's words in text order, indexed by offset so each entity finds its words by bisection."""

    def __init__(self, words: Sequence[PlacedWord]) -> None:
        self.words = words
        self._ends = [w.end for w in words]

    def entity_boxes(self, start: int, end: int) -> list[EntityBox]:
        """One box per line the characters `[start, end)` cover: the union of the parts of the words
        under them. A word the span covers only in part (an entity that stops before a full stop)
        contributes the share of its width its covered characters make up: exact for evenly wide
        characters, close for the rest."""
        lines: list[EntityBox] = []
        previous: PlacedWord | None = None
        for word in self.words[bisect_right(self._ends, start) :]:
            if word.start >= end:
                break
            x0, x1 = word.x0, word.x1
            if word.start < start or word.end > end:
                per_char = (word.x1 - word.x0) / (word.end - word.start)
                x0 = word.x0 + per_char * (max(start, word.start) - word.start)
                x1 = word.x1 - per_char * (word.end - min(end, word.end))
            if previous is not None and _same_line(previous, word):
                page, lx0, ly0, lx1, ly1 = lines[-1]
                lines[-1] = [page, min(lx0, x0), min(ly0, word.y0), max(lx1, x1), max(ly1, word.y1)]
            else:
                lines.append([word.page, x0, word.y0, x1, word.y1])
            previous = word
        return [[int(page), *(round(v, 2) for v in box)] for page, *box in lines]


def _same_line(before: PlacedWord, word: PlacedWord) -> bool:
    """Whether `word` continues the line `before` is on: same page, to its right, overlapping vertically."""
    if word.page != before.page or word.x0 < before.x0:
        return False
    overlap = min(before.y1, word.y1) - max(before.y0, word.y0)
    return overlap >= _SAME_LINE_OVERLAP * min(before.y1 - before.y0, word.y1 - word.y0)
