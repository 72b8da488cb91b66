"""Workers forked under a progress bar write to the process's own streams, not the bar's.

A command's bar replaces ``sys.stdout`` and ``sys.stderr`` with proxies that print through its
console under a lock; a worker forked while the bar's drawing thread held it would wait on it
for ever the first time it printed a warning.
"""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Iterator

import pytest

from migrant_health.engine import chunk_work
from migrant_health.engine.process_pool import map_in_processes


@pytest.fixture
def streams_replaced(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's streams replaced, as a progress bar replaces them."""
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    yield


def _writes_to_the_real_streams(_: int) -> bool:
    return sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__


def test_the_workers_of_a_study_write_to_the_real_streams(streams_replaced: None) -> None:
    assert not _writes_to_the_real_streams(0)
    assert map_in_processes(_writes_to_the_real_streams, [0, 1], workers=2) == [True, True]


def test_the_workers_of_a_run_write_to_the_real_streams(
    streams_replaced: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's start, without building a run's context: it also ignores Ctrl-C, which this
    # process must not keep doing afterwards.
    monkeypatch.setattr(chunk_work, "_worker_init", lambda plan, config: None)
    handler = signal.getsignal(signal.SIGINT)
    try:
        chunk_work._pool_worker_init(None, None)  # type: ignore[arg-type]
        assert _writes_to_the_real_streams(0)
    finally:
        signal.signal(signal.SIGINT, handler)
