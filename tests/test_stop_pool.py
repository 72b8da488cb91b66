"""Stopping a process pool whose worker died halfway through sending a result does not hang.

A chunk's statistics are tens of MB; a worker terminated by Ctrl-C while sending them leaves
half a message in the pool's result pipe. The pool's management thread then waited for the rest
forever, and so did the command, at ``shutdown`` or at the interpreter's exit (CI once saw
``simulate --workers 2`` hang after Ctrl-C; ``engine/interrupts.stop_pool`` explains the fix).
The test writes that half message itself, from the worker, so the moment is not left to luck.
"""

from __future__ import annotations

import multiprocessing
import os
import struct
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from migrant_health.engine.interrupts import ignore_sigint, stop_pool

_CONTEXT = multiprocessing.get_context("fork")
_HALF_SENT = _CONTEXT.Event()
# The pool's result pipe, set before the worker is forked so that the worker inherits it.
_RESULT_PIPE: dict[str, Any] = {}


def _send_half_a_result(_: int) -> None:
    """Announce a 1 MB message on the result pipe, write 8 bytes of it, then wait to be killed."""
    os.write(_RESULT_PIPE["writer"].fileno(), struct.pack("!i", 1_000_000) + b"partial!")
    _HALF_SENT.set()
    time.sleep(600)


def test_a_worker_killed_mid_send_does_not_hang_the_pool() -> None:
    _HALF_SENT.clear()
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(1, mp_context=_CONTEXT, initializer=ignore_sigint)
    _RESULT_PIPE["writer"] = pool._result_queue._writer  # type: ignore[attr-defined]
    future = pool.submit(_send_half_a_result, 0)
    assert _HALF_SENT.wait(timeout=60), "the worker never started"
    time.sleep(0.2)  # the management thread is now waiting for the rest of the message
    workers = [p for p in multiprocessing.active_children() if p not in before]

    stopped = threading.Event()

    def stop() -> None:
        stop_pool(pool, workers)
        stopped.set()

    threading.Thread(target=stop, daemon=True).start()
    assert stopped.wait(timeout=60), "stopping the pool hung on the half-sent result"
    assert future.done() and future.exception() is not None  # the pool reports it broken
    assert all(not worker.is_alive() for worker in workers)
