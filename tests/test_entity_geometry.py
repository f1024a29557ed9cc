"""Entity boxes cover their characters: on generated PDFs whose every glyph we placed ourselves (several
fonts, sizes, page formats, paragraphs wrapped by our own line breaker), each line box of each entity
overlaps the true box of the entity's glyphs on that line with IoU >= 0.9, wrapped entities included
(one box per line). `bench/entity_geometry.py` prints the same measure over more documents."""

from __future__ import annotations

from bench.entity_geometry import iou, measure, placed_document, true_line_boxes
from models.page_geometry import WordIndex
from worker.extraction import PdfExtractor


def test_every_line_box_of_every_entity_covers_its_glyphs() -> None:
    scores = measure(documents=4, entities_per_document=30, seed=11)

    assert scores.wrapped_entities >= 5, "the sample must hold entities that wrap, or it proves little"
    assert min(scores.ours) >= 0.9
    # The baseline that draws one box per entity misses wrapped lines: the measure can tell them apart.
    assert min(scores.one_box) < 0.5


def test_an_entity_that_wraps_gets_one_box_per_line_in_text_order() -> None:
    placed = placed_document(seed=3)
    extracted = PdfExtractor().extract(placed.pdf)
    line_end = placed.text.index("\n")
    start = placed.text.rindex(" ", 0, line_end) + 1  # the last word of the first line ...
    end = placed.text.index(" ", line_end)  # ... and the first word of the second

    boxes = WordIndex(extracted.words).entity_boxes(start, end)
    truth = true_line_boxes(placed, start, end)

    assert len(boxes) == len(truth) == 2
    assert [box[0] for box in boxes] == [page for page, _box in truth] == [1, 1]
    assert all(iou((b[1], b[2], b[3], b[4]), t) >= 0.9 for b, (_page, t) in zip(boxes, truth, strict=True))
    assert boxes[0][2] < boxes[1][2]  # the first line above the second
