"""Our NER stages against `transformers.pipeline("token-classification", aggregation_strategy="first")`.

On texts that fit one window, entities equal the pipeline's (label, start, end), except where we are
deliberately better; each such difference has its own test below:
1. a newline ends a word (the pipeline glues "22-03-2023\\nMedarbejderen", transformers #12593/#23322);
2. trailing punctuation that is not part of the value is trimmed ("Frederiksberg." -> "Frederiksberg",
   while "kr." keeps its dot), and so is surrounding whitespace;
3. a bare "▁" piece never starts a word: the pipeline treats it as a word of its own, so its label can
   split or start an entity. The parity texts avoid words with bare pieces so that the comparison is
   exact; the bare-piece rule itself is covered by `test_words_whose_first_piece_is_bare_use_the_next_piece`.
"""

from __future__ import annotations

import json
import random
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from transformers import pipeline

from tests.model_factory import CORPUS
from worker.inference import EntitySpan, TokenClassifier

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def random_classifier(tiny_model_dir: Path) -> TokenClassifier:
    return TokenClassifier.load(tiny_model_dir, field_decoding=False, precision="fp32")


@pytest.fixture(scope="module")
def hf_pipeline(tiny_model_dir: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipeline("token-classification", model=str(tiny_model_dir), aggregation_strategy="first")


@pytest.fixture(scope="module")
def keyword_pipeline(keyword_dir: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipeline("token-classification", model=str(keyword_dir), aggregation_strategy="first")


def _has_bare_piece(classifier: TokenClassifier, word: str) -> bool:
    pieces = classifier.tokenizer.tokenize(" " + word)
    return any(not piece.strip("▁") for piece in pieces)


def _parity_texts(classifier: TokenClassifier, count: int) -> list[str]:
    words = sorted({re.sub(r"[^\wæøåÆØÅ]", "", w) for line in CORPUS for w in line.split()} - {""})
    plain = [w for w in words if not _has_bare_piece(classifier, w)]
    assert len(plain) >= 30, "the tiny tokenizer should segment most corpus words without bare pieces"
    rng = random.Random(7)
    return [" ".join(rng.choice(plain) for _ in range(rng.randint(1, 20))) for _ in range(count)]


def _spans(entities: list[EntitySpan]) -> list[tuple[str, int, int]]:
    return [(e.label, e.start, e.end) for e in entities]


def test_entities_equal_the_hf_pipeline_on_texts_that_fit_one_window(random_classifier, hf_pipeline) -> None:
    texts = _parity_texts(random_classifier, 60)
    ours = random_classifier.predict(texts)

    compared = 0
    for text, our_entities in zip(texts, ours, strict=True):
        assert len(random_classifier.preprocess(text).windows) == 1
        theirs = hf_pipeline(text)
        assert _spans(our_entities) == [(e["entity_group"], e["start"], e["end"]) for e in theirs], text
        for mine, reference in zip(our_entities, theirs, strict=True):
            assert mine.score == pytest.approx(float(reference["score"]), abs=1e-4)
            assert mine.text == text[mine.start : mine.end]
        compared += len(theirs)
    assert compared > 100, "a random model labels many words, so parity covers B/I grouping well"


def test_a_newline_ends_a_word_where_the_pipeline_glues_words(keyword_classifier, keyword_pipeline) -> None:
    text = "Tiltrædelsesdato: 22-03-2023\nMedarbejderen har en prøvetid"

    theirs = [(e["entity_group"], text[e["start"] : e["end"]]) for e in keyword_pipeline(text)]
    ours = [(e.label, e.text) for e in keyword_classifier.predict([text])[0]]

    assert theirs == [("START_DATE", "22-03-2023\nMedarbejderen")]
    assert ours == [("START_DATE", "22-03-2023")]


def test_trailing_punctuation_is_trimmed_unless_it_belongs_to_the_value(keyword_classifier, keyword_pipeline) -> None:
    text = "arbejdsstedet er Supervej 21, 2000 Frederiksberg. Lønnen udgør 32.500,00 kr. pr. måned"

    theirs = [(e["entity_group"], text[e["start"] : e["end"]]) for e in keyword_pipeline(text)]
    ours = [(e.label, e.text) for e in keyword_classifier.predict([text])[0]]

    assert ("WORKPLACE", "Supervej 21, 2000 Frederiksberg.") in theirs
    assert ours == [("WORKPLACE", "Supervej 21, 2000 Frederiksberg"), ("SALARY", "32.500,00 kr.")]


def test_words_whose_first_piece_is_bare_use_the_next_piece(keyword_classifier) -> None:
    text = "hos Nordlys ApS."
    assert keyword_classifier.tokenizer.tokenize(" ApS.")[0] == "▁ApS" or not _has_bare_piece(
        keyword_classifier, "ApS."
    )

    assert [(e.label, e.text) for e in keyword_classifier.predict([text])[0]] == [("EMPLOYER", "Nordlys ApS")]


def test_an_entity_across_a_window_boundary_comes_out_exactly_once(keyword_classifier) -> None:
    filler = "Medarbejderen har en prøvetid og arbejdsstedet er " * 3
    text = "".join(f"{filler}Supervej 21, 2000 Frederiksberg. " for _ in range(30))
    tokens = keyword_classifier.preprocess(text)
    assert len(tokens.windows) > 10

    starts = [m.start() for m in re.finditer("Supervej", text)]
    entity_tokens = [
        (int((tokens.offsets[:, 1] > s).argmax()), int((tokens.offsets[:, 0] < s + 31).nonzero()[0][-1]))
        for s in starts
    ]
    crossing = [(first, last) for first, last in entity_tokens for _, end in tokens.windows if first < end <= last]
    assert crossing, "at least one occurrence must straddle a window end for this test to mean anything"

    entities = keyword_classifier.predict([text])[0]

    assert [(e.label, e.start, e.text) for e in entities] == [
        ("WORKPLACE", s, "Supervej 21, 2000 Frederiksberg") for s in starts
    ]


def test_long_documents_are_batched_across_documents_with_the_same_result(random_classifier) -> None:
    texts = [" ".join(CORPUS) * n for n in (1, 3, 7)]

    together = random_classifier.predict(texts, batch_size=4)
    alone = [random_classifier.predict([t], batch_size=1)[0] for t in texts]

    assert [_spans(x) for x in together] == [_spans(x) for x in alone]
    assert all(e.text == t[e.start : e.end] for t, es in zip(texts, together, strict=True) for e in es)


def test_a_batch_ends_before_padding_would_exceed_five_percent() -> None:
    windows = [np.zeros(n, dtype=np.int64) for n in (510, 500, 498, 470, 460, 100, 99, 3)]

    batches = TokenClassifier.batch_order(windows, batch_size=3)

    assert [[len(windows[i]) for i in batch] for batch in batches] == [[510, 500, 498], [470, 460], [100, 99], [3]]
    for batch in batches:
        longest = len(windows[batch[0]]) + 2
        assert sum(len(windows[i]) + 2 for i in batch) >= 0.95 * longest * len(batch)


def test_on_the_dev_set_the_default_model_finds_the_same_spans_batched_across_documents_as_alone() -> None:
    """The ner worker batches windows of many documents into length-sorted, padded forward passes; the
    entities must not depend on which documents shared a batch (issue 4)."""
    dev = [json.loads(line) for line in (REPO_ROOT / "training" / "dev" / "dev.jsonl").open()]
    texts = [document["text"] for document in dev]
    classifier = TokenClassifier.load(REPO_ROOT / "training" / "default-model")
    tokenized = [classifier.preprocess(text) for text in texts]
    assert sum(len(tokens.windows) for tokens in tokenized) > len(texts), "some documents need several windows"

    together = classifier.predict_tokenized(texts, tokenized, batch_size=16)
    alone = [
        classifier.predict_tokenized([text], [tokens], batch_size=1)[0]
        for text, tokens in zip(texts, tokenized, strict=True)
    ]

    assert [_spans(x) for x in together] == [_spans(x) for x in alone]
    assert sum(len(x) for x in together) > 300


def test_the_classifier_is_built_as_the_settings_say(keyword_dir: Path, tmp_path: Path) -> None:
    import torch

    from models.settings import Settings

    settings = Settings(
        model=keyword_dir, precision="bf16", field_decoding=False, max_length=32, stride=8, data_dir=tmp_path
    )

    classifier = TokenClassifier.from_settings(settings)

    assert next(classifier.model.parameters()).dtype == torch.bfloat16
    assert classifier.fields is None
    assert (classifier.windowing.max_length, classifier.windowing.stride) == (32, 8)
    assert classifier.onnx is None
