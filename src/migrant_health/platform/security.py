"""Passwords (argon2id) and CSRF tokens.

Logins are rows of the database (:mod:`.login_sessions`), the rate limit of failed logins is in
:mod:`.login_limit`.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from migrant_health.platform.errors import PlatformError

MIN_PASSWORD_LENGTH = 10
CSRF_KEY = "csrf"
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps a login for an unknown name as slow as for a known one.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def check_password_strength(password: str) -> None:
    """Refuse a password shorter than :data:`MIN_PASSWORD_LENGTH` characters.

    Raises:
        PlatformError: Naming the rule.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PlatformError(
            f"the password has {len(password)} characters; use at least "
            f"{MIN_PASSWORD_LENGTH} (a passphrase of a few words is easiest)"
        )


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (``None``: no such account)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, created on first use; every form posts it back."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_ok(session: MutableMapping[str, Any], sent: str | None) -> bool:
    """Whether ``sent`` is the session's CSRF token (constant-time comparison)."""
    token = session.get(CSRF_KEY)
    return isinstance(token, str) and isinstance(sent, str) and secrets.compare_digest(token, sent)
