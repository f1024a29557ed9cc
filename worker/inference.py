"""NER inference in the transformers-pipeline stages: preprocess (tokenize, plan windows; see
`chunking`), forward (the model only, batched across documents), postprocess (stitch windows,
aggregate words with strategy "first", map spans back to characters).

It differs from `pipeline("token-classification", aggregation_strategy="first")` on purpose where the
pipeline is wrong for SentencePiece tokenizers (transformers #12593, #23322): the pipeline guesses word
boundaries from "is the previous character a space", so it glues words across newlines and keeps
trailing punctuation in entities. Here a word is a maximal run of non-whitespace characters, bare "▁"
pieces never start a word, and spans are trimmed of whitespace and of punctuation that is not part of
the value ("kr." keeps its dot, "Frederiksberg." loses it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerFast
from transformers.utils import logging as transformers_logging

from models.danish import ABBREVIATIONS_WITH_DOT, MONTH_ABBREVIATIONS, alternation
from models.labels import NAME_LABELS, SINGLE_VALUED_LABELS
from models.model_promotions import weights_sha256
from models.settings import Settings
from worker.calibration import ScoreCalibration, load_calibration
from worker.chunking import TokenizedText, Windowing, require_checkpoint, window_ownership
from worker.fields import FieldSchema, decode_fields
from worker.metrics import observe_forward_batch
from worker.onnx_runtime import BACKENDS, Backend, OnnxForward
from worker.spans import DecodedEntities, EntitySpan

_WORD = re.compile(r"\S+")
_LEADING_JUNK = "([{<«“‘\"'*•-–—"
_TRAILING_JUNK = ")]}>»”’\"',;:!?*"
# A trailing dot belongs to the value only after these abbreviations ("23.000 kr.", "37 t.", "2. tv.").
_ABBREVIATION_WITH_DOT = re.compile(
    rf"(?:^|[\s(])(?:{alternation([*ABBREVIATIONS_WITH_DOT, *MONTH_ABBREVIATIONS])})\.$", re.IGNORECASE
)


def model_dtype(device: torch.device, precision: str) -> torch.dtype:
    if precision == "fp32":
        return torch.float32
    if precision == "fp16":
        return torch.float16
    if precision == "bf16":
        return torch.bfloat16
    if precision != "auto":
        raise ValueError(f"precision must be auto, fp32, bf16 or fp16, got {precision!r}")
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_has_native_bf16() else torch.float32


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """AMX-BF16 or AVX512-BF16 in the CPU: then oneDNN runs bf16 matmuls natively, about 3x fp32 for
    the default model on a 2-core Xeon with AMX (bench/README.md) at no dev-set F1 loss. Elsewhere bf16
    is emulated and slower than fp32. Linux reports the flags in /proc/cpuinfo; other systems: fp32."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def _split_tag(label: str) -> tuple[str, str]:
    if label.startswith(("B-", "I-")):
        return label[0], label[2:]
    return "I", label


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace and punctuation that is not part of the value."""
    while start < end and (text[start].isspace() or text[start] in _LEADING_JUNK):
        start += 1
    while start < end and _trailing_junk(text, start, end):
        end -= 1
    return start, end


def _trailing_junk(text: str, start: int, end: int) -> bool:
    last = text[end - 1]
    if last.isspace() or last in _TRAILING_JUNK:
        return True
    return last == "." and not _ABBREVIATION_WITH_DOT.search(text[start:end])


class TokenClassifier:
    """A Hugging Face token-classification checkpoint, loaded once per process."""

    def __init__(
        self,
        model_dir: Path,
        windowing: Windowing,
        model: PreTrainedModel,
        device: torch.device,
        onnx: OnnxForward | None = None,
        field_decoding: bool = True,
    ) -> None:
        self.model_dir = model_dir
        self.windowing = windowing
        self.tokenizer: PreTrainedTokenizerFast = windowing.tokenizer
        self.model = model
        self.device = device
        # Set for the ONNX Runtime backends: then only the forward stage runs there instead of in torch.
        self.onnx = onnx
        if not model.config.id2label:
            raise ValueError(f"{model_dir}: config.json has no id2label")
        self.id2label: dict[int, str] = {int(k): v for k, v in model.config.id2label.items()}
        tags = [_split_tag(self.id2label[i]) for i in range(len(self.id2label))]
        self._is_begin = np.array([bi == "B" for bi, _ in tags])
        type_names = sorted({tag for _, tag in tags})
        self._type_names = type_names
        self._type_of_label = np.array([type_names.index(tag) for _, tag in tags])
        self._outside_types = {type_names.index(t) for t in ("O",) if t in type_names}
        self._blank_ids = self._find_blank_ids()
        # Off, entities are exactly the pipeline's word groups (worker.fields explains what it adds).
        self.fields = (
            FieldSchema.from_labels(
                getattr(model.config, "single_valued_labels", SINGLE_VALUED_LABELS),
                getattr(model.config, "name_labels", NAME_LABELS),
            )
            if field_decoding
            else None
        )
        # Fitted on decoded entities (training/calibrate.py), so applied to them only; None: the model's
        # own scores (a checkpoint without calibration.json, raw word groups, or a calibration being fitted).
        self.calibration: ScoreCalibration | None = load_calibration(model_dir) if field_decoding else None

    @classmethod
    def load(
        cls,
        path: str | Path,
        device: str = "cpu",
        max_length: int = 512,
        stride: int = 128,
        precision: str = "auto",
        compile_model: bool = False,
        backend: Backend = "torch",
        onnx_cache: Path | None = None,
        field_decoding: bool = True,
    ) -> TokenClassifier:
        """Load tokenizer and model once. `precision` "auto" is bf16 on CUDA (fp16 where bf16 is missing)
        and on CPUs with native bf16 (AMX, AVX512-BF16), fp32 on other CPUs; "bf16"/"fp16"/"fp32" force
        one. Attention uses PyTorch SDPA kernels.

        `backend` "onnx" / "onnx-int8" (CPU, fp32 model) run the forward stage in ONNX Runtime on a model
        exported once (and dynamically quantized to int8) under `onnx_cache`, by default
        `settings.data_dir / "onnx"`; see `worker.onnx_runtime`. `field_decoding` applies the
        document-level steps of `worker.fields` after the word grouping."""
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        if backend != "torch" and (device != "cpu" or precision not in ("auto", "fp32") or compile_model):
            raise ValueError(f"backend {backend!r} runs on cpu in fp32 only, without compile_model")
        model_dir = Path(path)
        require_checkpoint(model_dir)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        if not isinstance(tokenizer, PreTrainedTokenizerFast):
            raise ValueError(f"{model_dir}: a fast tokenizer (tokenizer.json) is required for offsets")
        torch_device = torch.device(device)
        transformers_logging.disable_progress_bar()
        model = AutoModelForTokenClassification.from_pretrained(
            # ONNX Runtime exports the fp32 model and runs its own kernels.
            model_dir,
            dtype=model_dtype(torch_device, precision if backend == "torch" else "fp32"),
            attn_implementation="sdpa",
        )
        model.to(torch_device)
        model.eval()
        if compile_model:
            # Windows are bucketed by length, so few distinct shapes reach the compiled graph.
            model = torch.compile(model, dynamic=True)
        windowing = Windowing.for_model(model_dir, tokenizer, model.config, max_length, stride)
        classifier = cls(model_dir, windowing, model, torch_device, field_decoding=field_decoding)
        if backend != "torch":
            pad_id = tokenizer.pad_token_id or 0
            classifier.onnx = OnnxForward.for_model(model_dir, classifier.weights_sha256, backend, onnx_cache, pad_id)
        return classifier

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenClassifier:
        """The classifier as the settings configure it (`CONTRACT_NER_MODEL`, `_DEVICE`, `_PRECISION`,
        `_BACKEND`, `_FIELD_DECODING`, window size and stride, compilation): the one way the ner worker,
        `contract-ner extract` and `contract-ner eval` build it, so all three run the same model the same way."""
        return cls.load(
            settings.model,
            settings.device,
            settings.max_length,
            settings.stride,
            precision=settings.precision,
            compile_model=settings.compile_model,
            backend=settings.backend,
            onnx_cache=settings.data_dir / "onnx",
            field_decoding=settings.field_decoding,
        )

    def _find_blank_ids(self) -> np.ndarray:
        vocab = self.tokenizer.get_vocab()
        blank = np.zeros(max(len(self.tokenizer), max(vocab.values()) + 1), dtype=bool)
        for piece, index in vocab.items():
            if piece.strip("▁Ġ ") == "":
                blank[index] = True
        for index in self.tokenizer.all_special_ids:
            blank[index] = True
        return blank

    @property
    def labels(self) -> list[str]:
        return [self.id2label[i] for i in range(len(self.id2label))]

    @cached_property
    def name(self) -> str:
        return str(getattr(self.model.config, "_name_or_path", "") or self.model_dir.name)

    @cached_property
    def weights_sha256(self) -> str:
        return weights_sha256(self.model_dir)

    @property
    def tokenizer_sha256(self) -> str:
        return self.windowing.fingerprint

    # -- preprocess ---------------------------------------------------------------------------------
    def preprocess(self, text: str) -> TokenizedText:
        return self.windowing.chunk(text)

    # -- forward ------------------------------------------------------------------------------------
    @staticmethod
    def batch_order(windows: Sequence[np.ndarray], batch_size: int, max_padding: float = 0.05) -> list[list[int]]:
        """Window indices grouped into batches, longest first, so each batch pads to similar lengths.

        A batch also ends where the next window is more than `max_padding` shorter than the batch's
        longest (special tokens counted), so no batch spends more than that share on padding."""
        order = sorted(range(len(windows)), key=lambda i: -len(windows[i]))
        batches: list[list[int]] = []
        for index in order:
            if batches and len(batches[-1]) < batch_size:
                longest = len(windows[batches[-1][0]]) + 2
                if len(windows[index]) + 2 >= (1 - max_padding) * longest:
                    batches[-1].append(index)
                    continue
            batches.append([index])
        return batches

    def padded_tokens(self, windows: Sequence[np.ndarray], batch_size: int) -> int:
        """Tokens the model computes, padding included, for these windows (special tokens counted)."""
        return sum(
            len(batch) * (max(len(windows[i]) for i in batch) + 2) for batch in self.batch_order(windows, batch_size)
        )

    def forward(self, windows: Sequence[np.ndarray], batch_size: int = 16) -> list[np.ndarray]:
        """Class probabilities (float32, one row per token) for each window of token ids.

        Windows are sorted by length and padded per batch only, so short documents do not pay for
        long ones."""
        results: list[np.ndarray] = [np.empty((0, len(self.id2label)), np.float32)] * len(windows)
        cls_id = self.tokenizer.cls_token_id
        sep_id = self.tokenizer.sep_token_id
        pad_id = self.tokenizer.pad_token_id or 0
        for batch in self.batch_order(windows, batch_size):
            started = time.perf_counter()
            width = max(len(windows[i]) for i in batch) + 2
            input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
            attention = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(windows[i])
                input_ids[row, 0] = cls_id
                input_ids[row, 1 : n + 1] = windows[i]
                input_ids[row, n + 1] = sep_id
                attention[row, : n + 2] = 1
            if self.onnx is not None:
                probs = self.onnx.probabilities(input_ids, attention)
            else:
                with torch.inference_mode():
                    logits = self.model(
                        input_ids=self._to_device(input_ids), attention_mask=self._to_device(attention)
                    ).logits
                    probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            for row, i in enumerate(batch):
                results[i] = probs[row, 1 : len(windows[i]) + 1]
            # Real tokens are the attended positions; the rest of the batch is padding.
            observe_forward_batch(len(batch), int(attention.sum()), attention.size, time.perf_counter() - started)
        return results

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(array)
        if self.device.type == "cuda":
            # Pinned host memory lets the copy run asynchronously with the previous batch's kernels.
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor

    # -- postprocess --------------------------------------------------------------------------------
    def stitch(self, tokens: TokenizedText, window_probs: Sequence[np.ndarray]) -> np.ndarray:
        """One probability row per document token, each taken from the window that owns it."""
        probs = np.zeros((tokens.token_count, len(self.id2label)), dtype=np.float32)
        for (start, _end), (own_start, own_end), window in zip(
            tokens.windows, window_ownership(tokens.windows), window_probs, strict=True
        ):
            probs[own_start:own_end] = window[own_start - start : own_end - start]
        return probs

    def postprocess(self, text: str, tokens: TokenizedText, probs: np.ndarray) -> list[EntitySpan]:
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        if not words or tokens.token_count == 0:
            return []
        word_bounds = np.asarray(words, dtype=np.int64)
        offsets = tokens.offsets
        usable = (offsets[:, 1] > offsets[:, 0]) & ~self._blank_ids[tokens.token_ids]
        usable_idx = np.flatnonzero(usable)
        if usable_idx.size == 0:
            return []
        usable_ends = offsets[usable_idx, 1]
        # The first usable token that ends after the word's first character: strategy "first".
        pos = np.searchsorted(usable_ends, word_bounds[:, 0], side="right")
        has_token = pos < usable_idx.size
        first_token = usable_idx[np.minimum(pos, usable_idx.size - 1)]
        has_token &= offsets[first_token, 0] < word_bounds[:, 1]

        word_probs = probs[first_token]
        word_label = word_probs.argmax(axis=1)
        word_score = word_probs[np.arange(len(words)), word_label]
        word_type = np.where(has_token, self._type_of_label[word_label], -1)
        begins = self._is_begin[word_label] & has_token

        starts_group = np.ones(len(words), dtype=bool)
        starts_group[1:] = (word_type[1:] != word_type[:-1]) | begins[1:]
        group_first = np.flatnonzero(starts_group)
        group_last = np.append(group_first[1:], len(words)) - 1
        group_score = np.add.reduceat(word_score, group_first) / (group_last - group_first + 1)

        entities: list[EntitySpan] = []
        for first, last, score in zip(group_first, group_last, group_score, strict=True):
            type_id = int(word_type[first])
            if type_id < 0 or type_id in self._outside_types:
                continue
            start, end = trim_span(text, int(word_bounds[first, 0]), int(word_bounds[last, 1]))
            if start >= end:
                continue
            entities.append(EntitySpan(self._type_names[type_id], start, end, text[start:end], float(score)))
        if not self.fields:
            return entities
        decoded = decode_fields(text, entities, self.fields)
        if self.calibration is None:
            return decoded
        return DecodedEntities(self.calibration.apply(decoded), decoded.flags)

    # -- all stages ---------------------------------------------------------------------------------
    def predict_tokenized(
        self, texts: Sequence[str], tokenized: Sequence[TokenizedText], batch_size: int = 16
    ) -> list[list[EntitySpan]]:
        """Entities for already tokenized documents; windows of all documents share batches."""
        items = [(doc, start, end) for doc, tokens in enumerate(tokenized) for start, end in tokens.windows]
        window_ids = [tokenized[doc].token_ids[start:end] for doc, start, end in items]
        window_probs = self.forward(window_ids, batch_size=batch_size)
        per_doc: list[list[np.ndarray]] = [[] for _ in tokenized]
        for (doc, _start, _end), probs in zip(items, window_probs, strict=True):
            per_doc[doc].append(probs)
        return [
            self.postprocess(text, tokens, self.stitch(tokens, per_doc[doc]))
            for doc, (text, tokens) in enumerate(zip(texts, tokenized, strict=True))
        ]

    def predict(self, texts: Sequence[str], batch_size: int = 16) -> list[list[EntitySpan]]:
        return self.predict_tokenized(texts, [self.preprocess(t) for t in texts], batch_size=batch_size)
