"""The comparison jobs' bounds, decided in the database so that they hold across processes.

Several server processes (workers behind one proxy) share one database, so the bounds are
counts of its rows, each decision taken under the ``jobs`` lock (:func:`~.db_lock.hold`):

- :func:`admit` lets a job in: one active job per account, :data:`~.jobs.QUEUE` active in all;
- :func:`claim` lets a queued job run: fewer than ``Settings.max_jobs`` running, and no older
  job queued (first come, first served, whichever process queued it);
- :func:`reap_stale` ends the jobs of a server that died: every live server refreshes the
  heartbeat of its own active jobs every :data:`HEARTBEAT` seconds (:func:`beat`), so an
  active job whose heartbeat is older than :data:`STALE` seconds has nobody running it.

A job's row changes only through its owner (:func:`set_state`), except that a reaped job is
marked interrupted by whoever noticed.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from migrant_health.platform.db_lock import hold
from migrant_health.platform.errors import PlatformError
from migrant_health.platform.jobs import ACTIVE, QUEUE
from migrant_health.platform.models import Account, Job

#: Seconds between a server's heartbeats of its own jobs.
HEARTBEAT = 5.0
#: Seconds without a heartbeat after which an active job's server is taken for dead.
STALE = 30.0
ORPHANED = (
    f"interrupted: the server running this job stopped (no sign of life for {STALE:.0f} s); "
    "start it again"
)


class Claim(enum.Enum):
    """What :func:`claim` decided for a queued job."""

    RUN = "run"
    WAIT = "wait"
    GONE = "gone"  # no longer this owner's queued job (interrupted meanwhile)


def now() -> datetime:
    """The time of heartbeats (UTC, without zone, as the models store times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def reap_stale(session: Session, owner: str) -> int:
    """Mark the active jobs of dead servers (not ``owner``'s) interrupted; return how many."""
    result = session.execute(
        update(Job)
        .where(
            Job.status.in_(ACTIVE),
            Job.owner != owner,
            or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now() - timedelta(seconds=STALE)),
        )
        .values(status="interrupted", message=ORPHANED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def admit(session: Session, account: Account, job: Job, owner: str) -> Job:
    """Add ``job`` of ``account`` as queued by ``owner``, within the bounds.

    It is added to ``session``, whose transaction keeps the ``jobs`` lock until it ends.

    Raises:
        PlatformError: With a job of the account still active, or with a full queue.
    """
    hold(session, "jobs")
    reap_stale(session, owner)
    active = session.scalars(select(Job.account_id).where(Job.status.in_(ACTIVE))).all()
    if account.id in active:
        raise PlatformError("you have a comparison running already; wait for it to end")
    if len(active) >= QUEUE:
        raise PlatformError(f"{len(active)} comparisons are queued or running; try later")
    job.account_id = account.id
    job.status = "queued"
    job.owner = owner
    job.heartbeat_at = now()
    session.add(job)
    session.flush()
    return job


def claim(
    sessions: sessionmaker[Session], job_id: int, owner: str, max_running: int, note: str
) -> Claim:
    """Start ``owner``'s queued job if a slot is free and no older job waits for one.

    A job that must wait says so in its message (``note``, then why it waits).
    """
    with sessions() as session, session.begin():
        hold(session, "jobs")
        reap_stale(session, owner)
        job = session.get(Job, job_id)
        if job is None or job.owner != owner or job.status != "queued":
            return Claim.GONE
        running = session.scalar(
            select(func.count()).select_from(Job).where(Job.status == "running")
        )
        ahead = session.scalar(
            select(func.count()).select_from(Job).where(Job.status == "queued", Job.id < job_id)
        )
        if int(running or 0) < max_running and not ahead:
            job.status, job.message, job.heartbeat_at = "running", note, now()
            return Claim.RUN
        waiting = f"{note}; waiting: {running} running, {ahead} queued before it"
        if job.message != waiting:
            job.message = waiting
        return Claim.WAIT


def set_state(
    sessions: sessionmaker[Session],
    job_id: int,
    owner: str,
    *,
    active_only: bool,
    **values: object,
) -> bool:
    """Set ``values`` on ``owner``'s job; return whether the row was changed.

    Args:
        sessions: The platform's session factory.
        job_id: The job.
        owner: The server process running it; another's row is left alone.
        active_only: Change the row only while the job is queued or running (progress, a
            failure, a stop): a job interrupted meanwhile stays interrupted. ``False`` for a job
            that finished, whose result exists whatever happened to its row meanwhile.
        **values: Columns of :class:`~.models.Job`.
    """
    query = update(Job).where(Job.id == job_id, Job.owner == owner)
    if active_only:
        query = query.where(Job.status.in_(ACTIVE))
    with sessions() as session, session.begin():
        result = session.execute(
            query.values(heartbeat_at=now(), **values).execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def beat(sessions: sessionmaker[Session], owner: str) -> None:
    """Refresh the heartbeat of ``owner``'s active jobs, and reap the jobs of dead servers."""
    with sessions() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.owner == owner, Job.status.in_(ACTIVE))
            .values(heartbeat_at=now())
            .execution_options(synchronize_session=False)
        )
        reap_stale(session, owner)


def interrupt(sessions: sessionmaker[Session], owner: str, message: str) -> int:
    """Mark ``owner``'s active jobs interrupted with ``message`` (its server stops)."""
    with sessions() as session, session.begin():
        result = session.execute(
            update(Job)
            .where(Job.owner == owner, Job.status.in_(ACTIVE))
            .values(status="interrupted", message=message)
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
