"""Who is calling: the API key from `Authorization: Bearer`, `X-API-Key` or the web page's cookie,
resolved to its tenant and counted against its rate limit. Every `/v1` route and web page depends
on it; `/healthz`, `/readyz`, `/metrics` and `/docs` do not.

With `CONTRACT_NER_AUTH_REQUIRED=false` (a single-user setup) every request is the default tenant.
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
from models.settings import get_settings
from models.tenancy import authenticate, default_tenant_id

# HttpOnly and SameSite=Strict: page scripts cannot read it and other sites cannot send it (no CSRF).
API_KEY_COOKIE = "contract_ner_api_key"
# Declared for the OpenAPI document (the "Authorize" button of /docs); the token is read in `presented_token`.
_BEARER = HTTPBearer(auto_error=False, description="An API key from `contract-ner keys create --tenant NAME`")
_X_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same API key, another header")


@dataclass(frozen=True)
class Caller:
    tenant_id: uuid.UUID
    api_key_id: int | None  # None when auth is off


def presented_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or request.cookies.get(API_KEY_COOKIE) or None


def identify_caller(request: Request, session: Session) -> Caller | None:
    """The caller, or None when no valid key was presented; 429 when the key is over its limit."""
    settings = get_settings()
    if not settings.auth_required:
        return Caller(default_tenant_id(session), None)
    token = presented_token(request)
    api_key = authenticate(session, token) if token else None
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
    return Caller(api_key.tenant_id, api_key.id)


def require_caller(
    request: Request,
    session: SessionDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
    _x_api_key: Annotated[str | None, Security(_X_API_KEY)] = None,
) -> Caller:
    caller = identify_caller(request, session)
    if caller is None:
        detail = "invalid or revoked API key" if presented_token(request) else "missing API key"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"{detail}: send Authorization: Bearer <key> (create one with `contract-ner keys create`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


CallerDep = Annotated[Caller, Depends(require_caller)]
