"""The audit log: logins, uploads, downloads, deletions and account changes.

It records who did what and from which address, never a password or microdata. Admins read it
at ``/admin/audit`` and ``/api/audit``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from migrant_health.platform.models import AuditEvent

_NAME_LENGTH = 80  # of the username and address columns
ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "upload",
    "upload_refused",
    "download",
    "delete",
    "publish",
    "unpublish",
    "account",
    "region",
    "job",
)


def record(
    session: Session, username: str, action: str, detail: str = "", address: str = ""
) -> None:
    """Add an event to the log (committed with the request's transaction).

    The account name is the one typed at the login form for a failed login: it is cut to the
    column's length (PostgreSQL refuses a longer one, SQLite would keep it whole).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(ACTIONS)}")
    session.add(
        AuditEvent(
            username=username[:_NAME_LENGTH],
            action=action,
            detail=detail[:2000],
            address=address[:_NAME_LENGTH],
        )
    )
