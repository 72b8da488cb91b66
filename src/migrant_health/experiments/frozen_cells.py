"""How far each cell of the population drifts under frozen 2008 conditions (issue 9, item 1).

A start consistent with the model's own dynamics shows no trend when the conditions of the base
year hold in every year (``RunConfig(frozen=True)``: parameters, life tables and hukou conversion
of 2008; people still age and cohorts still enter). The measure: poor self-rated health and
depressive symptoms by status x years-in-city band (out-migrants: 0-1, 2-4, 5-9, 10+ years) x
age band x sex, in cells of at least :data:`MIN_AGENTS` agents in every year of the snapshot
panel, as a least-squares change per year over 2008-2013 (:data:`YEARS`). Each person counts
with their chance of the report given their latent states (``engine/report_chance.py``), and
the trends are averaged over many seeds, so that sampling noise does not decide
(docs/model.md section 5 gives the spread).

A cell also moves when its mix moves: under frozen conditions the cohorts still age, and a
band of ages fills with cohorts of other sizes and other migration histories.
``standardise=True`` holds each cell at the base year's mix of *kinds* of people (single year
of age; first, second or third and later spell; for out-migrants single years in the city up
to :data:`TENURE_CAP`): each kind's yearly mean weighted by its count in the first year. What
then remains is how people of a kind fare, which a start can get wrong; the mix follows the
base year's stocks. Two limits: a kind of the first year that is empty in a later year drops
out of that year's mean (the other kinds keep their weights; most cells keep 90 % of the
first year's weight or more, out-migrants of 16-20 with 2-4 years in the city about 40 %),
and returnees' years home are no part of a kind (the snapshots do not hold them), so their
mix still moves.

``tools/frozen_cells.py`` prints both for a range of seeds; ``tests/test_steady_start.py`` holds
the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from migrant_health.engine.report_chance import depressed_chance, poor_health_chance
from migrant_health.engine.run_context import build_context
from migrant_health.model import RunConfig, simulate

YEARS = tuple(range(2008, 2014))
BOUND = 0.5  # percentage points per year, fixed by issue 9 before the steady start was built
MIN_AGENTS = 200
SCALE = 10_000.0
TENURE_CAP = 15  # single years in the city kept apart up to here when standardising
CELL = ["status", "band", "age_band", "sex"]
KIND = ["age", "spells", "tenure"]


def years_in_city_band(years: pd.Series) -> pd.Series:
    """The years-in-city bands of out-migrants: 0-1, 2-4, 5-9, 10+."""
    bands = pd.cut(years, [-1, 1, 4, 9, 1_000], labels=["0-1", "2-4", "5-9", "10+"])
    return bands.astype(str)


def frozen_run(seed: int, scale: float = SCALE, years: tuple[int, ...] = YEARS) -> pd.DataFrame:
    """Yearly snapshots of everyone under frozen 2008 conditions."""
    run = simulate(
        RunConfig(
            end=years[-1],
            scale=scale,
            seed=seed,
            frozen=True,
            snapshot_years=years,
            snapshot_fraction=1.0,
        )
    )
    return run.snapshots


def base_year_parameters() -> np.void:
    """The parameter record of the base year (every year's, under frozen conditions)."""
    ctx, _ = build_context(RunConfig(end=YEARS[-1], scale=200_000, frozen=True))
    return ctx.params[0]


def yearly_trend(values: pd.Series, years: Iterable[int] = YEARS) -> float:
    """Least-squares change per year of a cell's yearly values (points per year)."""
    x = np.asarray(list(years), dtype=float)
    return float(np.polyfit(x, values.to_numpy(), 1)[0])


def with_report_chances(people: pd.DataFrame, p: np.void) -> pd.DataFrame:
    """Each person's chance (in points) of reporting poor health and depressive symptoms, with
    their cell's years-in-city band and their kind (single age, spells, years in the city)."""
    out = people["status"] == "out_migrant"
    health, mental, chronic = (people[c].to_numpy() for c in ("health", "mental", "chronic"))
    return people.assign(
        poor_health=poor_health_chance(p, health, mental, chronic) * 100.0,
        depressed_pct=depressed_chance(p, mental) * 100.0,
        band=np.where(out, years_in_city_band(people["years_in_city"]), "-"),
        spells=np.minimum(people["migrations"], 3),
        tenure=np.where(out, np.minimum(people["years_in_city"], TENURE_CAP), -1),
    )


def _yearly_means(people: pd.DataFrame, standardise: bool) -> pd.DataFrame:
    """Each cell's yearly mean report chances, as measured or at the first year's mix."""
    if not standardise:
        return people.groupby([*CELL, "year"], observed=True).agg(
            poor_health=("poor_health", "mean"), depressed=("depressed_pct", "mean")
        )
    kinds = people.groupby([*CELL, *KIND, "year"], observed=True).agg(
        agents=("pid", "size"),
        poor_health=("poor_health", "mean"),
        depressed=("depressed_pct", "mean"),
    )
    first = kinds.index.get_level_values("year").min()
    weights = kinds.xs(first, level="year")["agents"].rename("weight")
    # A kind absent in the first year has no weight: it joins no later year's mean.
    kinds = kinds.reset_index().merge(weights.reset_index(), on=[*CELL, *KIND])
    for column in ("poor_health", "depressed"):
        kinds[column] = kinds[column] * kinds["weight"]
    sums = kinds.groupby([*CELL, "year"], observed=True)[["poor_health", "depressed", "weight"]]
    totals = sums.sum()
    return totals[["poor_health", "depressed"]].div(totals["weight"], axis=0)


def cell_trends(people: pd.DataFrame, p: np.void, standardise: bool = False) -> pd.DataFrame:
    """Yearly trend (points per year, least squares) of each cell's poor health and depression.

    Args:
        people: yearly snapshots of everyone (:func:`frozen_run`).
        p: the base year's parameter record (:func:`base_year_parameters`), for the report
            chances.
        standardise: hold each cell at the first year's mix of kinds of people (single age,
            spells, single years in the city) instead of measuring it as it is.

    Returns:
        One row per cell that holds at least :data:`MIN_AGENTS` agents in every year: the
        cell's keys, ``poor_health`` and ``depressed`` trends.
    """
    people = with_report_chances(people, p)
    years = sorted(people["year"].unique())
    counts = people.groupby([*CELL, "year"], observed=True).size().unstack("year")
    kept = counts[counts.notna().all(axis=1) & (counts.min(axis=1) >= MIN_AGENTS)].index
    means = _yearly_means(people, standardise)
    rows = []
    for key, cell in means.groupby(level=[0, 1, 2, 3]):
        if key not in kept or len(cell) < len(years):
            continue
        rows.append(
            (
                *key,
                yearly_trend(cell["poor_health"], years),
                yearly_trend(cell["depressed"], years),
            )
        )
    return pd.DataFrame(rows, columns=[*CELL, "poor_health", "depressed"])


def pool(per_run: list[pd.DataFrame]) -> pd.DataFrame:
    """Each cell's trends averaged over runs, for the cells :func:`cell_trends` kept in every
    run (those of :data:`MIN_AGENTS`+ agents in every year of every run)."""
    pooled = pd.concat(per_run).groupby(CELL, observed=True)
    mean = pooled[["poor_health", "depressed"]].mean()
    return mean[pooled.size() == len(per_run)].reset_index()


def pooled_trends(
    runs: Iterable[pd.DataFrame], p: np.void, done: Callable[[], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each cell's trends over runs (:func:`pool`), as measured and held at the first year's mix.

    Args:
        runs: the frozen runs' snapshots, one per seed (consumed one at a time, so a generator
            keeps a single run in memory).
        p: the base year's parameter record (:func:`base_year_parameters`).
        done: called after each run (a progress bar's advance).

    Returns:
        ``(measured, held)``: :func:`pool` of :func:`cell_trends` without and with
        ``standardise``.
    """
    measured, held = [], []
    for people in runs:
        measured.append(cell_trends(people, p))
        held.append(cell_trends(people, p, standardise=True))
        if done is not None:
            done()
    return pool(measured), pool(held)


def beyond_bound(trends: pd.DataFrame, bound: float = BOUND) -> pd.DataFrame:
    """The cells whose poor health or depression moves by more than ``bound`` points a year."""
    moving = (trends["poor_health"].abs() > bound) | (trends["depressed"].abs() > bound)
    return trends[moving]
