"""Web sessions: what the web page's cookie stands for. Signing in with an API key opens a session
whose id (256 random bits) lives only in the browser's cookie; the database keeps its SHA-256, the key
and tenant it belongs to, and when it was opened, last seen, expires and was revoked.

A session authenticates as its key only while the session is neither revoked, past its absolute expiry
nor idle for longer than the idle limit, and while the key itself is not revoked: revoking a key ends
its sessions. Functions only flush: the caller commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.schema import ApiKey, WebSession, utcnow
from models.tenancy import token_sha256

# Writing last_seen_at on every poll of the page would make every read a write; a minute is plenty
# against an idle limit of hours.
LAST_SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class OpenedSession:
    web_session: WebSession
    token: str  # the cookie's value: never stored


def open_session(session: Session, api_key: ApiKey, lifetime_s: float) -> OpenedSession:
    now = utcnow()
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_sha256=token_sha256(token),
        tenant_id=api_key.tenant_id,
        api_key_id=api_key.id,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_s),
        last_seen_at=now,
    )
    session.add(web_session)
    session.flush()
    return OpenedSession(web_session, token)


def session_api_key(session: Session, token: str, idle_s: float) -> tuple[WebSession, ApiKey] | None:
    """The live session this cookie value is and its live key; None when unknown, revoked, expired or
    idle too long, or when the key was revoked. Marks the session seen."""
    found = session.execute(
        select(WebSession, ApiKey)
        .join(ApiKey, ApiKey.id == WebSession.api_key_id)
        .where(
            WebSession.token_sha256 == token_sha256(token),
            WebSession.revoked_at.is_(None),
            ApiKey.revoked_at.is_(None),
        )
    ).one_or_none()
    if found is None:
        return None
    web_session, api_key = found.tuple()
    now = utcnow()
    last_seen = web_session.last_seen_at
    if now >= web_session.expires_at or now - last_seen > timedelta(seconds=idle_s):
        return None
    if now - last_seen >= LAST_SEEN_PRECISION:
        web_session.last_seen_at = now
        session.flush()
    return web_session, api_key


def revoke_session(session: Session, token: str) -> bool:
    """End the session this cookie value is (sign-out); False when there was none to end."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.token_sha256 == token_sha256(token), WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))
