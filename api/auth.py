"""Who is calling: an API key from `Authorization: Bearer` or `X-API-Key`, or the web page's session
cookie, resolved to its tenant and counted against its key's rate limit. `api.gate` resolves the caller
of every `/v1` request before the body is read; routes take it through `CallerDep`. The web pages call
`identify_caller` themselves; `/healthz`, `/readyz`, `/metrics` and `/docs` need no caller.

With `CONTRACT_NER_AUTH_REQUIRED=false` (a single-user setup) every request is the default tenant.

The session cookie holds a random session id (`models.web_sessions`), never the key. Its name is
`__Host-contract_ner_session` (Secure, Path=/, no Domain: a sibling host cannot set or overwrite it) when
the request came over https or `CONTRACT_NER_SECURE_COOKIES` says TLS ends in front of the API; on plain
http (local development) browsers refuse `__Host-` cookies outside Chromium's localhost exception, so
the cookie is then `contract_ner_session`, without Secure. Each request reads only the name that fits
its own scheme.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.deps import SessionDep
from models.rate_limits import get_rate_limiter
from models.schema import ApiKey
from models.settings import get_settings
from models.tenancy import authenticate, default_tenant_id
from models.web_sessions import session_api_key

SESSION_COOKIE = "contract_ner_session"
SECURE_SESSION_COOKIE = "__Host-contract_ner_session"
# Earlier versions kept the raw API key in this cookie; it is no longer read, and sign-in and sign-out
# delete it from the browser.
LEGACY_API_KEY_COOKIE = "contract_ner_api_key"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Declared for the OpenAPI document (the "Authorize" button of /docs); the token is read in `header_token`.
_BEARER = HTTPBearer(auto_error=False, description="An API key from `contract-ner keys create --tenant NAME`")
_X_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same API key, another header")


@dataclass(frozen=True)
class Caller:
    tenant_id: uuid.UUID
    api_key_id: int | None  # None when auth is off
    by_session: bool = False  # authenticated by the web page's cookie, which a browser adds by itself
    lane: str | None = None  # the key's uploads' lane (models.lanes), when it has one


def session_cookie_name(request: Request) -> str:
    if get_settings().secure_cookies or request.url.scheme == "https":
        return SECURE_SESSION_COOKIE
    return SESSION_COOKIE


def header_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def session_token(request: Request) -> str | None:
    return request.cookies.get(session_cookie_name(request)) or None


def identify_caller(request: Request, session: Session) -> Caller | None:
    """The caller, or None when no valid key or session was presented; 429 when the key is over its limit.

    A key in a header wins over the cookie: scripts and the DMS send keys, browsers send cookies."""
    settings = get_settings()
    if not settings.auth_required:
        return Caller(default_tenant_id(session), None)
    api_key: ApiKey | None = None
    token = header_token(request)
    by_session = token is None
    if token is not None:
        api_key = authenticate(session, token)
    elif (cookie := session_token(request)) is not None:
        found = session_api_key(session, cookie, settings.session_idle_s)
        api_key = found[1] if found is not None else None
    if api_key is None:
        return None
    per_minute = api_key.rate_limit_per_minute or settings.rate_limit_per_minute
    if per_minute:
        # Counted by the key's hash, not its id: ids restart in a fresh database, hashes do not repeat.
        retry_after = get_rate_limiter().retry_after(api_key.key_sha256[:32], per_minute)
        if retry_after is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"rate limit of {per_minute} requests per minute exceeded; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
    return Caller(api_key.tenant_id, api_key.id, by_session, api_key.lane)


def unauthenticated(request: Request) -> HTTPException:
    """The 401 for a request without a valid key or session, saying which was wrong."""
    if header_token(request) is not None:
        detail = "invalid or revoked API key"
    elif session_token(request) is not None:
        detail = "the web session ended (signed out, expired or its key revoked): sign in again"
    else:
        detail = "missing API key"
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        f"{detail}: send Authorization: Bearer <key> (create one with `contract-ner keys create`)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def cross_site(request: Request) -> bool:
    """Whether a request comes from a page of another origin: refused for anything a cookie authenticates
    and that changes state (CSRF), and for sign-in and sign-out.

    SameSite=Strict already keeps the cookie off cross-site requests, but "site" ignores ports and
    subdomains: a page on another port of the same host (Grafana, Flower) is same-site. Browsers send
    `Sec-Fetch-Site` (same-origin, same-site, cross-site, none) and `Origin` on every unsafe request;
    a client that sends neither is no browser and carries no ambient cookie of a victim."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    return origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}"


def require_caller(
    request: Request,
    session: SessionDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
    _x_api_key: Annotated[str | None, Security(_X_API_KEY)] = None,
) -> Caller:
    # Resolved once, by the gate, before the body was read; identified here only where no gate ran.
    caller: Caller | None = getattr(request.state, "caller", None) or identify_caller(request, session)
    if caller is None:
        raise unauthenticated(request)
    return caller


CallerDep = Annotated[Caller, Depends(require_caller)]
