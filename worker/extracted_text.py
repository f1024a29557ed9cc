"""What text extraction produces and how it fails, shared by the extractors (`worker.extraction`) and the
contained child process that runs them (`worker.contained_extraction`), so neither imports the other's
module for its types.

Extracted text keeps page boundaries: `page_starts[i]` is the character offset where page i+1 begins,
so an entity's character offsets also tell its page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from models.reasons import ReasonCode

PAGE_SEPARATOR = "\n\n"


class ExtractionError(Exception):
    """Bad input: retrying will not help. `code` is a stable reason a user can act on."""

    def __init__(self, code: ReasonCode | str, message: str) -> None:
        super().__init__(message)
        self.code = ReasonCode(code)  # an unknown code is a bug here, not a new reason for clients
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class ExtractedText:
    text: str
    page_starts: list[int]

    @property
    def page_count(self) -> int:
        return len(self.page_starts)

    @classmethod
    def from_pages(cls, pages: list[str]) -> ExtractedText:
        starts: list[int] = []
        parts: list[str] = []
        position = 0
        for i, page in enumerate(pages):
            if i:
                parts.append(PAGE_SEPARATOR)
                position += len(PAGE_SEPARATOR)
            starts.append(position)
            parts.append(page)
            position += len(page)
        return cls("".join(parts), starts or [0])


class TextExtractor(Protocol):
    def extract(self, data: bytes) -> ExtractedText: ...
