"""OCR quality on the dev set: the text-layer PDFs and their scans (`bench.scanned_devset`: every page at
200 dpi, light noise, 1 to 2 degrees of skew, image-only PDFs) through the pipeline's own functions in
one process, side by side: extract (`worker.extraction.read_text`: the text layer, or the OCR stage's
reader where there is none, as the extract and ocr stages hand documents on) and ner (the model as the
ner worker builds it, `TokenClassifier.from_settings`, with the evaluation's scoring).

    python -m bench.ocr_quality [--limit N] [--seed 15]

Prints the micro F1 of both versions and their ratio (the issue's target: at least 0.9), and the
character error rate of every OCR page against the text layer of the same page (Levenshtein distance
over the text-layer page's length, whitespace runs as one space), with its mean, median and worst.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np

from bench.extract_throughput import contract_pdf
from bench.scanned_devset import dev_documents, scanned_pdf
from models.content_types import PDF
from models.settings import get_settings
from training.evaluation import as_set, score
from worker.extraction import PdfExtractor, read_text
from worker.inference import TokenClassifier
from worker.ocr import PdfOcrExtractor, page_texts


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time in numpy: insertions along a row are a running minimum
    of (cell - column), so each row is a few vector operations instead of a Python loop."""
    if not a or not b:
        return max(len(a), len(b))
    target = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    columns = np.arange(len(b) + 1)
    previous = columns.copy()
    for row, char in enumerate(a, 1):
        candidates = np.empty(len(b) + 1, dtype=np.int64)
        candidates[0] = row
        candidates[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (target != ord(char)))
        previous = np.minimum.accumulate(candidates - columns) + columns
    return int(previous[-1])


def flat(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev-set documents")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    settings = get_settings()
    rng = random.Random(args.seed)
    documents = dev_documents(args.limit)
    text_layer_extractors = {PDF: PdfExtractor()}
    ocr_readers = {PDF: PdfOcrExtractor()}

    typed_texts: list[str] = []
    scanned_texts: list[str] = []
    errors: list[float] = []
    pages = 0
    ocr_seconds = 0.0
    for document in documents:
        typed_pdf = contract_pdf(document.text)
        scan, _ = scanned_pdf(typed_pdf, rng)
        typed = read_text(typed_pdf, PDF, text_layer_extractors, ocr_readers)
        started = time.perf_counter()
        scanned = read_text(scan, PDF, text_layer_extractors, ocr_readers)
        ocr_seconds += time.perf_counter() - started
        assert all(page.source == "ocr" for page in scanned.pages)
        typed_texts.append(typed.text)
        scanned_texts.append(scanned.text)
        for truth, read in zip(page_texts(typed), page_texts(scanned), strict=False):
            if flat(truth):
                errors.append(edit_distance(flat(read), flat(truth)) / len(flat(truth)))
        pages += scanned.page_count
        print(f"{document.id}: {scanned.page_count} pages, CER {statistics.mean(errors[-scanned.page_count :]):.4f}")

    classifier = TokenClassifier.from_settings(settings)
    gold = [as_set(d.entities) for d in documents]

    def micro_f1(texts: list[str]) -> float:
        predicted = classifier.predict(texts, batch_size=settings.ner_batch_size)
        found = [as_set((e.label, e.text) for e in spans) for spans in predicted]
        return float(score(gold, found)["micro"]["f1"])

    typed_f1 = micro_f1(typed_texts)
    scanned_f1 = micro_f1(scanned_texts)
    print()
    print(f"{len(documents)} dev-set documents, {pages} pages scanned at 200 dpi; model {settings.model.name}")
    print(f"micro F1, text-layer PDFs: {typed_f1:.4f}")
    print(f"micro F1, scanned PDFs:    {scanned_f1:.4f}")
    print(f"ratio scanned / text layer: {scanned_f1 / typed_f1:.3f} (target >= 0.9)")
    print(
        f"OCR character error rate per page: mean {statistics.mean(errors):.4f}, "
        f"median {statistics.median(errors):.4f}, worst {max(errors):.4f} ({len(errors)} pages); "
        f"character accuracy {1 - statistics.mean(errors):.4f}"
    )
    print(f"OCR time: {ocr_seconds / pages:.2f} s per page (render at {PdfOcrExtractor().ocr.render_dpi:g} dpi)")


if __name__ == "__main__":
    main()
