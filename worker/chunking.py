"""Token windows for documents longer than the model: the extract stage tokenizes the whole text once
with the model's own fast tokenizer and plans overlapping windows; the ner stage only runs the model."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from transformers import AutoConfig, AutoTokenizer, PretrainedConfig, PreTrainedTokenizerFast


@dataclass(frozen=True)
class TokenizedText:
    """A document's tokens without special tokens, with character offsets into its full text."""

    token_ids: np.ndarray  # int32, shape (n,)
    offsets: np.ndarray  # int32, shape (n, 2)
    windows: list[tuple[int, int]]  # [start, end) token ranges, in order, overlapping by the stride

    @property
    def token_count(self) -> int:
        return int(self.token_ids.shape[0])

    def token_ids_bytes(self) -> bytes:
        return self.token_ids.astype("<i4").tobytes()

    def offsets_bytes(self) -> bytes:
        return self.offsets.astype("<i4").tobytes()

    @classmethod
    def from_bytes(cls, token_ids: bytes, offsets: bytes, windows: list[list[int]]) -> TokenizedText:
        ids = np.frombuffer(token_ids, dtype="<i4").astype(np.int32)
        offs = np.frombuffer(offsets, dtype="<i4").astype(np.int32).reshape(-1, 2)
        return cls(ids, offs, [(int(s), int(e)) for s, e in windows])


def window_capacity(tokenizer: PreTrainedTokenizerFast, max_length: int) -> int:
    """Tokens of text that fit one window once the tokenizer adds its special tokens."""
    return max_length - tokenizer.num_special_tokens_to_add(pair=False)


def plan_windows(token_count: int, capacity: int, stride: int) -> list[tuple[int, int]]:
    """Windows of at most `capacity` tokens, each overlapping the previous one by `stride` tokens."""
    if capacity <= stride:
        raise ValueError("window capacity must exceed the stride")
    windows: list[tuple[int, int]] = []
    start = 0
    while start < token_count:
        end = min(start + capacity, token_count)
        windows.append((start, end))
        if end == token_count:
            break
        start = end - stride
    return windows


def window_ownership(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """For each window, the token range whose predictions it owns.

    Consecutive windows split their overlap at its middle, so every token is predicted by the window
    that gives it the most context on both sides, and each token is owned exactly once: an entity
    straddling a window boundary is read from one stitched sequence, neither lost nor duplicated."""
    owned: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(windows):
        own_start = start if i == 0 else owned[-1][1]
        if i + 1 < len(windows):
            next_start = windows[i + 1][0]
            own_end = (next_start + end) // 2 if next_start < end else end
        else:
            own_end = end
        owned.append((own_start, own_end))
    return owned


def require_checkpoint(model_dir: Path) -> None:
    """Fail with the path in the message: a missing directory must not be mistaken for a hub repo id."""
    if not (Path(model_dir) / "config.json").is_file():
        raise FileNotFoundError(
            f"no Hugging Face checkpoint at {model_dir} (config.json missing); set CONTRACT_NER_MODEL "
            "or rebuild the default model with `make model`"
        )


def usable_max_length(config: PretrainedConfig, tokenizer: PreTrainedTokenizerFast, requested: int) -> int:
    """The longest window (special tokens included) the model can take, at most `requested`."""
    positions = int(getattr(config, "max_position_embeddings", requested))
    if "roberta" in str(getattr(config, "model_type", "")):
        # RoBERTa-family position ids start after padding_idx, so two positions are never used.
        positions -= int(getattr(config, "pad_token_id", 1) or 0) + 1
    return min(requested, positions, int(tokenizer.model_max_length))


@dataclass(frozen=True)
class Windowing:
    """The model's own fast tokenizer and the window geometry both stages must agree on."""

    tokenizer: PreTrainedTokenizerFast
    max_length: int
    stride: int
    fingerprint: str

    @classmethod
    def load(cls, model_dir: Path, max_length: int = 512, stride: int = 128) -> Windowing:
        require_checkpoint(model_dir)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        if not isinstance(tokenizer, PreTrainedTokenizerFast):
            raise ValueError(f"{model_dir}: a fast tokenizer (tokenizer.json) is required for offsets")
        return cls.for_model(model_dir, tokenizer, AutoConfig.from_pretrained(model_dir), max_length, stride)

    @classmethod
    def for_model(
        cls,
        model_dir: Path,
        tokenizer: PreTrainedTokenizerFast,
        config: PretrainedConfig,
        max_length: int,
        stride: int,
    ) -> Windowing:
        usable = usable_max_length(config, tokenizer, max_length)
        # Keep at least half of each window new text, whatever stride was asked for.
        capacity = window_capacity(tokenizer, usable)
        return cls(tokenizer, usable, min(stride, capacity // 2), tokenizer_fingerprint(model_dir))

    def chunk(self, text: str) -> TokenizedText:
        return chunk_document(self.tokenizer, text, self.max_length, self.stride)


def tokenize_text(tokenizer: PreTrainedTokenizerFast, text: str) -> tuple[np.ndarray, np.ndarray]:
    encoding = tokenizer(
        text,
        add_special_tokens=False,
        return_offsets_mapping=True,
        return_attention_mask=False,
        truncation=False,
        verbose=False,
    )
    ids = np.asarray(encoding["input_ids"], dtype=np.int32)
    offsets = np.asarray(encoding["offset_mapping"], dtype=np.int32).reshape(-1, 2)
    return ids, offsets


def chunk_document(tokenizer: PreTrainedTokenizerFast, text: str, max_length: int, stride: int) -> TokenizedText:
    ids, offsets = tokenize_text(tokenizer, text)
    windows = plan_windows(len(ids), window_capacity(tokenizer, max_length), stride)
    return TokenizedText(ids, offsets, windows)


def tokenizer_fingerprint(model_dir: Path) -> str:
    """Identifies the tokenizer, so windows built by one model are never fed to another."""
    digest = hashlib.sha256()
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        path = model_dir / name
        if path.exists():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    if digest.digest() == hashlib.sha256().digest():
        digest.update(json.dumps(str(model_dir)).encode())
    return digest.hexdigest()
