"""The first run on a fresh install: compiling the kernels side by side against one by one.

Run from the repository root::

    python benchmarks/bench_first_run.py              # both ways, one after the other
    python benchmarks/bench_first_run.py --pairs 2    # two pairs, alternating

Each measurement is a fresh Python process with an empty Numba cache of its own
(``NUMBA_CACHE_DIR`` in a temporary folder) that simulates 2008-2010 at 50,000 persons per
agent, as a user's first small run or the test session's first step does. *side by side* is
the package as it is: before the first chunk, the plan's kernels are compiled in worker
processes, one per core (at most four; ``engine/precompile.py``). *one by one* switches that
off, so each kernel compiles when the run first calls it, in the run's process, as before.
Reported: the wall time of the whole process (import, compilation, simulation, tables), the
compilation phase of the side-by-side run, and the peak resident memory of the process and of
its largest child (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

_RUN = """
import json, resource, sys, time
began = time.perf_counter()
from migrant_health import RunConfig, simulate
import migrant_health.engine.run as run
if sys.argv[1] == "one by one":
    run.compile_kernels_once = lambda *args: False
result = simulate(RunConfig(end=2010, scale=50_000, seed=1))
print(json.dumps({
    "seconds": time.perf_counter() - began,
    "compile": result.timings.get("compile"),
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "child_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def first_run(way: str) -> dict[str, float]:
    """One cold first run, ``way`` 'side by side' or 'one by one', in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _RUN, way], env=env, capture_output=True, text=True, check=True
        )
        measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        measured["wall"] = time.perf_counter() - began
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1, help="pairs of runs, alternating")
    args = parser.parse_args()
    print(f"{'way':<14}{'wall s':>9}{'compile s':>11}{'peak MiB':>10}{'child MiB':>11}")
    for _ in range(args.pairs):
        for way in ("one by one", "side by side"):
            m = first_run(way)
            compile_s = f"{m['compile']:.1f}" if m["compile"] is not None else "-"
            print(
                f"{way:<14}{m['wall']:>9.1f}{compile_s:>11}{m['peak_mib']:>10.0f}"
                f"{m['child_peak_mib']:>11.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
