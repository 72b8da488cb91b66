"""Reading target files, matching their rows with model quantities, and synthetic targets.

The mapping itself (which key is compared with which quantity, in which unit, with which
caveat and tolerance) lives in :mod:`migrant_health.experiments.targets`.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_health.data import load_calibration_targets
from migrant_health.errors import DataError
from migrant_health.experiments.quantity import CellRun
from migrant_health.experiments.targets import (
    CI_PATTERN,
    CONFIDENCE_WEIGHTS,
    NOT_COMPARABLE,
    RANGE_PATTERN,
    SPECS_BY_KEY,
    TARGET_MAP,
    Comparison,
    unit_factor,
)
from migrant_health.setting_names import setting

#: Why a row of a key the package does not know is not compared.
UNKNOWN_KEY = "no mapping to a model quantity (unknown key)"


@dataclass(frozen=True)
class MatchedTargets:
    """Targets of a file sorted into comparisons and skipped rows.

    Attributes:
        comparisons: Rows compared with the model.
        skipped: ``key, year, reason`` of every row not compared.
        label: Where the targets came from.
    """

    comparisons: tuple[Comparison, ...]
    skipped: pd.DataFrame
    label: str

    def unknown_keys(self) -> list[tuple[str, str | None]]:
        """Keys the package neither compares nor lists as not comparable, each with the
        closest known key (a likely misspelling) or ``None``, in the file's order."""
        known = [*SPECS_BY_KEY, *NOT_COMPARABLE]
        unknown = self.skipped.loc[self.skipped["reason"] == UNKNOWN_KEY, "key"]
        return [
            (key, next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.8)), None))
            for key in dict.fromkeys(unknown)
        ]

    def why_none_compared(self) -> str:
        """Why a file gave no comparison: the first row of a known key that was left out, with
        its reason (a share whose other count is missing), or else the generic rule."""
        left_out = self.skipped[self.skipped["key"].isin(list(SPECS_BY_KEY))]
        if len(left_out):
            first = left_out.iloc[0]
            return (
                f"{self.label}: no row can be compared with the model: {len(left_out)} row(s) "
                f"of known keys were left out, the first {first['key']} {first['year']}: "
                f"{first['reason']}"
            )
        return (
            f"{self.label}: no row can be compared with the model (keys must be among the "
            "mapped targets; see docs/calibration.md)"
        )

    @property
    def years(self) -> tuple[int, int]:
        """First and last model year needed."""
        years = [c.model_year for c in self.comparisons]
        return min(years), max(years)

    def require_years(self, first: int, last: int, last_possible: int | None = None) -> None:
        """Refuse targets of which no row falls in the simulated years ``first``-``last``.

        Args:
            first: First simulated year.
            last: Last simulated year (``--end``).
            last_possible: The last year a run can reach; when ``last`` falls short of it and
                rows lie beyond, a later ``--end`` is suggested too.

        Raises:
            DataError: naming the file and the years its comparable rows need.
        """
        if any(first <= c.model_year <= last for c in self.comparisons):
            return
        low, high = self.years
        if high < first:
            raise DataError(
                f"{self.label}: every row the model can compare lies in {low}-{high}, before the "
                f"simulation's first year {first}; give targets of {first} or later"
            )
        later = (
            f", or a later {setting('end')} (up to {last_possible})"
            if last_possible is not None and last < last_possible and high > last
            else ""
        )
        raise DataError(
            f"{self.label}: every row the model can compare lies in {low}-{high}, outside the "
            f"simulated years {first}-{last}; give targets of those years{later}"
        )


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read a targets file (or the shipped one) and add the line number of every row.

    Raises:
        DataError: As :func:`migrant_health.data.load_calibration_targets`, naming file, line
            and column.
    """
    frame = load_calibration_targets(path)
    if path is None:
        from importlib import resources

        text = resources.files("migrant_health.data").joinpath("calibration_targets.csv")
        lines = _record_lines(text.read_text(encoding="utf-8"))
        frame.attrs["label"] = "calibration_targets.csv (package data)"
    else:
        lines = _record_lines(Path(path).read_text(encoding="utf-8"))
        frame.attrs["label"] = str(path)
    frame["line"] = lines[: len(frame)] if len(lines) >= len(frame) else range(2, len(frame) + 2)
    return frame


def _record_lines(text: str) -> list[int]:
    """First line of every non-blank record, as the loader counts them (header = line 1)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    lines: list[int] = []
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return lines
    previous = reader.line_num
    for row in reader:
        if any(cell.strip() for cell in row):
            lines.append(previous + 1)
        previous = reader.line_num
    return lines


def match_targets(targets: pd.DataFrame, label: str | None = None) -> MatchedTargets:
    """Match target rows with model quantities, convert units and weigh them.

    Args:
        targets: A frame as returned by :func:`load_targets` (a ``line`` column is optional).
        label: Name of the file, for error messages (default: ``targets.attrs['label']``).

    Returns:
        The comparisons and the skipped rows with their reasons.

    Raises:
        DataError: For a row of a mapped key with a missing year, a missing value or a unit
            that does not fit the quantity, and for the counts of a share of two counts
            (``TargetSpec.share_of_counts``) that are negative, a range, given twice in a year
            or both zero; the message names the line(s) and the column.
    """
    label = label or str(targets.attrs.get("label", "targets"))
    lines = targets["line"] if "line" in targets else pd.Series(range(2, len(targets) + 2))
    points: list[Comparison] = []
    ranges: dict[str, list[tuple[float, int, int, str]]] = {}
    # Per share target and year: each count in model units, as written, its line, confidence.
    parts: dict[tuple[str, int], dict[str, tuple[float, float, int, str]]] = {}
    skipped: list[tuple[str, object, str]] = []
    for (_, row), line in zip(targets.iterrows(), lines, strict=True):
        key = str(row["key"])
        spec = SPECS_BY_KEY.get(key)
        if spec is None:
            reason = NOT_COMPARABLE.get(key, UNKNOWN_KEY)
            skipped.append((key, row["year"], reason))
            continue
        where = f"{label}: line {int(line)}"
        if pd.isna(row["year"]):
            raise DataError(f"{where}, column 'year': empty; target {key!r} needs a year")
        unit = str(row["unit"])
        if not unit.strip().lower().startswith(tuple(u.lower() for u in spec.units)):
            raise DataError(
                f"{where}, column 'unit': {unit!r} does not fit target {key!r}; expected a unit "
                f"beginning with {' or '.join(repr(u) for u in spec.units)}"
            )
        factor = unit_factor(unit)
        value = float(row["value"])
        low = high = value
        if not math.isfinite(value):
            found = RANGE_PATTERN.match(str(row.get("value_text", "")))
            if found is None:
                raise DataError(
                    f"{where}, column 'value': empty; target {key!r} needs a number or a range "
                    "such as 20-30"
                )
            low, high = sorted((float(found.group(1)), float(found.group(2))))
            value = (low + high) / 2
        year = int(row["year"])
        confidence = str(row["confidence"])
        if spec.range_of:
            ranges.setdefault(spec.key, []).append((value * factor, year, int(line), confidence))
            continue
        if spec.share_of_counts:
            if not math.isfinite(float(row["value"])):  # a range, even of zero width
                raise DataError(
                    f"{where}, column 'value': a range ({row.get('value_text')}) cannot enter "
                    f"the share {spec.share_of_counts[0]} / ({' + '.join(spec.share_of_counts)}); "
                    "give each count as one number"
                )
            if value < 0:
                raise DataError(
                    f"{where}, column 'value': {value:g} is negative; target {key!r} is a count"
                )
            counts = parts.setdefault((spec.key, year), {})
            if key in counts:
                raise DataError(
                    f"{where}, column 'key': {key!r} of {year} is given again (first on line "
                    f"{counts[key][2]}); a share of two counts needs one row of each a year"
                )
            counts[key] = (value * factor, value, int(line), confidence)
            continue
        ci = CI_PATTERN.search(unit) or CI_PATTERN.search(str(row.get("source", "")))
        half = abs(float(ci.group(2)) - float(ci.group(1))) / 2 * factor if ci else 0.0
        points.append(
            Comparison(
                spec=spec,
                year=year,
                model_year=spec.model_year or year,
                observed=value * factor,
                low=low * factor,
                high=high * factor,
                factor=factor,
                unit=unit,
                half_width=half,
                weight=CONFIDENCE_WEIGHTS.get(confidence, 0.5),
                confidence=confidence,
                lines=(int(line),),
            )
        )
    for key, rows in ranges.items():
        spec = next(s for s in TARGET_MAP if s.key == key)
        values = [r[0] for r in rows]
        low, high = min(values), max(values)
        confidences = sorted({r[3] for r in rows})
        points.append(
            Comparison(
                spec=spec,
                year=spec.model_year or max(r[1] for r in rows),
                model_year=spec.model_year or max(r[1] for r in rows),
                observed=(low + high) / 2,
                low=low,
                high=high,
                factor=0.01,
                unit="% (range of sources)",
                half_width=0.0,
                weight=min(CONFIDENCE_WEIGHTS.get(c, 0.5) for c in confidences),
                confidence="/".join(confidences),
                lines=tuple(r[2] for r in rows),
            )
        )
    shares, unpaired = _shares_of_counts(parts, label)
    points += shares
    skipped += unpaired
    points = _with_floor_bases(points)
    comparisons = _split_weights(points)
    skipped_frame = pd.DataFrame(skipped, columns=["key", "year", "reason"])
    return MatchedTargets(tuple(comparisons), skipped_frame, label)


def _shares_of_counts(
    parts: dict[tuple[str, int], dict[str, tuple[float, float, int, str]]], label: str
) -> tuple[list[Comparison], list[tuple[str, object, str]]]:
    """One share target per year from the two counts of a ``share_of_counts`` series.

    A year that gives only one of the two counts is skipped, with the reason.
    """
    points: list[Comparison] = []
    skipped: list[tuple[str, object, str]] = []
    for (key, year), found in parts.items():
        spec = next(s for s in TARGET_MAP if s.key == key)
        part, rest = spec.share_of_counts
        if part not in found or rest not in found:
            missing = rest if part in found else part
            for present in found:
                skipped.append((present, year, f"no {missing} row in {year} to form the share"))
            continue
        (a, raw_a, line_a, conf_a), (b, raw_b, line_b, conf_b) = found[part], found[rest]
        if a + b == 0:
            raise DataError(
                f"{label}: lines {line_a} and {line_b}, column 'value': {raw_a:g} and {raw_b:g} "
                f"cannot make the share {part} / ({part} + {rest}) of {year}; the two counts "
                "cannot both be zero"
            )
        # The less certain count labels the share; between equal weights a recalled figure
        # wins, since it carries the wider floor of recalled figures.
        confidence = min(
            (conf_a, conf_b), key=lambda c: (CONFIDENCE_WEIGHTS.get(c, 0.5), c != "recalled")
        )
        share = a / (a + b)
        points.append(
            Comparison(
                spec=spec,
                year=year,
                model_year=spec.model_year or year,
                observed=share,
                low=share,
                high=share,
                factor=0.01,
                unit="% of the two counts",
                half_width=0.0,
                weight=CONFIDENCE_WEIGHTS.get(confidence, 0.5),
                confidence=confidence,
                lines=(line_a, line_b),
            )
        )
    return points, skipped


def _with_floor_bases(points: list[Comparison]) -> list[Comparison]:
    """Set the floor base of series whose floor is relative to another series' value.

    Where a targets file lacks the reference series in that year, the floor stays relative
    to the target itself (stricter, never looser).
    """
    observed = {(p.key, p.year): p.observed for p in points}
    out = []
    for point in points:
        reference = point.spec.floor_of
        if reference is not None and (reference, point.year) in observed:
            point = replace(point, floor_base=observed[(reference, point.year)])
        out.append(point)
    return out


def _split_weights(points: list[Comparison]) -> list[Comparison]:
    """Give each series its spec weight in total, shared among its rows by confidence."""
    order = {spec.key: k for k, spec in enumerate(TARGET_MAP)}
    points.sort(key=lambda c: (order[c.key], c.year))
    totals: dict[str, float] = {}
    for point in points:
        totals[point.key] = totals.get(point.key, 0.0) + point.weight
    out = []
    for point in points:
        share = point.weight / totals[point.key] if totals[point.key] > 0 else 0.0
        out.append(replace(point, weight=point.spec.weight * share))
    return out


def model_values(
    matched: MatchedTargets, run: CellRun, se: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Model value and Monte Carlo standard error of every comparison.

    Args:
        matched: The comparisons.
        run: A run whose years cover the comparisons' model years.
        se: Optional replicate standard errors (``name, year, se`` with name = target key),
            which replace the analytic ones.

    Returns:
        One row per comparison (in order) with columns ``model`` and ``se`` (model units);
        NaN where the run does not cover the year or the quantity is undefined.
    """
    cache: dict[str, pd.DataFrame] = {}
    replicate: dict[tuple[str, int], float] = {}
    if se is not None:
        for name, year, value in zip(se["name"], se["year"], se["se"], strict=True):
            replicate[(str(name), int(year))] = float(value)
    rows = []
    for comparison in matched.comparisons:
        key = comparison.key
        if key not in cache:
            cache[key] = comparison.spec.quantity.evaluate(run)
        values = cache[key]
        year = comparison.model_year
        if year in values.index:
            model = float(values["value"].loc[year])
            sd = replicate.get((key, year), float(values["se"].loc[year]))
        else:
            model = sd = math.nan
        rows.append((model, sd))
    return pd.DataFrame(rows, columns=["model", "se"])


#: The total a share of two counts is split into by :func:`targets_from_run`, in the counts'
#: unit of 10k persons (so 10^8 persons).
NOMINAL_TOTAL = 10_000.0


def targets_from_run(
    run: CellRun,
    keys: Iterable[str],
    years: Iterable[int],
    source: str = "synthetic: generated by the model itself",
) -> pd.DataFrame:
    """Targets in the file format, generated from a run (a known truth for tests and checks).

    Each key's value is the model quantity of :data:`TARGET_MAP` in each year, converted to
    the key's first accepted unit (``10k persons`` for counts, ``%`` for shares). A share of two
    counts (``TargetSpec.share_of_counts``, given by its key) is written as its two count rows,
    the parts of a nominal 10,000 (10k persons) in the model's proportions: only their share is
    compared.

    Raises:
        ValueError: For a key that is not mapped, or a range target.
    """
    rows = []
    years = list(years)

    def row(key: str, year: int, value: float, unit: str) -> dict[str, object]:
        return {
            "key": key,
            "year": year,
            "value": value,
            "unit": unit,
            "source": source,
            "confidence": "synthetic",
        }

    for key in keys:
        spec = SPECS_BY_KEY.get(key)
        if spec is None or spec.range_of:
            raise ValueError(f"{key!r} is not a point target of TARGET_MAP")
        if key != spec.key:
            raise ValueError(f"{key!r} is a part of the share {spec.key!r}; ask for that key")
        unit = spec.units[0]
        factor = unit_factor(unit)
        values = spec.quantity.evaluate(run)["value"]
        for year in years:
            value = float(values.loc[year])
            if spec.share_of_counts:
                part, rest = spec.share_of_counts
                rows.append(row(part, year, NOMINAL_TOTAL * value, unit))
                rows.append(row(rest, year, NOMINAL_TOTAL * (1.0 - value), unit))
            else:
                rows.append(row(key, year, value / factor, unit))
    frame = pd.DataFrame(rows, columns=["key", "year", "value", "unit", "source", "confidence"])
    frame["value_text"] = [repr(v) for v in frame["value"]]
    frame["year"] = frame["year"].astype("Int64")
    frame["line"] = np.arange(2, len(frame) + 2)
    return frame


def write_targets(frame: pd.DataFrame, path: str | Path) -> None:
    """Write targets in the file format (``key, year, value, unit, source, confidence``)."""
    columns = ["key", "year", "value", "unit", "source", "confidence"]
    out = frame[columns].copy()
    out["value"] = [repr(float(v)) for v in out["value"]]
    out.to_csv(path, index=False)
