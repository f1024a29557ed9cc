"""Document-level decoding of contract fields, after the pipeline-equivalent word grouping.

Token classification labels each word on its own; a contract's facts have structure it cannot see:
one employer, one start date, one salary, and names whose words belong together. Two steps use that:

1. `merge_split_values`: words of one name that the model split between labels ("Fjordlys" EMPLOYER,
   "Boligadministration" EMPLOYEE, "ApS" EMPLOYER) or a single-valued value split by a stray B- tag
   ("kr." + "28.412,55") are one span, labelled by the words' weighted vote.
2. `keep_best_values`: for a single-valued label only the mentions of the best-supported value stay
   (the largest sum of mention scores, so a name that recurs in header, body and signature outweighs
   a one-off union, authority or client name). Every mention of that value is kept with its offsets.

Which labels are single-valued and which are names is the label schema's business: a checkpoint may
declare its own in config.json (`single_valued_labels`, `name_labels`); unknown labels are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from worker.spans import EntitySpan

# The default label schema (training/README.md).
SINGLE_VALUED_LABELS = (
    "EMPLOYER", "EMPLOYEE", "JOB_TITLE", "WORKPLACE", "START_DATE", "END_DATE", "WORKING_HOURS", "SALARY",
    "PROBATION_PERIOD",
)  # fmt: skip
NAME_LABELS = ("EMPLOYER", "EMPLOYEE", "JOB_TITLE", "WORKPLACE")
# Between two parts of one value: spaces, never a line break or punctuation (a comma ends a name).
_JOINING_GAP = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class FieldSchema:
    single_valued: frozenset[str]
    names: frozenset[str]

    @classmethod
    def from_labels(
        cls, single_valued: Iterable[str] = SINGLE_VALUED_LABELS, names: Iterable[str] = NAME_LABELS
    ) -> FieldSchema:
        return cls(frozenset(single_valued), frozenset(names))


def value_key(text: str) -> str:
    """Mentions of the same value: case, inner whitespace and trailing punctuation do not matter."""
    return " ".join(text.casefold().split()).rstrip(".,;:")


def _joins(text: str, left: EntitySpan, right: EntitySpan, schema: FieldSchema) -> bool:
    if not _JOINING_GAP.fullmatch(text, left.end, right.start):
        return False
    if left.label in schema.names and right.label in schema.names:
        return True
    return left.label == right.label and left.label in schema.single_valued


def merge_split_values(text: str, entities: Sequence[EntitySpan], schema: FieldSchema) -> list[EntitySpan]:
    """Join adjacent spans that are parts of one value; `entities` in document order."""
    merged: list[EntitySpan] = []
    run: list[EntitySpan] = []

    def close_run() -> None:
        if len(run) == 1:
            merged.append(run[0])
        elif run:
            votes: dict[str, float] = {}
            for part in run:
                votes[part.label] = votes.get(part.label, 0.0) + part.score * len(part.text.split())
            label = max(votes, key=lambda candidate: votes[candidate])
            start, end = run[0].start, run[-1].end
            words = sum(len(part.text.split()) for part in run)
            merged.append(EntitySpan(label, start, end, text[start:end], votes[label] / words))
        run.clear()

    for entity in entities:
        if run and not _joins(text, run[-1], entity, schema):
            close_run()
        run.append(entity)
    close_run()
    return merged


def keep_best_values(entities: Sequence[EntitySpan], schema: FieldSchema) -> list[EntitySpan]:
    """Only the best-supported value of each single-valued label, with all its mentions."""
    support: dict[tuple[str, str], float] = {}
    for entity in entities:
        if entity.label in schema.single_valued:
            key = (entity.label, value_key(entity.text))
            support[key] = support.get(key, 0.0) + entity.score
    best: dict[str, tuple[float, str]] = {}
    for (label, value), total in support.items():
        if label not in best or total > best[label][0]:
            best[label] = (total, value)
    return [e for e in entities if e.label not in best or value_key(e.text) == best[e.label][1]]


def decode_fields(text: str, entities: Sequence[EntitySpan], schema: FieldSchema) -> list[EntitySpan]:
    return keep_best_values(merge_split_values(text, entities, schema), schema)
