"""The request gate: what every request passes before any route runs or any byte of its body is read.

FastAPI reads and parses a route's body (JSON, multipart) before it resolves the route's dependencies,
authentication included, so a route cannot refuse a stranger's 300 MB body before having buffered it.
This pure ASGI middleware therefore decides on the headers alone:

- `/v1`: the caller (API key or web session, `api.auth`) is resolved from the headers; no or an invalid
  credential is 401, or 429 once the client address has sent too many of those; a cookie-authenticated
  unsafe request from another origin is 403 (CSRF). The caller is handed to the routes in
  `request.state.caller`, so it is looked up and counted once.
- `POST /login`: sign-in attempts count against the same per-address limit (guessing keys).
- Every body is capped by Starlette's `RequestBodyLimitMiddleware` at `max_request_body_bytes`, from
  Content-Length before anything is read and while a chunked body streams in. The upload route raises
  its own cap (`max_body_size` on `POST /v1/documents`), which takes over inside this one.
- Every response carries a Content-Security-Policy (no inline script; frame-ancestors 'none'),
  X-Content-Type-Options, Referrer-Policy and X-Frame-Options.

The client address is the ASGI `client`: the peer, or, behind a reverse proxy, the address uvicorn
takes from `X-Forwarded-For` when the proxy is listed in `--forwarded-allow-ips` (uvicorn's proxy-headers
handling, on by default for 127.0.0.1 only). IPv6 clients are counted per /64, the block one
subscriber usually holds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import UNSAFE_METHODS, cross_site, identify_caller, unauthenticated
from api.deps import get_session
from models.rate_limits import get_rate_limiter
from models.settings import get_settings

# The app's own pages: scripts and styles from /static only (a page's label colours come in a <style>
# with a per-response nonce, see api.web), no plugins, no framing, forms and fetches to this origin.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'{style_nonce}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from jsDelivr and start them with an inline
# script of FastAPI's own (no request data in it); only those pages get this looser policy.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    # Not no-referrer: under it browsers send `Origin: null` on the page's own form posts, which the
    # CSRF check (api.auth.cross_site) must refuse.
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",  # frame-ancestors for browsers that predate it
}


def page_policy(style_nonce: str | None = None) -> str:
    return PAGE_POLICY.format(style_nonce=f" 'nonce-{style_nonce}'" if style_nonce else "")


def client_address(request: Request) -> str:
    """The address a per-address limit counts: IPv4 as is (IPv4-mapped IPv6 too), IPv6 per /64."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _refusal(exc: HTTPException) -> Response:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def _over_address_limit(request: Request) -> Response | None:
    """Count one unauthenticated request of this client address; the 429 once it is over its limit."""
    per_minute = get_settings().unauthenticated_rate_limit_per_minute
    if not per_minute:
        return None
    retry_after = get_rate_limiter().retry_after(f"address:{client_address(request)}", per_minute)
    if retry_after is None:
        return None
    detail = f"too many unauthenticated requests from this address ({per_minute} per minute); retry in {retry_after} s"
    return _refusal(HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail, {"Retry-After": str(retry_after)}))


@contextmanager
def _request_session(request: Request) -> Iterator[Session]:
    # The routes' own session dependency, overrides included (tests run requests in their transaction).
    provider = request.app.dependency_overrides.get(get_session, get_session)
    yield from provider()


def admit(request: Request) -> Response | None:
    """The refusal of a request that may not reach the routes, or None. Blocking (database, Redis):
    run in a worker thread."""
    path = request.url.path
    if path == "/v1" or path.startswith("/v1/"):
        if not get_settings().auth_required:
            return None
        try:
            with _request_session(request) as session:
                caller = identify_caller(request, session)
        except HTTPException as exc:  # the key's own rate limit
            return _refusal(exc)
        if caller is None:
            return _over_address_limit(request) or _refusal(unauthenticated(request))
        if caller.by_session and request.method in UNSAFE_METHODS and cross_site(request):
            return _refusal(HTTPException(status.HTTP_403_FORBIDDEN, "cross-site request refused"))
        request.state.caller = caller
        return None
    if path == "/login" and request.method == "POST":
        return _over_address_limit(request)
    return None


def _with_security_headers(scope: Scope, send: Send) -> Send:
    policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else page_policy()

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers.setdefault("content-security-policy", policy)  # a page with a nonce sets its own
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)
        await send(message)

    return send_with_headers


class RequestGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(scope, send)
        request = Request(scope)  # headers only: no receive, so nothing here can read the body
        path = request.url.path
        if path == "/v1" or path.startswith("/v1/") or (path == "/login" and request.method == "POST"):
            refusal = await run_in_threadpool(admit, request)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        body_limit = get_settings().max_request_body_bytes
        await RequestBodyLimitMiddleware(self.app, body_limit)(scope, receive, send)
