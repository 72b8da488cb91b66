"""Passwords (argon2id), CSRF tokens and the login rate limit.

Sessions themselves are Starlette's signed cookies (itsdangerous): :mod:`.app` sets them
HttpOnly, SameSite=strict, and Secure behind HTTPS.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
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


class LoginLimiter:
    """Failed logins per (account name, address) in a sliding window, in this process.

    A shared deployment with several server processes should also rate-limit at its reverse
    proxy (``docs/platform.md``).
    """

    def __init__(self, attempts: int, window: float) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked_for(self, username: str, address: str) -> float:
        """Seconds until ``username`` may try again from ``address`` (0: now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((username.lower(), address), now)
            if len(times) < self.attempts:
                return 0.0
            return max(self.window - (now - times[0]), 1.0)

    def failed(self, username: str, address: str) -> None:
        """Count a failed login."""
        with self._lock:
            self._failures[(username.lower(), address)].append(time.monotonic())

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of an account that logged in."""
        with self._lock:
            self._failures.pop((username.lower(), address), None)
