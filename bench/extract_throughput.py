"""Extract-stage throughput per CPU core: pdfminer.six text extraction and window building, measured on
generated multi-page PDFs, beside the NER stage's pages/s, to size how many extract workers feed one
ner worker.

    python -m bench.extract_throughput [--pages 40] [--documents 5] [--model training/default-model]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from fpdf import FPDF

from bench.corpus import CHARS_PER_PAGE, benchmark_documents
from models.content_types import PDF
from models.settings import DEFAULT_MODEL_PATH
from worker.extraction import extract_text
from worker.inference import TokenClassifier


def contract_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.multi_cell(w=0, h=5, text=text.encode("latin-1", "replace").decode("latin-1"), align="L")
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20, help="approximate pages per document")
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    torch.set_num_threads(1)  # per core

    texts = [t[: args.pages * CHARS_PER_PAGE] for t in benchmark_documents(args.documents * 3, seed=7)]
    texts = sorted(texts, key=len, reverse=True)[: args.documents]
    pdfs = [contract_pdf(t) for t in texts]
    classifier = TokenClassifier.load(args.model)

    extract_s: list[float] = []
    tokenize_s: list[float] = []
    pages = 0
    extracted_texts = []
    for data in pdfs:
        started = time.perf_counter()
        extracted = extract_text(data, PDF)
        middle = time.perf_counter()
        tokens = classifier.preprocess(extracted.text)
        extract_s.append(middle - started)
        tokenize_s.append(time.perf_counter() - middle)
        pages += extracted.page_count
        extracted_texts.append((extracted.text, tokens))
    started = time.perf_counter()
    classifier.predict_tokenized([t for t, _ in extracted_texts], [k for _, k in extracted_texts])
    ner_s = time.perf_counter() - started

    extract_total = sum(extract_s) + sum(tokenize_s)
    print(f"{len(pdfs)} PDFs, {pages} pages, 1 thread")
    print(
        f"pdfminer extraction: {pages / sum(extract_s):.1f} pages/s per core "
        f"(median {statistics.median(extract_s):.2f}s per document)"
    )
    print(f"tokenize + windows:  {pages / sum(tokenize_s):.1f} pages/s per core")
    print(f"extract stage total: {pages / extract_total:.1f} pages/s per core")
    print(f"ner stage ({classifier.model_dir.name}, 1 thread): {pages / ner_s:.1f} pages/s")
    print(f"extract cores per ner worker at this rate: {(pages / ner_s) / (pages / extract_total):.2f}")


if __name__ == "__main__":
    main()
