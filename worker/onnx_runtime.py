"""ONNX Runtime backends for the forward stage on CPU: `onnx` (fp32) and `onnx-int8` (dynamic int8).

The checkpoint is exported once per weights hash into a cache directory (by default
`settings.data_dir / "onnx" / <weights sha256>`, never the model directory), then, for `onnx-int8`,
quantized with `onnxruntime.quantization.quantize_dynamic`: linear-layer and fused-attention weights
become per-channel QInt8 (embeddings stay fp32), activations are quantized per batch at run time.
Only `TokenClassifier.forward` uses the session; preprocess and postprocess are the torch path's, so
spans are built identically.

Export uses `torch.onnx.export(dynamo=False)` (the TorchScript exporter, dynamic batch and sequence axes,
opset 17). Optimum's exporter is not used: optimum 2.x moved it to `optimum-onnx`, whose only release
(0.1.0) pins transformers<4.58 and would downgrade our transformers 5.x. The torch.export-based exporter
(`dynamo=True`) would add onnxscript as a dependency. Since tracing can freeze Python branches, every
export is checked against the torch model on a batch of another shape before it is cached.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import torch
from transformers import AutoModelForTokenClassification, PreTrainedModel

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[str, ...] = get_args(Backend)
ONNX_OPSET = 17
# Part of the cache key: bump when the export or quantization recipe changes.
_RECIPE = "v2"
_INPUTS = ("input_ids", "attention_mask")


def cache_root_default() -> Path:
    from models.settings import get_settings

    return get_settings().data_dir / "onnx"


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Concurrent workers may export the same model: each writes its own file, the last rename wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".onnx")
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def export_fp32(model_dir: Path, path: Path, pad_id: int) -> None:
    """Trace the fp32 model to ONNX (dynamic batch and sequence axes), then fuse it for ONNX Runtime.

    The trace uses eager attention: its MatMul/Softmax pattern is what `onnxruntime.transformers`
    fuses into one `Attention` op per layer (the SDPA trace is not fused), which dynamic quantization
    then turns into `QAttention`."""
    from onnxruntime.transformers.optimizer import optimize_model

    model = AutoModelForTokenClassification.from_pretrained(
        model_dir, dtype=torch.float32, attn_implementation="eager"
    ).eval()
    ids = torch.full((2, 16), 5, dtype=torch.long)
    attention = torch.ones_like(ids)
    attention[1, 9:] = 0  # trace the padded case, so the mask path is what gets recorded
    ids[1, 9:] = pad_id
    axes = {name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "logits")}

    def write(target: Path) -> None:
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            traced = Path(scratch) / "traced.onnx"
            with warnings.catch_warnings():
                # Tracer notes on shape checks and index ops: `_check_export` below is the real test.
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    model,
                    (ids, attention),
                    str(traced),
                    input_names=list(_INPUTS),
                    output_names=["logits"],
                    dynamic_axes=axes,
                    opset_version=ONNX_OPSET,
                    dynamo=False,
                )
            config = model.config
            fused = optimize_model(
                str(traced),
                model_type="bert",
                num_heads=int(config.num_attention_heads),
                hidden_size=int(config.hidden_size),
                opt_level=0,
            )
            fused.save_model_to_file(str(target))
        _check_export(model, target, pad_id)

    _write_atomically(path, write)


def _check_export(model: PreTrainedModel, path: Path, pad_id: int) -> None:
    generator = torch.Generator().manual_seed(0)
    vocab = int(model.config.vocab_size)
    ids = torch.randint(5, vocab, (3, 29), generator=generator)
    attention = torch.ones_like(ids)
    attention[1, 20:] = 0
    attention[2, 7:] = 0
    ids[attention == 0] = pad_id
    with torch.inference_mode():
        expected = model(input_ids=ids, attention_mask=attention).logits.numpy()
    session = _session(path, threads=1)
    got = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": attention.numpy()})[0]
    real = attention.numpy().astype(bool)
    if not np.allclose(got[real], expected[real], atol=1e-3, rtol=1e-3):
        raise RuntimeError(f"ONNX export of {model.config.name_or_path} does not match the torch model")


def quantize_int8(source: Path, path: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def write(target: Path) -> None:
        quantize_dynamic(
            source,
            target,
            # Linear layers and fused attention; embeddings (Gather) stay fp32.
            op_types_to_quantize=["MatMul", "Attention"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            # Fused ops (com.microsoft domain) defeat ONNX shape inference: their outputs are float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )

    _write_atomically(path, write)


def prepared_model(model_dir: Path, weights_sha256: str, backend: Backend, cache_root: Path, pad_id: int) -> Path:
    """The cached ONNX file for `backend`, exported (and quantized) on first use."""
    directory = cache_root / weights_sha256
    fp32 = directory / f"model-{_RECIPE}.onnx"
    if not fp32.exists():
        export_fp32(model_dir, fp32, pad_id)
    if backend == "onnx":
        return fp32
    int8 = directory / f"model-{_RECIPE}-int8.onnx"
    if not int8.exists():
        quantize_int8(fp32, int8)
    return int8


def _session(path: Path, threads: int):  # -> onnxruntime.InferenceSession
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxForward:
    """An ONNX Runtime session that maps padded (input_ids, attention_mask) to class probabilities."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = path
        self.session = _session(path, threads or torch.get_num_threads())

    @classmethod
    def for_model(
        cls, model_dir: Path, weights_sha256: str, backend: Backend, cache_root: Path | None, pad_id: int
    ) -> OnnxForward:
        if backend == "torch":
            raise ValueError("the torch backend does not use ONNX Runtime")
        root = cache_root if cache_root is not None else cache_root_default()
        return cls(prepared_model(model_dir, weights_sha256, backend, root, pad_id))

    def probabilities(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        logits = self.session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})[0]
        logits = logits.astype(np.float32, copy=False)
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
