"""Locks held in the database, so that a decision is taken by one server process at a time.

The login rate limit and the comparison jobs' bounds count rows, then add one. Two server
processes doing that at the same moment would both see room, and the limit would hold per
process only. So such a decision first updates its named row of ``shared_locks``: PostgreSQL
then holds that row's lock until the transaction ends, and SQLite, whose writes are serial,
holds the database's write lock; either way the next process's count waits and then sees this
one's row.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from migrant_health.platform.errors import PlatformError
from migrant_health.platform.models import SharedLock


def hold(session: Session, name: str) -> None:
    """Take the lock ``name`` until ``session``'s transaction ends.

    Call it before the reads it protects: on SQLite the update is what makes the transaction
    a writing one, whose reads see every commit made before it.

    Raises:
        PlatformError: If the database has no such lock (its migrations were not applied).
    """
    result = session.execute(
        update(SharedLock).where(SharedLock.name == name).values(taken=SharedLock.taken + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PlatformError(
            f"the platform's database has no lock '{name}'; start `migrant-health serve` once "
            "to bring its schema up to date"
        )
