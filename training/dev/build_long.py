"""Build `long.jsonl` (the long dev set) from its annotated sources in `long_documents.py`.

    python -m training.dev.build_long      # writes training/dev/long.jsonl and checks every span

A source marks each entity inline as ``[[LABEL|text]]``; the builder removes the marks and records
(label, text, start, end) so that ``text[start:end]`` is the entity's text. ``<<D:style:first:count:skip>>``
inserts `count` clauses of `long_distractors.DISTRACTORS` (from index `skip`, numbered from `first` in the
document's own heading style), ``<<PAGE>>`` ends a page: a form feed, with the document's footer and header
around it as PDF extraction leaves them. This file is evaluation data: never train on it or on its sources.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from training.dev.long_distractors import DISTRACTORS
from training.dev.long_documents import DOCUMENTS, LongDocument

_MARK = re.compile(r"\[\[([A-Z_]+)\|([^\[\]]+?)\]\]")
_DISTRACT = re.compile(r"<<D:(\w+):(\d+):(\d+):(\d+)>>")
OUT = Path(__file__).with_name("long.jsonl")


def _heading(style: str, number: int, title: str) -> str:
    if style == "para":
        return f"§ {number}. {title}"
    if style == "num":
        return f"{number}. {title}"
    if style == "caps":
        return f"{number}. {title.upper()}"
    if style == "pkt":
        return f"Punkt {number} – {title}"
    return title


def _distractors(match: re.Match[str]) -> str:
    style, first, count, skip = match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4))
    clauses = [DISTRACTORS[(skip + i) % len(DISTRACTORS)] for i in range(count)]
    return "\n\n".join(f"{_heading(style, first + i, title)}\n{body}" for i, (title, body) in enumerate(clauses))


def _paginate(doc: LongDocument, body: str) -> str:
    pages = body.split("<<PAGE>>")
    out = []
    for n, page in enumerate(pages, start=1):
        head = doc.header.format(n=n, total=len(pages)) + "\n\n" if doc.header and n > 1 else ""
        foot = "\n\n" + doc.footer.format(n=n, total=len(pages)) if doc.footer else ""
        out.append(head + page.strip("\n") + foot)
    return "\n\f".join(out)


def build(doc: LongDocument) -> dict[str, object]:
    source = _paginate(doc, _DISTRACT.sub(_distractors, doc.source))
    text_parts: list[str] = []
    entities: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    position = 0
    length = 0
    for match in _MARK.finditer(source):
        text_parts.append(source[position : match.start()])
        length += match.start() - position
        label, value = match.group(1), match.group(2)
        start = length
        text_parts.append(value)
        length += len(value)
        position = match.end()
        if (label, value) not in seen:  # a fact stated several times with the same text is listed once
            seen.add((label, value))
            entities.append({"label": label, "text": value, "start": start, "end": start + len(value)})
    text_parts.append(source[position:])
    text = "".join(text_parts)
    for entity in entities:
        assert text[entity["start"] : entity["end"]] == entity["text"], (doc.id, entity)
    assert "[[" not in text and "]]" not in text and "<<" not in text, doc.id
    row: dict[str, object] = {"id": doc.id, "style": doc.style, "text": text, "entities": entities}
    if doc.contracts > 1:
        row["contracts"] = doc.contracts
    return row


def main() -> None:
    rows = [build(doc) for doc in DOCUMENTS]
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    chars = [len(str(row["text"])) for row in rows]
    print(f"{len(rows)} documents, {sum(chars)} characters, mean {sum(chars) / len(rows):.0f}, min {min(chars)}")


if __name__ == "__main__":
    main()
