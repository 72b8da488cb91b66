"""Rows of the shared ``validity_targets.csv`` adopted as calibration targets.

The package's ``calibration_targets.csv`` is the shared ``calibration_targets.csv`` followed by
the validity rows whose key is listed here, in the order of the validity file. Each adopted row
keeps the six columns of the targets file; its population and definition (which the targets
file has no columns for) are appended to the source, so that nothing the data say is lost.
docs/calibration.md says which model quantity each key is compared with.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

#: Keys of validity_targets.csv the package calibrates to (docs/calibration.md, "Targets").
#: Keys that validity_keys.csv lists as not comparable may still be adopted: the fit report then
#: lists each of their rows as not compared, with the reason.
ADOPTED_VALIDITY_KEYS: tuple[str, ...] = (
    "che.cfps_rural_households",
    "che.cfps_urban_households",
    "che.nhss_all_households",
    "exp.rural_pc_healthcare",
    "exp.urban_pc_healthcare",
    "edu.ger_senior_secondary",
    "edu.ger_tertiary",
    "mw.age_first_outmigration_newgen",
    "mw.age_first_outmigration_oldgen",
    "mw.local_share_21_40",
    "mw.out_share_21_40",
    "mw.out_share_under40",
    "mw.share_age_16_30",
    "mw.share_age_40_or_under",
    "mw.share_age_50plus",
    "nbs.age_share_16-20",
    "nbs.age_share_21-30",
    "nbs.age_share_31-40",
    "nbs.age_share_40_or_under",
    "nbs.age_share_41-50",
    "nbs.age_share_50+",
    "nbs.mean_age",
)


def adopted_rows(validity_csv: Path) -> list[list[str]]:
    """The adopted rows of ``validity_csv``, as targets-file rows (population and definition
    folded into the source)."""
    with validity_csv.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    missing = set(ADOPTED_VALIDITY_KEYS) - {row["key"] for row in table}
    if missing:
        raise SystemExit(f"{validity_csv}: adopted keys not found: {', '.join(sorted(missing))}")
    return [
        [
            row["key"],
            row["year"],
            row["value"],
            row["unit"],
            f"{row['source']}; population: {row['population']}; definition: {row['definition']}",
            row["confidence"],
        ]
        for row in table
        if row["key"] in ADOPTED_VALIDITY_KEYS
    ]


def write_targets(shared_dir: Path, target: Path) -> None:
    """Write the package targets: the shared targets unchanged, then the adopted validity rows
    (CRLF line ends, like the shared file)."""
    text = (shared_dir / "calibration_targets.csv").read_bytes().decode("utf-8")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        adopted_rows(shared_dir / "validity_targets.csv")
    )
    if not text.endswith("\n"):
        text += "\r\n"
    target.write_bytes((text + buffer.getvalue()).encode("utf-8"))
