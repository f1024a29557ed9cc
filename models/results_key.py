"""What a document's entities are keyed on (issue 14, "Backfill without waste"): the content's sha256
(`documents.sha256`), the model revision (the weights' fingerprint, `model_versions.weights_sha256`) and
the decoding configuration (`DecodingConfiguration.sha256`). A ner run whose key equals the one the
document's entities were made under would make the same entities, so the ner stage only completes it
(`worker.pipeline.recognize_entities`), and `contract-ner backfill` re-runs only documents whose key
changes (`models.backfill`).

The entities' offsets point into the extracted text, not into the bytes: a parser change (a replay from
extraction) can give the same bytes another text. The stage therefore also keeps the text's sha256 with
the key (`documents.ner_text_sha256`) and runs the model when it differs.

No torch here: the CLI computes the key of a checkpoint directory without loading the model."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from models.settings import Settings

# `worker.calibration.CALIBRATION_FILE`, named here so the CLI needs no worker import (numpy, torch).
CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True)
class DecodingConfiguration:
    """The settings that change which entities a given model finds in a given text.

    - `field_decoding`: on, one value per single-valued label and whole names (`worker.fields`); off, the
      raw word groups: other entities.
    - `max_length`, `stride`: the token windows; a token's label comes from the window where it has most
      context, so other windows can give it another label.
    - `backend`, `precision`, `device_type`: the forward's numbers (ONNX int8 weights; bf16/fp16 against
      fp32; `auto` picks bf16 on CUDA and fp32 on most CPUs), which move scores and can flip a label that
      was near a tie. The device's index (cuda:0 or cuda:1) does not.
    - `calibration_sha256`: the checkpoint's `calibration.json` as applied to decoded entities
      (`worker.calibration`; None without one or with field decoding off): it rewrites every stored score,
      so the card's confidence and low-confidence flags, without touching the weights.
    Left out: batch sizes, flush sizes, `compile_model` (same kernels' numbers up to rounding order), and
    everything that only changes where or when the model runs."""

    field_decoding: bool = True
    max_length: int = 512
    stride: int = 128
    backend: str = "torch"
    precision: str = "auto"
    device_type: str = "cpu"
    calibration_sha256: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, model_dir: Path | None = None) -> DecodingConfiguration:
        """As the ner worker decodes with these settings and the checkpoint at `model_dir` (by default the
        configured one, `CONTRACT_NER_MODEL`)."""
        return cls(
            field_decoding=settings.field_decoding,
            max_length=settings.max_length,
            stride=settings.stride,
            backend=settings.backend,
            precision=settings.precision,
            device_type=settings.device.split(":", 1)[0],
            calibration_sha256=calibration_fingerprint(model_dir or settings.model, settings.field_decoding),
        )

    @property
    def sha256(self) -> str:
        """Stable across processes and versions of Python: sorted JSON of the fields."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def weights_fingerprint(model_dir: Path) -> str:
    """The sha256 of a checkpoint's weight files (safetensors, else PyTorch .bin) in name order: the
    model revision, whatever directory or name the checkpoint is loaded from."""
    digest = hashlib.sha256()
    weight_files = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    if not weight_files:
        raise FileNotFoundError(f"{model_dir}: no *.safetensors or *.bin weights")
    for path in weight_files:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def calibration_fingerprint(model_dir: Path, field_decoding: bool = True) -> str | None:
    """The sha256 of the checkpoint's `calibration.json` where the classifier applies it (to decoded
    entities only, `worker.inference.TokenClassifier`), else None."""
    path = Path(model_dir) / CALIBRATION_FILE
    if not field_decoding or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
