"""A run's tables: the fixed cost of turning summed statistics into the cell and tidy tables.

Run from the repository root::

    python benchmarks/bench_tables.py                 # best of 5 for each kind of run
    python benchmarks/bench_tables.py --repeats 10

After its chunks, every run turns the exact sum of their statistics into the weighted cell
table (``engine/aggregate.cell_table``) and the tidy table of every metric in every group
(``tidy_aggregates``). A run of any size has about as many cells, so this is a fixed cost of
every run, which counts in the hundreds of small runs of a calibration, a comparison or the
test suite. Each kind of run below is simulated once (50,000 persons per agent, seed 1); its
tables are then made ``--repeats`` times from the same sums, and the best time of the cells
and of cells and tidy table together is printed, with the rows of each.

The kinds: the whole projection (2008-2035), a short run (2008-2012), and a run that reports
one year after simulating twenty (2028 of 2008-2028, as a test of a late year does).
"""

from __future__ import annotations

import argparse
import time

from migrant_health import RunConfig
from migrant_health.engine.aggregate import tidy_aggregates
from migrant_health.engine.run import sum_chunks, weighted_cells
from migrant_health.model import default_plan

KINDS = {
    "2008-2035": RunConfig(scale=50_000, seed=1),
    "2008-2012": RunConfig(end=2012, scale=50_000, seed=1),
    "2028 of 2008-2028": RunConfig(start=2028, end=2028, scale=50_000, seed=1),
}


def main() -> None:
    """Time the tables of each kind of run and print one line per kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="tables made per kind (best kept)")
    args = parser.parse_args()
    plan = default_plan()
    print(f"{'run':<20} {'cells s':>8} {'tables s':>9} {'cell rows':>10} {'tidy rows':>10}")
    for name, config in KINDS.items():
        done = sum_chunks(plan, config)
        ctx, total = done.ctx, done.sums.value()
        best_cells = best_tables = float("inf")
        for _ in range(args.repeats):
            began = time.perf_counter()
            cells = weighted_cells(plan, ctx, total, config.start)
            made = time.perf_counter()
            tidy = tidy_aggregates(cells, ctx.demography.standard_weights, plan.metrics)
            ended = time.perf_counter()
            best_cells = min(best_cells, made - began)
            best_tables = min(best_tables, ended - began)
        print(f"{name:<20} {best_cells:8.3f} {best_tables:9.3f} {len(cells):10,} {len(tidy):10,}")


if __name__ == "__main__":
    main()
