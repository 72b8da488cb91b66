"""The audit log: logins, uploads, downloads, deletions and account changes.

It records who did what and from which address, never a password or microdata. Admins read it
at ``/admin/audit`` and ``/api/audit``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from migrant_health.platform.models import AuditEvent

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
    """Add an event to the log (committed with the request's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(ACTIONS)}")
    session.add(AuditEvent(username=username, action=action, detail=detail[:2000], address=address))
