"""`contract-ner extract` over a folder of contracts beside the Hugging Face pipeline called per document,
side by side in one run.

    python -m bench.extract_cli [--dev-docs 27] [--rounds 2] [--jobs 4] [--text-only]

The folder: the three sample contracts (PDF, DOCX, text) and dev-set contracts written to files, a
third each as PDF, DOCX and text, as a user's folder of contracts might be (`--text-only`: all text,
so that parsing costs next to nothing and the model's share shows). Every engine starts from
the files and ends with entities, the model already loaded, alternating in every round:

  extract      `cli.folder_extraction.extract_files`, what `contract-ner extract` runs: files parsed in
               parallel (PDF/DOCX each in its limited child process), documents batched through the
               model together, values normalised, in input order
  one-by-one   what `extract` did before: parse a file (contained), run the model on it alone, next file
  HF           per file: parse in-process (pdfminer.six / python-docx, no containment), then
               pipeline("token-classification", aggregation_strategy="first", stride=S) on its text
  HF contained the same, parsing as `extract` does (a limited child per PDF/DOCX): the difference to HF
               is what containment costs, the ratio of extract to it what the rest of extract buys

Prints documents/s of each (medians) and the ratios to HF, then the wall time of one real
`contract-ner extract` process over the folder, model loading and interpreter start included.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import docx
import torch
from transformers import AutoTokenizer, pipeline

from bench.extract_throughput import contract_pdf
from cli.folder_extraction import extract_files, parse_file
from models.content_types import DOCX, PDF, TEXT, sniff_content_type
from models.settings import REPO_ROOT, get_settings
from training.evaluation import load_gold
from worker.extraction import DocxExtractor, ExtractedText, PdfExtractor, PlainTextExtractor, TextExtractor
from worker.inference import TokenClassifier


def write_folder(folder: Path, dev_docs: int, text_only: bool = False) -> list[Path]:
    """The samples and `dev_docs` dev-set contracts as files, in a stable order."""
    paths = [p for p in sorted((REPO_ROOT / "samples").iterdir()) if p.suffix in (".pdf", ".docx", ".txt")]
    if text_only:
        for number, sample in enumerate(paths):
            paths[number] = folder / f"{sample.stem}.txt"
            paths[number].write_text(parse_in_process(sample), encoding="utf-8")
    for number, document in enumerate(load_gold(REPO_ROOT / "training" / "dev" / "dev.jsonl")[:dev_docs]):
        kind = "txt" if text_only else ("pdf", "docx", "txt")[number % 3]
        path = folder / f"{document.id}.{kind}"
        if kind == "pdf":
            path.write_bytes(contract_pdf(document.text))
        elif kind == "docx":
            package = docx.Document()
            for paragraph in document.text.split("\n"):
                # XML admits no control characters (a form feed marks a page in the text files).
                package.add_paragraph("".join(ch for ch in paragraph if ch == "\t" or ch >= " "))
            package.save(str(path))
        else:
            path.write_text(document.text, encoding="utf-8")
        paths.append(path)
    return paths


IN_PROCESS: dict[str, TextExtractor] = {PDF: PdfExtractor(), DOCX: DocxExtractor(), TEXT: PlainTextExtractor()}


def parse_in_process(path: Path) -> str:
    data = path.read_bytes()
    extracted: ExtractedText = IN_PROCESS[sniff_content_type(data) or TEXT].extract(data)
    return extracted.text


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev-docs", type=int, default=27, help="dev-set contracts added to the 3 samples")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="extract's parallel parses")
    parser.add_argument("--text-only", action="store_true", help="every contract as a text file")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    settings = get_settings()
    folder = Path(tempfile.mkdtemp(prefix="extract-bench-"))
    paths = write_folder(folder, args.dev_docs, args.text_only)
    ours = TokenClassifier.from_settings(settings)
    hf_tokenizer = AutoTokenizer.from_pretrained(settings.model, model_max_length=ours.windowing.max_length)
    hf = pipeline(
        "token-classification",
        model=str(settings.model),
        tokenizer=hf_tokenizer,
        aggregation_strategy="first",
        stride=ours.windowing.stride,
        device=settings.device,
    )

    def extract(paths: list[Path]) -> object:
        return list(
            extract_files(
                paths,
                ours,
                jobs=args.jobs,
                documents_per_batch=settings.ner_flush_every,
                batch_size=settings.ner_batch_size,
            )
        )

    def one_by_one(paths: list[Path]) -> object:
        return [ours.predict([contained_text(path)])[0] for path in paths]

    def contained_text(path: Path) -> str:
        parsed = parse_file(path)
        assert isinstance(parsed, ExtractedText), parsed
        return parsed.text

    runs: dict[str, Callable[[list[Path]], object]] = {
        "extract": extract,
        "one-by-one": one_by_one,
        "HF": lambda paths: [hf(parse_in_process(path)) for path in paths],
        "HF contained": lambda paths: [hf(contained_text(path)) for path in paths],
    }
    for run in runs.values():
        run(paths[:3])  # warm-up: first-call allocations, pdfminer and python-docx imports
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_index in range(args.rounds):
        shift = round_index % len(runs)
        for name in list(runs)[shift:] + list(runs)[:shift]:
            times[name].append(timed(partial(runs[name], paths)))
    median = {name: statistics.median(values) for name, values in times.items()}

    kinds = {suffix: sum(p.suffix == suffix for p in paths) for suffix in (".pdf", ".docx", ".txt")}
    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, {settings.device}"
    )
    print(f"model: {settings.model} ({next(ours.model.parameters()).dtype}, backend {settings.backend})")
    print(f"folder: {len(paths)} contracts ({', '.join(f'{n} {k}' for k, n in kinds.items())}), {args.jobs} parse jobs")
    print(f"rounds: {args.rounds} (alternating order), medians in seconds: " + ", ".join(
        f"{name}={seconds:.2f}" for name, seconds in median.items()))  # fmt: skip
    for name, seconds in median.items():
        print(
            f"{name:<12} {len(paths) / seconds:6.2f} docs/s   {median['HF'] / seconds:5.2f}x HF   "
            f"{median['HF contained'] / seconds:5.2f}x HF contained"
        )

    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cli.main", "extract", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        check=True,
    )
    wall = time.perf_counter() - started
    print(f"one `contract-ner extract` process over the folder: {wall:.2f}s wall, {len(paths) / wall:.2f} docs/s "
          "including interpreter start and model loading")  # fmt: skip


if __name__ == "__main__":
    main()
