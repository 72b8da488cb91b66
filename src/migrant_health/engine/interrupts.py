"""Ctrl-C with worker processes: the parent decides, the workers never outlive it.

A terminal's Ctrl-C sends SIGINT to every process of the foreground group. If worker processes
took it too, each would raise ``KeyboardInterrupt`` wherever it stood (inside a pool's queue
code, or in a compiler callback that swallows it), and the parent could wait forever for a
result that will not come. So workers ignore SIGINT, and the parent, on an interrupt, terminates
them and reaps them before it exits. The helpers here hold the signal back during the moments
when it cannot be handled well: while workers are being forked, and while they are stopped.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def ignore_sigint() -> None:
    """In a worker: ignore Ctrl-C (the parent stops it), and drop any SIGINT held back for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        # The mask was inherited from :func:`sigint_deferred`; a pending SIGINT is now ignored.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends, here and in the processes forked inside it.

    Two things can go wrong while workers are forked. A worker interrupted before it ignores
    SIGINT dies with a traceback: blocking the signal (a mask that ``fork`` and ``exec`` pass
    on) keeps it pending until the worker calls :func:`ignore_sigint`. And this process may take
    the signal in another thread (BLAS threads have it unblocked), after which Python raises
    ``KeyboardInterrupt`` inside ``fork``'s at-fork hooks, which swallow it: the Ctrl-C is lost.
    A handler that only records the signal holds it back; it is delivered again when the block
    ends, to the handler that was there before (Python's raises ``KeyboardInterrupt``).
    """
    received: list[int] = []
    in_main = threading.current_thread() is threading.main_thread()
    previous = (
        signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
        if in_main
        else None
    )
    masked = hasattr(signal, "pthread_sigmask")
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else None
    try:
        yield
    finally:
        if previous_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        if in_main:
            _restore(previous)
    if received:
        signal.raise_signal(signal.SIGINT)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C for a moment: a second one must not abort stopping the workers."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change handlers; Python runs them there anyway
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        _restore(previous)


def terminate(processes: Sequence[Any], grace: float = 10.0) -> None:
    """Stop ``multiprocessing`` processes now (SIGTERM, then SIGKILL after ``grace`` seconds)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=grace)
        if process.is_alive():  # pragma: no cover - workers do not handle SIGTERM
            process.kill()
            process.join()


def _restore(previous: Any) -> None:
    # ``None``: the handler was not set from Python; Python's own is the sensible fallback.
    signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def stop_pool(pool: Any, workers: Sequence[Any]) -> None:
    """Terminate a process pool's workers, reap them, and wind the pool down, ignoring Ctrl-C.

    A worker killed while it was sending a result (a chunk's statistics are tens of MB) leaves
    half a message in the pool's result pipe, and the pool's management thread then waits in
    ``recv`` for the rest. This process holds the pipe's write end too (the pool made the pipe
    here), so that wait would never end, and neither would ``shutdown`` nor the interpreter's
    exit, which joins the thread. Once no worker is left to write, closing this process's write
    end turns the wait into an end of file, which the thread takes for a broken pool, and ends.
    """
    with sigint_ignored():
        terminate(workers)
        results = getattr(pool, "_result_queue", None)  # ProcessPoolExecutor's SimpleQueue
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()
        pool.shutdown(wait=True)
