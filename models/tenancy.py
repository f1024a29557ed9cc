"""Tenants and their API keys: create, list, revoke, and authenticate a presented token.

A key is `cner_` plus 256 random bits; only its SHA-256 is stored, with its first characters in
clear (`prefix`) so that people can tell keys apart. Functions only flush: the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.client_input import MAX_BIGINT
from models.lanes import Lane
from models.schema import ApiKey, Tenant, WebSession, utcnow

DEFAULT_TENANT = "default"
TOKEN_PREFIX = "cner_"
PREFIX_LENGTH = 12
# Writing last_used_at on every request would make every read a write; a minute's precision is plenty.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    token: str  # the only time the token exists outside the client: it is not stored


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tenant_named(session: Session, name: str, create: bool = False) -> Tenant | None:
    """The tenant called `name`; with `create`, made if missing (safe against a concurrent creator)."""
    tenant = session.scalars(select(Tenant).where(Tenant.name == name)).one_or_none()
    if tenant is not None or not create:
        return tenant
    tenant = Tenant(id=uuid.uuid4(), name=name)
    try:
        with session.begin_nested():
            session.add(tenant)
    except IntegrityError:
        return session.scalars(select(Tenant).where(Tenant.name == name)).one()
    return tenant


def default_tenant_id(session: Session) -> uuid.UUID:
    """The tenant of single-user setups (auth off) and of `contract-ner ingest` without --tenant."""
    tenant = tenant_named(session, DEFAULT_TENANT, create=True)
    assert tenant is not None
    return tenant.id


def issue_api_key(
    session: Session,
    tenant_name: str,
    name: str | None = None,
    rate_limit_per_minute: int | None = None,
    lane: Lane | None = None,
) -> IssuedKey:
    """A new key for the tenant (created if it does not exist yet); `lane`: its uploads' lane when
    neither the upload nor its batch names one (`models.lanes`)."""
    if not tenant_name.strip():
        raise ValueError("the tenant needs a name")
    if rate_limit_per_minute is not None and rate_limit_per_minute < 1:
        raise ValueError("a rate limit must be at least 1 request per minute")
    tenant = tenant_named(session, tenant_name.strip(), create=True)
    assert tenant is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        tenant_id=tenant.id,
        name=name,
        key_sha256=token_sha256(token),
        prefix=token[:PREFIX_LENGTH],
        rate_limit_per_minute=rate_limit_per_minute,
        lane=lane,
    )
    session.add(api_key)
    session.flush()
    return IssuedKey(api_key, token)


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(session: Session, id_or_prefix: str) -> ApiKey:
    """Revoke the key with this id, shown prefix or full token; LookupError when none or several match.
    Revoking twice keeps the first revocation's time."""
    value = id_or_prefix.strip()
    if value.isascii() and value.isdigit() and int(value) <= MAX_BIGINT:
        query = select(ApiKey).where(ApiKey.id == int(value))
    elif len(value) > PREFIX_LENGTH:
        query = select(ApiKey).where(ApiKey.key_sha256 == token_sha256(value))
    else:
        query = select(ApiKey).where(ApiKey.prefix == value)
    matches = list(session.scalars(query.limit(2)))
    if not matches:
        raise LookupError(f"no API key {value!r}")
    if len(matches) > 1:
        raise LookupError(f"{value!r} matches several keys: revoke by id")
    api_key = matches[0]
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        # Its web sessions already stop working with the key (models.web_sessions); this records it.
        session.execute(
            update(WebSession)
            .where(WebSession.api_key_id == api_key.id, WebSession.revoked_at.is_(None))
            .values(revoked_at=api_key.revoked_at)
        )
        session.flush()
    return api_key


def authenticate(session: Session, token: str) -> ApiKey | None:
    """The live key this token is, with its tenant loaded; None for unknown or revoked tokens."""
    api_key = session.scalars(
        select(ApiKey).where(ApiKey.key_sha256 == token_sha256(token), ApiKey.revoked_at.is_(None))
    ).one_or_none()
    if api_key is None:
        return None
    now = utcnow()
    last_used = api_key.last_used_at
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        api_key.last_used_at = now
        session.flush()
    return api_key
