"""A seeded benchmark corpus: Danish contracts from the training generator, concatenated to documents
of 1 to 60 pages with a recorded length distribution (most contracts are short, a few are long)."""

from __future__ import annotations

import random
from collections import Counter

from training.corpus import build_document

CHARS_PER_PAGE = 2800
# Page counts and their weights: many 1-3 page contracts, a tail of annexes and bundles up to 60 pages.
PAGE_DISTRIBUTION = {1: 30, 2: 25, 3: 15, 5: 10, 8: 8, 12: 5, 20: 4, 35: 2, 60: 1}


def benchmark_documents(count: int, seed: int = 2024, max_pages: int = 60) -> list[str]:
    rng = random.Random(seed)
    pages = [p for p in PAGE_DISTRIBUTION if p <= max_pages]
    weights = [PAGE_DISTRIBUTION[p] for p in pages]
    documents: list[str] = []
    for _ in range(count):
        target = rng.choices(pages, weights)[0] * CHARS_PER_PAGE
        parts: list[str] = []
        size = 0
        while size < target:
            text = build_document(rng).text
            parts.append(text)
            size += len(text) + 2
        documents.append("\n\n".join(parts)[:target])
    return documents


def describe(documents: list[str]) -> str:
    histogram = Counter(max(1, round(len(d) / CHARS_PER_PAGE)) for d in documents)
    pages = sum(len(d) for d in documents) / CHARS_PER_PAGE
    spread = ", ".join(f"{p}p×{n}" for p, n in sorted(histogram.items()))
    return f"{len(documents)} documents, {pages:.0f} pages ({spread})"
