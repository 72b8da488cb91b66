"""Comparison runs started from the scenario explorer, run in the background with progress.

Bounded so that one user cannot exhaust the machine: shipped scenarios only, few replicates, a
coarse scale (many persons per agent, so few agents), years up to :data:`LAST_YEAR`, one job
per account at a time, and at most ``Settings.max_jobs`` running at once (others queue, up to
:data:`QUEUE` in all), counted per server process. Each run takes one thread of the server and
one worker; results go to ``<data dir>/comparisons/job-<id>``, where the explorer reads every
comparison. A job left unfinished by a server that stopped is marked failed when an embedded
(single-process) platform starts again.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from migrant_health.platform.errors import PlatformError
from migrant_health.platform.models import Account, Job
from migrant_health.platform.settings import Settings

LAST_YEAR = 2035
MAX_REPLICATES = 5
QUEUE = 4
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class JobRequest:
    """What an analyst asked for."""

    scenario: str
    replicates: int
    end: int
    scale: float


def comparisons_dir(settings: Settings) -> Path:
    """Where the explorer's comparisons live."""
    return settings.data_dir / "comparisons"


def check_request(request: JobRequest, settings: Settings) -> None:
    """Refuse a request outside the bounds (see the module docstring).

    Raises:
        PlatformError: Naming the bound and the allowed values.
    """
    from migrant_health.scenarios.library import BASELINE, shipped_names

    names = [n for n in shipped_names() if n != BASELINE]
    if request.scenario not in names:
        raise PlatformError(f"unknown scenario '{request.scenario}'; one of {', '.join(names)}")
    if not 2 <= request.replicates <= MAX_REPLICATES:
        raise PlatformError(f"replicates must be 2 to {MAX_REPLICATES} on the platform")
    if not 2010 <= request.end <= LAST_YEAR:
        raise PlatformError(f"the last year must be 2010 to {LAST_YEAR}")
    if not math.isfinite(request.scale) or request.scale < settings.min_job_scale:
        raise PlatformError(
            f"a platform run has at least {settings.min_job_scale:,.0f} persons per agent (so "
            "that one run cannot take the machine); run larger comparisons with "
            "`migrant-health compare`"
        )


class JobRunner:
    """Runs comparison jobs in background threads and records their progress."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._pool = ThreadPoolExecutor(
            max_workers=settings.max_jobs, thread_name_prefix="mh-comparison"
        )
        self._lock = threading.Lock()
        # Jobs this process runs or queues, by id -> account: the bounds count these, so a job
        # left "running" in the database by a server that stopped blocks nobody.
        self._active: dict[int, int] = {}

    def submit(self, session: Session, account: Account, request: JobRequest) -> Job:
        """Queue a job for ``account``.

        Raises:
            PlatformError: Outside the bounds, with a job of the account still active, or with
                a full queue.
        """
        check_request(request, self.settings)
        with self._lock:
            if account.id in self._active.values():
                raise PlatformError("you have a comparison running already; wait for it to end")
            if len(self._active) >= QUEUE:
                raise PlatformError(
                    f"{len(self._active)} comparisons are queued or running; try later"
                )
            job = Job(
                account_id=account.id,
                scenario=request.scenario,
                persons=int(request.scale),
                status="queued",
                progress=0.0,
                message=f"{request.replicates} replicates to {request.end}",
            )
            session.add(job)
            session.flush()
            job_id = job.id
            self._active[job_id] = account.id
        # The job starts after the request's transaction commits (the row must exist); if the
        # transaction fails, the slot is freed.
        session.info.setdefault("after_commit", []).append(
            lambda: self._pool.submit(self._run, job_id, request)
        )
        session.info.setdefault("after_rollback", []).append(lambda: self._release(job_id))
        return job

    def active(self) -> dict[int, int]:
        """Job id -> account id of the jobs this process runs or queues."""
        with self._lock:
            return dict(self._active)

    def interrupt_stale(self) -> None:
        """Mark jobs left queued or running by a stopped server as failed (one-process use)."""
        with self.sessions() as session, session.begin():
            for job in session.scalars(select(Job).where(Job.status.in_(ACTIVE))):
                job.status = "failed"
                job.message = "the server stopped before the job ended; start it again"

    def _update(self, job_id: int, **values: object) -> None:
        with self.sessions() as session, session.begin():
            job = session.get(Job, job_id)
            if job is not None:
                for key, value in values.items():
                    setattr(job, key, value)

    def _run(self, job_id: int, request: JobRequest) -> None:
        from migrant_health.comparison import compare

        self._update(job_id, status="running")
        out = comparisons_dir(self.settings) / f"job-{job_id}"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            compare(
                [request.scenario],
                request.replicates,
                end=request.end,
                scale=request.scale,
                seed=job_id,
                workers=1,
                out=out,
                progress=lambda done, total: self._update(job_id, progress=done / total),
            )
        except Exception as exc:  # a failed job is reported on its page, not lost
            self._update(job_id, status="failed", message=str(exc)[:2000])
        else:
            self._update(job_id, status="done", progress=1.0, result=out.name)
        finally:
            self._release(job_id)

    def _release(self, job_id: int) -> None:
        with self._lock:
            self._active.pop(job_id, None)

    def shutdown(self) -> None:
        """Stop taking jobs (running ones finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
