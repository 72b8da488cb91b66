"""Independent tasks (whole runs) in a pool of worker processes, stopped at once on Ctrl-C.

The engine's executor spreads the chunks of one run over processes; a comparison has many
small runs (scenarios x replicates), which keep workers busier when each worker takes whole runs.
The pool and its interrupt handling are the engine's
(:func:`migrant_health.engine.process_pool.map_in_processes`). Inside a
:func:`~migrant_health.engine.dask_executor.dask_client` block (``--scheduler``) the runs are
the tasks of the Dask cluster instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from migrant_health.engine.dask_executor import active_client, on_this_machine, run_on_cluster
from migrant_health.engine.process_pool import map_in_processes
from migrant_health.engine.run_config import RunConfig
from migrant_health.model import compile_kernels

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
    return map_in_processes(function, tasks, workers, done)


def compile_before_runs(config: RunConfig) -> None:
    """Compile the kernels once, before :func:`run_tasks` starts runs like ``config``.

    Runs in this machine's worker processes (or a local Dask cluster's) would each compile
    every kernel on a first run; a cluster given by address compiles on its own machines.
    Nothing is done once a run has finished since the kernel sources last changed.
    """
    client = active_client()
    if client is None or on_this_machine(client):
        compile_kernels(config)
