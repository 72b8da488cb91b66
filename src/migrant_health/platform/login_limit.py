"""The login rate limit, shared by every server process through the database.

Each attempt for an (account name, address) pair is recorded *before* its password is checked
and forgotten when the login succeeds; while the pair has ``attempts`` recorded in the last
``window`` seconds, it waits. Recording first (under :func:`~.db_lock.hold`) means that
requests sent in parallel, to one process or to several behind a proxy, cannot all pass the
count before any of them is written down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from migrant_health.platform.db_lock import hold
from migrant_health.platform.models import LoginAttempt

_KEY_LENGTH = 80  # the columns' length: a longer name typed at the form is cut, not refused
# Names are counted as typed, as the login matches them: accounts 'ana' and 'Ana' are two
# accounts, and a success of one must not clear the other's attempts.


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class LoginLimiter:
    """Attempts per (account name, address) in a sliding window, kept in the database.

    Args:
        sessions: The platform's session factory.
        attempts: Attempts without success allowed in ``window``.
        window: Seconds over which attempts are counted.
    """

    def __init__(self, sessions: sessionmaker[Session], attempts: int, window: float) -> None:
        self.sessions = sessions
        self.attempts = attempts
        self.window = window

    def reserve(self, username: str, address: str) -> float:
        """Record an attempt, or refuse it: 0 to go ahead, else the seconds left to wait.

        A refused attempt is not recorded: the wait ends ``window`` seconds after the oldest
        counted attempt, however often the form is sent meanwhile.
        """
        name, where = username[:_KEY_LENGTH], address[:_KEY_LENGTH]
        now = _now()
        with self.sessions() as session, session.begin():
            hold(session, "logins")
            session.execute(
                delete(LoginAttempt).where(LoginAttempt.at <= now - timedelta(seconds=self.window))
            )
            counted = session.scalars(
                select(LoginAttempt.at)
                .where(LoginAttempt.username == name, LoginAttempt.address == where)
                .order_by(LoginAttempt.at)
            ).all()
            if len(counted) >= self.attempts:
                return max(self.window - (now - counted[0]).total_seconds(), 1.0)
            session.add(LoginAttempt(username=name, address=where, at=now))
        return 0.0

    def succeeded(self, username: str, address: str) -> None:
        """Forget the pair's attempts: its login succeeded."""
        name, where = username[:_KEY_LENGTH], address[:_KEY_LENGTH]
        with self.sessions() as session, session.begin():
            session.execute(
                delete(LoginAttempt).where(
                    LoginAttempt.username == name, LoginAttempt.address == where
                )
            )
