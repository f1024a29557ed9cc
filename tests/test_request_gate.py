"""The request gate (api.gate): a request is authenticated from its headers before any byte of its body
is read, a body larger than the cap is refused from its Content-Length or as it streams past the cap, and
a client address that keeps sending requests without a valid key is slowed down with 429. Driven both
in-process (an ASGI body that counts what the app pulls) and against a real uvicorn process (its memory
measured while a stranger pushes a huge body)."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.gate import client_address
from models.settings import get_settings
from tests.live_processes import CLI, free_port, logs, running, wait_until_ready

MIB = 1024 * 1024
HUGE = 300 * MIB


def call(
    app, method: str, path: str, headers: dict[str, str], body: Iterator[bytes], client: str = "127.0.0.1"
) -> tuple[int, int]:
    """Drive the ASGI app with a body produced only as the app pulls it; the status and the number of
    body bytes the app pulled."""
    pulled = 0
    statuses: list[int] = []

    async def receive() -> dict:
        nonlocal pulled
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": (client, 1), "server": ("testserver", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return statuses[0], pulled


def json_body(total: int) -> Iterator[bytes]:
    """`total` bytes of one JSON object's worth of padding, in 1 MiB chunks, never all in memory."""
    yield b'{"name": "'
    chunk = b"x" * MIB
    for _ in range(total // MIB):
        yield chunk


def random_address() -> str:
    """A client address of its own: the per-address counts live in the shared Redis."""
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


# --------------------------------------------------------------------------------------------------
# Authentication before the body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/batches", "application/json"),
        ("/v1/webhooks", "application/json"),
        ("/v1/documents", "multipart/form-data; boundary=x"),
    ],
)
def test_a_huge_body_without_a_key_is_refused_before_a_byte_of_it_is_read(
    client: TestClient, path: str, content_type: str
) -> None:
    # Declared 300 MB, 8 MB actually there: whatever the app pulls shows in `pulled`.
    headers = {"content-type": content_type, "content-length": str(HUGE)}

    status, pulled = call(client.app, "POST", path, headers, json_body(8 * MIB), random_address())

    assert (status, pulled) == (401, 0)


def test_a_chunked_body_without_a_key_is_refused_before_a_byte_of_it_is_read(client: TestClient) -> None:
    headers = {"content-type": "application/json", "transfer-encoding": "chunked"}

    status, pulled = call(client.app, "POST", "/v1/batches", headers, json_body(8 * MIB), random_address())

    assert (status, pulled) == (401, 0)


def test_an_invalid_key_is_refused_before_the_body_too(client: TestClient) -> None:
    headers = {"content-type": "application/json", "content-length": str(HUGE), "authorization": "Bearer cner_nope"}

    status, pulled = call(client.app, "POST", "/v1/batches", headers, json_body(8 * MIB), random_address())

    assert (status, pulled) == (401, 0)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def push_body(port: int, path: str, declared: int, send_bytes: int) -> tuple[bytes, float]:
    """POST `declared` bytes' worth of headers without a key, push up to `send_bytes` of body from another
    thread, and return the answer's first bytes and the seconds it took to come."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    sock.sendall(head + b'{"name": "')

    def pusher() -> None:
        chunk = b"x" * MIB
        try:
            for _ in range(send_bytes // MIB):
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed the connection: the point

    started = time.monotonic()
    thread = threading.Thread(target=pusher, daemon=True)
    thread.start()
    try:
        answer = sock.recv(4096)
    finally:
        elapsed = time.monotonic() - started
        sock.close()
        thread.join(timeout=30)
    return answer, elapsed


@pytest.mark.e2e
def test_a_real_server_answers_a_stranger_401_at_once_and_its_memory_stays_flat(clean_database, tmp_path: Path) -> None:
    port, log_dir = free_port(), tmp_path / "logs"
    command = {"api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)]}

    with running(command, os.environ, log_dir) as processes:
        wait_until_ready(f"http://127.0.0.1:{port}", log_dir)
        before = rss_mib(processes["api"].pid)
        answers = [push_body(port, path, HUGE, 200 * MIB) for path in ("/v1/batches", "/v1/webhooks")]
        after = rss_mib(processes["api"].pid)

    print(f"uvicorn RSS {before:.0f} -> {after:.0f} MiB; answers in {[round(s, 2) for _, s in answers]} s")
    for answer, seconds in answers:
        assert answer.startswith(b"HTTP/1.1 401"), (answer, logs(log_dir))
        assert seconds < 10
    assert after - before < 32


# --------------------------------------------------------------------------------------------------
# Body caps


def test_an_oversized_json_body_with_a_key_is_413_from_its_content_length_before_it_is_read(
    client: TestClient, api_token: str
) -> None:
    cap = get_settings().max_request_body_bytes
    headers = {"content-type": "application/json", "content-length": str(HUGE), "authorization": f"Bearer {api_token}"}

    status, pulled = call(client.app, "POST", "/v1/batches", headers, json_body(8 * MIB))

    assert cap == 64 * 1024
    assert (status, pulled) == (413, 0)


def test_an_oversized_chunked_json_body_with_a_key_is_413_once_it_passes_the_cap(
    client: TestClient, api_token: str
) -> None:
    cap = get_settings().max_request_body_bytes
    headers = {
        "content-type": "application/json",
        "transfer-encoding": "chunked",
        "authorization": f"Bearer {api_token}",
    }

    status, pulled = call(client.app, "POST", "/v1/webhooks", headers, json_body(8 * MIB))

    assert status == 413
    assert pulled <= cap + MIB + 16  # the chunk that crossed the cap, and not one more


def test_a_json_body_under_the_cap_and_an_upload_over_it_are_accepted(client: TestClient) -> None:
    batch = client.post("/v1/batches", json={"name": "n" * 150})
    upload = client.post("/v1/documents", files={"file": ("stor.txt", b"Nordlys ApS ansaetter. " * 50_000)})

    assert batch.status_code == 201, batch.text
    assert upload.status_code == 202, upload.text  # 1.1 MB: the upload route's own, larger cap


def test_a_sign_in_form_over_the_cap_is_413(client: TestClient) -> None:
    del client.headers["Authorization"]

    response = client.post("/login", content=b"api_key=" + b"x" * (70 * 1024),
                           headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip

    assert response.status_code == 413


# --------------------------------------------------------------------------------------------------
# Per-address limits


def test_unauthenticated_floods_get_429_per_client_address(
    client: TestClient, api_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "unauthenticated_rate_limit_per_minute", 3)
    flooder, neighbour = random_address(), random_address()
    app = client.app

    with TestClient(app, client=(flooder, 1)) as from_flooder, TestClient(app, client=(neighbour, 1)) as other:
        flood = [from_flooder.get("/v1/documents").status_code for _ in range(4)]
        wrong_key = from_flooder.get("/v1/documents", headers={"Authorization": "Bearer cner_guess"})
        sign_in = from_flooder.post("/login", data={"api_key": "cner_guess"})
        with_key = from_flooder.get("/v1/documents", headers={"Authorization": f"Bearer {api_token}"})
        neighbours = other.get("/v1/documents")

    assert flood == [401, 401, 401, 429]
    assert wrong_key.status_code == 429 and 1 <= int(wrong_key.headers["Retry-After"]) <= 60
    assert "unauthenticated requests from this address" in wrong_key.json()["detail"]
    assert sign_in.status_code == 429  # guessing keys at the sign-in form counts too
    assert with_key.status_code == 200  # a valid key behind the same address is not punished
    assert neighbours.status_code == 401


def test_ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() -> None:
    from starlette.requests import Request

    def address(host: str) -> str:
        return client_address(Request({"type": "http", "client": (host, 1), "headers": []}))

    assert address("2001:db8:1:2:aaaa::1") == address("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:3::1") != address("2001:db8:1:2::1")
    assert address("::ffff:198.18.0.7") == "198.18.0.7"
