"""Throughput and peak memory of the full model at 10^5, 10^6 and 10^7 agents.

Run from the repository root::

    python benchmarks/bench_simulate.py                 # 1e5, 1e6 and 1e7 agents, 2 workers
    python benchmarks/bench_simulate.py --agents 1e5 1e6 --workers 1 2

For each size the scale (persons per agent) is chosen so the run allocates about that many
agents (2008 stock, every entrant cohort to 2035 and the urban-local reference sample); the run
covers 2008-2035. It reports agent-years per second (living agents summed over simulated
years, divided by the simulation phase's wall time), the peak resident memory of the process
and of its worker processes, and a *reference* measured in the same run: the throughput of a
minimal Numba loop that draws ten counter-based random numbers per agent-year on one core.
The ratio model/reference says how much work per agent-year the model does relative to that
floor, independently of the machine's speed. The first size includes no compilation: a warm-up
run compiles (or loads the cache of) every kernel first. ``tables s`` is the time the run took
after its chunks, to weight the summed statistics into the cell table and turn that into the
tidy table of every metric in every group: a fixed cost of every run, whatever its size
(docs/performance.md times the tidy table alone).
"""

from __future__ import annotations

import argparse
import resource
import time

import numba as nb
import numpy as np

from migrant_health import RunConfig, simulate
from migrant_health.data import load_demography
from migrant_health.engine.random import stream, uniform, year_key

# The reference loop's own stream, registered once per process.
_REFERENCE_STREAM = stream("bench.reference")


@nb.njit(cache=True)
def _reference_kernel(n: int, years: int, seed: np.uint64) -> float:
    total = 0.0
    for year in range(years):
        keys = [year_key(seed, np.uint64(d), year) for d in range(10)]
        for i in range(n):
            for k in keys:
                total += uniform(k, i)
    return total


def reference_rate(agent_years: int) -> float:
    """Agent-years per second of the reference loop (ten uniform draws per agent-year)."""
    n = min(agent_years, 5_000_000)
    _reference_kernel(1000, 1, np.uint64(1))
    began = time.perf_counter()
    _reference_kernel(n, 1, np.uint64(_REFERENCE_STREAM))
    return n / (time.perf_counter() - began)


def persons_allocated(urban_factor: float = 10.0) -> float:
    """Persons the population represents (rural stock and entrants, urban sample weighted)."""
    demo = load_demography()
    rural = demo.rural_stock_2008.sum() + demo.entrants.sum()
    urban = demo.urban_stock_2008.sum() * (1 + demo.entrants.sum() / demo.rural_stock_2008.sum())
    return float(rural + urban / urban_factor)


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--workers", nargs="+", type=int, default=[2])
    parser.add_argument("--end", type=int, default=2035)
    args = parser.parse_args()
    simulate(RunConfig(end=2010, scale=100_000, workers=1))  # warm-up: compile or load cache
    persons = persons_allocated()
    header = (
        f"{'agents':>12} {'workers':>7} {'scale':>9} {'agent-years':>13} {'seconds':>8} "
        f"{'tables s':>8} "
        f"{'agent-years/s':>14} {'ref/s':>12} {'ratio':>6} {'RSS MB':>7} {'worker MB':>9}"
    )
    print(header)
    print("-" * len(header))
    for agents in args.agents:
        for workers in args.workers:
            scale = persons / agents
            result = simulate(RunConfig(end=args.end, scale=scale, workers=workers))
            seconds = result.timings["simulate"]
            tables = result.timings["aggregate"]
            rate = result.agent_years / seconds
            ref = reference_rate(result.agent_years)
            own, children = peak_rss_mb()
            print(
                f"{result.n_agents:>12,} {workers:>7} {scale:>9.1f} {result.agent_years:>13,} "
                f"{seconds:>8.1f} {tables:>8.2f} {rate:>14,.0f} {ref:>12,.0f} {rate / ref:>6.3f} "
                f"{own:>7.0f} {children:>9.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
