"""Bad input is a 4xx with a message that says what is wrong, decided before any query runs or any export
starts streaming: never a 500, never a 200 whose body breaks off, never a stored value that breaks a later
read. (tests/test_api_fuzz.py throws generated input at every operation for the same promise.)"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from models.settings import get_settings
from tests.test_dms import CONTRACT, upload

BAD_FILTERS = [
    ({"label": "SALARY", "value_gte": ""}, "value_gte"),
    ({"label": "SALARY", "value_gte": "abc"}, "value_gte"),
    ({"label": "START_DATE", "value_gte": "2024-13-45"}, "value_gte"),
    ({"label": "SALARY", "value_lte": "1e999999999"}, "value_lte"),
    ({"label": "SALARY", "value_gte": "1e-999999999"}, "value_gte"),
    ({"label": "SALARY", "value_gte": "NaN"}, "value_gte"),
    ({"salary_min": "1e999999999"}, "salary_min"),
    ({"salary_max": "Infinity"}, "salary_max"),
    ({"label": "SAL\x00ARY"}, "label"),
    ({"external_id": "DMS\x00-7"}, "external_id"),
    ({"created_from": "not a time"}, "created_from"),
]


@pytest.mark.parametrize(("params", "name"), BAD_FILTERS, ids=[repr(p) for p, _ in BAD_FILTERS])
@pytest.mark.parametrize("path", ["/v1/documents", "/v1/documents/export"])
def test_a_bad_filter_is_a_422_naming_the_parameter_before_anything_streams(
    client: TestClient, path: str, params: dict[str, str], name: str
) -> None:
    response = client.get(path, params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


def test_valid_fact_bounds_still_filter(client: TestClient) -> None:
    for params in (
        {"label": "SALARY", "value_gte": "32500", "value_lte": "9999999999.9999"},
        {"label": "SALARY", "value_gte": "32500,5"},
        {"label": "SALARY", "value_gte": "-1e3"},
        {"label": "START_DATE", "value_gte": "2024-01-01"},
        {"salary_min": "30000.50", "salary_max": "999999999999.99"},
    ):
        assert client.get("/v1/documents", params=params).status_code == 200, params


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/v1/entities", "9223372036854775808"),  # bigint's largest + 1
        ("/v1/entities", "99999999999999999999999999"),
        ("/v1/entities", "١٢"),  # digits, but not ASCII ones
        ("/v1/documents", "bm90IGEgY3Vyc29y"),
        ("/v1/documents", "%%%"),
        ("/v1/documents", "AAAA\x00"),
    ],
)
def test_a_cursor_that_was_not_handed_out_is_a_400(client: TestClient, path: str, cursor: str) -> None:
    response = client.get(path, params={"cursor": cursor})

    assert response.status_code == 400 and response.json() == {"detail": "invalid cursor"}


def test_the_delivery_log_refuses_a_cursor_above_bigint(client: TestClient) -> None:
    created = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["document.done"]})

    response = client.get(f"/v1/webhooks/{created.json()['id']}/deliveries", params={"cursor": "1" + "0" * 30})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        ("/v1/batches", {"name": "nat\x00lig"}, "name"),
        ("/v1/batches", {"expected_documents": 2**31}, "expected_documents"),
        ("/v1/webhooks", {"url": "https://93.184.215.14/", "events": ["document.done"], "secret": "s" * 20 + "\x00"},
         "secret"),
    ],
)  # fmt: skip
def test_json_bodies_that_the_database_cannot_hold_are_a_422(
    client: TestClient, path: str, body: dict[str, object], name: str
) -> None:
    response = client.post(path, json=body)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", name]


def test_an_external_id_with_a_nul_character_is_refused(client: TestClient) -> None:
    response = client.post("/v1/documents", files={"file": ("k.txt", b"tekst")}, data={"external_id": "DMS\x007"})

    assert response.status_code == 422 and "NUL" in response.text


def _nested(depth: int) -> str:
    """A metadata object `depth` levels deep (the object itself is level 1)."""
    return '{"a":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e400}', "out of range"),
        ('{"a": ' + "7" * 5000 + "}", "more than 4300 digits"),
        (_nested(256), "nested deeper than 8 levels"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "exceeds"),
        ('{"a": "\\u0000"}', "NUL"),
        ('{"\\u0000": 1}', "NUL"),
        ('{"a": "\\ud800"}', "surrogates"),
        ('["not", "an", "object"]', "must be a JSON object"),
        ("{not json", "not valid JSON"),
    ],
    ids=["nan", "infinity", "float-overflow", "5000-digits", "256-levels", "huge", "nul", "nul-key", "surrogate",
         "array", "syntax"],
)  # fmt: skip
def test_metadata_that_could_not_be_stored_or_served_back_is_refused_and_the_list_keeps_working(
    client: TestClient, metadata: str, message: str
) -> None:
    response = client.post("/v1/documents", files={"file": ("k.txt", b"tekst")}, data={"metadata": metadata})

    assert response.status_code == 422 and message in response.json()["detail"]
    assert client.get("/v1/documents").status_code == 200


def test_metadata_up_to_the_caps_is_kept(client: TestClient) -> None:
    settings = get_settings()
    deepest = _nested(settings.metadata_max_depth)
    largest = json.dumps({"note": "x" * (settings.metadata_max_bytes - 12)})
    assert len(largest.encode()) == settings.metadata_max_bytes

    accepted = [upload(client, CONTRACT.format(n=n), metadata=m)["id"] for n, m in enumerate((deepest, largest))]
    too_deep = client.post("/v1/documents", files={"file": ("k.txt", b"a")}, data={"metadata": _nested(9)})
    too_large = client.post("/v1/documents", files={"file": ("k.txt", b"b")}, data={"metadata": largest + " "})

    listed = client.get("/v1/documents").json()["items"]
    assert [d["metadata"] for d in listed] == [json.loads(deepest), json.loads(largest)]
    assert [d["id"] for d in listed] == accepted
    assert too_deep.status_code == too_large.status_code == 422
