"""``--scheduler``: where a command's work runs (this machine's processes, or a Dask cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from migrant_health.engine.executors import Executor

# The Dask executor is imported in the functions that start a cluster: it loads the engine
# (pandas, Numba), and every start of the command line, even --help, imported this module.

SCHEDULER_OPTION = typer.Option(
    None,
    "--scheduler",
    # "\\[" keeps rich from reading [dask] as markup.
    help="Run on Dask (pip install -e '.\\[dask]'): 'local' starts a cluster of --workers "
    "processes on this machine, tcp://HOST:PORT uses a running scheduler. Results are the "
    "same bits as without it. Default: this machine's worker processes.",
)


@contextmanager
def executor_for(scheduler: str | None, workers: int) -> Iterator[Executor | None]:
    """The executor of a run's chunks for ``--scheduler`` (``None``: the engine's default).

    The cluster (a local one is started here) lives for the block.
    """
    if scheduler is None:
        yield None
        return
    from migrant_health.engine.dask_executor import DaskExecutor, dask_client

    with dask_client(scheduler, workers) as client:
        yield DaskExecutor(client)


@contextmanager
def cluster_for(scheduler: str | None, workers: int) -> Iterator[None]:
    """A block whose whole runs (``run_tasks``) go to the Dask cluster of ``--scheduler``."""
    if scheduler is None:
        yield
        return
    from migrant_health.engine.dask_executor import dask_client

    with dask_client(scheduler, workers):
        yield
