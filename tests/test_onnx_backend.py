"""The ONNX Runtime forward backends (`worker.onnx_runtime`) on a real export of the tiny random XLM-R:
fp32 ONNX gives the torch path's spans, int8 gives valid spans through the same API, and the export is
cached by weights hash outside the model directory."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from models.settings import Settings
from tests.model_factory import CORPUS
from worker.inference import EntitySpan, TokenClassifier


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


# The raw word groups: a backend's job ends at the probabilities, and field decoding (tested in
# test_fields.py) would drop most of what a random model labels.
@pytest.fixture(scope="module")
def torch_classifier(tiny_model_dir: Path) -> TokenClassifier:
    return TokenClassifier.load(tiny_model_dir, precision="fp32", field_decoding=False)


@pytest.fixture(scope="module")
def onnx_classifier(tiny_model_dir: Path, onnx_cache: Path) -> TokenClassifier:
    return TokenClassifier.load(tiny_model_dir, backend="onnx", onnx_cache=onnx_cache, field_decoding=False)


@pytest.fixture(scope="module")
def int8_classifier(tiny_model_dir: Path, onnx_cache: Path) -> TokenClassifier:
    return TokenClassifier.load(tiny_model_dir, backend="onnx-int8", onnx_cache=onnx_cache, field_decoding=False)


def _texts() -> list[str]:
    words = " ".join(CORPUS).split()
    rng = random.Random(11)
    short = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 25))) for _ in range(20)]
    # Several windows each, and windows of different lengths share padded batches.
    long = ["\n".join(CORPUS) * n for n in (2, 5)]
    return short + long


def _spans(documents: list[list[EntitySpan]]) -> list[list[tuple[str, int, int]]]:
    return [[(e.label, e.start, e.end) for e in doc] for doc in documents]


def test_onnx_fp32_gives_the_torch_spans(torch_classifier, onnx_classifier) -> None:
    texts = _texts()
    assert any(len(torch_classifier.preprocess(t).windows) > 1 for t in texts)

    expected = torch_classifier.predict(texts, batch_size=4)
    got = onnx_classifier.predict(texts, batch_size=4)

    assert _spans(got) == _spans(expected)
    assert sum(map(len, got)) > 50, "a random model labels many words"
    for mine, reference in zip(got, expected, strict=True):
        assert [e.score for e in mine] == pytest.approx([e.score for e in reference], abs=1e-4)


def test_onnx_int8_gives_valid_spans_through_the_same_api(torch_classifier, int8_classifier) -> None:
    texts = _texts()
    windows = [torch_classifier.preprocess(t).token_ids[:60] for t in texts]

    probs = int8_classifier.forward(windows, batch_size=4)
    reference = torch_classifier.forward(windows, batch_size=4)
    entities = int8_classifier.predict(texts, batch_size=4)

    assert [p.shape for p in probs] == [r.shape for r in reference]
    assert all(np.allclose(p.sum(axis=1), 1.0, atol=1e-5) for p in probs)
    agreement = np.mean(np.concatenate([p.argmax(1) == r.argmax(1) for p, r in zip(probs, reference, strict=True)]))
    assert agreement > 0.8, f"int8 should mostly keep the fp32 labels, agreement {agreement:.3f}"
    assert sum(map(len, entities)) > 50
    labels = {label.split("-", 1)[-1] for label in torch_classifier.labels} - {"O"}
    for text, doc in zip(texts, entities, strict=True):
        for e in doc:
            assert e.label in labels
            assert 0 <= e.start < e.end <= len(text) and e.text == text[e.start : e.end]
            assert 0.0 <= e.score <= 1.0


def test_the_export_is_cached_by_weights_hash_outside_the_model_dir(
    tiny_model_dir: Path, onnx_cache: Path, int8_classifier: TokenClassifier
) -> None:
    assert int8_classifier.onnx is not None
    path = int8_classifier.onnx.path
    assert path.parent == onnx_cache / int8_classifier.weights_sha256
    assert sorted(p.name for p in path.parent.iterdir()) == ["model-v2-int8.onnx", "model-v2.onnx"]
    assert not list(tiny_model_dir.glob("**/*.onnx"))
    stamp = path.stat().st_mtime_ns

    again = TokenClassifier.load(tiny_model_dir, backend="onnx-int8", onnx_cache=onnx_cache, field_decoding=False)

    assert again.onnx is not None and again.onnx.path == path and path.stat().st_mtime_ns == stamp


def test_the_torch_backend_is_the_default_and_onnx_is_cpu_fp32_only(tiny_model_dir: Path, onnx_cache: Path) -> None:
    assert Settings().backend == "torch"
    assert Settings(backend="onnx-int8").backend == "onnx-int8"
    with pytest.raises(ValueError):
        Settings(backend="tensorrt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cpu in fp32"):
        TokenClassifier.load(tiny_model_dir, precision="bf16", backend="onnx-int8", onnx_cache=onnx_cache)
    with pytest.raises(ValueError, match="backend must be"):
        TokenClassifier.load(tiny_model_dir, backend="openvino")  # type: ignore[arg-type]
