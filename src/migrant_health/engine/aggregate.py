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

import difflib
from collections.abc import Sequence

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
    STATUS_LABELS,
    TIER_LABELS,
)
from migrant_health.engine.group_sums import GroupSums, TidyRows, group_sums
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
#: Every value of each group key, whether or not anyone held it in a run.
GROUP_VALUES: dict[str, tuple[str, ...]] = {
    "sex": SEX_LABELS,
    "age_band": AGE_BAND_LABELS,
    "education": EDUCATION_LABELS,
    "origin_region": REGION_LABELS,
    "status": (*STATUS_LABELS[1:-1], "rural_hukou"),  # neither not yet entered nor dead
    "city_tier": TIER_LABELS,
    "stage": STAGE_LABELS,
    "living_type": LIVING_TYPE_LABELS,
    "phase": PHASE_LABELS,
    "years_in_city": YEARS_IN_CITY_LABELS,
    "arrival_cohort": (*ARRIVAL_COHORT_LABELS, ANY_COHORT),
    "residence": tuple(RESIDENCE_STATUSES),
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

    Each kind's frame is built from its columns at once: set one by one, the statistics'
    columns cost pandas about 0.2 s a run (a fixed cost of every run, however small).

    Args:
        total: ``(years, cells, statistics)`` unweighted sums over all chunks.
        years: The years of the first axis.
        weights: Persons per agent by population: ``{"rural": ..., "urban_local": ...}``.
        statistics: Names of the last axis (the plan's statistics).
    """
    stats = list(statistics)
    year, codes, values = _non_empty(total[:, :N_MAIN_CELLS], years, DIMENSIONS, stats)
    sg = codes["sgroup"]
    status = np.asarray(SGROUP_STATUS, dtype=object)[sg]
    weight = np.where(status == "urban_local", weights["urban_local"], weights["rural"])
    none = np.full(len(year), None, dtype=object)
    main = _frame(
        year,
        {
            **_sex_and_age_band(codes),
            "education": np.asarray(EDUCATION_LABELS, dtype=object)[codes["education"]],
            "origin_region": np.asarray(REGION_LABELS, dtype=object)[codes["origin_region"]],
        },
        stats,
        values * weight[:, None],
        {
            "status": status,
            "stage": np.asarray(SGROUP_STAGE, dtype=object)[sg],
            "city_tier": np.asarray(SGROUP_TIER, dtype=object)[sg],
            TENURE_KEY: none,
            COHORT_KEY: none,
        },
    )
    rural = weights["rural"]
    tenure_block = total[:, N_MAIN_CELLS:FIRST_COHORT_CELL]
    tenure = _kind_of_its_own(
        tenure_block, years, TENURE_DIMENSIONS, stats, rural, YEARS_IN_CITY_LABELS, "out_migrant"
    )
    cohort_block = total[:, FIRST_COHORT_CELL:]
    cohort = _kind_of_its_own(
        cohort_block, years, COHORT_DIMENSIONS, stats, rural, ARRIVAL_COHORT_LABELS, None
    )
    return pd.concat([main, tenure, cohort], ignore_index=True)


def _sex_and_age_band(codes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The sex and age band labels of cells from their codes."""
    return {
        "sex": np.asarray(SEX_LABELS, dtype=object)[codes["sex"]],
        "age_band": np.asarray(AGE_BAND_LABELS, dtype=object)[codes["age_band"]],
    }


def _kind_of_its_own(
    block: np.ndarray,
    years: range,
    dimensions: dict[str, int],
    stats: list[str],
    weight: float,
    labels: tuple[str, ...],
    status: str | None,
) -> pd.DataFrame:
    """Tenure or cohort cells: sex, age band and the kind's own key (the first of
    ``dimensions``, labelled by ``labels``), ``status`` or none, the other keys empty."""
    year, codes, values = _non_empty(block, years, dimensions, stats)
    none = np.full(len(year), None, dtype=object)
    key = next(iter(dimensions))
    keys = {"status": np.full(len(year), status, dtype=object), "stage": none, "city_tier": none}
    keys |= {TENURE_KEY: none, COHORT_KEY: none}
    keys[key] = np.asarray(labels, dtype=object)[codes[key]]  # keeps its place among the keys
    labelled = {**_sex_and_age_band(codes), "education": none, "origin_region": none}
    return _frame(year, labelled, stats, values * weight, keys)


def _non_empty(
    block: np.ndarray, years: range, dimensions: dict[str, int], stats: list[str]
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The non-empty cells of a ``(years, cells, statistics)`` block, in year and cell order:
    their year, each dimension's code and the ``(rows, statistics)`` sums.

    Only the non-empty rows are copied: the block may be a slice of the accumulator (main or
    tenure cells), which a reshape would copy whole.
    """
    persons, deaths = stats.index("persons"), stats.index("deaths")
    year, cell = np.nonzero(block[:, :, persons] + block[:, :, deaths] > 0)
    codes = np.unravel_index(cell, tuple(dimensions.values()))
    by_key = {key: code.astype(np.int64) for key, code in zip(dimensions, codes, strict=True)}
    return np.asarray(list(years), dtype=np.int64)[year], by_key, block[year, cell]


def _frame(
    year: np.ndarray,
    labels: dict[str, np.ndarray],
    stats: list[str],
    values: np.ndarray,
    keys: dict[str, np.ndarray],
) -> pd.DataFrame:
    """A kind's cells: year, the person's labels, the statistics, then the group keys."""
    columns: dict[str, np.ndarray] = {"year": year, **labels}
    columns.update({name: values[:, k] for k, name in enumerate(stats)})
    columns.update(keys)
    return pd.DataFrame(columns)


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


def tidy_aggregates(
    frame: pd.DataFrame, standard_weights: np.ndarray, metrics: Sequence[Metric]
) -> pd.DataFrame:
    """The tidy table of every metric in every group where it means something."""
    stats = list(statistics_of(metrics))
    # One block of floats, so that pandas sums a grouping in one pass instead of one per
    # statistic: cell_table's frames are built so, and a copy makes any other frame so.
    frame = frame.copy()
    rows = TidyRows()
    main = main_cells(frame)
    rural = main[main["status"] != "urban_local"]
    for keys in GROUPINGS:
        source = main if "status" in keys else rural
        sums = group_sums(source, keys, stats)
        for metric in metrics:
            if metric.name in _DERIVED_SEPARATELY:
                continue
            if metric.by is None:
                rows.add_metric(sums, metric)
            elif "stage" not in keys:
                _by_category(rows, source, sums, metric)
    _by_years_in_city(rows, tenure_cells(frame), metrics, stats)
    _by_arrival_cohort(rows, cohort_cells(frame), metrics, stats)
    _by_residence(rows, main, metrics, stats)
    _health_gap(rows, main, standard_weights)
    return rows.table()


def _by_years_in_city(
    rows: TidyRows, tenure: pd.DataFrame, metrics: Sequence[Metric], stats: list[str]
) -> None:
    """Every metric of out-migrants by years in the city (and sex), from the tenure cells.

    The tenure cells carry no stage of integration, so ``stage_share`` is left out; living type
    and phase are counted in them as in the main cells.
    """
    for keys in TENURE_GROUPINGS:
        sums = group_sums(tenure, keys, stats)
        for metric in metrics:
            if metric.name in _DERIVED_SEPARATELY or metric.by == "stage":
                continue
            if metric.by is None:
                rows.add_metric(sums, metric)
            else:
                _by_category(rows, tenure, sums, metric)


def reported_for_cohorts(metric: Metric) -> bool:
    """Whether a metric means the same for a cohort that mixes statuses (see the module doc)."""
    if metric.name in _DERIVED_SEPARATELY or metric.by is not None:
        return False
    return metric.denominator != "out_migrants" or metric.numerator in _CITY_DWELLER_SUMS


def _by_arrival_cohort(
    rows: TidyRows, cohort: pd.DataFrame, metrics: Sequence[Metric], stats: list[str]
) -> None:
    """Every metric that follows people, for everyone who has ever out-migrated by arrival
    cohort (and sex), and for all of them (``arrival_cohort=any``), from the cohort cells."""
    if cohort.empty:
        return
    every = cohort.assign(**{COHORT_KEY: ANY_COHORT})
    for source, keys in ((every, (COHORT_KEY,)), *((cohort, k) for k in COHORT_GROUPINGS)):
        sums = group_sums(source, keys, stats)
        for metric in metrics:
            if reported_for_cohorts(metric):
                rows.add_metric(sums, metric)


def residence_of(status: pd.Series) -> np.ndarray:
    """``rural`` or ``urban`` by where people live, whatever their hukou (None otherwise)."""
    residence = np.full(len(status), None, dtype=object)
    for place, statuses in RESIDENCE_STATUSES.items():
        residence[status.isin(statuses).to_numpy()] = place
    return residence


def _by_residence(
    rows: TidyRows, frame: pd.DataFrame, metrics: Sequence[Metric], stats: list[str]
) -> None:
    """Every plain metric among people living in rural areas and in cities.

    Household surveys (NBS health-care spending, CFPS catastrophic spending) sample residents
    by place, so urban residents are out-migrants, converts and urban locals, each at its own
    weight.
    """
    source = frame.assign(residence=residence_of(frame["status"]))
    sums = group_sums(source, ("residence",), stats)
    for metric in metrics:
        if metric.name not in _DERIVED_SEPARATELY and metric.by is None:
            rows.add_metric(sums, metric)


def _by_category(rows: TidyRows, source: pd.DataFrame, sums: GroupSums, metric: Metric) -> None:
    """A metric read by category (stage of integration, living type, phase): the share of
    out-migrants in each category, in every group of ``sums``."""
    den = sums["out_migrants"]
    if metric.by == "stage":
        # Out-migrants by group and stage, one column per stage present, on the rows of
        # ``sums`` (0 where a group has nobody at that stage).
        by_stage = (
            source.groupby(["year", *sums.keys, "stage"], sort=True, dropna=True)["out_migrants"]
            .sum()
            .unstack("stage", fill_value=0)
            .reindex(sums.index, fill_value=0.0)
        )
        for label in STAGE_LABELS:
            if label in by_stage.columns:
                num = by_stage[label].to_numpy(dtype=np.float64)
                rows.add_metric(sums, metric, ("stage", label), num, den)
        return
    labels = LIVING_TYPE_LABELS if metric.by == "living_type" else PHASE_LABELS
    prefix = "living_" if metric.by == "living_type" else "phase_"
    for label in labels:
        rows.add_metric(sums, metric, (str(metric.by), label), sums[prefix + label], den)


def _band_rates(part: pd.DataFrame, years: np.ndarray, bands: list[str]) -> np.ndarray:
    """Poor-health shares of a population, ``(years, age bands)``; NaN where it has nobody."""
    summed = part.groupby(["year", "age_band"])[["poor_health", "persons"]].sum()
    poor = summed["poor_health"].unstack("age_band").reindex(index=years, columns=bands)
    persons = summed["persons"].unstack("age_band").reindex(index=years, columns=bands)
    return (poor / persons.where(persons > 0)).to_numpy(dtype=np.float64)


def _standardised(
    first: np.ndarray, second: np.ndarray, weights: np.ndarray
) -> tuple[float, float]:
    """Two populations' poor-health shares in a year, both age-standardised to ``weights`` over
    the same age bands: those where both have people (NaN, NaN if there are none).

    ``weights`` are finite (the demography tables refuse anything else), so numpy's sums here
    equal pandas' NaN-skipping ones.
    """
    usable = ~np.isnan(first) & ~np.isnan(second)
    if not usable.any():
        return np.nan, np.nan
    total = weights[usable].sum()
    return (
        float((first[usable] * weights[usable]).sum() / total),
        float((second[usable] * weights[usable]).sum() / total),
    )


def _health_gap(rows: TidyRows, frame: pd.DataFrame, standard_weights: np.ndarray) -> None:
    """Age-standardised poor-health gaps: by hukou, and by place of residence.

    ``health_gap_urban_rural`` compares rural-hukou adults (wherever they live) with the
    urban-local reference sample; ``health_gap_residence`` compares people living in rural
    areas (stayers, local migrant workers, returnees) with people living in cities
    (out-migrants, converts to urban hukou and urban locals, each at its own weight), so it
    moves with healthy-migrant selection and salmon-bias return (seed 3.2).
    """
    years = np.sort(frame["year"].unique())
    bands = list(AGE_BAND_LABELS)
    weights = np.asarray(standard_weights, dtype=np.float64)
    status = frame["status"]
    by_hukou = (
        _band_rates(frame[status.isin(_RURAL_STATUSES)], years, bands),
        _band_rates(frame[status == "urban_local"], years, bands),
    )
    by_residence = (
        _band_rates(frame[status.isin(_RURAL_RESIDENTS)], years, bands),
        _band_rates(frame[status.isin(_URBAN_RESIDENTS)], years, bands),
    )
    found: list[tuple[int, str, str, float]] = []
    for k, year in enumerate(years.tolist()):
        rural, urban = _standardised(by_hukou[0][k], by_hukou[1][k], weights)
        if np.isfinite(rural) and np.isfinite(urban):
            found.append((year, "health_gap_urban_rural", "all", rural - urban))
            found.append((year, "poor_health_share_standardised", "status=rural_hukou", rural))
            found.append((year, "poor_health_share_standardised", "status=urban_local", urban))
        rural, urban = _standardised(by_residence[0][k], by_residence[1][k], weights)
        if np.isfinite(rural) and np.isfinite(urban):
            found.append((year, "health_gap_residence", "all", rural - urban))
            found.append((year, "poor_health_share_standardised", "residence=rural", rural))
            found.append((year, "poor_health_share_standardised", "residence=urban", urban))
    rows.add_rows(found)


#: Values that name a group of their own and are crossed with nothing.
STANDING_ALONE = frozenset({("arrival_cohort", ANY_COHORT), ("status", "rural_hukou")})
#: Keys that the by-category metrics add to a group (``stage_share`` and the like).
_BY_CATEGORY_KEYS = ("stage", "living_type", "phase")


def _code_groupings() -> set[tuple[str, ...]]:
    """The keys of every group a run can write, with their by-category extensions, as sorted
    tuples: so a valid group is known even where a run had no one in any group of its kind."""
    plain = {*GROUPINGS, *TENURE_GROUPINGS, *COHORT_GROUPINGS, ("residence",)}
    groupings = {tuple(sorted(keys)) for keys in plain if keys}
    for keys in plain:
        for key in _BY_CATEGORY_KEYS:
            if key not in keys:
                groupings.add(tuple(sorted((*keys, key))))
    return groupings


def check_group(group: str, known: set[str]) -> None:
    """Refuse a group no run has: a key or value that is none of :data:`GROUP_VALUES` nor of the
    groups of ``known`` (a run's), keys that no run crosses, keys out of order, or a value of
    :data:`STANDING_ALONE` crossed with another. A group a run can write, of values that no one
    was in, is fine (its series is empty).

    Raises:
        KeyError: naming the closest groups and how a group is written.
    """
    if group in known:
        return
    values: dict[str, set[str]] = {key: set(labels) for key, labels in GROUP_VALUES.items()}
    groupings = _code_groupings()
    for name in known:
        if name == "all":
            continue
        pairs_known = [pair.partition("=") for pair in name.split(",")]
        groupings.add(tuple(key for key, _, _ in pairs_known))
        for key, _, value in pairs_known:
            values.setdefault(key, set()).add(value)
    pairs = [pair.partition("=") for pair in group.split(",")]
    keys = tuple(key for key, _, _ in pairs)
    if all(sep and value in values.get(key, ()) for key, sep, value in pairs):
        alone = [f"{key}={value}" for key, _, value in pairs if (key, value) in STANDING_ALONE]
        if alone and len(pairs) > 1:
            raise KeyError(
                f"no group '{group}': {alone[0]} is a group of its own, crossed with none"
            )
        if keys in groupings:
            return  # a group of known values that no one was in
        if tuple(sorted(keys)) in groupings:
            fixed = ",".join(f"{key}={value}" for key, _, value in sorted(pairs))
            raise KeyError(f"no group '{group}': a group's keys are in sorted order, '{fixed}'")
        raise KeyError(
            f"no group '{group}': no run crosses {' with '.join(keys)}; the crossings are "
            + "; ".join(" x ".join(g) for g in sorted(g for g in groupings if len(g) > 1))
        )
    close = difflib.get_close_matches(group, sorted(known), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "."
    raise KeyError(
        f"no group '{group}' in this run{hint} A group is 'all' or key=value pairs joined by "
        "commas in sorted key order, such as 'sex=female,status=out_migrant' "
        "(the run's aggregates['group'] lists them)"
    )
