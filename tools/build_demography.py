#!/usr/bin/env python3
"""Build the demographic package data of ``migrant_health`` from the shared data folder.

Run from the repository root::

    python tools/build_demography.py --shared ../shared/data

It reads ``demography.csv`` (see the shared ``DEMOGRAPHY.md``) and writes, into
``src/migrant_health/data/``:

* ``rural_hukou_2008.csv``      rural-hukou persons aged 16-100+ at 31 Dec 2008, by sex and age;
* ``urban_hukou_2008.csv``      the rest of the national population of those ages;
* ``entrants.csv``              rural-hukou persons turning 16 in 2009-2035, by sex;
* ``mortality.csv``             rural-hukou annual death probabilities, 2008-2035, ages 16-100+;
* ``mortality_national.csv``    the national schedule they are scaled from (same layout);
* ``hukou_conversions.csv``     rural -> urban hukou conversions of people aged 16+, 2009-2035;
* ``standard_population.csv``   the 2010-census national 16+ population by broad age band;
* ``calibration_targets.csv``   the shared targets unchanged, then the rows of the shared
  ``validity_targets.csv`` adopted as targets (``tools/demography/validity.py``);
* ``sources.yaml``              what each file holds, how it was derived, its sources, every
  assumption with its reasoning, and cross-checks of the key figures.

Every assumption the data do not settle is stated, with its reasoning and the figures it produced,
in ``tools/demography/assumptions.py`` (IDs A1-A21, copied into ``sources.yaml``); its tunable
numbers are the constants of ``tools/demography/parameters.py``. Change one, re-run the script,
then run ``tests/test_demography_data.py``. Paths default relative to this file (``--shared`` to
``../shared/data`` beside the repository); no absolute path is built in.

Conventions: ages are completed years; age 100 means 100+. "Year t" stock figures are at 31 Dec
of year t; flows (entrants, deaths, conversions) happen during year t.

The derivation itself is the package ``tools/demography`` (one module per step); this file is
only the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent
# Run as a script, Python puts tools/ on sys.path itself; loaded from its file path (as the tests
# load tools/fold_calibration.py) it does not, and the package beside this file must still import.
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from demography.build import build  # noqa: E402
from demography.checks import checks  # noqa: E402
from demography.sources import read_shared  # noqa: E402
from demography.write import plain, write  # noqa: E402

REPO_ROOT = TOOLS_DIR.parent
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "src" / "migrant_health" / "data"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="folder holding demography.csv and calibration_targets.csv "
        "(default: ../shared/data beside the repository)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: src/migrant_health/data in the repository)",
    )
    args = parser.parse_args(argv)
    shared_dir = args.shared if args.shared.is_absolute() else (Path.cwd() / args.shared)
    if not (shared_dir / "demography.csv").is_file():
        print(f"error: {shared_dir / 'demography.csv'} not found; pass --shared", file=sys.stderr)
        return 2
    shared = read_shared(shared_dir)
    built = build(shared)
    for path in write(shared_dir, args.out, shared, built):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")
    summary = plain(checks(shared, built))
    for key in (
        "rural_hukou_16plus_2008_m",
        "rural_share_16plus_2008",
        "entrants_m",
        "conversions_all_ages_mean_2016_2020_m (target: 13)",
        "e0_2010",
    ):
        print(f"{key}: {summary[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
