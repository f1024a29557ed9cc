"""What contained parsing costs: the same documents extracted in-process and in the limited child,
side by side in one run (the difference is the child's start-up and the JSON hand-back).

    python -m bench.contained_extraction [--pages 1 10 40] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from models.content_types import DOCX, PDF
from tests.documents import FILLER, make_docx, make_pdf
from worker.contained_extraction import ContainedExtractor, ExtractionLimits
from worker.extraction import DocxExtractor, PdfExtractor, TextExtractor


def median_seconds(extract: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        extract()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 10, 40])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    limits = ExtractionLimits()
    print(f"{'document':<16}{'in-process s':>14}{'contained s':>14}{'overhead s':>12}{'ratio':>8}")
    for pages in args.pages:
        documents: list[tuple[str, str, bytes, TextExtractor]] = [
            (f"pdf {pages}p", PDF, make_pdf([FILLER * 12] * pages), PdfExtractor()),
            (f"docx {pages}p", DOCX, make_docx([FILLER] * 12 * pages), DocxExtractor()),
        ]
        for name, _content_type, data, inner in documents:
            contained = ContainedExtractor(inner, limits)
            direct_s = median_seconds(lambda: inner.extract(data), args.repeat)  # noqa: B023
            contained_s = median_seconds(lambda: contained.extract(data), args.repeat)  # noqa: B023
            print(f"{name:<16}{direct_s:>14.3f}{contained_s:>14.3f}{contained_s - direct_s:>12.3f}"
                  f"{contained_s / direct_s:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
