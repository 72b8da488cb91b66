"""Independent tasks in a pool of forked worker processes, stopped at once on Ctrl-C.

The interrupt handling is that of :mod:`migrant_health.engine.interrupts`: workers ignore
SIGINT and this process terminates them, so none outlives the call. Used for whole runs
(:func:`migrant_health.experiments.run_pool.run_tasks`) and for compiling kernels side by side
(:mod:`migrant_health.engine.precompile`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

from migrant_health.engine.interrupts import ignore_sigint, sigint_deferred, stop_pool

T = TypeVar("T")
R = TypeVar("R")


def map_in_processes(
    function: Callable[[T], R],
    tasks: Sequence[T],
    workers: int,
    done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``function`` applied to every task in ``workers`` worker processes.

    A worker takes the next task as it finishes one, in the order of ``tasks``.

    Args:
        function: A module-level function (the workers are forked where the platform allows,
            and inherit this process's modules and their state).
        tasks: Its arguments, one per task.
        workers: Worker processes.
        done: Called in this process with ``(task index, result)`` as each task finishes.

    Returns:
        The results, in the order of ``tasks`` (whatever order they finished in).
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(method), initializer=_worker_start
    )
    found: dict[int, R] = {}
    try:
        # Workers are forked by the first submit; a Ctrl-C meanwhile is raised once they exist.
        with sigint_deferred():
            futures: dict[Future[R], int] = {
                pool.submit(function, t): k for k, t in enumerate(tasks)
            }
        # Never cancelled (that races the pool's management thread, as the engine's executor
        # explains); on an error the workers are terminated instead.
        for future in as_completed(futures):
            index = futures[future]
            found[index] = future.result()
            if done is not None:
                done(index, found[index])
    except BaseException:
        workers_started = [p for p in multiprocessing.active_children() if p not in before]
        stop_pool(pool, workers_started)
        raise
    pool.shutdown(wait=True)
    return [found[k] for k in range(len(tasks))]


def use_the_real_streams() -> None:
    """In a forked worker: write to the process's own stdout and stderr.

    A command's progress bar replaces ``sys.stdout`` and ``sys.stderr`` with proxies that print
    through its console, under a lock that its drawing thread may have held when the worker was
    forked: a warning the worker printed through them could wait on that lock for ever (and
    would be drawn into the bar). The workers of a run, of a study's runs, of a calibration and
    of the compilation write to the real streams instead.
    """
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def _worker_start() -> None:
    ignore_sigint()
    use_the_real_streams()


def available_cores() -> int:
    """Cores this process may use (its CPU affinity, where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
