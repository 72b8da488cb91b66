"""Time of the platform's small-cell suppression on shared tables of many regions.

Run from the repository root::

    python benchmarks/bench_suppression.py                    # 3, 8, 16 and 31 regions
    python benchmarks/bench_suppression.py --regions 3 8 --years 2

Each region publishes one wave per year, resampled from ``examples/survey/example_survey.csv``
(31 to 400 respondents, drawn once per region with a fixed seed); its indicator cells are
computed as an upload computes them, the national cells are added, and
:func:`~migrant_health.platform.tables.apply_suppression` is timed on the whole table: the
work the platform does once per set of published waves (and of analysts bound to several
regions), before the shared table is cached. It reports the cells, the cells hidden and the
seconds.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_health.platform.indicators import wave_indicators
from migrant_health.platform.tables import apply_suppression, national_cells
from migrant_health.survey import get_meta, validate_survey

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "survey" / "example_survey.csv"


def region_cells(code: str, wave_id: int, n: int, year: int, seed: int) -> pd.DataFrame:
    """The indicator cells of one region's wave of ``n`` respondents in ``year``."""
    example = pd.read_csv(EXAMPLE)
    rng = np.random.default_rng(seed)
    rows = example.iloc[rng.integers(0, len(example), n)].reset_index(drop=True)
    rows["id"] = np.arange(1, n + 1)
    rows["survey_year"] = year
    table = validate_survey(rows)
    cells, _ = wave_indicators(table, get_meta(table))
    return cells.assign(wave_id=wave_id, region=code, year=year)


def shared_cells(regions: int, years: int) -> pd.DataFrame:
    """Every region's cells over ``years`` years and the national cells."""
    sizes = np.random.default_rng(3).integers(31, 401, size=regions)
    parts = [
        region_cells(f"R{r:02d}", r * years + y + 1, int(n), 2017 + 2 * y, seed=r * 100 + y)
        for r, n in enumerate(sizes)
        for y in range(years)
    ]
    cells = pd.concat(parts, ignore_index=True)
    return pd.concat([cells, national_cells(cells)], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, nargs="+", default=[3, 8, 16, 31])
    parser.add_argument("--years", type=int, default=1, help="waves per region (one a year)")
    parser.add_argument("--threshold", type=int, default=30)
    args = parser.parse_args()
    print(f"{'regions':>8} {'years':>6} {'cells':>7} {'hidden':>7} {'seconds':>8}")
    for regions in args.regions:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the resampled waves' own estimation notes
            table = shared_cells(regions, args.years)
        start = time.perf_counter()
        out = apply_suppression(table, args.threshold)
        seconds = time.perf_counter() - start
        hidden = int(out["suppressed"].sum())
        print(f"{regions:>8} {args.years:>6} {len(out):>7,} {hidden:>7,} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
