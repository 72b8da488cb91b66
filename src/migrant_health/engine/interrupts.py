"""Ctrl-C with worker processes: the parent decides, the workers never outlive it.

A terminal's Ctrl-C sends SIGINT to every process of the foreground group. If worker processes
took it too, each would raise ``KeyboardInterrupt`` wherever it stood (inside a pool's queue
code, or in a compiler callback that swallows it), and the parent could wait forever for a
result that will not come. So workers ignore SIGINT, and the parent, on an interrupt, terminates
them and reaps them before it exits. The helpers here hold the signal back during the moments
when it cannot be handled well: while workers are being forked, and while they are stopped.

SIGTERM (``kill``, ``timeout``, a job scheduler ending a job) takes the same road in the
command's main process (:func:`sigterm_as_interrupt`): it stopped the main process at once, and
its workers ran on at full CPU and a staging directory stayed behind.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_terminated = False
_sigterm_handled = False


def _on_sigterm(_signum: int, _frame: Any) -> None:
    global _terminated
    _terminated = True
    raise KeyboardInterrupt


def sigterm_as_interrupt() -> None:
    """In the command's main process: a SIGTERM stops the command as Ctrl-C does.

    The handler raises ``KeyboardInterrupt`` (whatever SIGINT's disposition: a command started
    in the background by a script, or under ``nohup``, inherits SIGINT ignored), and the helpers
    below hold SIGTERM back and ignore it exactly when they do SIGINT, so workers are stopped and
    reaped and staging directories removed; :func:`terminated` tells the two apart, for the
    message and the exit status (143, the shell's 128 + SIGTERM). Workers go back to SIGTERM's
    default action (:func:`ignore_sigint`), which is how the main process stops them.
    """
    global _sigterm_handled
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    _sigterm_handled = True


def terminated() -> bool:
    """Whether the interrupt being handled came from SIGTERM rather than Ctrl-C."""
    return _terminated


def _held() -> tuple[signal.Signals, ...]:
    """The signals held back and ignored together: SIGINT, and SIGTERM once it is handled."""
    return (signal.SIGINT, signal.SIGTERM) if _sigterm_handled else (signal.SIGINT,)


def ignore_sigint() -> None:
    """In a worker: ignore Ctrl-C (the parent stops it), and drop any SIGINT held back for it.

    SIGTERM goes back to its default action and is let through: the parent stops a worker with
    it, and a worker that kept the parent's handler would take it for an interrupt.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        # The mask was inherited from :func:`sigint_deferred`; a pending SIGINT is now ignored.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (and a handled SIGTERM) back until the block ends, here and in the processes
    forked inside it.

    Two things can go wrong while workers are forked. A worker interrupted before it ignores
    SIGINT dies with a traceback: blocking the signal (a mask that ``fork`` and ``exec`` pass
    on) keeps it pending until the worker calls :func:`ignore_sigint`. And this process may take
    the signal in another thread (BLAS threads have it unblocked), after which Python raises
    ``KeyboardInterrupt`` inside ``fork``'s at-fork hooks, which swallow it: the Ctrl-C is lost.
    A handler that only records the signal holds it back; it is delivered again when the block
    ends, to the handler that was there before (Python's raises ``KeyboardInterrupt``).
    """
    received: list[int] = []
    held = _held()
    in_main = threading.current_thread() is threading.main_thread()
    previous = (
        {s: signal.signal(s, lambda signum, _frame: received.append(signum)) for s in held}
        if in_main
        else {}
    )
    masked = hasattr(signal, "pthread_sigmask")
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, set(held)) if masked else None
    try:
        yield
    finally:
        if previous_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        for signum, handler in previous.items():
            _restore(signum, handler)
    for raised in dict.fromkeys(received):
        signal.raise_signal(raised)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C for a moment, and hold a handled SIGTERM back until the block ends.

    A second Ctrl-C must not abort stopping the workers. SIGTERM is recorded, not ignored, and
    raised again at the end: ignored, it was lost when it came while a Dask cluster started
    (the run went on to the end), and the cluster's processes, spawned meanwhile, kept it
    ignored for their whole life, where a recording handler is reset in a spawned process.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change handlers; Python runs them there anyway
        return
    received: list[int] = []
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = (
        signal.signal(signal.SIGTERM, lambda signum, _frame: received.append(signum))
        if _sigterm_handled
        else None
    )
    try:
        yield
    finally:
        _restore(signal.SIGINT, previous_int)
        if _sigterm_handled:
            _restore(signal.SIGTERM, previous_term)
    if received:
        signal.raise_signal(signal.SIGTERM)


def terminate(processes: Sequence[Any], grace: float = 10.0) -> None:
    """Stop ``multiprocessing`` processes now (SIGTERM, then SIGKILL after ``grace`` seconds)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=grace)
        if process.is_alive():  # pragma: no cover - workers do not handle SIGTERM
            process.kill()
            process.join()


def _restore(signum: int, previous: Any) -> None:
    # ``None``: the handler was not set from Python; Python's own is the sensible fallback.
    fallback = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
    signal.signal(signum, previous if previous is not None else fallback)


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
