"""Server-side sessions: a login is a database row; the cookie only carries its random token.

Starlette's signed cookie alone cannot be revoked: whoever copied it could use it until it
expired, logout or not. So the cookie holds a random token, the database the token's SHA-256
(a copy of the database does not give working cookies) with the account and the expiry, and
every request that asks who is logged in looks the row up. Logging out deletes the row;
deactivating an account or setting its password deletes all of the account's rows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from migrant_health.platform.models import Account, LoginSession

#: A login lasts this long from the moment it was made (a working day), whatever is done in it.
SESSION_HOURS = 8
#: The key of the token in the (signed) session cookie.
TOKEN_KEY = "sid"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, account: Account) -> str:
    """Record a new login of ``account``; return the token for its cookie."""
    now = _now()
    # Expired rows go when someone logs in: the table holds the live logins and a few more.
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_digest(token),
            account_id=account.id,
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    return token


def account_of(session: Session, token: str) -> Account | None:
    """The active account whose live login ``token`` is, else ``None``."""
    row = session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == _digest(token), LoginSession.expires_at > _now()
        )
    )
    if row is None:
        return None
    account = session.get(Account, row.account_id)
    return account if account is not None and account.active else None


def end(session: Session, token: str) -> None:
    """End the login of ``token`` (logging out)."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def end_all(session: Session, account_id: int, keep: str | None = None) -> int:
    """End every login of an account, but for the one of ``keep``; return how many ended."""
    query = delete(LoginSession).where(LoginSession.account_id == account_id)
    if keep is not None:
        query = query.where(LoginSession.token_hash != _digest(keep))
    ended = session.execute(query).rowcount  # type: ignore[attr-defined]
    return int(ended or 0)
