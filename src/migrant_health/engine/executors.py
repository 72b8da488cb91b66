"""Executors: how a run's chunks are run, in this process or in a pool of worker processes.

An executor yields the chunks' results in task order and keeps only a small window of chunks in
flight, so memory does not grow with the number of chunks (10,318 at one agent per person). The
Dask executor (:mod:`.dask_executor`) offers the same interface on a cluster.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol

from migrant_health.engine.chunk_work import (
    ChunkResult,
    _pool_worker_init,
    _pool_worker_run,
    _worker_init,
    _worker_run,
)
from migrant_health.engine.interrupts import sigint_deferred, stop_pool
from migrant_health.engine.plan import Plan
from migrant_health.engine.process_pool import available_cores
from migrant_health.engine.run_config import RunConfig
from migrant_health.setting_names import setting

#: Chunks in flight per worker: enough to keep every worker busy while the driver adds a
#: result, few enough that memory does not grow with the number of chunks.
WINDOW_PER_WORKER = 2


class Executor(Protocol):
    """Runs chunk tasks and yields their results in task order.

    An executor may say ``on_this_machine = True`` when its chunks run on this machine and load
    its cache of compiled kernels: a first run then compiles them here first, side by side. One
    that does not say so is taken to run elsewhere (a cluster's machines compile for
    themselves).
    """

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results of the tasks, in the order of ``tasks``."""
        ...


class SerialExecutor:
    """Runs every chunk in this process."""

    on_this_machine = True

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results in task order."""
        _worker_init(plan, config)
        for task in tasks:
            yield _worker_run(task)


class ProcessExecutor:
    """Runs chunks in a pool of worker processes (each builds the context once).

    At most ``window`` chunks are in flight (submitted, running or finished but not yet
    yielded): a national run has thousands of chunks, and each finished chunk holds its
    accumulator (tens of MB) until it is yielded, so submitting them all at once would let
    memory grow with the population. Results are yielded in task order.

    Ctrl-C in a terminal reaches every process of the foreground group. The workers ignore it,
    so this process alone decides what happens: on an interrupt, a failing chunk or an abandoned
    iteration it terminates the workers at once (rather than letting them finish the chunks
    they hold) and re-raises. No worker outlives :meth:`map`.
    """

    on_this_machine = True

    def __init__(self, workers: int, window: int | None = None) -> None:
        self.workers = workers
        self.window = max(1, window or WINDOW_PER_WORKER * workers)

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results in task order (waited for in order, so sums are deterministic)."""
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_pool_worker_init,
            initargs=(plan, config),
        )
        waiting = iter(tasks)
        in_flight: deque[Future[ChunkResult]] = deque()

        def submit_more() -> None:
            # Workers are forked by a submit; a Ctrl-C meanwhile is raised once they exist
            # (and ignore it).
            with sigint_deferred():
                while len(in_flight) < self.window:
                    task = next(waiting, None)
                    if task is None:
                        return
                    in_flight.append(pool.submit(_pool_worker_run, task))

        try:
            submit_more()
            # Futures are waited for one by one, never cancelled: cancelling them (as
            # ``Executor.map`` does when its iterator closes) races the pool's management
            # thread, which then dies with ``InvalidStateError`` and can hang the exit. Each is
            # dropped once yielded, and its place in the window goes to the next chunk.
            while in_flight:
                result = in_flight.popleft().result()
                submit_more()
                yield result
        except BaseException:
            # The pool's workers are the children started since ``before``: the pool itself
            # offers no public way to terminate them before Python 3.14.
            stop_pool(pool, [p for p in multiprocessing.active_children() if p not in before])
            raise
        pool.shutdown(wait=True)


def cap_workers(requested: int, tasks: int, unit: str = "chunk") -> tuple[int, str | None]:
    """Workers the local process executor can keep busy, with a note if fewer than asked.

    More workers than tasks would sit idle, and more than the cores this process may use only
    compete for them (and for memory: each worker holds its own copy of the context). A cluster
    scheduler sizes its own pool and is not capped here.

    Args:
        requested: Workers asked for.
        tasks: Independent tasks (chunks of a run, trials of a calibration).
        unit: What a task is, for the note.

    Returns:
        The workers to use, and a note saying why it is fewer than ``requested`` (``None`` if
        it is not).
    """
    cores = default_workers()
    used = max(1, min(requested, tasks, cores))
    if used >= requested:
        return requested, None
    reasons = []  # the limits that bind
    if tasks == used:
        reasons.append(f"the work is {tasks} {unit}{'s' if tasks != 1 else ''}")
    if cores == used:
        reasons.append(f"{cores} core{'s are' if cores != 1 else ' is'} available")
    return used, f"{setting('workers', requested)} capped to {used}: {' and '.join(reasons)}"


def make_executor(workers: int) -> Executor:
    """Serial for one worker, processes otherwise."""
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)


def default_workers() -> int:
    """Workers to use by default: every core the process may use."""
    return available_cores()
