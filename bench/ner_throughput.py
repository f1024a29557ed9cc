"""NER-stage throughput: our batched engine vs the Hugging Face pipeline, side by side in one run.

    python -m bench.ner_throughput [--model training/default-model] [--docs 40] [--rounds 3]
    python -m bench.ner_throughput --base-sized --docs 8 --max-pages 12
    python -m bench.ner_throughput --backend onnx-int8 [--backend onnx] --docs 30 --rounds 2

Ours: the extract stage has already tokenized and planned windows (as in production), so the NER stage
is forward (windows of all documents in length-sorted batches, padded per batch) + postprocess
(stitching, vectorised word aggregation). We also time tokenization separately, so "ours incl.
tokenize" compares like for like with the baselines, which tokenize inside the pipeline.
Baselines, same model, same documents, alternating with ours in every round:
  B0  pipeline("token-classification", aggregation_strategy="first", stride=S) called once per document
  B1  the same pipeline given the whole list with batch_size=32
Each `--backend` adds a row beside ours (torch): the same engine with its forward stage in ONNX Runtime
(`onnx` fp32, `onnx-int8` dynamic int8; see worker.onnx_runtime), exported once before timing.
Prints real tokens/s, padded tokens/s, padding efficiency, windows/s, docs/s and the ratios.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import cast

import torch
from transformers import AutoTokenizer, XLMRobertaConfig, XLMRobertaForTokenClassification, pipeline

from bench.corpus import benchmark_documents, describe
from models.settings import DEFAULT_MODEL_PATH
from worker.inference import TokenClassifier
from worker.onnx_runtime import BACKENDS, Backend


def base_sized_copy(model_dir: Path, out_dir: Path) -> Path:
    """An xlm-roberta-base-sized model (12 layers, 768 wide) with random weights and the same tokenizer
    and labels: speed does not depend on the weights."""
    source = XLMRobertaConfig.from_pretrained(model_dir)
    config = XLMRobertaConfig(
        vocab_size=source.vocab_size,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=514,
        pad_token_id=source.pad_token_id,
        id2label=source.id2label,
        label2id=source.label2id,
    )
    torch.manual_seed(0)
    XLMRobertaForTokenClassification(config).save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(model_dir).save_pretrained(out_dir)
    return out_dir


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


# Dense bf16 peaks (no sparsity) of the GPUs this project is benchmarked on.
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L4": 121.0}


def known_peak_tflops(device: str) -> float | None:
    if not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name(torch.device(device))
    return next((peak for gpu, peak in PEAK_TFLOPS.items() if gpu in name), None)


def flops_per_token(classifier: TokenClassifier, mean_length: float) -> float:
    """2 x the non-embedding parameters (every weight one multiply-add per token) plus attention's
    scores and weighted sum, 4 x layers x hidden x context, as in Kaplan et al. (2020)."""
    config = classifier.model.config
    embedding = sum(p.numel() for name, p in classifier.model.named_parameters() if "embeddings" in name)
    parameters = sum(p.numel() for p in classifier.model.parameters()) - embedding
    return 2 * parameters + 4 * config.num_hidden_layers * config.hidden_size * mean_length


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--base-sized", action="store_true", help="random xlm-roberta-base-sized weights")
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--max-pages", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16, help="our windows per forward pass")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"], help="ours only")
    parser.add_argument(
        "--backend",
        action="append",
        default=[],
        choices=[b for b in BACKENDS if b != "torch"],
        help="also time ours with this forward backend (cpu, fp32 model); repeatable",
    )
    parser.add_argument(
        "--also-precision",
        action="append",
        default=[],
        choices=["fp32", "bf16", "fp16"],
        help="also time ours (torch) in this precision beside --precision; repeatable",
    )
    parser.add_argument(
        "--peak-tflops",
        type=float,
        default=None,
        help="the device's dense peak for ours' dtype, for MFU (default: known GPUs, e.g. H100/H200 bf16 989)",
    )
    parser.add_argument("--onnx-cache", type=Path, default=None, help="default: settings.data_dir/onnx")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")

    model_dir = args.model
    if args.base_sized:
        model_dir = base_sized_copy(args.model, Path(tempfile.mkdtemp(prefix="base-sized-")))
    documents = benchmark_documents(args.docs, max_pages=args.max_pages)
    ours = TokenClassifier.load(model_dir, device=args.device, precision=args.precision)
    onnx_cache = args.onnx_cache
    if args.base_sized and onnx_cache is None:
        onnx_cache = model_dir / "onnx-cache"  # a throw-away model: keep its export out of data_dir
    extra: dict[str, TokenClassifier] = {}
    for precision in dict.fromkeys(args.also_precision):
        extra[precision] = TokenClassifier.load(model_dir, device=args.device, precision=precision)
    for backend in dict.fromkeys(args.backend):
        started = time.perf_counter()
        classifier = TokenClassifier.load(model_dir, backend=cast(Backend, backend), onnx_cache=onnx_cache)
        extra[backend] = classifier
        print(f"{backend}: export/load {time.perf_counter() - started:.1f}s", classifier.onnx and classifier.onnx.path)
    stride = ours.windowing.stride
    # The same window length for both: the pipeline takes it from the tokenizer's model_max_length.
    hf_tokenizer = AutoTokenizer.from_pretrained(model_dir, model_max_length=ours.windowing.max_length)
    hf = pipeline(
        "token-classification",
        model=str(model_dir),
        tokenizer=hf_tokenizer,
        aggregation_strategy="first",
        stride=stride,
        device=args.device,
    )

    tokenize_s = timed(lambda: [ours.preprocess(d) for d in documents])
    tokenized = [ours.preprocess(d) for d in documents]
    windows = sum(len(t.windows) for t in tokenized)
    real_tokens = sum(e - s + 2 for t in tokenized for s, e in t.windows)
    padded_tokens = ours.padded_tokens([t.token_ids[s:e] for t in tokenized for s, e in t.windows], args.batch_size)

    engines = {"ours": ours} | {f"ours[{backend}]": classifier for backend, classifier in extra.items()}

    def run_ours(classifier: TokenClassifier) -> Callable[[], object]:
        return lambda: classifier.predict_tokenized(documents, tokenized, batch_size=args.batch_size)

    runs: dict[str, Callable[[], object]] = {name: run_ours(classifier) for name, classifier in engines.items()}
    runs["B0"] = lambda: [hf(d) for d in documents]
    runs["B1"] = lambda: hf(documents, batch_size=32)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for classifier in engines.values():
        classifier.predict_tokenized(documents[:2], tokenized[:2])  # warm-up: first-call allocations
    hf(documents[0])
    for round_index in range(args.rounds):
        shift = round_index % len(runs)
        order = list(runs)[shift:] + list(runs)[:shift]
        for name in order:
            times[name].append(timed(runs[name]))
    median = {name: statistics.median(values) for name, values in times.items()}

    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, {args.device}")
    parameters = sum(p.numel() for p in ours.model.parameters())
    print(f"model: {model_dir} ({parameters / 1e6:.1f}M parameters, ours in {next(ours.model.parameters()).dtype})")
    print(f"corpus: {describe(documents)}; {windows} windows, {real_tokens} real tokens")
    print(f"rounds: {args.rounds} (alternating order), medians in seconds: " + ", ".join(
        f"{k}={v:.2f}" for k, v in median.items()))  # fmt: skip
    for engine in engines:
        ner_s = median[engine]
        print(f"{engine:<6} NER stage: {real_tokens / ner_s:,.0f} real tokens/s, {padded_tokens / ner_s:,.0f} padded "
              f"tokens/s, padding efficiency {real_tokens / padded_tokens:.3f}, {windows / ner_s:,.1f} windows/s, "
              f"{len(documents) / ner_s:.2f} docs/s")  # fmt: skip
        print(f"{engine:<6} incl. tokenize ({tokenize_s:.2f}s): {len(documents) / (ner_s + tokenize_s):.2f} docs/s")
    for name in ("B0", "B1"):
        print(f"{name}     {real_tokens / median[name]:,.0f} real tokens/s, {len(documents) / median[name]:.2f} docs/s")
    flops = flops_per_token(ours, real_tokens / windows)
    peak = args.peak_tflops or known_peak_tflops(args.device)
    print(f"model FLOPs per real token (forward, incl. attention at the mean window length): {flops / 1e6:.1f}M")
    if peak:
        achieved = real_tokens / median["ours"] * flops / 1e12
        print(f"MFU ours: {achieved:.2f} TFLOP/s of {peak:g} peak = {achieved / peak:.1%}")
    for engine in engines:
        ner_s = median[engine]
        for name in ("B0", "B1"):
            print(f"ratio  {engine}/{name}: NER stage {median[name] / ner_s:.2f}x, incl. tokenize "
                  f"{median[name] / (ner_s + tokenize_s):.2f}x")  # fmt: skip
        if engine != "ours":
            print(f"ratio  {engine}/ours: NER stage {median['ours'] / ner_s:.2f}x")


if __name__ == "__main__":
    main()
