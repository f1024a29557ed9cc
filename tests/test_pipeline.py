"""The pipeline's plain functions on the real Postgres: intake, extract + windows, NER, failures."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.intake import RejectedUpload, submit_document
from models.schema import Document, Entity, Job, JobState
from tests.documents import FILLER, make_gif, make_pdf, make_scan
from worker.extraction import ExtractionError
from worker.inference import TokenClassifier
from worker.pipeline import (
    EXTRACT,
    NER,
    OCR,
    begin_stage,
    extract_document,
    fail_document,
    recognize_entities,
    recognize_text,
)

ADDRESS = "Supervej 21, 2000 Frederiksberg."


def process(session: Session, document: Document, classifier: TokenClassifier) -> Document:
    """Both stages in order, as the two Celery tasks run them."""
    assert begin_stage(session, document.id, EXTRACT)
    extract_document(session, document.id, classifier.windowing)
    assert begin_stage(session, document.id, NER)
    recognize_entities(session, [document.id], classifier)
    session.refresh(document)
    return document


def test_an_upload_writes_the_document_its_bytes_and_an_extract_job(db_session: Session) -> None:
    submission = submit_document(db_session, "Nordlys ApS ansætter Mette.".encode(), filename="../../etc/passwd")

    document = submission.document
    assert submission.created
    assert document.status == "queued"
    assert document.content_type == "text/plain"
    assert document.filename == "passwd"  # metadata only: the last path component, never a path
    assert [(j.stage, j.state) for j in document.jobs] == [("extract", JobState.queued)]


def test_the_same_bytes_again_return_the_existing_document(db_session: Session) -> None:
    first = submit_document(db_session, "Nordlys ApS ansætter Mette.".encode())
    second = submit_document(db_session, "Nordlys ApS ansætter Mette.".encode(), filename="kopi.txt")

    assert not second.created
    assert second.document.id == first.document.id
    assert db_session.scalar(select(func.count()).select_from(Document)) == 1


@pytest.mark.parametrize(
    ("data", "status", "code"), [(b"", 400, "empty"), (make_gif(), 415, "unsupported_type")], ids=["empty", "gif"]
)
def test_unreadable_uploads_are_refused_before_anything_is_stored(
    db_session: Session, data: bytes, status: int, code: str
) -> None:
    with pytest.raises(RejectedUpload) as refusal:
        submit_document(db_session, data, filename="kontrakt.pdf")

    assert (refusal.value.status_code, refusal.value.code) == (status, code)
    assert db_session.scalar(select(func.count()).select_from(Document)) == 0


def test_a_contract_goes_through_both_stages_to_entities(db_session: Session, keyword_classifier) -> None:
    data = make_pdf(["Ansættelseskontrakt med Nordlys ApS.", f"Arbejdsstedet er {ADDRESS} Løn 32.500,00 kr."])
    document = submit_document(db_session, data).document

    document = process(db_session, document, keyword_classifier)

    assert document.status == "done"
    assert (document.page_count, document.window_count, document.entity_count) == (2, 1, 3)
    assert document.text is not None
    entities = document.entities
    assert [(e.label, e.text, e.page) for e in entities] == [
        ("EMPLOYER", "Nordlys ApS", 1),
        ("WORKPLACE", "Supervej 21, 2000 Frederiksberg", 2),
        ("SALARY", "32.500,00 kr.", 2),
    ]
    assert all(e.text == document.text.text[e.start_char : e.end_char] for e in entities)
    assert all(j.state is JobState.done for j in db_session.scalars(select(Job)))


def test_a_scan_goes_from_extract_through_the_ocr_stage_to_entities(db_session: Session, keyword_classifier) -> None:
    scan = make_scan([f"Arbejdsstedet er {ADDRESS}\nLønnen er 32.500,00 kr. om måneden."])
    document = submit_document(db_session, scan).document

    assert begin_stage(db_session, document.id, EXTRACT)
    ocr_job = extract_document(db_session, document.id, keyword_classifier.windowing)
    assert ocr_job is not None and ocr_job.stage == "ocr"
    assert document.status == OCR.waiting_status and document.text is None
    assert begin_stage(db_session, document.id, OCR)
    ner_job = recognize_text(db_session, document.id, keyword_classifier.windowing)
    assert ner_job is not None and ner_job.stage == "ner"
    assert begin_stage(db_session, document.id, NER)
    recognize_entities(db_session, [document.id], keyword_classifier)
    db_session.refresh(document)

    assert document.status == "done"
    assert {(e.label, e.text) for e in document.entities} >= {
        ("WORKPLACE", "Supervej 21, 2000 Frederiksberg"),
        ("SALARY", "32.500,00 kr."),
    }
    (page,) = document.pages
    assert page.source == "ocr" and page.ocr_confidence is not None and page.ocr_confidence > 80
    salary = next(e for e in document.entities if e.label == "SALARY")
    assert salary.boxes and salary.boxes[0][0] == 1  # on page 1, from Tesseract's word boxes
    assert [j.stage for j in sorted(document.jobs, key=lambda j: j.id)] == ["extract", "ocr", "ner"]


def test_a_40_page_pdf_is_windowed_and_a_boundary_entity_comes_out_once(
    db_session: Session, keyword_classifier
) -> None:
    pages = [f"{FILLER * 2}Arbejdsstedet er {ADDRESS} {FILLER}" for _ in range(40)]
    document = submit_document(db_session, make_pdf(pages)).document

    document = process(db_session, document, keyword_classifier)

    assert document.page_count == 40
    assert document.window_count is not None and document.window_count > 40
    assert document.text is not None
    text = document.text.text
    starts = [m.start() for m in re.finditer("Supervej", text)]
    assert len(starts) == 40
    tokens = keyword_classifier.preprocess(text)
    windows_ends = [end for _, end in tokens.windows]
    spans = [
        (int((tokens.offsets[:, 1] > s).argmax()), int((tokens.offsets[:, 0] < s + 31).nonzero()[0][-1]))
        for s in starts
    ]
    assert any(first < end <= last for first, last in spans for end in windows_ends), (
        "an address must straddle a window"
    )

    workplaces = [e for e in document.entities if e.label == "WORKPLACE"]
    assert [(e.start_char, e.page) for e in workplaces] == [(s, page) for page, s in enumerate(starts, start=1)]
    assert {e.text for e in workplaces} == {"Supervej 21, 2000 Frederiksberg"}


def test_running_a_stage_again_does_nothing(db_session: Session, keyword_classifier) -> None:
    document = process(
        db_session, submit_document(db_session, f"Arbejdssted: {ADDRESS}".encode()).document, keyword_classifier
    )

    assert not begin_stage(db_session, document.id, EXTRACT)
    assert not begin_stage(db_session, document.id, NER)
    assert recognize_entities(db_session, [document.id], keyword_classifier) == []
    assert db_session.scalar(select(func.count()).select_from(Entity)) == 1


def test_a_truncated_pdf_fails_with_a_readable_reason(db_session: Session, keyword_classifier) -> None:
    data = make_pdf(["Nordlys ApS"] * 3)
    document = submit_document(db_session, data[: len(data) // 3]).document
    assert begin_stage(db_session, document.id, EXTRACT)

    with pytest.raises(ExtractionError) as failure:
        extract_document(db_session, document.id, keyword_classifier.windowing)
    fail_document(db_session, document.id, EXTRACT, failure.value.code, failure.value.message)

    db_session.refresh(document)
    assert document.status == "failed"
    assert document.error_code == "parse_error"
    assert document.error and "PDF" in document.error


def test_jobs_are_published_when_the_outer_transaction_commits_not_when_a_savepoint_is_released(
    db_session: Session,
) -> None:
    first = submit_document(db_session, "Nordlys ApS ansætter Mette.".encode()).document
    # The second upload releases a savepoint (its duplicate check) while the first job is uncommitted.
    submit_document(db_session, "Fjordlys A/S ansætter Jens.".encode())
    job = db_session.scalars(select(Job).where(Job.document_id == first.id)).one()
    assert job.published_at is None

    db_session.commit()

    db_session.refresh(job)
    assert job.published_at is not None


def test_entities_get_a_box_per_line_over_their_words(db_session: Session, keyword_classifier) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(600, 400))
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    # The address wraps: "Supervej 21," ends the first line, "2000 Frederiksberg." begins the second.
    lines = ["Ansættelseskontrakt med Nordlys ApS.", "Arbejdsstedet er Supervej 21,", "2000 Frederiksberg."]
    for i, line in enumerate(lines):
        pdf.text(x=72, y=100 + 15 * i, text=line)  # y is the baseline
    document = submit_document(db_session, bytes(pdf.output())).document

    document = process(db_session, document, keyword_classifier)

    def box(line: int, before: str, covered: str) -> list[float]:
        """Where `covered` lies, written after `before` on line `line`: Helvetica's em box at 12 pt,
        0.207 em of it below the baseline."""
        x0 = 72 + pdf.get_string_width(before)
        baseline = 100 + 15 * line
        return [x0, baseline - 12 * (1 - 0.207), x0 + pdf.get_string_width(covered), baseline + 12 * 0.207]

    boxes = {e.text: e.boxes for e in document.entities}
    assert list(boxes) == ["Nordlys ApS", "Supervej 21,\n2000 Frederiksberg"]
    assert [p.width for p in document.pages] == [600] and [p.source for p in document.pages] == ["text_layer"]
    (employer,) = boxes["Nordlys ApS"]
    assert employer == pytest.approx([1, *box(0, "Ansættelseskontrakt med ", "Nordlys ApS")], abs=0.02)
    first_line, second_line = boxes["Supervej 21,\n2000 Frederiksberg"]
    assert first_line == pytest.approx([1, *box(1, "Arbejdsstedet er ", "Supervej 21,")], abs=0.02)
    assert second_line == pytest.approx([1, *box(2, "", "2000 Frederiksberg")], abs=0.02)


def test_formats_without_geometry_leave_entities_without_boxes(db_session: Session, keyword_classifier) -> None:
    document = submit_document(db_session, "Ansættelseskontrakt med Nordlys ApS.".encode()).document

    document = process(db_session, document, keyword_classifier)

    assert [(e.text, e.page, e.boxes) for e in document.entities] == [("Nordlys ApS", 1, None)]
    assert document.pages == []
