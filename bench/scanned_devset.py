"""Scanned versions of the hand-written dev set: each contract is written as a text-layer PDF (as
`bench.extract_throughput.contract_pdf` writes the benchmark corpus), every page is rendered to an image
at 200 dpi with light noise and a skew of 1 to 2 degrees either way, and the images are saved as an
image-only PDF (no text layer: only OCR can read it). `bench.ocr_quality` compares the two.

    python -m bench.scanned_devset [--out bench/work/scanned-dev] [--dpi 200] [--seed 15]

Writes `<id>.pdf` (text layer) and `<id>.scan.pdf` (image only) per dev-set document, and prints the
pages and the skew of each page.
"""

from __future__ import annotations

import argparse
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bench.extract_throughput import contract_pdf
from models.settings import REPO_ROOT
from training.evaluation import GoldDocument, load_gold

DEV_SET = REPO_ROOT / "training" / "dev" / "dev.jsonl"
DEFAULT_OUT = REPO_ROOT / "bench" / "work" / "scanned-dev"
SCAN_DPI = 200
# Light noise: grey-level Gaussian noise of this standard deviation (of 255), a faint grey background.
NOISE_SIGMA = 10.0
PAPER_GREY = 245


@dataclass(frozen=True)
class ScannedPage:
    image: Image.Image
    skew_degrees: float


def render_pages(pdf: bytes, dpi: int = SCAN_DPI) -> list[Image.Image]:
    """Every page of a PDF as a grey-scale image at `dpi` (pdfium)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [document[n].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for n in range(len(document))]
    finally:
        document.close()


def scan_page(page: Image.Image, rng: random.Random, skew_degrees: float | None = None) -> ScannedPage:
    """What a sheet through an office scanner looks like: turned by 1 to 2 degrees either way (unless
    `skew_degrees` is given), off-white paper and sensor noise."""
    skew = skew_degrees if skew_degrees is not None else rng.choice((-1, 1)) * rng.uniform(1.0, 2.0)
    turned = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = np.asarray(turned, dtype=np.float32) * (PAPER_GREY / 255.0)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0.0, NOISE_SIGMA, pixels.shape)
    scanned = np.clip(pixels + noise, 0, 255).astype(np.uint8)
    return ScannedPage(Image.fromarray(scanned, mode="L"), round(skew, 2))


def image_pdf(images: Sequence[Image.Image], dpi: int = SCAN_DPI) -> bytes:
    """An image-only PDF, one page per image, the page as large as the image at `dpi`."""
    buffer = io.BytesIO()
    first, *rest = images
    first.save(buffer, format="PDF", resolution=dpi, save_all=True, append_images=rest)
    return buffer.getvalue()


def scanned_pdf(pdf: bytes, rng: random.Random, dpi: int = SCAN_DPI) -> tuple[bytes, list[float]]:
    """The PDF printed and scanned: image-only, and each page's skew."""
    pages = [scan_page(page, rng) for page in render_pages(pdf, dpi)]
    return image_pdf([p.image for p in pages], dpi), [p.skew_degrees for p in pages]


def dev_documents(limit: int | None = None) -> list[GoldDocument]:
    return load_gold(DEV_SET)[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dpi", type=int, default=SCAN_DPI)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev-set documents")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    pages = 0
    for document in dev_documents(args.limit):
        text_layer = contract_pdf(document.text)
        scan, skews = scanned_pdf(text_layer, rng, args.dpi)
        (args.out / f"{document.id}.pdf").write_bytes(text_layer)
        (args.out / f"{document.id}.scan.pdf").write_bytes(scan)
        pages += len(skews)
        print(f"{document.id}: {len(skews)} pages, skew {', '.join(f'{s:+.2f}' for s in skews)} degrees")
    print(f"{pages} pages scanned at {args.dpi} dpi into {args.out}")


if __name__ == "__main__":
    main()
