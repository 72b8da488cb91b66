"""Independent tasks (whole runs) in a pool of worker processes, stopped at once on Ctrl-C.

The engine's executor spreads the chunks of one run over processes; a comparison has many
small runs (scenarios x replicates), which keep workers busier when each worker takes whole runs.
The interrupt handling is the engine's (:mod:`migrant_health.engine.interrupts`): workers ignore
SIGINT and the parent terminates them, so none outlives the call. Inside a
:func:`~migrant_health.engine.dask_executor.dask_client` block (``--scheduler``) the runs are
the tasks of the Dask cluster instead.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

from migrant_health.engine.dask_executor import active_client, run_on_cluster
from migrant_health.engine.interrupts import ignore_sigint, sigint_deferred, stop_pool

T = TypeVar("T")
R = TypeVar("R")


def run_tasks(
    function: Callable[[T], R],
    tasks: Sequence[T],
    workers: int,
    done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``function`` applied to every task: here, in ``workers`` processes, or on a Dask cluster.

    Args:
        function: A module-level function (worker processes are forked and call it; a Dask
            worker imports it, so the package must be installed there).
        tasks: Its arguments, one per task.
        workers: Processes to use; 1 runs every task here, in order. Ignored on a cluster.
        done: Called in this process with ``(task index, result)`` as each task finishes.

    Returns:
        The results, in the order of ``tasks`` (whatever order they finished in).
    """
    client = active_client()
    if client is not None:
        return run_on_cluster(client, function, tasks, done)
    if workers <= 1:
        results = []
        for index, task in enumerate(tasks):
            results.append(function(task))
            if done is not None:
                done(index, results[-1])
        return results
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(method), initializer=ignore_sigint
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
