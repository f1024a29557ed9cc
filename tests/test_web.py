"""The web page, as a person uses it: a real headless Chromium (Debian's, driven by Playwright) against the
real API and Celery workers signs in with an API key, uploads a contract through the form, follows it to
`done` and opens it with its entities highlighted, all under the page's Content-Security-Policy without a
single violation; signing out ends the session for good. Plus the page's pieces that need no browser: text
segmentation, pages of a document that is not done yet, and escaping of whatever a document contains."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ConsoleMessage, Dialog, FilePayload, Page, expect, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.auth import SESSION_COOKIE
from api.schemas import EntityOut
from api.web import Segment, highlighted_segments
from models.intake import submit_document
from models.stages import progress_steps
from tests.documents import make_pdf
from tests.live_processes import CLI, REPO_ROOT, free_port, live_stack, running, wait_until_ready

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOT = REPO_ROOT / "test-artifacts" / "web-document.png"
CONTRACT_PAGES = [
    "Ansættelseskontrakt mellem Nordlys ApS og Mette Hansen om ansættelse som salgskonsulent.\n"
    "Medarbejderen tiltræder stillingen den 1. april og ansættelsen er på fuld tid.",
    "Arbejdsstedet er Supervej 21, 2000 Frederiksberg.\nLøn 32.500,00 kr. pr. måned.\n"
    "Lønnen udbetales bagud den sidste hverdag i måneden.",
]
# Whatever a document carries must come out as text: in its file name, its text and its entities.
HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>.txt"
HOSTILE_TEXT = (
    'Nordlys ApS <script>window.__pwned = 2</script> <img src=x onerror="window.__pwned = 3"> Løn 32.500,00 kr.'
)


def entity(label: str, start: int, end: int, text: str, entity_id: int = 1) -> EntityOut:
    return EntityOut.model_validate(
        {"id": entity_id, "document_id": "00000000-0000-0000-0000-000000000000", "label": label, "text": text,
         "start": start, "end": end, "page": 1, "score": 0.9, "model_id": 1}
    )  # fmt: skip


def test_segments_split_entities_at_page_starts_and_drop_overlaps() -> None:
    text = "Nordlys ApS\nSupervej 21"
    spans = [entity("EMPLOYER", 0, 11, "Nordlys ApS"), entity("WORKPLACE", 8, 22, "ApS\nSupervej 2", 2)]
    crossing = entity("X", 8, 16, "ApS\nSupe", 3)

    plain = highlighted_segments(text, spans, [0, 12])
    split = highlighted_segments(text, [crossing], [0, 12])

    assert [(s.text, s.entity.label if s.entity else None, s.page) for s in plain] == [
        ("", None, 1),
        ("Nordlys ApS", "EMPLOYER", None),
        ("\n", None, None),
        ("", None, 2),
        ("Supervej 21", None, None),
    ]
    assert [s.text for s in split if s.entity] == ["ApS\n", "Supe"]
    assert Segment("", page=2) in split
    assert "".join(s.text for s in split) == text


def test_a_document_that_is_not_done_has_a_page_without_text_or_card(
    committed_api_token: str, migrated_engine: Engine
) -> None:
    from api.app import app

    with Session(migrated_engine) as session:
        submission = submit_document(session, HOSTILE_TEXT.encode(), filename=HOSTILE_NAME)
        session.commit()
        document_id = submission.document.id

    with TestClient(app, headers={"Authorization": f"Bearer {committed_api_token}"}) as client:
        index = client.get("/")
        page = client.get(f"/documents/{document_id}")
        missing = client.get("/documents/00000000-0000-0000-0000-000000000000")

    assert index.status_code == 200 and page.status_code == 200
    assert f'data-id="{document_id}" data-status="queued"' in index.text
    assert "No text yet" in page.text and "No contract card yet" in page.text
    for html in (index.text, page.text):
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=window.__pwned=1&gt;.txt" in html
    assert missing.status_code == 404


@pytest.fixture
def stack(clean_database, keyword_dir: Path, tmp_path: Path) -> Iterator[str]:
    with live_stack(keyword_dir, tmp_path / "logs", "web", extract_concurrency=1) as base_url:
        yield base_url


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def api_only(clean_database, tmp_path: Path) -> Iterator[str]:
    """The API process alone (no workers): for what needs no document processed."""
    port, log_dir = free_port(), tmp_path / "logs"
    command = {"api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)]}
    with running(command, os.environ, log_dir):
        wait_until_ready(f"http://127.0.0.1:{port}", log_dir)
        yield f"http://127.0.0.1:{port}"


def policy_violations(page: Page) -> list[str]:
    """Filled, as the page runs, with every Content-Security-Policy violation Chromium reports."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


def sign_in(page: Page, base_url: str, token: str) -> None:
    page.goto(f"{base_url}/")
    page.wait_for_url("**/login")
    page.fill("#api-key", token)
    page.click("#login-button")
    page.wait_for_url(f"{base_url}/")


def upload_through_the_form(page: Page, base_url: str, token: str, name: str, mime: str, content: bytes) -> None:
    sign_in(page, base_url, token)
    page.set_input_files("#upload-file", files=[FilePayload(name=name, mimeType=mime, buffer=content)])
    page.click("#upload-button")
    row = page.locator("tr.document-row").filter(has_text=name)
    # The list follows the live event stream: the row moves to done without a reload.
    expect(row).to_have_attribute("data-status", "done", timeout=90_000)
    # Done is the bar's end, whatever stages the pipeline declares.
    expect(row.locator("progress")).to_have_attribute("value", str(progress_steps()))
    row.locator("a.document-link").click()
    page.wait_for_url("**/documents/*")


def test_upload_in_the_browser_and_see_the_contract_with_its_entities(
    stack: str, browser: Browser, committed_api_token: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    violations = policy_violations(page)
    # The pages follow progress on the live stream (GET /v1/events), not by polling each document.
    streams = []
    page.on("request", lambda request: streams.append(request.url) if "/v1/events" in request.url else None)

    upload_through_the_form(
        page, stack, committed_api_token, "kontrakt.pdf", "application/pdf", make_pdf(CONTRACT_PAGES)
    )
    marks = page.locator("#document-text mark.entity").evaluate_all(
        "marks => marks.map(m => [m.dataset.label, m.querySelector('.entity-text').textContent, m.title])"
    )
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    assert [(label, text) for label, text, _ in marks] == [
        ("EMPLOYER", "Nordlys ApS"),
        ("WORKPLACE", "Supervej 21, 2000 Frederiksberg"),
        ("SALARY", "32.500,00 kr."),
    ]
    salary_title = marks[2][2]
    assert salary_title.startswith("SALARY · score ") and "page 2" in salary_title and "value_number" in salary_title
    expect(page.locator("#legend li")).to_have_count(3)
    expect(page.locator('#legend li[data-label="SALARY"]')).to_contain_text("SALARY")
    expect(page.locator(".page-marker")).to_have_text(["page 1", "page 2"])
    expect(page.locator("#document-status")).to_have_text("done")
    expect(page.locator('#contract-card dd[data-field="employer"]')).to_contain_text("Nordlys ApS")
    expect(page.locator('#contract-card dd[data-field="salary_amount"]')).to_contain_text("32500")
    page.goto(f"{stack}/")
    expect(page.locator("tr.document-row")).to_have_attribute("data-status", "done")
    page.screenshot(path=str(SCREENSHOT.with_name("web-index.png")))
    assert violations == []
    assert streams, "the page never opened the live event stream"


def test_nothing_a_document_contains_runs_as_code_in_the_page(
    stack: str, browser: Browser, committed_api_token: str
) -> None:
    page = browser.new_page()
    violations = policy_violations(page)
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)

    upload_through_the_form(page, stack, committed_api_token, HOSTILE_NAME, "text/plain", HOSTILE_TEXT.encode())

    expect(page.locator("h1")).to_have_text(HOSTILE_NAME)
    expect(page.locator("#document-text")).to_contain_text("<script>window.__pwned = 2</script>")
    expect(page.locator('#document-text mark.entity[data-label="EMPLOYER"]')).to_have_count(1)
    document_page_ran = page.evaluate("window.__pwned")
    document_page_elements = page.locator("#document-text img, #document-text script, #entities img").count()
    page.goto(f"{stack}/")
    expect(page.locator("tr.document-row a.document-link")).to_have_text([HOSTILE_NAME])

    assert document_page_ran is None and page.evaluate("window.__pwned") is None
    assert document_page_elements == 0 and page.locator("#documents img").count() == 0
    assert dialogs == []
    assert violations == []


def test_the_policy_is_enforced_and_sign_out_ends_the_session_for_good(
    api_only: str, browser: Browser, committed_api_token: str
) -> None:
    page = browser.new_page()
    violations = policy_violations(page)
    sign_in(page, api_only, committed_api_token)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    # The page's own script runs; one that was not served from /static would not.
    expect(page.locator("#upload-message")).to_have_text("PDF, DOCX or plain text.")
    injected = page.evaluate(
        """() => new Promise((resolve) => {
            const script = document.createElement("script");
            script.textContent = "window.__inline = 1";
            document.body.append(script);
            setTimeout(() => resolve(window.__inline), 200);
        })"""
    )
    before = httpx.get(f"{api_only}/v1/documents", cookies={SESSION_COOKIE: cookie["value"]})

    page.click("header .sign-out button")
    page.wait_for_url("**/login")
    after = httpx.get(f"{api_only}/v1/documents", cookies={SESSION_COOKIE: cookie["value"]})
    page.context.add_cookies([{**cookie}])  # the old value put back into the browser
    page.goto(f"{api_only}/")

    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["value"].startswith("cner_")
    assert injected is None and any("inline script" in v for v in violations)
    assert len(violations) == 1  # that one, refused; nothing the page itself does
    assert before.status_code == 200
    assert after.status_code == 401
    assert page.url.endswith("/login")


def placed_contract() -> tuple[bytes, dict[str, list[tuple[float, float, float, float]]]]:
    """A two-page A4 contract written glyph by glyph where we say (12 pt Helvetica), and where each
    entity's words lie on its page in points from the top-left: the address wraps onto a second line,
    the salary is on page 2, below the fold."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("Helvetica", size=12)
    lines = {
        1: [(100, "Ansættelseskontrakt med Nordlys ApS."), (130, "Arbejdsstedet er Supervej 21,"),
            (145, "2000 Frederiksberg.")],
        2: [(300, "Løn 32.500,00 kr. pr. måned.")],
    }  # fmt: skip
    for page in lines.values():
        pdf.add_page()
        for baseline, text in page:
            pdf.text(x=72, y=baseline, text=text)

    def at(baseline: float, before: str, words: str) -> tuple[float, float, float, float]:
        x0 = 72 + pdf.get_string_width(before)
        # Helvetica's em box: 0.207 em of it below the baseline.
        return (x0, baseline - 12 * 0.793, x0 + pdf.get_string_width(words), baseline + 12 * 0.207)

    expected = {
        "EMPLOYER": [at(100, "Ansættelseskontrakt med ", "Nordlys ApS")],
        "WORKPLACE": [at(130, "Arbejdsstedet er ", "Supervej 21,"), at(145, "", "2000 Frederiksberg")],
        "SALARY": [at(300, "Løn ", "32.500,00 kr.")],
    }
    return bytes(pdf.output()), expected


def test_the_pages_show_each_entity_s_boxes_over_its_words(
    api_only: str, browser: Browser, committed_api_token: str, migrated_engine: Engine, keyword_classifier
) -> None:
    from tests.test_dms import finish

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    violations = policy_violations(page)
    data, expected = placed_contract()
    uploaded = httpx.post(
        f"{api_only}/v1/documents",
        files={"file": ("placeret.pdf", data)},
        headers={"Authorization": f"Bearer {committed_api_token}"},
    ).json()
    # The two stages run here rather than in workers: this test is about the page, not the pipeline.
    with Session(migrated_engine) as session:
        finish(session, uploaded["id"], keyword_classifier)
        session.commit()

    sign_in(page, api_only, committed_api_token)
    page.goto(f"{api_only}/documents/{uploaded['id']}")
    images = page.locator("#pages-view img.page-image")
    expect(images).to_have_count(2)
    for image in images.all():
        image.scroll_into_view_if_needed()
        # Rendered on first request in a child process: seconds on a busy machine.
        expect(image).to_have_js_property("complete", True, timeout=60_000)
        assert image.evaluate("img => img.naturalWidth") > 0
    page_width_pt = float(page.locator("#page-1").get_attribute("data-width") or 0)

    on_screen: dict[str, list[tuple[float, float, float, float]]] = {}
    for label in expected:
        for box in page.locator(f'.entity-box[data-label="{label}"]').all():
            image = box.locator("xpath=ancestor::figure//img")
            frame = image.bounding_box()
            rect = box.bounding_box()
            assert frame is not None and rect is not None
            scale = frame["width"] / page_width_pt  # CSS pixels per point
            on_screen.setdefault(label, []).append(
                (
                    (rect["x"] - frame["x"]) / scale,
                    (rect["y"] - frame["y"]) / scale,
                    (rect["x"] + rect["width"] - frame["x"]) / scale,
                    (rect["y"] + rect["height"] - frame["y"]) / scale,
                )
            )
    # Each box lies over its words to within a point (about a CSS pixel at this size): one per line.
    assert {label: len(boxes) for label, boxes in on_screen.items()} == {"EMPLOYER": 1, "WORKPLACE": 2, "SALARY": 1}
    for label, boxes in expected.items():
        for seen, wanted in zip(on_screen[label], boxes, strict=True):
            assert seen == pytest.approx(wanted, abs=1.0), label

    # Hovering a box says what it is; clicking the entity in the table brings its box into view.
    salary = page.locator('.entity-box[data-label="SALARY"]')
    page.evaluate("window.scrollTo(0, 0)")
    expect(salary).not_to_be_in_viewport()
    page.locator("#entities tr.has-box").filter(has_text="32.500,00 kr.").click()
    expect(salary).to_be_in_viewport()
    expect(salary).to_have_class(re.compile(r"\bselected\b"))
    salary.hover()
    expect(salary.locator(".box-tip")).to_be_visible()
    expect(salary.locator(".box-tip")).to_contain_text("SALARY: 32.500,00 kr.")
    expect(salary.locator(".box-tip")).to_have_text(re.compile(r"\(32500 DKK month\) · confidence [01]\.\d\d$"))
    page.screenshot(path=str(SCREENSHOT.with_name("web-pages.png")))
    # The original is one link away, with the session's cookie, as the bytes that were uploaded.
    original = page.request.get(f"{api_only}{page.locator('#original-file').get_attribute('href')}")
    assert original.body() == data and original.headers["content-type"] == "application/pdf"
    # The text is one click away.
    page.click('#view-tabs a[data-view="text-view"]')
    expect(page.locator("#text-view")).to_be_visible()
    expect(page.locator("#pages-view")).to_be_hidden()
    expect(page.locator('#document-text mark.entity[data-label="SALARY"]')).to_be_visible()
    assert violations == []


REVIEW_TEXT = (
    "Nordlys ApS, Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr. pr. måned.\n"
    "Stillingen som salgskonsulent. Tiltrædelse 1. marts 2024."
)


def select_text(page: Page, needle: str) -> None:
    """Select `needle` in the text view as a mouse drag would: a DOM range from its first character to its
    last, across the entities' marks it may cross (their label tags are not part of the text)."""
    page.locator("#document-text").evaluate(
        """(root, needle) => {
            const nodes = [];
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                if (!node.parentElement.closest(".entity-label, .page-marker")) nodes.push(node);
            }
            const text = nodes.map(n => n.data).join("");
            const at = text.indexOf(needle);
            if (at < 0) throw new Error("not in the text: " + needle);
            const point = offset => {
                for (const node of nodes) {
                    if (offset <= node.data.length) return [node, offset];
                    offset -= node.data.length;
                }
            };
            const range = document.createRange();
            range.setStart(...point(at));
            range.setEnd(...point(at + needle.length));
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
        }""",
        needle,
    )


def test_a_reviewer_works_through_a_document_from_the_keyboard(
    api_only: str, browser: Browser, committed_api_token: str, migrated_engine: Engine, keyword_classifier
) -> None:
    from tests.test_dms import finish

    auth = {"Authorization": f"Bearer {committed_api_token}"}
    uploaded = httpx.post(
        f"{api_only}/v1/documents", files={"file": ("review.txt", REVIEW_TEXT.encode())}, headers=auth
    )
    document_id = uploaded.json()["id"]
    with Session(migrated_engine) as session:
        finish(session, document_id, keyword_classifier)
        session.commit()
    entities_url = f"{api_only}/v1/documents/{document_id}/entities"
    found = {e["label"]: e for e in httpx.get(entities_url, headers=auth).json()}
    assert list(found) == ["EMPLOYER", "WORKPLACE", "SALARY"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    violations = policy_violations(page)
    sign_in(page, api_only, committed_api_token)
    page.goto(f"{api_only}/documents/{document_id}")
    rows = page.locator("#entities tbody tr")

    page.keyboard.press("r")  # review mode, at the first entity
    expect(page.locator("#review-controls")).to_be_visible()
    expect(rows.nth(0)).to_have_class(re.compile("review-current"))
    expect(page.locator("mark.entity.review-current")).to_have_attribute("data-label", "EMPLOYER")
    page.keyboard.press("a")  # accept the employer
    expect(rows.nth(0).locator("td.source")).to_have_text("model ✓")
    expect(rows.nth(0)).to_have_class(re.compile("review-current"))  # back at the same entity
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    expect(rows.nth(2)).to_have_class(re.compile("review-current"))
    page.keyboard.press("k")  # back to the workplace
    page.keyboard.press("x")  # reject it
    expect(rows).to_have_count(2)
    expect(page.locator('mark.entity[data-label="WORKPLACE"]')).to_have_count(0)

    page.keyboard.press("j")  # the salary, relabelled from the keyboard (and back is not wanted)
    page.keyboard.press("l")
    expect(page.locator("#review-label")).to_be_focused()
    page.locator("#review-label").select_option("PENSION")
    page.keyboard.press("Enter")
    expect(page.locator('mark.entity[data-label="PENSION"] .entity-text')).to_have_text("32.500,00 kr.")

    select_text(page, "salgskonsulent")  # a span the model missed
    page.locator("#review-label").select_option("JOB_TITLE")
    page.locator("#entities tbody tr.review-current").focus()
    page.keyboard.press("n")
    expect(page.locator('mark.entity[data-label="JOB_TITLE"] .entity-text')).to_have_text("salgskonsulent")
    current = page.locator("#entities tbody tr.review-current")
    expect(current).to_have_attribute("data-label", "PENSION")
    select_text(page, "32.500,00 kr. pr. måned")  # re-anchor the current entity onto a wider span
    current.focus()
    page.keyboard.press("e")
    expect(page.locator('mark.entity[data-label="PENSION"] .entity-text')).to_have_text("32.500,00 kr. pr. måned")

    page.keyboard.press("n")  # nothing selected: said, not sent
    expect(page.locator("#review-message")).to_have_text("Select the text to add first.")
    page.keyboard.press("m")
    expect(page.locator("#review-state")).to_contain_text("Reviewed by")

    entities = {e["label"]: e for e in httpx.get(entities_url, headers=auth).json()}
    assert entities["EMPLOYER"]["confirmed_at"] is not None and entities["EMPLOYER"]["source"] == "model"
    assert "WORKPLACE" not in entities
    assert entities["JOB_TITLE"]["source"] == "human" and entities["PENSION"]["text"] == "32.500,00 kr. pr. måned"
    actions = page.locator("#audit-trail li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions == ["confirm", "reject", "correct", "add", "correct", "reviewed"]
    card = httpx.get(f"{api_only}/v1/documents/{document_id}/card", headers=auth).json()
    assert card["needs_review"] is False and card["job_title"] == "salgskonsulent"
    page.screenshot(path=str(SCREENSHOT.with_name("web-review.png")), full_page=True)
    assert violations == []
