"""OCR stage throughput per CPU core, beside the ner stage's documents/s measured on the same machine in
the same run, to size how many OCR cores feed one ner worker.

    python -m bench.ocr_throughput [--documents 6] [--rounds 1] [--model training/default-model]

The documents: dev-set contracts scanned as `bench.scanned_devset` scans them (image-only PDFs, 200
dpi, noise, skew). The OCR stage is what its worker runs for a document, contained child included
(`ContainedExtractor(PdfOcrExtractor)` with the configured OCR settings: start-up, Tesseract's model
load, rendering at the read resolution, deskew, recognition, word boxes), one document at a time with
Tesseract on one thread: pages/s per core. The ner stage is the model on the OCR'd texts (windows
built, batched forward, spans), torch on one thread: documents/s and pages/s per core. Their ratio is
the number of OCR cores one single-core ner worker keeps busy.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import torch

from bench.extract_throughput import contract_pdf
from bench.scanned_devset import dev_documents, scanned_pdf
from models.settings import DEFAULT_MODEL_PATH, get_settings
from worker.contained_extraction import ContainedExtractor, ExtractionLimits
from worker.inference import TokenClassifier
from worker.ocr import OcrSettings, PdfOcrExtractor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    torch.set_num_threads(1)  # per core
    os.environ["OMP_THREAD_LIMIT"] = "1"
    settings = get_settings()
    rng = random.Random(15)
    scans = [scanned_pdf(contract_pdf(d.text), rng)[0] for d in dev_documents(args.documents)]
    reader = ContainedExtractor(
        PdfOcrExtractor(settings.ocr_max_pages, settings.extract_max_chars, OcrSettings.from_settings()),
        ExtractionLimits.for_ocr(settings),
    )
    classifier = TokenClassifier.load(args.model)

    ocr_s: list[float] = []
    ner_s: list[float] = []
    pages = 0
    texts: list[str] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        extracted = [reader.extract(scan) for scan in scans]
        ocr_s.append(time.perf_counter() - started)
        pages = sum(e.page_count for e in extracted)
        texts = [e.text for e in extracted]
        started = time.perf_counter()
        classifier.predict_tokenized(texts, [classifier.preprocess(t) for t in texts])
        ner_s.append(time.perf_counter() - started)

    ocr_best, ner_best = min(ocr_s), min(ner_s)
    ocr_pages_per_s = pages / ocr_best
    ner_pages_per_s = pages / ner_best
    print(f"{len(scans)} scanned dev-set documents, {pages} pages, {settings.ocr_render_dpi:g} dpi, 1 thread each")
    print(f"ocr stage: {ocr_pages_per_s:.3f} pages/s per core ({ocr_best / pages:.2f} s per page, contained)")
    print(
        f"ner stage ({classifier.model_dir.name}, 1 thread): {len(scans) / ner_best:.2f} docs/s, "
        f"{ner_pages_per_s:.1f} pages/s"
    )
    print(f"OCR cores per ner worker core at these rates: {ner_pages_per_s / ocr_pages_per_s:.0f}")


if __name__ == "__main__":
    main()
