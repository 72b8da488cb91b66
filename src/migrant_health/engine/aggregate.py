"""Turn the summed statistics of all chunks into the tidy ``year, metric, group, value`` table.

Groups: ``all``, each single key (sex, age_band, education, origin_region, status, city_tier,
stage), status crossed with sex and with age band, and residence (``residence=rural`` or
``residence=urban``: where people live, whatever their hukou). ``group`` is ``all`` or sorted
``key=value`` pairs joined by commas. Groups that do not name a status leave out the urban-local
reference sample, so ``all`` means the rural-hukou-origin population.

Out-migrants by years in the city (``years_in_city=0-1|2-4|5-9|10+``, alone and crossed with
sex) come from the tenure cells (:mod:`migrant_health.engine.stats`), which hold out-migrants a
second time; everyone who has ever out-migrated, by arrival cohort
(``arrival_cohort=by2008|2009-2015|2016-2022|2023-2035``, alone and crossed with sex, and
``arrival_cohort=any`` for all of them), comes from the cohort cells, which follow people
whatever their status now; every other group is summed over the main cells only, so nobody
counts twice.

In the cohort groups the integration metrics (the four dimensions and the index) are means over
the cohort's city dwellers: its out-migrants and its converts to urban hukou, so that a reform
that speeds conversion is not read as a loss of integration. The other out-migrant-only metrics
(stay intention, insurance at the destination, health records, support, living type, phase,
stage) are not reported for cohorts: converts have no value for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migrant_health.engine.codes import (
    AGE_BAND_LABELS,
    EDUCATION_LABELS,
    LIVING_TYPE_LABELS,
    PHASE_LABELS,
    REGION_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
)
from migrant_health.engine.metrics import Metric, statistics_of
from migrant_health.engine.stats import (
    ARRIVAL_COHORT_LABELS,
    COHORT_DIMENSIONS,
    DIMENSIONS,
    FIRST_COHORT_CELL,
    N_MAIN_CELLS,
    SGROUP_STAGE,
    SGROUP_STATUS,
    SGROUP_TIER,
    TENURE_DIMENSIONS,
    YEARS_IN_CITY_LABELS,
)

GROUPINGS: tuple[tuple[str, ...], ...] = (
    (),
    ("sex",),
    ("age_band",),
    ("education",),
    ("origin_region",),
    ("status",),
    ("city_tier",),
    ("stage",),
    ("sex", "status"),
    ("age_band", "status"),
)
#: Groups of out-migrants by years in the city, summed over the tenure cells only.
TENURE_GROUPINGS: tuple[tuple[str, ...], ...] = (
    ("years_in_city",),
    ("years_in_city", "sex"),
)
#: The cell-table column that marks tenure cells (``None`` in the main cells).
TENURE_KEY = "years_in_city"
#: Groups of everyone who has ever out-migrated, summed over the cohort cells only.
COHORT_GROUPINGS: tuple[tuple[str, ...], ...] = (("arrival_cohort",), ("arrival_cohort", "sex"))
#: The cell-table column that marks cohort cells (``None`` in the main and tenure cells).
COHORT_KEY = "arrival_cohort"
#: Label of the cohort group of everyone who has ever out-migrated.
ANY_COHORT = "any"
#: Statistics that converts add to their cohort cells as city dwellers (results module).
_CITY_DWELLER_SUMS = frozenset(
    {"sum_economic", "sum_social", "sum_cultural", "sum_identity", "sum_index"}
)
_RURAL_STATUSES = ("rural_stayer", "local_migrant", "out_migrant", "returned")
# Where people live, whatever their hukou (converts to urban hukou live in cities).
_RURAL_RESIDENTS = ("rural_stayer", "local_migrant", "returned")
_URBAN_RESIDENTS = ("out_migrant", "urban_hukou", "urban_local")
#: Statuses of the people living in rural areas and in cities (``residence=rural|urban``).
RESIDENCE_STATUSES: dict[str, tuple[str, ...]] = {
    "rural": _RURAL_RESIDENTS,
    "urban": _URBAN_RESIDENTS,
}
_DERIVED_SEPARATELY = (
    "health_gap_urban_rural",
    "health_gap_residence",
    "poor_health_share_standardised",
)


def cell_table(
    total: np.ndarray, years: range, weights: dict[str, float], statistics: Sequence[str]
) -> pd.DataFrame:
    """One row per non-empty (year, cell) with its labels and weighted statistics.

    The main cells come first, labelled by status, stage, city tier, sex, age band, education
    and origin region, with ``years_in_city`` and ``arrival_cohort`` empty (``None``). Then the
    tenure cells, which hold out-migrants a second time: labelled ``status=out_migrant``,
    ``years_in_city``, sex and age band, the other keys empty. Then the cohort cells, which
    hold everyone who has ever out-migrated once more: labelled ``arrival_cohort``, sex and age
    band. Sum one kind only (:func:`main_cells`, :func:`tenure_cells`, :func:`cohort_cells`).

    Args:
        total: ``(years, cells, statistics)`` unweighted sums over all chunks.
        years: The years of the first axis.
        weights: Persons per agent by population: ``{"rural": ..., "urban_local": ...}``.
        statistics: Names of the last axis (the plan's statistics).
    """
    stats = list(statistics)
    main = _labelled(total[:, :N_MAIN_CELLS], years, DIMENSIONS, stats)
    sg = main["sgroup"].to_numpy()
    main["status"] = np.asarray(SGROUP_STATUS, dtype=object)[sg]
    main["stage"] = np.asarray(SGROUP_STAGE, dtype=object)[sg]
    main["city_tier"] = np.asarray(SGROUP_TIER, dtype=object)[sg]
    main["education"] = np.asarray(EDUCATION_LABELS, dtype=object)[main["education"].to_numpy()]
    main["origin_region"] = np.asarray(REGION_LABELS, dtype=object)[
        main["origin_region"].to_numpy()
    ]
    main[TENURE_KEY] = None
    main[COHORT_KEY] = None
    weight = np.where(main["status"] == "urban_local", weights["urban_local"], weights["rural"])
    main[stats] = main[stats].to_numpy() * weight[:, None]
    main = main.drop(columns=["sgroup"])
    tenure = _labelled(total[:, N_MAIN_CELLS:FIRST_COHORT_CELL], years, TENURE_DIMENSIONS, stats)
    tenure[TENURE_KEY] = np.asarray(YEARS_IN_CITY_LABELS, dtype=object)[
        tenure[TENURE_KEY].to_numpy()
    ]
    for key in ("education", "origin_region", "stage", "city_tier"):
        tenure[key] = None
    tenure["status"] = "out_migrant"
    tenure[COHORT_KEY] = None
    tenure[stats] = tenure[stats].to_numpy() * weights["rural"]
    cohort = _labelled(total[:, FIRST_COHORT_CELL:], years, COHORT_DIMENSIONS, stats)
    cohort[COHORT_KEY] = np.asarray(ARRIVAL_COHORT_LABELS, dtype=object)[
        cohort[COHORT_KEY].to_numpy()
    ]
    for key in ("education", "origin_region", "stage", "city_tier", "status", TENURE_KEY):
        cohort[key] = None
    cohort[stats] = cohort[stats].to_numpy() * weights["rural"]
    return pd.concat([main, tenure[main.columns], cohort[main.columns]], ignore_index=True)


def _labelled(
    block: np.ndarray, years: range, dimensions: dict[str, int], stats: list[str]
) -> pd.DataFrame:
    """The non-empty cells of a ``(years, cells, statistics)`` block, in year and cell order,
    with year, sex and age band labelled and the block's other dimensions as codes.

    Only the non-empty rows are copied: the block may be a slice of the accumulator (main or
    tenure cells), which a reshape would copy whole.
    """
    persons, deaths = stats.index("persons"), stats.index("deaths")
    year, cell = np.nonzero(block[:, :, persons] + block[:, :, deaths] > 0)
    frame = pd.DataFrame({"year": np.asarray(list(years), dtype=np.int64)[year]})
    codes = np.unravel_index(cell, tuple(dimensions.values()))
    for key, code in zip(dimensions, codes, strict=True):
        frame[key] = code.astype(np.int64)
    frame[stats] = block[year, cell]
    frame["sex"] = np.asarray(SEX_LABELS, dtype=object)[frame["sex"].to_numpy()]
    frame["age_band"] = np.asarray(AGE_BAND_LABELS, dtype=object)[frame["age_band"].to_numpy()]
    return frame


def main_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The main cells of a cell table: every person once (what every group but
    ``years_in_city`` and ``arrival_cohort`` sums)."""
    return cells[(cells[TENURE_KEY].isna() & cells[COHORT_KEY].isna()).to_numpy()]


def tenure_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The tenure cells of a cell table: out-migrants by years in the city, sex and age band."""
    return cells[cells[TENURE_KEY].notna().to_numpy()]


def cohort_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cohort cells of a cell table: everyone who has ever out-migrated, by arrival
    cohort, sex and age band, whatever their status now."""
    return cells[cells[COHORT_KEY].notna().to_numpy()]


def _label(keys: tuple[str, ...], values: tuple[object, ...]) -> str:
    if not keys:
        return "all"
    pairs = sorted(zip(keys, values, strict=True))
    return ",".join(f"{k}={v}" for k, v in pairs)


def _grouped(frame: pd.DataFrame, keys: tuple[str, ...], stats: list[str]) -> pd.DataFrame:
    columns = ["year", *keys]
    return frame.groupby(columns, sort=True, dropna=True)[stats].sum()


# Years and group labels of a grouped index, computed once per index (every metric of a
# grouping shares it) while :func:`tidy_aggregates` runs; the index is kept so its id is not
# reused. Building them per metric and per row was most of the time of a small run.
_LABELS: dict[tuple[int, tuple[str, ...], tuple[str, str] | None], tuple[object, Any, Any]] = {}


def _years_and_labels(
    index: pd.Index, keys: tuple[str, ...], extra: tuple[str, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Years and ``_label`` strings of every row of a ``(year, *keys)`` index."""
    cache_key = (id(index), keys, extra)
    cached = _LABELS.get(cache_key)
    if cached is not None and cached[0] is index:
        return cached[1], cached[2]
    parts: dict[str, np.ndarray] = {}
    for position, key in enumerate(keys, start=1):
        level = index.get_level_values(position)
        unique = level.unique()
        parts[key] = np.asarray([f"{key}={v}" for v in unique], dtype=object)[
            unique.get_indexer(level)
        ]
    if extra is not None:
        parts[extra[0]] = np.full(len(index), f"{extra[0]}={extra[1]}", dtype=object)
    if parts:
        ordered = [parts[key] for key in sorted(parts)]  # as _label sorts the pairs
        labels = ordered[0]
        for column in ordered[1:]:
            labels = labels + "," + column
    else:
        labels = np.full(len(index), "all", dtype=object)
    years = np.asarray(index.get_level_values(0), dtype=np.int64)
    _LABELS[cache_key] = (index, years, labels)
    return years, labels


def _rows(
    sums: pd.DataFrame,
    keys: tuple[str, ...],
    metric: Metric,
    extra: tuple[str, str] | None = None,
    numerator: pd.Series | None = None,
    denominator: pd.Series | None = None,
) -> list[tuple[int, str, str, float]]:
    """``(year, metric, group, value)`` of one metric in every group of ``sums``.

    ``numerator`` and ``denominator``, when given, are indexed like ``sums``.
    """
    num = sums[metric.numerator] if numerator is None else numerator
    values = num.to_numpy(dtype=np.float64)
    if metric.denominator is not None:
        den = sums[metric.denominator] if denominator is None else denominator
        den_values = den.to_numpy(dtype=np.float64)
        values = values / np.where(den_values > 0, den_values, np.nan)
    keep = np.isfinite(values)
    if not keep.any():
        return []
    # ``numerator`` and ``denominator`` are aligned with ``sums`` (columns of it, or reindexed
    # to it), so its index labels the rows, and every metric of the grouping shares the labels.
    years, labels = _years_and_labels(sums.index, keys, extra)
    return list(
        zip(
            years[keep].tolist(),
            [metric.name] * int(keep.sum()),
            labels[keep].tolist(),
            values[keep].tolist(),
            strict=True,
        )
    )


def tidy_aggregates(
    frame: pd.DataFrame, standard_weights: np.ndarray, metrics: Sequence[Metric]
) -> pd.DataFrame:
    """The tidy table of every metric in every group where it means something."""
    _LABELS.clear()
    try:
        return _tidy(frame, standard_weights, metrics)
    finally:
        _LABELS.clear()


def _tidy(
    frame: pd.DataFrame, standard_weights: np.ndarray, metrics: Sequence[Metric]
) -> pd.DataFrame:
    stats = list(statistics_of(metrics))
    rows: list[tuple[int, str, str, float]] = []
    main = main_cells(frame)
    rural = main[main["status"] != "urban_local"]
    for keys in GROUPINGS:
        source = main if "status" in keys else rural
        sums = _grouped(source, keys, stats)
        for metric in metrics:
            if metric.name in _DERIVED_SEPARATELY:
                continue
            if metric.by is None:
                rows += _rows(sums, keys, metric)
            elif "stage" not in keys:
                rows += _by_category(source, sums, keys, metric, stats)
    rows += _by_years_in_city(tenure_cells(frame), metrics, stats)
    rows += _by_arrival_cohort(cohort_cells(frame), metrics, stats)
    rows += _by_residence(main, metrics, stats)
    rows += _health_gap(main, standard_weights)
    table = pd.DataFrame(rows, columns=["year", "metric", "group", "value"])
    return table.sort_values(["metric", "group", "year"], kind="stable").reset_index(drop=True)


def _by_years_in_city(
    tenure: pd.DataFrame, metrics: Sequence[Metric], stats: list[str]
) -> list[tuple[int, str, str, float]]:
    """Every metric of out-migrants by years in the city (and sex), from the tenure cells.

    The tenure cells carry no stage of integration, so ``stage_share`` is left out; living type
    and phase are counted in them as in the main cells.
    """
    rows: list[tuple[int, str, str, float]] = []
    for keys in TENURE_GROUPINGS:
        sums = _grouped(tenure, keys, stats)
        for metric in metrics:
            if metric.name in _DERIVED_SEPARATELY or metric.by == "stage":
                continue
            if metric.by is None:
                rows += _rows(sums, keys, metric)
            else:
                rows += _by_category(tenure, sums, keys, metric, stats)
    return rows


def reported_for_cohorts(metric: Metric) -> bool:
    """Whether a metric means the same for a cohort that mixes statuses (see the module doc)."""
    if metric.name in _DERIVED_SEPARATELY or metric.by is not None:
        return False
    return metric.denominator != "out_migrants" or metric.numerator in _CITY_DWELLER_SUMS


def _by_arrival_cohort(
    cohort: pd.DataFrame, metrics: Sequence[Metric], stats: list[str]
) -> list[tuple[int, str, str, float]]:
    """Every metric that follows people, for everyone who has ever out-migrated by arrival
    cohort (and sex), and for all of them (``arrival_cohort=any``), from the cohort cells."""
    rows: list[tuple[int, str, str, float]] = []
    if cohort.empty:
        return rows
    every = cohort.assign(**{COHORT_KEY: ANY_COHORT})
    for source, keys in ((every, (COHORT_KEY,)), *((cohort, k) for k in COHORT_GROUPINGS)):
        sums = _grouped(source, keys, stats)
        for metric in metrics:
            if reported_for_cohorts(metric):
                rows += _rows(sums, keys, metric)
    return rows


def residence_of(status: pd.Series) -> np.ndarray:
    """``rural`` or ``urban`` by where people live, whatever their hukou (None otherwise)."""
    residence = np.full(len(status), None, dtype=object)
    for place, statuses in RESIDENCE_STATUSES.items():
        residence[status.isin(statuses).to_numpy()] = place
    return residence


def _by_residence(
    frame: pd.DataFrame, metrics: Sequence[Metric], stats: list[str]
) -> list[tuple[int, str, str, float]]:
    """Every plain metric among people living in rural areas and in cities.

    Household surveys (NBS health-care spending, CFPS catastrophic spending) sample residents
    by place, so urban residents are out-migrants, converts and urban locals, each at its own
    weight.
    """
    source = frame.assign(residence=residence_of(frame["status"]))
    sums = _grouped(source, ("residence",), stats)
    rows: list[tuple[int, str, str, float]] = []
    for metric in metrics:
        if metric.name not in _DERIVED_SEPARATELY and metric.by is None:
            rows += _rows(sums, ("residence",), metric)
    return rows


def _by_category(
    source: pd.DataFrame,
    sums: pd.DataFrame,
    keys: tuple[str, ...],
    metric: Metric,
    stats: list[str],
) -> list[tuple[int, str, str, float]]:
    rows: list[tuple[int, str, str, float]] = []
    den = sums["out_migrants"]
    if metric.by == "stage":
        by_stage = _grouped(source, (*keys, "stage"), stats)["out_migrants"]
        for label in STAGE_LABELS:
            try:
                num = by_stage.xs(label, level="stage")
            except KeyError:
                continue
            num = num.reindex(den.index, fill_value=0.0)
            rows += _rows(sums, keys, metric, ("stage", label), num, den)
        return rows
    labels = LIVING_TYPE_LABELS if metric.by == "living_type" else PHASE_LABELS
    prefix = "living_" if metric.by == "living_type" else "phase_"
    for label in labels:
        rows += _rows(sums, keys, metric, (str(metric.by), label), sums[prefix + label], den)
    return rows


def _by_year_and_band(part: pd.DataFrame) -> pd.DataFrame:
    """Poor health and persons of a population summed by year and age band (once per run)."""
    return part.groupby(["year", "age_band"])[["poor_health", "persons"]].sum()


def _standardised_rates(
    parts: tuple[pd.DataFrame, pd.DataFrame], weights: pd.Series, year: int
) -> tuple[float, float]:
    """Poor-health shares of two populations in a year, both age-standardised to ``weights``.

    ``parts`` are the two populations summed by year and age band (:func:`_by_year_and_band`).
    Both sides are standardised over the same age bands: those present in both.
    """
    band_rates = []
    for part in parts:
        if year in part.index.get_level_values(0):
            by_band = part.xs(year, level="year")
        else:
            by_band = pd.DataFrame({"poor_health": [], "persons": []}, dtype=np.float64)
        rate = by_band["poor_health"] / by_band["persons"].where(by_band["persons"] > 0)
        band_rates.append(rate.reindex(weights.index))
    usable = band_rates[0].notna() & band_rates[1].notna()
    if not usable.any():
        return np.nan, np.nan
    first, second = (
        float((rate[usable] * weights[usable]).sum() / weights[usable].sum()) for rate in band_rates
    )
    return first, second


def _health_gap(
    frame: pd.DataFrame, standard_weights: np.ndarray
) -> list[tuple[int, str, str, float]]:
    """Age-standardised poor-health gaps: by hukou, and by place of residence.

    ``health_gap_urban_rural`` compares rural-hukou adults (wherever they live) with the
    urban-local reference sample; ``health_gap_residence`` compares people living in rural
    areas (stayers, local migrant workers, returnees) with people living in cities
    (out-migrants, converts to urban hukou and urban locals, each at its own weight), so it
    moves with healthy-migrant selection and salmon-bias return (seed 3.2).
    """
    rows = []
    weights = pd.Series(standard_weights, index=list(AGE_BAND_LABELS))
    by_hukou = (
        _by_year_and_band(frame[frame["status"].isin(_RURAL_STATUSES)]),
        _by_year_and_band(frame[frame["status"] == "urban_local"]),
    )
    by_residence = (
        _by_year_and_band(frame[frame["status"].isin(_RURAL_RESIDENTS)]),
        _by_year_and_band(frame[frame["status"].isin(_URBAN_RESIDENTS)]),
    )
    for year in sorted(frame["year"].unique()):
        rural, urban = _standardised_rates(by_hukou, weights, year)
        if np.isfinite(rural) and np.isfinite(urban):
            rows.append((int(year), "health_gap_urban_rural", "all", rural - urban))
            rows.append((int(year), "poor_health_share_standardised", "status=rural_hukou", rural))
            rows.append((int(year), "poor_health_share_standardised", "status=urban_local", urban))
        rural, urban = _standardised_rates(by_residence, weights, year)
        if np.isfinite(rural) and np.isfinite(urban):
            rows.append((int(year), "health_gap_residence", "all", rural - urban))
            rows.append((int(year), "poor_health_share_standardised", "residence=rural", rural))
            rows.append((int(year), "poor_health_share_standardised", "residence=urban", urban))
    return rows
