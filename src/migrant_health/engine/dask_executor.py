"""Chunks, or whole runs, as the tasks of a Dask cluster (the optional ``dask`` extra).

``--scheduler local`` starts a ``LocalCluster`` of ``--workers`` single-threaded worker
processes on this machine; ``--scheduler tcp://HOST:PORT`` connects to a running cluster
(``dask scheduler`` and ``dask worker`` on other machines, or dask-jobqueue on Slurm). A run's
results do not depend on where its chunks ran: the driver adds the chunks exactly, as with any
executor (:mod:`migrant_health.engine.exact_sum`).

Each chunk is a task. The run's settings are sent to every worker once (scattered), and a
worker builds the run context once per run, not once per chunk. At most a window of chunks is
in flight, and results are yielded in chunk order, so the driver's memory stays bounded. A
failing chunk raises its error here; an interrupt (Ctrl-C) or an abandoned iteration cancels the
chunks still queued.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from migrant_health.engine.chunk_work import ChunkResult, simulate_chunk
from migrant_health.engine.executors import WINDOW_PER_WORKER
from migrant_health.engine.interrupts import sigint_ignored
from migrant_health.engine.plan import Plan
from migrant_health.engine.run_config import RunConfig
from migrant_health.engine.run_context import build_context
from migrant_health.errors import RunConfigError
from migrant_health.setting_names import setting

T = TypeVar("T")
R = TypeVar("R")

INSTALL = 'pip install -e ".[dask]"'
#: Seconds to wait for a scheduler given by address before saying it cannot be reached.
CONNECT_TIMEOUT = 20
_CLIENT: ContextVar[Any] = ContextVar("dask_client", default=None)
# On a worker: the run whose context was built last (key, plan, config, context, layout).
_WORKER_RUN: dict[str, Any] = {}
_WORKER_LOCK = threading.Lock()


def _distributed() -> Any:
    """The ``dask.distributed`` module, or a clear error saying how to install it."""
    try:
        import dask.distributed
    except ImportError:
        raise RunConfigError(
            f"{setting('scheduler')} needs Dask, which is not installed: {INSTALL} (or pip install "
            "'dask[distributed]'), on this machine and on every worker"
        ) from None
    return dask.distributed


@contextmanager
def dask_client(scheduler: str, workers: int) -> Iterator[Any]:
    """A Dask client for ``--scheduler``, active for the block (:func:`active_client`).

    Args:
        scheduler: ``local`` (a ``LocalCluster`` started here and closed at the end) or the
            address of a running scheduler, ``tcp://HOST:PORT``.
        workers: Worker processes of a local cluster (one thread each); ignored for an address:
            a cluster sizes itself.

    Raises:
        RunConfigError: if Dask is not installed, the address is malformed, or no scheduler
            answers there.
    """
    distributed = _distributed()
    if scheduler == "local":
        # The scheduler's web server on a free port: the usual one may be another user's.
        # A terminal's Ctrl-C reaches every process of its group; the workers, started while
        # it is ignored, inherit that and leave it to this process, which closes the cluster
        # (instead of each printing a traceback). Its log's warnings (a worker slow to stop at
        # the end) are not the user's to act on.
        # A SIGTERM held back while the cluster starts is raised as the block ends: inside
        # the try, so that the cluster it interrupts is closed here too.
        cluster = None
        try:
            with sigint_ignored():
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
            client = distributed.Client(cluster)
        except BaseException:
            if cluster is not None:
                cluster.close()  # its worker processes must not outlive the command
            raise
    elif "://" in scheduler:
        cluster = None
        try:
            client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
        except ValueError as exc:  # e.g. tcp://[::1 (an unclosed bracket)
            raise RunConfigError(
                f"{setting('scheduler', scheduler)}: not a scheduler address ({exc}); give it as "
                "tcp://HOST:PORT, as 'dask scheduler' prints it"
            ) from None
        except (OSError, TimeoutError) as exc:
            raise RunConfigError(
                f"{setting('scheduler', scheduler)}: no Dask scheduler answered within "
                f"{CONNECT_TIMEOUT} s ({exc}); start one with 'dask scheduler' and give the "
                "address it prints"
            ) from None
    else:
        raise RunConfigError(
            f"{setting('scheduler', scheduler)} must be 'local' (a cluster on this machine) or the "
            "address of a Dask scheduler, such as tcp://10.0.0.5:8786"
        )
    try:
        with use_client(client):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def use_client(client: Any) -> Iterator[Any]:
    """Make ``client`` the :func:`active_client` of the block (whole runs go to its cluster)."""
    token = _CLIENT.set(client)
    try:
        yield client
    finally:
        _CLIENT.reset(token)


def active_client() -> Any:
    """The client of the enclosing :func:`dask_client` block, or ``None``."""
    return _CLIENT.get()


def on_this_machine(client: Any) -> bool:
    """Whether ``client``'s cluster is a ``LocalCluster`` (``--scheduler local``): its workers
    run here and share this machine's cache of compiled kernels."""
    return isinstance(getattr(client, "cluster", None), _distributed().LocalCluster)


def cluster_threads(client: Any) -> int:
    """Worker threads of the client's cluster (at least 1): the tasks it runs at once."""
    return max(1, sum(client.nthreads().values()))


def _run_chunk(setup: tuple[Plan, RunConfig], key: str, task: tuple[int, int, int]) -> ChunkResult:
    """One chunk on a worker (its statistics packed for the trip back); the run's context is
    built by the worker's first chunk of it."""
    plan, config = setup
    # A worker with several threads may run chunks of two runs at once: each chunk takes its
    # own run's context under the lock, and holds it while the other run replaces the slot.
    with _WORKER_LOCK:
        if _WORKER_RUN.get("key") != key:
            _WORKER_RUN.clear()  # one run's context at a time: memory does not grow with runs
            ctx, layout = build_context(config)
            _WORKER_RUN.update(key=key, ctx=ctx, layout=layout)
        ctx, layout = _WORKER_RUN["ctx"], _WORKER_RUN["layout"]
    return simulate_chunk(
        plan,
        ctx,
        layout,
        *task,
        snapshot_years=config.snapshot_years,
        snapshot_fraction=config.snapshot_fraction,
    ).packed()


class DaskExecutor:
    """Runs a run's chunks as tasks of a Dask cluster (the engine's ``Executor`` protocol).

    Args:
        client: A ``dask.distributed.Client``.
        window: Chunks in flight at most (default: twice the cluster's worker threads).
    """

    def __init__(self, client: Any, window: int | None = None) -> None:
        self.client = client
        self.window = max(1, window or WINDOW_PER_WORKER * cluster_threads(client))
        # A local cluster's workers share this machine's cache of compiled kernels.
        self.on_this_machine = on_this_machine(client)

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results in task order; at most :attr:`window` chunks in flight."""
        key = uuid.uuid4().hex
        # Sent once to every worker, not with every chunk (fixed mortality factors may be large).
        setup = self.client.scatter((plan, config), broadcast=True, hash=False)

        def submit(task: tuple[int, int, int]) -> Any:
            return self.client.submit(
                _run_chunk, setup, key, task, key=f"chunk-{task[0]}-{key}", pure=False
            )

        try:
            yield from _in_order(submit, tasks, self.window)
        finally:
            self.client.cancel([setup])


def _in_order(submit: Callable[[T], Any], tasks: Sequence[T], window: int) -> Iterator[Any]:
    """Futures' results in task order, with at most ``window`` submitted and not yet yielded.

    On an error, an interrupt or an abandoned iteration the futures still pending are
    cancelled (a worker busy with one finishes that task and drops it).
    """
    waiting = iter(tasks)
    in_flight: deque[Any] = deque()
    try:
        for task in waiting:
            in_flight.append(submit(task))
            if len(in_flight) >= window:
                break
        while in_flight:
            result = in_flight.popleft().result()
            following = next(waiting, None)
            if following is not None:
                in_flight.append(submit(following))
            yield result
    finally:
        if in_flight:
            in_flight[0].client.cancel(list(in_flight))


def run_on_cluster(
    client: Any,
    function: Callable[[T], R],
    tasks: Sequence[T],
    done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``function`` applied to every task on the cluster; results in the order of ``tasks``.

    Whole runs (replicates of a comparison, samples of a sensitivity study) are the tasks: few
    enough to submit at once. ``done`` is called here as each finishes, in finishing order.
    """
    distributed = _distributed()
    batch = uuid.uuid4().hex
    futures = [
        client.submit(function, task, key=f"run-{k}-{batch}", pure=False)
        for k, task in enumerate(tasks)
    ]
    index = {future.key: k for k, future in enumerate(futures)}
    found: dict[int, R] = {}
    try:
        for future in distributed.as_completed(futures):
            k = index[future.key]
            found[k] = future.result()
            if done is not None:
                done(k, found[k])
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)
    return [found[k] for k in range(len(tasks))]
