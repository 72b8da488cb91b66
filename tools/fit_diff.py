"""Compare two fits of the calibration targets: what a change of the model moved, in tolerances.

Usage::

    migrant-health fit --seed 1 --csv before.csv     # on the code before a change
    migrant-health fit --seed 1 --csv after.csv      # and after it
    python tools/fit_diff.py before.csv after.csv [--moved 0.1]

Prints, as Markdown, each fit's count of passing targets and its objective J
(:func:`migrant_health.experiments.fit.objective`), the targets that pass in one fit and fail
in the other, and every target whose model value moved by more than ``--moved`` of its
tolerance (default a tenth), largest first. A calibration step's note (docs/calibration.md,
section 7) quotes these. Exits 2 with one line on a file that is not a fit table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from migrant_health.experiments.fit import objective

KEY = ["key", "year"]


class FitTableError(ValueError):
    """A file that is not a fit table written by ``migrant-health fit --csv``."""


#: The columns the comparison reads: a fit table written by older code, without the columns
#: added since (``lines``), still compares with a new one.
NEEDED_COLUMNS = ("key", "year", "observed", "model", "tolerance", "pass", "weight", "z")


def read_fit(path: Path) -> pd.DataFrame:
    """A fit table written by ``migrant-health fit --csv``.

    Args:
        path: The CSV file.

    Returns:
        The table, one row per compared target.

    Raises:
        FitTableError: If the file cannot be read, lacks a fit table's columns or has no row.
    """
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FitTableError(f"{path}: cannot read it as CSV ({exc})") from exc
    missing = [c for c in NEEDED_COLUMNS if c not in table.columns]
    if missing:
        raise FitTableError(
            f"{path}: not a fit table (missing column(s) {', '.join(missing)}); write one with "
            "migrant-health fit --csv PATH"
        )
    if table.empty:
        raise FitTableError(f"{path}: the fit table has no target; was the fit run on targets?")
    return table


def compare(before: pd.DataFrame, after: pd.DataFrame, moved: float) -> str:
    """The Markdown comparison of two fit tables.

    Args:
        before: The fit before the change (:func:`read_fit`).
        after: The fit after it.
        moved: List the targets whose model value moved by more than this many tolerances;
            a target with no tolerance is listed whenever its model value changed.

    Returns:
        The comparison as Markdown: counts and J, changed verdicts, moves.
    """
    lines = ["| fit | targets | pass | J |", "|---|---:|---:|---:|"]
    for name, table in (("before", before), ("after", after)):
        lines.append(
            f"| {name} | {len(table)} | {int(table['pass'].sum())} | {objective(table):.4f} |"
        )
    both = before.merge(after, on=KEY, suffixes=("_before", "_after"))
    changed = both[both["pass_before"] != both["pass_after"]]
    lines += ["", f"Pass changed: {len(changed)} target(s)."]
    for row in changed.itertuples():
        verdict = "now passes" if row.pass_after else "now fails"
        lines.append(
            f"- {row.key} {row.year}: {verdict} (model {row.model_before:.4g} -> "
            f"{row.model_after:.4g}, observed {row.observed_before:.4g}, tolerance "
            f"{row.tolerance_after:.3g})"
        )
    change = both["model_after"] - both["model_before"]
    # A tolerance of 0 (a range target's) would make any change infinite tolerances and no
    # change NaN: such targets count as moved when their value changed at all, and so does a
    # model value that became undefined.
    shift = change / both["tolerance_after"].where(both["tolerance_after"] > 0)
    undefined = both["model_before"].isna() != both["model_after"].isna()
    listed = (shift.abs() > moved) | (shift.isna() & ((change != 0) | undefined))
    large = both.assign(shift=shift)[listed].sort_values(
        "shift", key=lambda s: s.abs(), ascending=False, na_position="first"
    )
    lines += [
        "",
        f"Moved by more than {moved:g} of the tolerance: {len(large)} target(s).",
    ]
    if len(large):
        lines += [
            "",
            "| target | year | observed | before | after | tolerance | moved (tolerances) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in large.itertuples():
            lines.append(
                f"| {row.key} | {row.year} | {row.observed_before:.4g} | {row.model_before:.4g} "
                f"| {row.model_after:.4g} | {row.tolerance_after:.3g} | {row.shift:+.2f} |"
            )
    only = set(map(tuple, before[KEY].to_numpy())) ^ set(map(tuple, after[KEY].to_numpy()))
    if only:
        lines += ["", f"In one fit only: {len(only)} target(s) (not compared)."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the two fit tables named on the command line; 0, or 2 on a bad file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="fit table before the change (fit --csv)")
    parser.add_argument("after", type=Path, help="fit table after the change")
    parser.add_argument(
        "--moved", type=float, default=0.1, help="list moves larger than this many tolerances"
    )
    args = parser.parse_args(argv)
    try:
        print(compare(read_fit(args.before), read_fit(args.after), args.moved))
    except FitTableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
