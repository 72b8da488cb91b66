"""A run's memory does not grow with its population: chunks stream through a small window.

Each run is a fresh Python process, so its peak resident memory (``ru_maxrss``) is its own; the
peak of the main process is compared at two population sizes, the larger with four times the
chunks. Were every chunk's result held until the run ends (as when every chunk was submitted at
once), the main process would grow by one accumulator per extra chunk.
"""

from __future__ import annotations

import sys

import pytest

from fresh_python import last_json_line

SCRIPT = """
import json, resource, sys
from migrant_health import RunConfig
from migrant_health.engine.executors import ProcessExecutor
from migrant_health.engine.run import run_chunks
from migrant_health.model import default_plan

scale, window = float(sys.argv[1]), int(sys.argv[2])
config = RunConfig(end=2010, scale=scale, seed=2, workers=2, communities_per_chunk=10)
ctx, layout, total, *_ = run_chunks(
    default_plan(), config, executor=ProcessExecutor(2, window=window or None)
)
chunks = len(layout.chunk_bounds(config.communities_per_chunk))
print(json.dumps({
    "chunks": chunks,
    "accumulator_mb": total.nbytes / 2**20,
    "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def peak_memory(scale: float, window: int = 0) -> dict[str, float]:
    """Chunks, accumulator size and peak memory (MiB) of a run in a fresh process."""
    measured = last_json_line(SCRIPT, str(scale), str(window), drop=("MIGRANT_HEALTH_SMALL_RUNS",))
    return dict(measured)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_the_main_process_does_not_grow_with_the_number_of_chunks() -> None:
    small, large = peak_memory(40_000), peak_memory(10_000)
    assert large["chunks"] >= 4 * small["chunks"] - 1  # four times the population
    # Measured: 283.6 and 283.5 MiB. Submitting every chunk at once (window=10**6) grew it to
    # 328.5 MiB, 12 accumulators of 3.6 MiB; the window of 4 chunks keeps it within a few.
    growth = large["main_mb"] - small["main_mb"]
    assert growth < 4 * large["accumulator_mb"], (small, large)
