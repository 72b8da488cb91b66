"""Runs the comparison jobs that a server process admitted, each in a thread, and stops them.

A job's thread first waits for a running slot (:func:`.job_slots.claim`, asked again every
:data:`POLL` seconds, or at once when a job of this process ends), then runs
:func:`migrant_health.comparison.compare` with one worker, writing its progress into the job's
row. While the runner is in use, a watcher thread refreshes the heartbeat of this process's
jobs and marks the jobs of dead servers interrupted (:func:`.job_slots.beat`).

:meth:`JobRunner.stop` ends the jobs: each stops at its next progress report (after the run in
hand; a platform comparison is a few short runs), the runner waits up to :data:`GRACE` seconds
for them (and for a heartbeat in progress) to clean up, and marks whatever is left interrupted.
The threads are daemons, so that a step longer than the grace cannot keep the process from
exiting. Servers use the runner between :meth:`JobRunner.open` and :meth:`JobRunner.close` (the
last close stops it), and it starts again when used again: one app may be served several times
(tests open one per client).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from migrant_health.platform import job_slots
from migrant_health.platform.job_slots import Claim
from migrant_health.platform.jobs import JobRequest, check_request, comparisons_dir
from migrant_health.platform.models import Account, Job
from migrant_health.platform.settings import Settings

#: Seconds between two looks for a free slot by a queued job (another process's job may end).
POLL = 1.0
#: Seconds a stopping runner waits for its jobs to end before it marks them interrupted.
GRACE = 10.0
STOPPED = (
    "interrupted: the server was stopped (Ctrl-C or a restart) before the job ended; start it again"
)
_log = logging.getLogger(__name__)


class JobStoppedError(Exception):
    """Raised from a job's progress report to end its comparison early."""


class JobRunner:
    """Runs the comparison jobs of one server process (see the module docstring).

    Args:
        settings: The deployment (``max_jobs``, the comparisons' folder).
        sessions: The platform's session factory.
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        # Names this process in the jobs' rows; the random part tells apart a later process
        # that got the same id.
        self.owner = f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._lock = threading.Lock()
        # Notified when a job of this process ends or the runner stops: queued jobs look again.
        self._changed = threading.Condition(self._lock)
        self._active: dict[int, int] = {}  # job id -> account id, this process's jobs
        self._threads: dict[int, threading.Thread] = {}
        self._stop = threading.Event()
        self._users = 0
        self._watcher: threading.Thread | None = None
        # Every watcher started and maybe not ended yet: one of an earlier generation may still
        # be inside a beat that outlasted its stop's grace.
        self._watchers: list[threading.Thread] = []

    def reap_stale(self) -> int:
        """Mark the jobs of dead servers interrupted; return how many (a server's start)."""
        with self.sessions() as session, session.begin():
            return job_slots.reap_stale(session, self.owner)

    def open(self) -> None:
        """A server starts using the runner."""
        with self._lock:
            self._users += 1
            self._resume()

    def close(self) -> bool:
        """A server stops using the runner; when it was the last, the jobs are stopped.

        Returns:
            Whether it was the last server using the runner (the app's database pool may close).
        """
        with self._lock:
            self._users = max(self._users - 1, 0)
            last = self._users == 0
        if last:
            self.stop()
        return last

    def submit(self, session: Session, account: Account, request: JobRequest) -> Job:
        """Queue a job for ``account``; it starts when the request's transaction commits.

        Raises:
            PlatformError: Outside the bounds, with a job of the account still active, or with
                a full queue.
        """
        check_request(request, self.settings)
        job = job_slots.admit(
            session,
            account,
            Job(
                scenario=request.scenario,
                persons=int(request.scale),
                progress=0.0,
                message=request.describe(),
            ),
            self.owner,
        )
        job_id = job.id
        with self._lock:
            self._active[job_id] = account.id
            self._resume()
        # The thread starts once the row is committed (it reads it); a failed request frees
        # the slot it took here.
        session.info.setdefault("after_commit", []).append(lambda: self._start(job_id, request))
        session.info.setdefault("after_rollback", []).append(lambda: self._release(job_id))
        return job

    def active(self) -> dict[int, int]:
        """Job id -> account id of the jobs this process runs or queues."""
        with self._lock:
            return dict(self._active)

    def stop(self, grace: float | None = None) -> None:
        """Stop this process's jobs and mark them interrupted (see the module docstring).

        Args:
            grace: Seconds to wait for the jobs and the heartbeat watcher to end (default
                :data:`GRACE`).
        """
        with self._changed:
            self._stop.set()
            threads = list(self._threads.values())
            # The watchers too: one caught in a beat would otherwise still use the database
            # after the last server closed its pool (and open a connection nobody closes).
            self._watchers = [w for w in self._watchers if w.is_alive()]
            threads.extend(self._watchers)
            self._changed.notify_all()
        deadline = time.monotonic() + (GRACE if grace is None else grace)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(deadline - time.monotonic(), 0.0))
        # A job still in a long step is abandoned here (its thread is a daemon): its row must
        # not stay "running" for a server that is gone.
        job_slots.interrupt(self.sessions, self.owner, STOPPED)
        with self._lock:
            self._active.clear()
            self._threads.clear()

    def _resume(self) -> None:
        """Start again after a stop, with a watcher (holding the lock)."""
        if self._stop.is_set():
            # A new generation: the old one's watcher ends with its stop event, whenever it
            # wakes, and this one gets its own.
            self._stop = threading.Event()
            self._watcher = None
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch, args=(self._stop,), name="mh-comparison-heartbeat", daemon=True
            )
            self._watcher.start()
            self._watchers.append(self._watcher)

    def _watch(self, stop: threading.Event) -> None:
        """Beat every few seconds until ``stop`` (its generation's) or the runner is unused."""
        while True:
            with self._lock:
                if stop.is_set() or (not self._users and not self._active):
                    if self._watcher is threading.current_thread():
                        self._watcher = None
                    return
            try:
                job_slots.beat(self.sessions, self.owner)
            except Exception:  # the database is unreachable for a moment: the next beat retries
                _log.warning("could not refresh the comparison jobs' heartbeat", exc_info=True)
            stop.wait(job_slots.HEARTBEAT)  # a stop wakes it at once, to end

    def _start(self, job_id: int, request: JobRequest) -> None:
        with self._lock:
            thread = threading.Thread(
                target=self._run,
                args=(job_id, request, self._stop),
                name=f"mh-comparison-{job_id}",
                daemon=True,
            )
            self._threads[job_id] = thread
        thread.start()

    def _release(self, job_id: int) -> None:
        with self._changed:
            self._active.pop(job_id, None)
            self._threads.pop(job_id, None)
            self._changed.notify_all()

    def _run(self, job_id: int, request: JobRequest, stop: threading.Event) -> None:
        try:
            if self._wait_for_slot(job_id, request, stop):
                self._compare(job_id, request, stop)
        except Exception as exc:  # the database failed: say so rather than stay queued
            _log.exception("comparison job %s", job_id)
            job_slots.set_state(
                self.sessions,
                job_id,
                self.owner,
                active_only=True,
                status="failed",
                message=f"the platform could not run the job: {exc}"[:2000],
            )
        finally:
            if stop.is_set():
                job_slots.set_state(
                    self.sessions,
                    job_id,
                    self.owner,
                    active_only=True,
                    status="interrupted",
                    message=STOPPED,
                )
            self._release(job_id)

    def _wait_for_slot(self, job_id: int, request: JobRequest, stop: threading.Event) -> bool:
        """Whether the job may run now (``False``: it was interrupted while it waited)."""
        note = request.describe()
        while not stop.is_set():
            verdict = job_slots.claim(
                self.sessions, job_id, self.owner, self.settings.max_jobs, note
            )
            if verdict is not Claim.WAIT:
                return verdict is Claim.RUN
            with self._changed:
                if not stop.is_set():
                    self._changed.wait(POLL)
        return False

    def _compare(self, job_id: int, request: JobRequest, stop: threading.Event) -> None:
        from migrant_health.comparison import compare

        out = comparisons_dir(self.settings) / f"job-{job_id}"
        out.parent.mkdir(parents=True, exist_ok=True)

        def progress(done: int, total: int) -> None:
            # The comparison's one regular call back here, so the place where it can stop: at
            # a stop, or when another server took this one for dead and ended the job.
            if stop.is_set() or not job_slots.set_state(
                self.sessions, job_id, self.owner, active_only=True, progress=done / total
            ):
                raise JobStoppedError

        try:
            compare(
                [request.scenario],
                request.replicates,
                end=request.end,
                scale=request.scale,
                seed=job_id,
                workers=1,
                out=out,
                progress=progress,
            )
        except JobStoppedError:
            return  # nothing was written (compare renames its output into place at the end)
        except Exception as exc:  # a failed job is reported on its page, not lost
            job_slots.set_state(
                self.sessions,
                job_id,
                self.owner,
                active_only=True,
                status="failed",
                message=str(exc)[:2000],
            )
            return
        # Its result exists whatever happened to the row meanwhile: it is done.
        job_slots.set_state(
            self.sessions,
            job_id,
            self.owner,
            active_only=False,
            status="done",
            progress=1.0,
            result=out.name,
        )
