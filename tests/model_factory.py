"""Tiny real XLM-R checkpoints for tests: a SentencePiece-Unigram tokenizer trained on Danish contract
sentences, wrapped as XLMRobertaTokenizerFast, and an XLMRobertaForTokenClassification that is either
randomly initialised (parity tests) or wired so that chosen words get chosen labels (boundary tests).
They go through exactly the code path of a production xlm-roberta-base checkpoint, in seconds."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import XLMRobertaConfig, XLMRobertaForTokenClassification, XLMRobertaTokenizerFast  # type: ignore[attr-defined]

LABELS = ["O"] + [f"{bi}-{kind}" for kind in ("EMPLOYER", "START_DATE", "SALARY", "WORKPLACE") for bi in ("B", "I")]

CORPUS = [
    "Ansættelseskontrakt mellem Nordlys ApS og Mette Hansen om ansættelse som salgskonsulent",
    "Ansættelsen tiltrædes den 1. januar 2024 og arbejdsstedet er Supervej 21, 2000 Frederiksberg.",
    "Lønnen udgør 32.500,00 kr. pr. måned og den ugentlige arbejdstid er 37 timer.",
    "Medarbejderen indbetaler 8 % af lønnen til pension og opsigelsesvarslet er 3 måneder.",
    "Tiltrædelsesdato: 22-03-2023\nMedarbejderen har en prøvetid på tre måneder",
    "Arbejdsgiver: Aalborg Kommune, Boulevarden 13, 9000 Aalborg. Løn: DKK 42.000 om måneden.",
    "Timeløn kr. 168,40 fra 01.08.2024 i Frederiksberg og København for Nordlys ApS",
    "Ansættelsen ophører uden yderligere varsel den 31. december 2025 ifølge aftalen mellem parterne",
]


def build_tokenizer(out_dir: Path, vocab_size: int = 1000, whole_words: Sequence[str] = ()) -> XLMRobertaTokenizerFast:
    """Train the Unigram model on CORPUS; `whole_words` are then added as single pieces ("▁word")
    that Viterbi segmentation prefers, as a larger trained vocabulary would have them."""
    tokenizer = Tokenizer(models.Unigram())
    # Like XLM-R's own normalizer: every whitespace (newlines too) becomes a space, offsets kept.
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(r"\s"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        unk_token="<unk>",
    )
    tokenizer.train_from_iterator(CORPUS * 20, trainer)
    if whole_words:
        spec = json.loads(tokenizer.to_str())
        known = {piece for piece, _ in spec["model"]["vocab"]}
        spec["model"]["vocab"] += [[f"▁{w}", -1.0] for w in dict.fromkeys(whole_words) if f"▁{w}" not in known]
        tokenizer = Tokenizer.from_str(json.dumps(spec))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )
    fast.save_pretrained(out_dir)
    return fast


def _config(tokenizer: XLMRobertaTokenizerFast, layers: int, max_positions: int) -> XLMRobertaConfig:
    return XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )


def build_random_model(out_dir: Path, seed: int = 0, max_positions: int = 130) -> Path:
    """A 2-layer XLM-R with random weights: its predictions are arbitrary but deterministic."""
    tokenizer = build_tokenizer(out_dir)
    torch.manual_seed(seed)
    model = XLMRobertaForTokenClassification(_config(tokenizer, layers=2, max_positions=max_positions))
    model.save_pretrained(out_dir)
    return out_dir


def build_keyword_model(out_dir: Path, word_labels: Mapping[str, str], max_positions: int = 66) -> Path:
    """An XLM-R with no encoder layers whose output for a token depends on that token alone.

    Every vocabulary piece that is the first piece of a word in `word_labels` predicts that word's
    label; every other piece predicts "O". With no attention there is no context, so the label of
    each token is the same in every window, which is what boundary tests need."""
    tokenizer = build_tokenizer(out_dir, whole_words=list(word_labels))
    config = _config(tokenizer, layers=0, max_positions=max_positions)
    model = XLMRobertaForTokenClassification(config)
    label_count = len(LABELS)
    with torch.no_grad():
        embeddings = model.roberta.embeddings
        embeddings.word_embeddings.weight.zero_()
        embeddings.position_embeddings.weight.zero_()
        embeddings.token_type_embeddings.weight.zero_()
        embeddings.LayerNorm.weight.fill_(1.0)
        embeddings.LayerNorm.bias.zero_()
        hidden = config.hidden_size
        # Piece -> one-hot over the first `label_count` dims, balanced by the last dim so that
        # LayerNorm keeps the sign pattern; the classifier reads the one-hot back.
        targets = torch.zeros(len(tokenizer), dtype=torch.long)
        for word, label in word_labels.items():
            piece_ids = tokenizer(word, add_special_tokens=False)["input_ids"]
            first = next(i for i in piece_ids if tokenizer.convert_ids_to_tokens(i).strip("▁"))
            if targets[first] not in (0, LABELS.index(label)):
                raise ValueError(f"{word!r} shares its first piece with another keyword")
            targets[first] = LABELS.index(label)
        vectors = torch.zeros(len(tokenizer), hidden)
        vectors[torch.arange(len(tokenizer)), targets] = 10.0
        vectors[:, hidden - 1] = -10.0
        embeddings.word_embeddings.weight.copy_(vectors)
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.weight[:, :label_count] = torch.eye(label_count) * 5.0
    model.save_pretrained(out_dir)
    return out_dir
