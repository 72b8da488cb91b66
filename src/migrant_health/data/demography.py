"""Typed loader of the demographic package data.

The CSV files beside this module are built by ``tools/build_demography.py`` from the shared data
folder; ``sources.yaml`` documents each file, its derivation, its sources and every assumption.
Nothing is read at import time: :func:`load_demography` reads the files on first call and caches
the result (its arrays are read-only, so the cached object cannot be changed by accident).

Sex is always indexed ``0 = male, 1 = female``; ages run 16..100, where 100 means 100+.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_health.errors import DataError

PACKAGE = "migrant_health.data"
SEXES: tuple[str, str] = ("male", "female")
MIN_AGE = 16
MAX_AGE = 100
TARGET_COLUMNS: tuple[str, ...] = ("key", "year", "value", "unit", "source", "confidence")

_REBUILD = "rebuild the package data with tools/build_demography.py"
# a numeric range such as "26-49", "0.22 - 0.34", "10–20" or "5 to 8", optionally with a %
_RANGE = re.compile(
    r"^[-+]?\d+(?:\.\d+)?\s*%?\s*(?:-|\u2013|\u2014|~|to)\s*[-+]?\d+(?:\.\d+)?\s*%?$"
)


@dataclass(frozen=True, eq=False)
class Demography:
    """Demographic inputs of the microsimulation, as arrays indexed by year, sex and age.

    Attributes:
        first_year: First year of the data (2008); stocks refer to 31 Dec of this year.
        last_year: Last year of the data (2035).
        ages: Ages 16..100 (100 = 100+), int16.
        rural_stock_2008: Rural-hukou persons at end 2008, shape (2, n_ages); [0] male, [1] female.
        urban_stock_2008: Urban-hukou persons at end 2008, shape (2, n_ages).
        entrants: Rural-hukou persons turning 16 during each year, shape (n_years, 2); row 0
            (``first_year``) is zero.
        qx: Rural-hukou probability of dying within each calendar year, shape
            (n_years, 2, n_ages).
        conversion_rate: Rural -> urban hukou conversions of persons 16+ as a share of the
            rural-hukou 16+ stock at the start of each year, shape (n_years,); row 0 repeats the
            first data year's rate.
        conversions: Conversions of persons aged 16+ during each year, shape (n_years,); row 0
            (``first_year``, the base year) is zero.
        standard_age_bands: Labels of the standard population's age bands.
        standard_weights: Shares of the 2010-census national 16+ population in those bands
            (sum to 1).
        qx_national: The national schedule ``qx`` is scaled from, same shape as ``qx``.
    """

    first_year: int
    last_year: int
    ages: np.ndarray
    rural_stock_2008: np.ndarray
    urban_stock_2008: np.ndarray
    entrants: np.ndarray
    qx: np.ndarray
    conversion_rate: np.ndarray
    conversions: np.ndarray
    standard_age_bands: tuple[str, ...]
    standard_weights: np.ndarray
    qx_national: np.ndarray

    @property
    def years(self) -> np.ndarray:
        """The calendar years first_year..last_year (int16)."""
        return np.arange(self.first_year, self.last_year + 1, dtype=np.int16)

    def year_index(self, year: int) -> int:
        """Row of a calendar year in the by-year arrays.

        Args:
            year: A calendar year.

        Returns:
            ``year - first_year``.

        Raises:
            DataError: If the year lies outside ``[first_year, last_year]``.
        """
        if not self.first_year <= year <= self.last_year:
            raise DataError(
                f"year {year} is outside the demographic data ({self.first_year}-"
                f"{self.last_year}); choose a year in that range or extend the data "
                "with tools/build_demography.py"
            )
        return int(year) - self.first_year

    def frozen_at(self, year: int) -> Demography:
        """These data with the life tables and the hukou conversion rate of ``year`` in every year.

        Used for runs under frozen conditions (``RunConfig.frozen``): people still age and
        cohorts still enter with the data's sizes, but the risks of death and of conversion stay
        those of ``year``.
        """
        row = self.year_index(year)

        def fixed(by_year: np.ndarray) -> np.ndarray:
            # Read-only as the loaded tables are: Numba types an array's writability, and a
            # writable table made every kernel that takes one compile again for frozen runs.
            out = np.broadcast_to(by_year[row], by_year.shape).copy()
            out.setflags(write=False)
            return out

        return dataclasses.replace(
            self,
            qx=fixed(self.qx),
            qx_national=fixed(self.qx_national),
            conversion_rate=fixed(self.conversion_rate),
        )

    def age_index(self, age: int) -> int:
        """Column of an age in the by-age arrays; ages above 100 map to the open group 100+.

        Args:
            age: Age in completed years, 16 or more.

        Returns:
            ``min(age, 100) - 16``.

        Raises:
            DataError: If the age is below 16.
        """
        if age < MIN_AGE:
            raise DataError(f"age {age} is below {MIN_AGE}, the youngest age in the data")
        return min(int(age), MAX_AGE) - MIN_AGE


def _read_package_text(name: str) -> str:
    """Text of a package data file."""
    try:
        return resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"package data file {name} is missing; {_REBUILD}") from exc


def _read_package_csv(name: str, columns: Sequence[str]) -> pd.DataFrame:
    """A package CSV file, checked for its columns and for empty cells."""
    frame = pd.read_csv(io.StringIO(_read_package_text(name)))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"package data file {name}: missing column(s) {missing}; {_REBUILD}")
    frame = frame[list(columns)]
    if frame.isna().to_numpy().any():
        line = int(np.flatnonzero(frame.isna().any(axis=1).to_numpy())[0]) + 2
        raise DataError(f"package data file {name}: line {line} has an empty cell; {_REBUILD}")
    return frame


def _numeric(frame: pd.DataFrame, name: str, column: str) -> np.ndarray:
    """A numeric column as float64, finite and non-negative."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise DataError(
            f"package data file {name}: line {line}, column '{column}' is not a finite "
            f"non-negative number; {_REBUILD}"
        )
    return values


def _sex_index(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column 'sex' as 0 (male) / 1 (female)."""
    codes = frame["sex"].map({sex: i for i, sex in enumerate(SEXES)})
    if codes.isna().any():
        line = int(np.flatnonzero(codes.isna().to_numpy())[0]) + 2
        raise DataError(
            f"package data file {name}: line {line}, column 'sex' must be male or female; "
            f"{_REBUILD}"
        )
    return codes.to_numpy(dtype=np.int64)


def _grid(
    name: str, frame: pd.DataFrame, keys: dict[str, Sequence[object]], value: str
) -> np.ndarray:
    """Scatter a long table onto a dense grid, checking every cell is filled exactly once.

    Args:
        name: File name, for messages.
        frame: The table.
        keys: Grid axes in order: column name -> the values along that axis ('sex' uses SEXES).
        value: The value column.

    Returns:
        The dense float64 array.
    """
    shape = tuple(len(axis) for axis in keys.values())
    out = np.full(shape, np.nan)
    index = []
    for column, axis in keys.items():
        if column == "sex":
            index.append(_sex_index(frame, name))
            continue
        raw = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        grid = np.asarray(axis, dtype=np.float64)
        pos = np.searchsorted(grid, raw)
        ok = (pos < grid.size) & (grid[np.minimum(pos, grid.size - 1)] == raw)
        if not ok.all():
            line = int(np.flatnonzero(~ok)[0]) + 2
            raise DataError(
                f"package data file {name}: line {line}, column '{column}' holds "
                f"{frame[column].iloc[line - 2]!r}, outside {axis[0]}..{axis[-1]}; {_REBUILD}"
            )
        index.append(pos)
    flat = np.ravel_multi_index(tuple(index), shape)
    if np.unique(flat).size != flat.size or flat.size != out.size:
        raise DataError(
            f"package data file {name}: expected one row for each of "
            f"{' x '.join(f'{len(a)} {c}' for c, a in keys.items())} values, found {flat.size} "
            f"rows with {np.unique(flat).size} distinct; {_REBUILD}"
        )
    out.ravel()[flat] = _numeric(frame, name, value)
    return out


def _frozen(array: np.ndarray, dtype: type[np.generic] = np.float64) -> np.ndarray:
    """A read-only contiguous copy."""
    out = np.ascontiguousarray(array, dtype=dtype)
    out.setflags(write=False)
    return out


@cache
def load_demography() -> Demography:
    """Load the demographic package data (cached after the first call).

    Returns:
        The :class:`Demography` arrays, read-only.

    Raises:
        DataError: If a package data file is missing or malformed.
    """
    ages = list(range(MIN_AGE, MAX_AGE + 1))
    mort = _read_package_csv("mortality.csv", ["year", "sex", "age", "qx"])
    years_found = _numeric(mort, "mortality.csv", "year")
    first, last = int(years_found.min()), int(years_found.max())
    years = list(range(first, last + 1))
    flows = years[1:]
    sex_age: dict[str, Sequence[object]] = {"sex": SEXES, "age": ages}
    by_year: dict[str, Sequence[object]] = {"year": years, **sex_age}

    qx = _grid("mortality.csv", mort, by_year, "qx")
    national = _read_package_csv("mortality_national.csv", ["year", "sex", "age", "qx"])
    qx_national = _grid("mortality_national.csv", national, by_year, "qx")
    for name, table in (("mortality.csv", qx), ("mortality_national.csv", qx_national)):
        if (table >= 1).any():
            raise DataError(f"package data file {name}: a qx is 1 or more; {_REBUILD}")

    stocks = []
    for name in ("rural_hukou_2008.csv", "urban_hukou_2008.csv"):
        frame = _read_package_csv(name, ["sex", "age", "persons"])
        stocks.append(_grid(name, frame, sex_age, "persons"))

    frame = _read_package_csv("entrants.csv", ["year", "sex", "persons"])
    entrants = np.zeros((len(years), 2))
    entrants[1:] = _grid("entrants.csv", frame, {"year": flows, "sex": SEXES}, "persons")

    frame = _read_package_csv("hukou_conversions.csv", ["year", "persons_16plus", "rate"])
    conversions = np.zeros(len(years))
    conversions[1:] = _grid("hukou_conversions.csv", frame, {"year": flows}, "persons_16plus")
    rate = np.zeros(len(years))
    rate[1:] = _grid("hukou_conversions.csv", frame, {"year": flows}, "rate")
    rate[0] = rate[1]
    if (rate >= 1).any():
        raise DataError(f"package data file hukou_conversions.csv: a rate is 1 or more; {_REBUILD}")

    frame = _read_package_csv("standard_population.csv", ["age_band", "persons"])
    persons = _numeric(frame, "standard_population.csv", "persons")
    if persons.sum() <= 0:
        raise DataError(f"package data file standard_population.csv: no persons; {_REBUILD}")

    return Demography(
        first_year=first,
        last_year=last,
        ages=_frozen(np.array(ages), np.int16),
        rural_stock_2008=_frozen(stocks[0]),
        urban_stock_2008=_frozen(stocks[1]),
        entrants=_frozen(entrants),
        qx=_frozen(qx),
        conversion_rate=_frozen(rate),
        conversions=_frozen(conversions),
        standard_age_bands=tuple(str(band) for band in frame["age_band"]),
        standard_weights=_frozen(persons / persons.sum()),
        qx_national=_frozen(qx_national),
    )


def load_calibration_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read calibration targets: the shipped file, or a user's file in the same format.

    The file is a CSV with a header naming at least ``key, year, value, unit, source,
    confidence`` (other columns are kept as text). ``year`` may be empty; ``value`` may be a
    number, empty, or a numeric range such as ``26-49``, which is kept in ``value_text`` with
    ``value`` NaN.

    Args:
        path: A CSV file; ``None`` reads the package's ``calibration_targets.csv``.

    Returns:
        One row per target with columns ``key`` (str), ``year`` (Int64, may be missing),
        ``value`` (float64), ``value_text`` (the cell as written), ``unit``, ``source``,
        ``confidence`` and any extra columns.

    Raises:
        DataError: If the file cannot be read, a required column is missing, a row has the
            wrong number of fields or no key, or a year or value is malformed. The message
            names the file, the line (1-based, counting the header as line 1) and the column.
    """
    if path is None:
        label = "calibration_targets.csv (package data)"
        text = _read_package_text("calibration_targets.csv")
    else:
        file = Path(path)
        label = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise DataError(
                f"{label}: file not found; pass the path of a CSV file with the columns "
                f"{', '.join(TARGET_COLUMNS)}"
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{label}: cannot be read as UTF-8 text ({exc})") from exc
    return _parse_targets(text, label)


def _parse_targets(text: str, label: str) -> pd.DataFrame:
    """Parse and validate calibration-target CSV text (see load_calibration_targets)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise DataError(
            f"{label}: the file is empty; the first line must be the header "
            f"{','.join(TARGET_COLUMNS)}"
        ) from None
    except csv.Error as exc:
        raise DataError(f"{label}: line 1 (header): {exc}") from exc
    missing = [column for column in TARGET_COLUMNS if column not in header]
    if missing:
        raise DataError(
            f"{label}: line 1 (header): missing column(s) {', '.join(missing)}; the header "
            f"must name {', '.join(TARGET_COLUMNS)} (found: {', '.join(header)})"
        )
    col = {name: header.index(name) for name in header}
    records: list[dict[str, object]] = []
    end_of_previous = reader.line_num
    while True:
        line = end_of_previous + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(f"{label}: line {line}: {exc}; check the quoting") from exc
        end_of_previous = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(
                f"{label}: line {line}: expected {len(header)} fields ({', '.join(header)}) but "
                f"found {len(row)}; quote any field that contains a comma"
            )
        cells = {name: row[i].strip() for name, i in col.items()}
        if not cells["key"]:
            raise DataError(f"{label}: line {line}, column 'key': empty; every row needs a key")
        record: dict[str, object] = dict(cells)
        record["year"] = _parse_year(cells["year"], label, line)
        record["value"] = _parse_value(cells["value"], label, line)
        record["value_text"] = cells["value"]
        records.append(record)
    extra = [name for name in header if name not in TARGET_COLUMNS]
    order = ["key", "year", "value", "value_text", "unit", "source", "confidence", *extra]
    frame = pd.DataFrame.from_records(records, columns=order)
    frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype(np.float64)
    return frame


def _parse_year(text: str, label: str, line: int) -> int | None:
    """A year cell: empty or a whole number."""
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise DataError(
            f"{label}: line {line}, column 'year': {text!r} is not a year; write a whole "
            "number such as 2010, or leave the cell empty"
        )
    return int(number)


def _parse_value(text: str, label: str, line: int) -> float:
    """A value cell: a number, empty (NaN) or a numeric range (NaN; the text is kept)."""
    if not text or _RANGE.match(text):
        return math.nan
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise DataError(
            f"{label}: line {line}, column 'value': {text!r} is not a number; write a number "
            "such as 12.5 (a range such as 26-49, or an empty cell, is also accepted and kept "
            "as text with value NaN)"
        )
    return number
