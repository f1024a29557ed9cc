"""The Python client (`client/`): every operation it calls, its filters and body fields exist in the API's
OpenAPI document, it drives the real API on the real Postgres, and the README's DMS hook built on it
handles a real signed delivery."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.app import create_app
from contract_ner_client import (
    BATCH_FILTERS,
    DOCUMENT_FILTERS,
    OPERATIONS,
    ApiError,
    ContractNerClient,
    verify_webhook,
)
from contract_ner_client.client import WEBHOOK_CHANGES
from models.schema import WebhookDelivery
from models.webhooks import delivery_body, signed_headers
from tests.test_dms import CONTRACT, finish

README = Path(__file__).resolve().parent.parent / "README.md"
SECRET = "dms-hook-secret-0123456789"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = create_app().openapi()
    return document


def _schema(spec: dict[str, Any], ref_holder: dict[str, Any]) -> dict[str, Any]:
    ref = ref_holder["$ref"].rsplit("/", 1)[-1]
    schema: dict[str, Any] = spec["components"]["schemas"][ref]
    return schema


def test_every_operation_the_client_calls_is_in_the_openapi_document(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for name, (method, path) in OPERATIONS.items():
        assert path in paths, f"{name}: {path} is not an API path"
        assert method.lower() in paths[path], f"{name}: {path} has no {method}"
    # Every batch and webhook operation of the API has a client method.
    served = {(m.upper(), p) for p, ops in paths.items() if p.startswith(("/v1/batches", "/v1/webhooks")) for m in ops}
    assert served <= set(OPERATIONS.values())

    def query_names(method: str, path: str) -> set[str]:
        return {p["name"] for p in paths[path][method].get("parameters", []) if p["in"] == "query"}

    assert set(DOCUMENT_FILTERS) | {"cursor", "limit"} <= query_names("get", "/v1/documents")
    assert set(BATCH_FILTERS) | {"cursor", "limit"} <= query_names("get", "/v1/batches")
    patch = _schema(
        spec, paths["/v1/webhooks/{subscription_id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    )
    assert set(WEBHOOK_CHANGES) == set(patch["properties"])
    created = _schema(spec, paths["/v1/webhooks"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert {"url", "events", "secret", "include_entities"} == set(created["properties"])
    upload = _schema(spec, paths["/v1/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"])
    assert {"file", "external_id", "metadata", "batch_id"} <= set(upload["properties"])


def test_the_client_drives_the_api(client: TestClient) -> None:
    api = ContractNerClient(http=client)

    batch = api.create_batch("dms sync")
    first = api.upload(CONTRACT.format(n=1).encode(), "k1.txt", external_id="DMS-1", metadata={"folder": "HR"},
                       batch_id=batch["id"], idempotency_key="client-1")  # fmt: skip
    replay = api.upload(CONTRACT.format(n=1).encode(), "k1.txt", external_id="DMS-1", metadata={"folder": "HR"},
                        batch_id=batch["id"], idempotency_key="client-1")  # fmt: skip
    again = api.upload(CONTRACT.format(n=1).encode(), "k1b.txt", external_id="DMS-1b")
    for n in range(2, 5):
        api.upload(CONTRACT.format(n=n).encode(), f"k{n}.txt")
    listed = list(api.documents(limit=2))  # three pages, followed
    by_link = list(api.documents(external_id="DMS-1b"))
    batches = list(api.batches(name="dms sync", state="open"))
    manifest = api.batch(batch["id"])["manifest"]
    hook = api.create_webhook("https://93.184.215.14/hook", ["document.done"], include_entities=True)
    rotated = api.update_webhook(hook["id"], rotate_secret=True, events=["document.done", "document.updated"])
    ping = api.ping_webhook(hook["id"])
    log = list(api.deliveries(hook["id"]))

    assert first == replay and first["duplicate"] is False
    assert (again["duplicate_of"], again["linked_external_id"]) == (first["id"], "DMS-1b")
    assert len(listed) == 4 and len({d["id"] for d in listed}) == 4
    assert [d["id"] for d in by_link] == [first["id"]]
    assert [b["id"] for b in batches] == [batch["id"]] and batches[0]["counts"] == {"queued": 1}
    assert (manifest[0]["external_id"], manifest[0]["metadata"]) == ("DMS-1", {"folder": "HR"})
    assert rotated["secret"] and rotated["secret"] != hook["secret"] and rotated["include_entities"] is True
    assert [(d["id"], d["event"]) for d in log] == [(ping["id"], "webhook.ping")]
    with pytest.raises(ApiError) as missing:
        api.document(str(uuid.uuid4()))
    assert missing.value.status_code == 404
    with pytest.raises(ApiError) as busy:
        api.redeliver(hook["id"], ping["id"])  # still pending
    assert busy.value.status_code == 409
    with pytest.raises(TypeError):
        list(api.documents(salary=1))


def dms_hook_source() -> str:
    match = re.search(r"<!-- dms-hook-example[^>]*-->\s*```python\n(.*?)```", README.read_text(), re.S)
    assert match, "README.md lost its dms-hook-example block"
    return match.group(1)


def test_the_readme_s_dms_hook_files_a_real_delivery_once_and_refuses_a_forgery(
    client: TestClient, db_session: Session, keyword_classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_NER_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("CONTRACT_NER_URL", "http://contract-ner.invalid")
    monkeypatch.setenv("CONTRACT_NER_API_KEY", "unused")
    hook: dict[str, Any] = {}
    exec(compile(dms_hook_source(), str(README), "exec"), hook)
    filed: list[tuple[str, dict[str, Any]]] = []
    hook["api"] = ContractNerClient(http=client)  # the example's client, pointed at this test's API
    hook["store_in_dms"] = lambda external_id, fields: filed.append((external_id, fields))
    subscription = client.post(
        "/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["document.done"], "secret": SECRET}
    ).json()
    batch = client.post("/v1/batches", json={"name": "hooked"}).json()
    uploaded = client.post(
        "/v1/documents", files={"file": ("k.txt", CONTRACT.format(n=7).encode())},
        data={"external_id": "DMS-77", "batch_id": batch["id"]},
    ).json()  # fmt: skip
    finish(db_session, uploaded["id"], keyword_classifier)
    (delivery,) = db_session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == uuid.UUID(subscription["id"]))
    ).all()
    body = delivery_body(delivery)
    headers = signed_headers(SECRET, delivery.id, delivery.event, body)
    dms = TestClient(hook["app"])

    first = dms.post("/hooks/contract-ner", content=body, headers=headers)
    duplicate = dms.post("/hooks/contract-ner", content=body, headers=headers)
    forged = dms.post("/hooks/contract-ner", content=body.replace(b"DMS-77", b"DMS-78"), headers=headers)

    assert (first.status_code, duplicate.status_code, forged.status_code) == (204, 200, 401)
    card = client.get(f"/v1/documents/{uploaded['id']}/card").json()
    assert filed == [
        ("DMS-77", {
            "start_date": card["start_date"], "salary_monthly": card["salary_monthly"],
            "needs_review": card["needs_review"], "labels": sorted({e["label"] for e in
                                                                   client.get(f"/v1/documents/{uploaded['id']}/entities").json()}),
            "batch_id": batch["id"],
        })
    ]  # fmt: skip
    assert card["salary_monthly"] == "32500.00"
    assert verify_webhook(SECRET, headers, body) and json.loads(body)["data"]["external_id"] == "DMS-77"
