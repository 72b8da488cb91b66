"""The base-year population starts where the model's own dynamics keep it (issue 9, item 1).

Under frozen 2008 conditions (parameters, life tables and hukou conversion of the base year in
every year; people still age and cohorts still enter), nothing pushes the population anywhere.
A start consistent with the dynamics then shows no trend: poor self-rated health and
depressive symptoms by age band x sex x status x years-in-city band (out-migrants: 0-1, 2-4,
5-9, 10+ years), in cells of at least 200 agents of the snapshot panel, move by at most half a
percentage point a year over the first five years. The bound was fixed before the steady start
was built; the test is marked as an expected failure until it holds (strict: it reports when it
starts to pass).

The bound is on the model's drift, so the measurement must not be dominated by sampling noise.
Two things make one run's cell trends noisy at this scale, measured over six seeds (3-8) of
this run: the yearly report noise of self-rated health and of the depression screen (a cell of
300 people, a quarter of them reporting poor health, moves by about 0.6 points a year from the
reports alone), and the yearly shocks and turnover of the people in a cell. Read from the
reports of one run, the median standard deviation of a cell's trend across seeds was 0.22
points a year for poor health and 0.37 for depression: with no drift at all, about one cell in
five would have moved by more than half a point. So each person counts with their chance of
the report given their latent health (``engine/report_chance.py``: the report noise
integrated out, same expectation), which brings the spread to 0.16 and 0.28, and the trends
are averaged over twenty seeds (3-22), which divides it by more than four. Over five seeds
(3-7) the cells' means still strayed by up to half a point from the twenty's: newcomer men
aged 41-50 moved +1.29 points of depression a year on those five and +0.71 on the twenty;
three of the four cells beyond the bound on the five were within it on the twenty (before
calibration step 40).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig
from migrant_health.experiments.frozen_cells import (
    BOUND,
    MIN_AGENTS,
    YEARS,
    base_year_parameters,
    beyond_bound,
    frozen_run,
    pooled_trends,
    yearly_trend,
    years_in_city_band,
)

SEEDS = (3, 4, 5, 6, 7)
# The cells' trends average these too: twenty seeds in all (3-22). Reduced to their trends one
# run at a time, so that only the five runs above are kept whole.
MORE_SEEDS = tuple(range(8, 23))


@pytest.fixture(scope="module")
def frozen_replicates() -> dict[int, pd.DataFrame]:
    """The frozen run at each of the seeds the drift is averaged over."""
    return {seed: frozen_run(seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def frozen_people(frozen_replicates: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """One frozen run (the first seed), for the checks of single states."""
    return frozen_replicates[SEEDS[0]]


@pytest.fixture(scope="module")
def both_trends(frozen_replicates: dict[int, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each cell's trends averaged over twenty seeds (cells of 200+ agents in every run), as
    measured and held at the base year's mix of single ages, spells and years in the city."""
    runs = (
        frozen_replicates[seed] if seed in frozen_replicates else frozen_run(seed)
        for seed in (*SEEDS, *MORE_SEEDS)
    )
    return pooled_trends(runs, base_year_parameters())


@pytest.fixture(scope="module")
def trends(both_trends: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """Each cell's trends as measured (what issue 9 bounds)."""
    return both_trends[0]


def test_the_panel_has_cells_of_every_kind(trends: pd.DataFrame) -> None:
    """The check covers rural stayers, returnees and out-migrants of several tenures."""
    assert {"rural_stayer", "returned", "out_migrant"} <= set(trends["status"])
    assert trends.loc[trends["status"] == "out_migrant", "band"].nunique() >= 3


@pytest.mark.xfail(
    strict=True,
    reason=(
        "issue 9 item 1 is not met yet: 1 of 60 cells moves by more than 0.5 points a year "
        "(report chances, mean of seeds 3-22; tools/frozen_cells.py); the mean absolute trend "
        "is 0.156 points a year for poor health and 0.163 for depression. Newcomer men aged "
        "41-50 (+0.55 points of poor health and +0.68 of depression a year): the returnees "
        "among them, leaving again, go from 31 % of the cell to 41 % in five frozen years, "
        "more depressed than the first migrants, as the out-migrant men of 41-50 double. Held "
        "at the base year's mix of single ages, spells and years in the city, no cell moves by "
        "more than half a point (the largest, returnee women of 41-50, -0.44 and -0.24): what "
        "moves is who the cells hold. Returnee men of 61+ come next as measured, -0.49 and "
        "-0.43, as they grow from 237 to 622 agents a run (seeds 3-12) (docs/model.md section "
        "5; after calibration step 56)"
    ),
)
def test_frozen_conditions_move_no_cell_more_than_half_a_point_a_year(
    trends: pd.DataFrame,
) -> None:
    moving = beyond_bound(trends)
    assert moving.empty, "cells drifting under frozen conditions:\n" + moving.round(2).to_string()


def test_held_at_the_base_years_mix_no_cell_moves_more_than_half_a_point_a_year(
    both_trends: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """How the people of each kind fare (single age, spells, years in the city) holds still;
    what still moves under frozen conditions is the mix the cohorts bring (the expected
    failure above). Before calibration step 46 returnee women aged 41-50 moved -0.53 points of
    poor self-rated health a year at the fixed mix, as the start kept whole the shortfall of
    health that had selected its returnees however long ago they came home."""
    held = both_trends[1]
    assert len(held) >= 55  # the cells the measured trends cover, or nearly
    moving = beyond_bound(held)
    assert moving.empty, "cells drifting at the base year's mix:\n" + moving.round(2).to_string()


def test_returnees_long_at_home_age_as_rural_stayers(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Returnees home twelve years or more have faded most of the health shortfall that
    selected them (salmon bias) and lose health over two frozen years about as rural stayers of
    their age and sex do. Kept whole by the start (before calibration step 46), it faded under
    the steps instead: such returnees aged 31-55 lost 0.0032 less health capital in two years
    than stayers of their single age and sex (seeds 3-7), 0.0008 less since. The standard
    error of the gap is about 0.0004 (some 9,000 returnees); 12 years home still leave about a
    quarter of the shortfall (recovery rate about 0.1 a year), so the gap is not zero."""
    from migrant_health.modules.returnee_spell import returnee_past

    p = base_year_parameters()
    frames = []
    for seed, people in frozen_replicates.items():
        first = people[(people["year"] == 2008) & people["age"].between(31, 55)]
        later = people.loc[people["year"] == 2010, ["pid", "status", "health", "chronic"]]
        kept = first.merge(later, on="pid", suffixes=("", "_later"))
        same = (kept["status"] == kept["status_later"]) & (kept["chronic"] == kept["chronic_later"])
        kept = kept[same & kept["status"].isin(("returned", "rural_stayer"))]
        back = [
            returnee_past(
                p, np.uint64(seed), int(row.pid), int(row.age), int(row.education),
                int(row.sex == "female"), 0,
            )[3] if row.status == "returned" else 0
            for row in kept.itertuples()
        ]  # fmt: skip
        frames.append(kept.assign(change=kept["health_later"] - kept["health"], back=back))
    both = pd.concat(frames)
    long_home = both[(both["status"] == "returned") & (both["back"] >= 12)]
    stayers = both[both["status"] == "rural_stayer"]
    assert len(long_home) > 5_000
    # Stayers of each returnee's single age and sex.
    expected = stayers.groupby(["age", "sex"])["change"].mean()
    matched = expected.reindex(pd.MultiIndex.from_frame(long_home[["age", "sex"]])).to_numpy()
    gap = float(long_home["change"].mean() - np.nanmean(matched))
    assert abs(gap) < 0.0016, gap  # half the gap before step 46


def test_the_youngest_of_the_base_year_start_as_the_entrants_after_them(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Rural stayers of 16 and 17 in the base year report as those who turn 16 and 17 later.

    An entrant starts at 16 at the steady state without work and at their disposition to
    distress, and the steps move them from there year by year. Settled at once on the steady
    state of farm work, the base year's stayers of 16-17 started with 3.7-4.2 % poor self-rated
    health against 1.4-2.4 % of the entrants of their age and sex (seeds 3-7), and the poor
    health of the cell of 16-20 fell half a point a year under frozen conditions as entrants
    replaced them. With that mended, mental health settled at once on its target put them
    1.3-2.7 points below the entrants in depressive symptoms. Now the gaps are at most 0.24
    points of poor health and 0.62 of depressive symptoms.
    """
    from migrant_health.engine.report_chance import depressed_chance, poor_health_chance

    p = base_year_parameters()
    people = pd.concat(frozen_replicates.values())
    young = people[(people["status"] == "rural_stayer") & (people["age"] <= 17)]
    young = young.assign(
        poor_health=poor_health_chance(p, young["health"], young["mental"], young["chronic"])
        * 100.0,
        depressed=depressed_chance(p, young["mental"]) * 100.0,
        stock=young["year"] - young["age"] <= YEARS[0] - 16,  # born by 1992: the base year's
    )
    means = young.groupby(["sex", "age", "stock"])[["poor_health", "depressed"]].mean()
    means = means.unstack("stock")
    gap = means.xs(True, axis=1, level="stock") - means.xs(False, axis=1, level="stock")
    # About three and a half and two and a half standard errors of a gap of one sex and age
    # over the five runs (some 1,600 people of the base year, 8,000 entrants).
    assert gap["poor_health"].abs().max() < 0.5, gap.round(2)
    assert gap["depressed"].abs().max() < 1.5, gap.round(2)


def test_old_local_migrant_workers_hold_still(trends: pd.DataFrame) -> None:
    """Local migrant men aged 61+ came through a yearly exit from local work since 60, which
    keeps the healthier (``labor.origin.nonfarm_exit_health``). Selected at the start only as
    the workers of 51-60 are, they kept a lower tail of health the steps had thinned, and
    their poor self-rated health fell 0.58 points a year under frozen conditions; selected on
    their years of exits too, 0.39."""
    old = trends[
        (trends["status"] == "local_migrant")
        & (trends["age_band"] == "61+")
        & (trends["sex"] == "male")
    ]
    assert len(old) == 1
    assert old["poor_health"].abs().max() < BOUND
    assert old["depressed"].abs().max() < BOUND


def test_the_first_frozen_year_spends_on_care_as_the_next(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Workers' catastrophic spending does not step between the first two frozen years.

    The first year's care step reads last year's work (``steady_start.last_year_of_work``).
    Read from a job every base-year out-migrant held, at its usual hours and pay, 6.97 % of
    out-migrants and 2.74 % of local migrant workers spent catastrophically in 2008 against
    7.89 % and 3.19 % in 2009 (mean of seeds 3-7); with last year's work drawn as the labour
    step draws a year of it, 8.21 % and 3.18 % against 7.90 % and 3.19 %.
    """
    steps = []
    for people in frozen_replicates.values():
        first = people[people["year"].isin([2008, 2009])]
        share = first.groupby(["status", "year"], observed=True)["catastrophic"].mean() * 100.0
        steps.append(share.unstack("year").eval("`2009` - `2008`"))
    step = pd.concat(steps, axis=1).mean(axis=1)[["out_migrant", "local_migrant"]]
    assert step.abs().max() < 0.5, f"first-year steps (points):\n{step.round(2)}"


def test_the_first_frozen_year_is_no_step(frozen_replicates: dict[int, pd.DataFrame]) -> None:
    """No status of rural hukou jumps in the first year under frozen conditions.

    The base-year stock was moved toward each person's settled health without the spread the
    yearly shocks keep around it (out-migrants long in the city and local migrant workers long
    in their work started bunched around it), and base-year returnees were settled at home as
    if they had never been in the city: in the first frozen year poor self-rated health rose by
    0.34 points among local migrant workers, 0.16 among out-migrants and 0.39 among returnees
    (report chances, mean of seeds 3-7), a step a trend over five years hardly sees. With the
    spread, the selection of stayers on it and the city's mark carried home: 0.12, -0.05 and
    0.13; with every returnee's spell at least a year long (a seventh had none): 0.12, -0.05
    and 0.07; with local migrant workers aged 61+ selected on their years of exits: 0.13,
    -0.05 and 0.07; with more take-up of local work at 41-60 and older base-year out-migrants
    (calibration step 29): 0.16, -0.05 and 0.09; with base-year returnees in the local work of
    their years home (step 32): 0.18, -0.01 and 0.02; with the histories' health and chronic
    illness of the time (step 33): 0.18, -0.01 and 0.03; with last year's work drawn as the
    labour step draws it (step 36): 0.18, 0.00 and 0.02.
    """
    from migrant_health.engine.report_chance import poor_health_chance

    p = base_year_parameters()
    steps = []
    for people in frozen_replicates.values():
        first = people[people["year"].isin([2008, 2009])]
        poor = pd.Series(
            poor_health_chance(p, first["health"], first["mental"], first["chronic"]) * 100.0,
            index=first.index,
        )
        by_status = poor.groupby([first["status"], first["year"]], observed=True).mean()
        steps.append(by_status.unstack("year").eval("`2009` - `2008`"))
    step = pd.concat(steps, axis=1).mean(axis=1)
    rural = step[["rural_stayer", "local_migrant", "out_migrant", "returned"]]
    assert rural.abs().max() < 0.25, f"first-year steps (points):\n{rural.round(2)}"


def test_frozen_conditions_keep_the_base_year_in_every_year() -> None:
    """Frozen runs keep the base year's parameters, life tables and conversion rate."""
    from migrant_health.engine.run_context import build_context

    ctx, _ = build_context(RunConfig(end=2015, scale=200_000, frozen=True))
    assert (ctx.params == ctx.params[0]).all()
    assert ctx.params[-1]["labor__wage_index"] == ctx.params[0]["labor__wage_index"]
    assert np.ptp(ctx.demography.conversion_rate) == 0.0
    assert (ctx.demography.qx == ctx.demography.qx[0]).all()
    moving, _ = build_context(RunConfig(end=2015, scale=200_000))
    # The wage index of 2015 is about 2.6 times 2008's: a frozen run keeps 2008's.
    assert moving.params[-1]["labor__wage_index"] > 2 * ctx.params[-1]["labor__wage_index"]
    # Calendar trends and the COVID-19 year read the year of the conditions, which stays 2008.
    assert (ctx.params["conditions_year"] == 2008).all()
    assert list(moving.params["conditions_year"]) == list(range(2008, 2016))


def test_out_migrant_depression_no_longer_climbs_in_the_first_years(
    trends: pd.DataFrame,
) -> None:
    """Before the steady start, out-migrants 2-4 years in the city went from 26% to 66%
    depressed in five frozen years (+6 to +7 points a year)."""
    early = trends[(trends["status"] == "out_migrant") & (trends["band"] == "2-4")]
    assert not early.empty
    assert early["depressed"].abs().max() < 2.5


def test_chronic_illness_by_status_and_age_holds_still(frozen_people: pd.DataFrame) -> None:
    """The base-year stock holds the chronic illness the yearly steps keep in each status.

    Before the start accounted for deaths (which take the chronically ill faster) and for
    returns (the chronically ill go home about four times as often), the old lost chronic
    illness year after year (85-89: 80 % to 72 % in five frozen years), and out-migrants aged
    51-60 went from 20 % to 10 % while returnees gained. Cells of status x ten-year age group
    with at least 500 agents, rural hukou.
    """
    people = frozen_people[frozen_people["status"] != "urban_local"]
    ten_years = (people["age"].clip(upper=90) // 10 * 10).rename("age10")
    cells = people.groupby([people["status"], ten_years, people["year"]], observed=True).agg(
        agents=("pid", "size"), chronic=("chronic", "mean")
    )
    slopes = {
        key: yearly_trend(cell["chronic"] * 100.0)
        for key, cell in cells.groupby(level=[0, 1])
        if len(cell) == len(YEARS) and cell["agents"].min() >= 500
    }
    assert {("out_migrant", 50), ("returned", 40), ("rural_stayer", 80)} <= set(slopes)
    # Before: -2 points a year for out-migrants aged 50-59 and -1 to -1.5 for rural stayers of
    # 80+ (subsamples of a run at scale 1,000); now within 0.85 everywhere.
    drifting = {key: round(slope, 2) for key, slope in slopes.items() if abs(slope) > 1.0}
    assert not drifting, f"chronic illness drifting (points a year): {drifting}"


def test_local_migrant_workers_health_holds_still(frozen_people: pd.DataFrame) -> None:
    """Local migrant workers start where the mix of entrants from farming keeps them.

    Settled as if they had done local non-farm work since school, they started below where
    the yearly steps keep the group (people take such work from farming and leave it after
    some years) and got healthier year after year: +0.0023 to +0.0058 health capital a year by
    ten-year age group 20-59 (scale 1,000, seed 3). With their years in local work drawn from
    the labour module's exit chance, within 0.0015 (this test's run).
    """
    local = frozen_people[frozen_people["status"] == "local_migrant"]
    ten_years = (local["age"] // 10 * 10).rename("age10")
    cells = local.groupby([ten_years, local["year"]]).agg(
        agents=("pid", "size"), health=("health", "mean")
    )
    slopes = {
        age: yearly_trend(cell["health"])
        for age, cell in cells.groupby(level=0)
        if 20 <= age < 60 and len(cell) == len(YEARS) and cell["agents"].min() >= 500
    }
    assert set(slopes) == {20, 30, 40, 50}
    drifting = {age: round(slope, 4) for age, slope in slopes.items() if abs(slope) > 0.002}
    assert not drifting, f"local migrant workers' health drifting (a year): {drifting}"


def test_local_migrant_workers_in_their_fifties_keep_their_chronic_illness(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """The chronically ill hold local non-farm work less often from the start.

    A chronic illness settles health lower, and the healthier enter and keep local work. When
    the start selected local workers on their health before that (as often chronically ill
    as others of their age), the ill left year after year: chronic illness among local
    migrant women aged 50-59 fell by 0.68 points a year under frozen conditions (men 0.36, which
    this bound lets pass), and the steady-start cell of local women aged 51-60 moved by 0.6 a
    year in poor health and depression. Ten-year groups as in the test of chronic illness by
    status; seeds 3-7 pooled, at least 200 agents a year in each run (about 500 women); now
    -0.19 (women) and +0.05 (men).
    """
    people = pd.concat(frozen_replicates.values())
    local = people[(people["status"] == "local_migrant") & people["age"].between(50, 59)]
    cells = local.groupby(["sex", "year"], observed=True).agg(
        agents=("pid", "size"), chronic=("chronic", "mean")
    )
    smallest = cells["agents"].groupby(level=0, observed=True).min()
    assert (cells.groupby(level=0, observed=True).size() == len(YEARS)).all()
    assert (smallest >= MIN_AGENTS * len(frozen_replicates)).all(), (
        f"too few local migrant workers aged 50-59 to measure a trend: {smallest.to_dict()}"
    )
    slopes = {
        sex: yearly_trend(cell["chronic"] * 100.0)
        for sex, cell in cells.groupby(level=0, observed=True)
    }
    assert set(slopes) == {"female", "male"}
    drifting = {sex: round(slope, 2) for sex, slope in slopes.items() if abs(slope) > 0.4}
    assert not drifting, f"chronic illness of local migrant workers 50-59 moving: {drifting}"


def test_old_returnees_carry_the_out_migrants_deficit_of_chronic_illness(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Returnees past the age of leaving migrant work came home as the out-migrants they were.

    The yearly steps send out-migrants home at that age less often chronically ill than people
    of their age (the ill went home earlier), and onsets then reach both alike. The start gave
    people past that age returnee status at random, as often ill as rural stayers (42 % against
    42 % at 65-79, seeds 3-7), and the returnee cell aged 61+ got healthier by 1.6 points a year
    (men) under frozen conditions as the steps' returnees replaced them. Seeds 3-7 pooled
    (about 1,500 returnees aged 65-79 a year); the gap the start gives is the one the steps
    keep five years on, within 3.5 points.
    """
    people = pd.concat(frozen_replicates.values())
    old = people[people["age"].between(65, 79)]
    chronic = old.groupby(["year", "status"], observed=True)["chronic"].mean().unstack()
    gap = chronic["rural_stayer"] - chronic["returned"]
    assert gap[YEARS[0]] > 0.04, f"returnees 65-79 as often ill as stayers: gap {gap[YEARS[0]]:.3f}"
    assert abs(gap[YEARS[0]] - gap[YEARS[-1]]) < 0.035, gap.round(3).to_dict()


def out_migrant_trends_by_years_in_city(
    replicates: dict[int, pd.DataFrame],
    column: str,
    ages: tuple[int, int],
    edges: list[int],
    labels: list[str],
    by_age_at_arrival: bool = False,
) -> dict[str, float]:
    """Yearly trend of the mean of ``column`` among out-migrants aged ``ages`` (inclusive), by
    band of years in the city (``edges`` as in :func:`pandas.cut`), over the seeds pooled.

    With ``by_age_at_arrival``, each band's yearly mean is standardised to the base year's mix
    of ages at arrival (age minus years in the city): what a person's state is after so many
    years, without the change in who arrived when.
    """
    people = pd.concat(replicates.values())
    out = people[(people["status"] == "out_migrant") & people["age"].between(*ages)]
    out = out.assign(
        band=pd.cut(out["years_in_city"], edges, labels=labels),
        arrival=out["age"] - out["years_in_city"],
    )
    slopes = {}
    for band, rows in out.groupby("band", observed=True):
        if not by_age_at_arrival:
            slopes[band] = yearly_trend(rows.groupby("year")[column].mean())
            continue
        means = rows.groupby(["year", "arrival"])[column].mean().unstack()
        weights = rows[rows["year"] == YEARS[0]].groupby("arrival").size()
        arrivals = [a for a in weights.index if means[a].notna().all()]
        weights = weights[arrivals] / weights[arrivals].sum()
        slopes[band] = yearly_trend((means[arrivals] * weights).sum(axis=1))
    assert set(slopes) == set(labels), f"bands without out-migrants: {set(labels) - set(slopes)}"
    return slopes


def test_long_staying_out_migrants_identity_holds_still(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """The start builds belonging with the integration module's own step.

    Identity integration moves each year toward a target that a residence permit, destination
    insurance, years in the city and local ties raise. The start moved it toward the target's
    base only, so out-migrants with 10-14 and 15-19 years in the city gained 0.011 and 0.013 a
    year within their band under frozen conditions (men aged 41-50: 0.20 to 0.26 and 0.22 to
    0.29). Now each person's identity is built year by year from departure: -0.0004 and
    -0.0012. Seeds 3-7 pooled, out-migrants aged 21-60, both sexes.
    """
    slopes = out_migrant_trends_by_years_in_city(
        frozen_replicates, "integration_identity", (21, 60), [9, 14, 19], ["10-14", "15-19"]
    )
    drifting = {band: round(slope, 4) for band, slope in slopes.items() if abs(slope) > 0.005}
    assert not drifting, f"identity of long-staying out-migrants drifting (a year): {drifting}"


def test_the_base_year_has_as_many_recent_arrivals_as_the_yearly_steps_keep(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Base-year out-migrants' years in the city follow the steps' arrivals at every age.

    Out-migrants with one year in the city in the 2008 snapshot are the base year's recent
    arrivals (drawn with no year in the city, one year on); in 2009-2011 they are the first
    steps' arrivals who stayed. Under frozen conditions the two are of a size in every age band
    and sex. The start's tenure spread evenly over the working life gave 0.15-0.19 times the
    steps' count at 41-50 and 1.8 times at 21-30, so the base year's newcomers aged 41-50 were
    almost all first-year arrivals, less depressed than those in their second year, and the
    newcomers' cell grew 1.8 points a year more depressed. With the base year's tenure read as
    the survivors of the age before plus the last year's arrivals: 0.61-1.32 (seeds 3-7 pooled,
    a few hundred to 1,500 people a cell and year).
    """
    people = pd.concat(frozen_replicates.values())
    recent = people[(people["status"] == "out_migrant") & (people["years_in_city"] == 1)]
    counts = recent.groupby(["age_band", "sex", "year"], observed=True).size().unstack()
    counts = counts.loc[["16-20", "21-30", "31-40", "41-50", "51-60"]]
    ratio = counts[YEARS[0]] / counts[list(YEARS[1:4])].mean(axis=1)
    outside = ratio[~ratio.between(0.55, 1.5)]  # an empty year (NaN) fails too
    assert outside.empty, f"base-year recent arrivals against the steps':\n{ratio.round(2)}"


def test_older_out_migrants_ties_with_locals_hold_still(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """The start grows ties with locals as the social module grows them.

    From 50 ties grow at a third of the rate, and they decay a little every year. The start
    grew them at the bare rate without either, so out-migrants aged 50-60 with 5-9 and 10+
    years in the city lost 0.032 and 0.012 a year under frozen conditions (and in a moving
    run those aged 50+ with 2-4 years fell from 0.47 to 0.30 in its first year). Now each
    person's ties are built year by year with the social step. The cells are compared at the
    base year's mix of ages at arrival: ties depend on it (they grow slower from 50), and the
    base-year tenure (drawn from the arrivals that the age profile of out-migration implies,
    docs/model.md section 5) puts the 5-9 band's arrivals at 48.1 years on average where the
    first steps' arrivals make it 46.0 after five years, which alone raises the band's raw
    mean by 0.023 a year (10+: 0.014). Standardised: +0.0012 and +0.0016 (with the tenure
    spread evenly over the working life, the start before: -0.0011 and +0.0004, raw +0.006
    and +0.005). Seeds 3-7 pooled, about 1,000 and 1,750 agents a year.
    """
    slopes = out_migrant_trends_by_years_in_city(
        frozen_replicates,
        "local_ties",
        (50, 60),
        [4, 9, 1_000],
        ["5-9", "10+"],
        by_age_at_arrival=True,
    )
    drifting = {band: round(slope, 4) for band, slope in slopes.items() if abs(slope) > 0.01}
    assert not drifting, f"local ties of out-migrants aged 50-60 drifting (a year): {drifting}"


def test_the_settled_health_of_the_start_is_where_the_yearly_steps_keep_people() -> None:
    """The start's steady state and the health equation agree at every age.

    A typical rural person (no frailty, no job, the support of their age) stepped year by year
    with the health module's equation from 30 stays on the start's settled health at every age
    to 80. Before the lag behind the rising depletion was built up from 40, the start put a
    40-year-old 0.037 above a 39-year-old and above where the steps take them.

    The settled health takes the recovery rate of each age as if it had always been so; the
    support that enters it changes with age (marriage, old-age isolation from 65), so the
    stepped path trails it by up to 0.0005 of health capital (at 66-70; under 0.0001 while the
    rate did not depend on support, and 0.0011 if the steps ignored the age's support).
    """
    from migrant_health.engine.context import compile_parameters
    from migrant_health.modules.health import depletion, recovery_rate
    from migrant_health.modules.migration_start import typical_rural_health
    from migrant_health.modules.social import home_support, typical_support
    from migrant_health.params import load_parameters

    p = compile_parameters(load_parameters(), range(2008, 2009)).view(np.recarray)[0]
    stepped = typical_rural_health(p, 30)
    gaps = []
    for age in range(30, 81):
        gaps.append(abs(stepped - typical_rural_health(p, age)))
        support_gap = typical_support(p, age, False) - home_support(p)
        rate = recovery_rate(p, p.health__initial__access_rural, 0.0, support_gap)
        stepped += rate * (1.0 - stepped) - depletion(p, age, 0.0, 0.0, 0, 1, 0)
    assert max(gaps) < 6e-4


def test_report_chances_agree_with_the_reports(frozen_people: pd.DataFrame) -> None:
    """The chance of a report given the latent states averages to the share of reports.

    The drift check reads each person's chance of reporting poor health and depressive
    symptoms instead of the reports; over a group of tens of thousands the two agree.
    """
    from migrant_health.engine.report_chance import depressed_chance, poor_health_chance

    p = base_year_parameters()
    people = frozen_people
    reported = pd.DataFrame(
        {
            "status": people["status"],
            "poor_health": (people["srh"] <= 2) * 100.0,
            "depressed": people["depressed"] * 100.0,
            "poor_health_chance": poor_health_chance(
                p, people["health"], people["mental"], people["chronic"]
            )
            * 100.0,
            "depressed_chance": depressed_chance(p, people["mental"]) * 100.0,
        }
    )
    by_status = reported.groupby("status", observed=True).mean()
    large = reported["status"].value_counts() >= 20_000
    by_status = by_status[large.reindex(by_status.index, fill_value=False)]
    assert {"rural_stayer", "out_migrant", "returned"} <= set(by_status.index)
    gap_poor = (by_status["poor_health"] - by_status["poor_health_chance"]).abs()
    gap_depressed = (by_status["depressed"] - by_status["depressed_chance"]).abs()
    assert gap_poor.max() < 0.5, gap_poor
    assert gap_depressed.max() < 0.7, gap_depressed


def ten_year_trends(people: pd.DataFrame, status: str, column: str, ages: range) -> dict:
    """Yearly trend of a state's mean in each ten-year age group of one status."""
    group = people[people["status"] == status]
    ten_years = (group["age"] // 10 * 10).rename("age10")
    cells = group.groupby([ten_years, group["year"]]).agg(
        agents=("pid", "size"), value=(column, "mean")
    )
    return {
        age: yearly_trend(cell["value"])
        for age, cell in cells.groupby(level=0)
        if age in ages and len(cell) == len(YEARS) and cell["agents"].min() >= 100
    }


def test_rural_stayers_savings_hold_still(frozen_people: pd.DataFrame) -> None:
    """Rural stayers start with the savings of their own mix of farming and local work.

    Local migrant workers go back to farming with years of non-farm savings (about one rural
    stayer in forty a year joins so, with some 40 months saved). Started as if they had always
    farmed, rural stayers aged 30-59 gained 0.6-1.0 months of savings a year under frozen
    conditions (scale 2,000, seed 3); with past spells of local work drawn from the labour
    module's own chances of taking it up and leaving it, within 0.25.
    """
    slopes = ten_year_trends(frozen_people, "rural_stayer", "savings", range(30, 60))
    assert set(slopes) == {30, 40, 50}
    drifting = {age: round(slope, 2) for age, slope in slopes.items() if abs(slope) > 0.25}
    assert not drifting, f"rural stayers' savings drifting (months a year): {drifting}"


def test_retired_urban_locals_start_with_the_savings_of_their_working_years(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Retired urban locals start with what they saved working in the city until retirement.

    Taken as retired for every year since school, the urban locals of 60-64 started with 13.8
    months of savings where those of 55-59 held 31.4 (seeds 3-7), and the savings of urban
    locals aged 60-69 rose 1.61 months a year under frozen conditions as the younger ones aged
    into the band. Now those of 60-64 start with 29.3 months, and 60-69 and 70-79 move by
    +0.17 and +0.28 months a year.
    """
    people = pd.concat(frozen_replicates.values(), ignore_index=True)
    slopes = ten_year_trends(people, "urban_local", "savings", range(60, 80))
    assert set(slopes) == {60, 70}
    drifting = {age: round(slope, 2) for age, slope in slopes.items() if abs(slope) > 0.5}
    assert not drifting, f"retired urban locals' savings drifting (months a year): {drifting}"
    start = people[(people["status"] == "urban_local") & (people["year"] == YEARS[0])]
    by_age = start.groupby(start["age"] // 5 * 5)["savings"].mean()
    assert by_age[60] > 0.8 * by_age[55], by_age.round(1)


def frozen_out_migrants(frozen_replicates: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """The out-migrants of every frozen run's snapshots, pooled."""
    people = pd.concat(frozen_replicates.values())
    return people[people["status"] == "out_migrant"]


def shares_by_tenure(
    out: pd.DataFrame, flag: pd.Series, *within: pd.Series
) -> tuple[pd.Series, dict[object, float]]:
    """Percentage of out-migrants with ``flag`` by years-in-city band (and ``within``) and
    year, and each band's least-squares trend (points a year)."""
    keys = [years_in_city_band(out["years_in_city"]), *within, out["year"]]
    by_cell = (flag * 100.0).groupby(keys).mean()
    levels = list(range(1 + len(within)))
    slopes = {
        (cell[0] if len(levels) == 1 else cell): yearly_trend(share)
        for cell, share in by_cell.groupby(level=levels)
    }
    return by_cell, slopes


def test_out_migrants_formal_jobs_hold_still(frozen_replicates: dict[int, pd.DataFrame]) -> None:
    """Base-year out-migrants hold the formal jobs (labour contracts) of their years in the city.

    The yearly steps give arrivals an informal job and then a formal one with a chance that
    grows with economic integration, which the years in the city build. Drawn at an arrival's
    chance whatever the years, the base year held 28 % formal, and the share rose to 43 % in
    five frozen years (10+ years in the city: 31 % to 53 %; seeds 3-7 pooled). Now each
    years-in-city band moves by under a point a year.
    """
    out = frozen_out_migrants(frozen_replicates)
    by_band, slopes = shares_by_tenure(out, out["job"] == "formal")
    assert set(slopes) == {"0-1", "2-4", "5-9", "10+"}
    assert by_band.loc[("10+", YEARS[0])] > 45.0, "long-staying out-migrants start formal"
    moving = {band: round(slope, 2) for band, slope in slopes.items() if abs(slope) > 1.0}
    assert not moving, f"formal jobs of out-migrants moving (points a year): {moving}"


def test_out_migrants_living_types_hold_still(frozen_replicates: dict[int, pd.DataFrame]) -> None:
    """Base-year out-migrants live at the economic integration of their own years in the city.

    The yearly steps move each out-migrant's economic integration toward their own target
    (job, pay, savings, insurance); the living type (subsistence below 0.35) reads it. Moved
    toward one common level, the out-migrants of ten years or more started 10 % at
    subsistence, and the share rose to 26 % in five frozen years, 10 points of it in the first
    (seeds 3-10). Now each years-in-city band moves by under a point a year.
    """
    out = frozen_out_migrants(frozen_replicates)
    by_band, slopes = shares_by_tenure(out, out["living_type"] == "subsistence")
    assert set(slopes) == {"0-1", "2-4", "5-9", "10+"}
    # Long stays are not all above subsistence: those without a formal job, savings or
    # insurance stay below the cut.
    assert 15.0 < by_band.loc[("10+", YEARS[0])] < 45.0
    moving = {band: round(slope, 2) for band, slope in slopes.items() if abs(slope) > 1.0}
    assert not moving, f"living types of out-migrants moving (points a year): {moving}"


def test_out_migrants_schemes_hold_still(frozen_replicates: dict[int, pd.DataFrame]) -> None:
    """Base-year out-migrants hold the city's schemes of their own years there.

    Each year a formal worker's employer enrols them in the employee scheme with a small
    chance (the care step), so a formal job of many years has most likely brought it. With a
    quarter of the formal out-migrants enrolled whatever their years in the city and none of
    the others, the
    formal ones of ten years or more went from 28.5 % to 38.6 % in the employee scheme in five
    frozen years, those of 2-4 years from 21.8 % down to 11.9 %, and the informal ones of
    ten years or more from 6.7 % to 14.7 % (seeds 3-10). Now each years-in-city band x job
    moves by under a point a year.
    """
    out = frozen_out_migrants(frozen_replicates)
    out = out[out["job"].isin(["formal", "informal"])]
    by_cell, slopes = shares_by_tenure(
        out, out["insurance"] == "urban_employee_dest", out["job"].astype(str)
    )
    assert len(slopes) == 8
    assert by_cell.loc[("10+", "formal", YEARS[0])] > by_cell.loc[("2-4", "formal", YEARS[0])]
    moving = {cell: round(slope, 2) for cell, slope in slopes.items() if abs(slope) > 1.0}
    assert not moving, f"employee scheme of out-migrants moving (points a year): {moving}"


def test_a_base_year_out_migrants_scheme_grows_with_the_years_of_a_formal_job() -> None:
    """The longer in the city, the likelier the employee scheme: for a formal worker most; for
    an informal one only as the scheme of a formal job lost and not yet taken away."""
    from migrant_health.modules.enrolment import destination_scheme_chances

    p = base_year_parameters()

    def employee(years: int, formal: bool) -> float:
        # A man of 35 with junior high, in good health, in a tier-2 city.
        return destination_scheme_chances(p, 35, years, 2, 0.9, 0, 0.65, 2, formal)[0]

    assert destination_scheme_chances(p, 35, 0, 2, 0.9, 0, 0.65, 2, True) == (0.0, 0.0)
    formal = [employee(y, True) for y in range(1, 16)]
    assert all(later > earlier for earlier, later in pairwise(formal))
    assert 0.0 < employee(10, False) < employee(10, True) < 1.0
    # Those outside the employee scheme join the resident scheme a little each year.
    resident = [destination_scheme_chances(p, 35, y, 2, 0.9, 0, 0.65, 2, False)[1] for y in (2, 10)]
    assert 0.0 < resident[0] < resident[1] < 0.2


def test_the_scheme_chain_is_what_the_yearly_steps_leave() -> None:
    """The chain's chances are those of people put through the yearly care and labour steps.

    Replayed here person by person with the steps' rules (care on last year's job with one
    draw: a formal worker's employer enrols them, from the resident scheme too, and a formal
    worker left outside gets no resident chance that year; without a formal job the employee
    scheme is lost, to the resident scheme below half the resident chance; those outside the
    city's schemes join the resident one; then the labour step's job), 400,000 arrivals of 12
    years ago, read among those holding a formal and an informal job now.
    """
    from migrant_health.modules.enrolment import (
        destination_scheme_chances,
        employee_scheme_chance,
        resident_scheme_chance,
    )
    from migrant_health.modules.labor import (
        employment_probability,
        formal_chance,
        settled_economic_after,
    )

    p = base_year_parameters()
    age, years, education, health, mental, tier = 45, 12, 2, 0.85, 0.6, 3
    enrol, resident = employee_scheme_chance(p), resident_scheme_chance(p)
    lose = p["care__enrolment__employee_loss_without_contract"]
    rng = np.random.default_rng(2026)
    n = 400_000
    formal = np.zeros(n, bool)  # arrivals hold an informal job
    employed = np.ones(n, bool)
    scheme = np.full(n, 2)  # 0 employee, 1 resident, 2 the rural scheme or none
    for k in range(1, years + 1):
        u = rng.random(n)
        gets = formal & (scheme != 0) & (u < enrol)
        loses = ~formal & (scheme == 0) & (u < lose)
        joins = ~formal & (scheme == 2) & (u < resident)
        scheme = np.where(gets, 0, scheme)
        scheme = np.where(loses, np.where(u < 0.5 * resident, 1, 2), scheme)
        scheme = np.where(joins, 1, scheme)
        a = age - 1 - years + k
        chance = employment_probability(p, a, education, health, 0, mental, 0.0)
        level = settled_economic_after(p, p["labor__economic__initial"], k - 1)
        to_formal = np.where(
            formal, p["labor__sector__formal_retention"], formal_chance(p, education, level, tier)
        )
        employed = rng.random(n) < chance
        formal = employed & (rng.random(n) < to_formal)
    for now, holding in ((True, formal), (False, employed & ~formal)):
        employee, in_resident = destination_scheme_chances(
            p, age, years, education, health, 0, mental, tier, now
        )
        assert abs((scheme[holding] == 0).mean() - employee) < 0.005, now
        assert abs((scheme[holding] == 1).mean() - in_resident) < 0.005, now


def test_a_base_year_out_migrants_economic_integration_reads_their_own_conditions() -> None:
    """From the arrival level toward the person's own target: higher with the years in the city,
    with a formal job, more savings and destination insurance."""
    from migrant_health.modules.economic_history import own_economic_integration

    p = base_year_parameters()

    def level(
        years: int, job: int = 2, savings: float = 10.0, insured: bool = False, age: int = 35
    ) -> float:
        # A man with junior high, in good health, paid 1,300 CNY a month in a tier-2 city, who
        # left home with 2 months of savings (job codes: 2 informal, 3 formal).
        return own_economic_integration(
            p, age, years, 2, 0.9, 0, 0.65, job, 1300.0, savings, 2.0, 2, insured
        )

    assert level(0) == pytest.approx(p["labor__economic__initial"])
    by_years = [level(y) for y in range(0, 16)]
    assert all(later > earlier for earlier, later in pairwise(by_years))
    assert level(10, job=3) > level(10)
    assert level(10, savings=40.0) > level(10)
    assert level(10, insured=True) > level(10)
    # The years in the city close the gap to the target at labor.economic.adjustment a year:
    # after 30 years almost nothing of the arrival level is left, so another year adds little.
    assert abs(level(31, age=55) - level(30, age=55)) < 0.005


def test_a_base_year_out_migrants_formal_chance_grows_with_the_years_in_the_city() -> None:
    """Arrivals of the base year are informal; the chance rises with the years in the city
    toward the yearly steps' stationary share, and falls short of certainty."""
    from migrant_health.modules.labor import base_year_formal_chance

    p = base_year_parameters()
    chances = [base_year_formal_chance(p, 35, y, 2, 3, 0.9, 0, 0.7) for y in range(0, 21)]
    assert chances[0] == 0.0
    assert all(later > earlier for earlier, later in pairwise(chances[:16]))
    assert 0.3 < chances[20] < 0.9
    # Schooling opens formal jobs: a college graduate beats a primary-school leaver.
    assert base_year_formal_chance(p, 35, 10, 4, 3, 0.9, 0, 0.7) > base_year_formal_chance(
        p, 35, 10, 1, 3, 0.9, 0, 0.7
    )


def test_a_chronic_illness_began_at_an_age_the_prevalence_by_age_gives() -> None:
    """Illness does not remit: of the people ill at 60, the share ill at 40 is the prevalence
    at 40 over the prevalence at 60, so the onsets drawn reproduce it; the well have none."""
    from migrant_health.modules.chronic_onset import chronic_onset_age

    prevalence = np.minimum(1.0, 0.02 * np.exp(0.05 * (np.arange(121) - 16.0)))
    seed = np.uint64(11)
    onsets = np.array([chronic_onset_age(seed, pid, 60, 1, prevalence) for pid in range(20_000)])
    assert onsets.min() >= 16 and onsets.max() <= 60
    share_by_40 = (onsets <= 40).mean()
    assert abs(share_by_40 - prevalence[40] / prevalence[60]) < 0.015
    assert chronic_onset_age(seed, 3, 60, 0, prevalence) == 61


def mean_returnee_savings(
    p: np.void,
    seed: np.uint64,
    *,
    age: int,
    city: int,
    health_now: float,
    mental: float,
    on_arrival: float,
    since: int = 0,
    tier: int = 3,
    chronic: int = 0,
    onset: int = 200,
    city_path: tuple[float, float, float] | None = None,
    people: int = 600,
) -> tuple[float, float]:
    """Mean savings of ``people`` base-year returnee men (junior secondary, farmers before and
    after a spell of ``city`` years in a city of ``tier``, home ``since`` years) now and on
    leaving for the city, from :func:`savings_history.savings_history`.

    ``city_path`` is the city's steady state without and with chronic illness and its recovery
    rate; by default each person's own (:func:`steady_start.returnee_city_health`, ties 0.1,
    origin network 0.6, support at home 0.5).
    """
    from migrant_health.engine.binding import record_for_calls
    from migrant_health.engine.codes import INS_RURAL, JOB_FARM, RETURNED, RURAL_STAYER
    from migrant_health.modules.health import initial_steady_state
    from migrant_health.modules.savings_history import history_keys, savings_history
    from migrant_health.modules.schooling import school_end_age
    from migrant_health.modules.steady_start import returnee_city_health

    # The person's codes and states with the types of the chunk's columns (int8 codes, float32
    # states), as the steady start passes them: the machine code cached for the model's own
    # calls is then loaded, where Python's int and float would compile both functions anew
    # (about a minute of a cold test run).
    education, family, female = np.int8(1), np.int8(1), np.int8(0)  # a man
    health, mind = np.float32(health_now), np.float32(mental)
    before = age - int(school_end_age(p, education)) - city - since
    keys = history_keys(seed, age)
    farming = np.empty(age, np.bool_)
    local = np.empty(age, np.int8)
    steady = np.array([initial_steady_state(p, a, 0.0, False) for a in range(121)])
    rules = record_for_calls(p)  # two calls a person: the record's cheap form
    now_total = leaving_total = 0.0
    for pid in range(people):
        well, ill, rate = city_path or returnee_city_health(
            rules, seed, pid, age - since, 0.0, tier, education, family, health, 0.1, 0.6, 0.5
        )
        now, on_leaving = savings_history(
            rules, seed, pid, age, before, RURAL_STAYER, JOB_FARM, city, since, np.int8(RETURNED),
            np.int8(JOB_FARM), np.float32(0.0), tier, np.int8(INS_RURAL), np.int8(chronic),
            health, mind, education, np.float32(0.0), female, keys, farming, local, onset, steady,
            well, ill, on_arrival, rate,
            0.0, rate,  # no shortfall of the return left to fade over the years home
            p["migration__reference__integration"],  # a returnee's city years: the reference
        )  # fmt: skip
        now_total += now
        leaving_total += on_leaving
    return now_total / people, leaving_total / people


def test_a_city_spell_dates_a_chronic_illness_by_the_returns_it_brings() -> None:
    """The chronically ill go home more often (salmon-bias return), so an out-migrant still in
    the city after ten years fell ill more recently than the prevalence by age alone says, and
    a returnee whose spell just ended more often fell ill during it. Without that selection
    the dates are those of the prevalence, draw for draw.
    """
    from migrant_health.modules.chronic_onset import (
        chronic_onset_after_city_years,
        chronic_onset_age,
        chronic_return_ratios,
    )
    from migrant_health.modules.migration_start import typical_return_chances

    p = base_year_parameters()
    prevalence = np.minimum(1.0, 0.02 * np.exp(0.05 * (np.arange(121) - 16.0)))
    seed = np.uint64(11)
    people = range(20_000)
    ratios = chronic_return_ratios(p, typical_return_chances(p))

    def onsets(arrived_at: int, city: int, came_home: bool, r: np.ndarray) -> np.ndarray:
        return np.array(
            [
                chronic_onset_after_city_years(
                    seed, pid, 55, 1, prevalence, arrived_at, city, came_home, r
                )
                for pid in people
            ]
        )

    unselected = np.array([chronic_onset_age(seed, pid, 55, 1, prevalence) for pid in people])
    staying = onsets(45, 10, False, ratios)
    assert staying.mean() > unselected.mean() + 3.0  # 43.5 against 38.2
    # Home for the last five years after a spell at 40-49: the return drew the ill home.
    returned = onsets(40, 10, True, ratios)
    in_spell = (returned >= 40) & (returned < 50)
    assert in_spell.mean() > ((unselected >= 40) & (unselected < 50)).mean() + 0.1  # 48 % vs 29

    flat = np.ones_like(ratios)  # the ill as likely as the well to stay on and to go home
    np.testing.assert_array_equal(onsets(45, 10, False, flat), unselected)
    np.testing.assert_array_equal(onsets(40, 10, True, flat), unselected)


def test_a_returnees_health_declines_gradually_after_a_chronic_onset_in_the_city() -> None:
    """A chronic illness lowers the steady state a returnee's health moved toward in the city,
    and health follows it at the city's recovery rate, not at once: a man ill for the last
    four of his nine years in the city comes home with less than half the savings loss of one
    ill for all nine, and one ill for the last year with under a sixth (the illness's own
    costs, fewer years in work and dearer care, count from the onset in every case)."""
    p = base_year_parameters()
    seed = np.uint64(3)

    def came_home_with(chronic: int, onset: int) -> float:
        # A man of 57 home this year from nine years in the city (left at 48).
        savings, _ = mean_returnee_savings(
            p, seed, age=57, city=9, health_now=0.81, mental=0.55, on_arrival=0.93,
            chronic=chronic, onset=onset,
        )  # fmt: skip
        return savings

    well = came_home_with(0, 200)
    ill_all_nine = well - came_home_with(1, 48)  # ill from arrival: 9.0 months
    ill_last_four = well - came_home_with(1, 53)  # 4.0; 5.4 when health dropped at once
    ill_last_one = well - came_home_with(1, 56)  # 1.2; 1.8 when health dropped at once
    assert ill_all_nine > 4.0, ill_all_nine
    assert 0.0 < ill_last_four < 0.5 * ill_all_nine, (ill_last_four, ill_all_nine)
    assert 0.0 < ill_last_one < 0.17 * ill_all_nine, (ill_last_one, ill_all_nine)


def test_a_returnees_years_before_the_city_read_the_health_they_left_with() -> None:
    """The return selected the less healthy (salmon-bias return), so a returnee's health today
    says little about the years before they left, which healthy-migrant selection had
    picked them from: what they took to the city does not move with today's health, and it
    rises with the health they left with (fewer medical bills, more local non-farm work)."""
    p = base_year_parameters()
    seed = np.uint64(5)

    def left_with(health_now: float, on_arrival: float) -> float:
        # A man of 57, home two years from nine years in the city.
        _, on_leaving = mean_returnee_savings(
            p, seed, age=57, city=9, since=2, health_now=health_now, mental=0.6,
            on_arrival=on_arrival,
        )  # fmt: skip
        return on_leaving

    assert left_with(0.72, 0.93) == pytest.approx(left_with(0.85, 0.93), abs=1e-9)
    assert left_with(0.80, 0.95) > left_with(0.80, 0.85) + 0.5


def test_a_base_year_returnees_chance_of_local_work_grows_with_the_years_home() -> None:
    """Returnees come home to the farm: none in local work on coming home, more the longer
    they have been home, up to a share the yearly entry, exit and re-migration keep below
    certainty; the skills and savings brought home (labor.origin.returnee_entrepreneurship)
    raise it."""
    from migrant_health.modules.returnee_history import returnee_local_work_chance

    p = base_year_parameters()
    chances = [returnee_local_work_chance(p, 50, back, 2, 0.85, 0, True) for back in range(25)]
    assert chances[0] == 0.0
    assert all(later > earlier for earlier, later in pairwise(chances[:10]))
    assert 0.1 < chances[24] < 0.6
    without = p.copy()
    without["labor__origin__returnee_entrepreneurship"] = 0.0
    assert returnee_local_work_chance(without, 50, 10, 2, 0.85, 0, True) < chances[10]


def test_the_year_before_leaving_nonfarm_work_at_the_stationary_chance() -> None:
    """The labour step ends local non-farm work at the age of leaving it, so the year before
    that age is followed by farming whatever it held: run backward, the chain draws it with
    its stationary chance ``enter / (enter + leave)``, not with the entry chance that a year
    of farming after it would otherwise mean."""
    from migrant_health.engine.binding import record_for_calls
    from migrant_health.engine.random import logistic
    from migrant_health.modules.labor import (
        local_nonfarm_entry_odds,
        local_nonfarm_exit,
        nonfarm_retirement_age,
    )
    from migrant_health.modules.savings_history import history_keys, local_work_spells

    p = record_for_calls(base_year_parameters())  # 80,000 calls: the record's cheap form
    seed = np.uint64(3)
    age, years, health = 85, 60, 0.85
    keys = history_keys(seed, years)
    farming = np.ones(years, np.bool_)
    spells = np.zeros(years, np.int8)
    held, stationary, entry = [], [], []
    for pid in range(20_000):
        last = int(np.ceil(nonfarm_retirement_age(p, seed, pid, 0))) - 1
        if not 30 <= last < age - 1:
            continue
        # Education, health and sex typed as the chunk's columns, as the steady start passes
        # them (the model's cached machine code is loaded, not compiled anew).
        local_work_spells(
            p, seed, pid, age, years, farming, np.int8(1), np.float32(health), np.int8(0), keys,
            spells, False, years, health, 0,
        )  # fmt: skip
        held.append(spells[years - 1 - (age - 1 - last)])
        enter = logistic(local_nonfarm_entry_odds(p, last, 1, health, 0))
        leave = local_nonfarm_exit(p, health)
        stationary.append(enter / (enter + leave))
        entry.append(enter)
    share, se = np.mean(held), np.sqrt(np.mean(stationary) * (1 - np.mean(stationary)) / len(held))
    assert abs(share - np.mean(stationary)) < 4 * se
    assert np.mean(entry) < np.mean(stationary) - 8 * se  # the two chances are far apart


def test_a_returnees_city_years_were_more_often_in_work_until_the_year_they_came_home() -> None:
    """The migration module sends out-migrants without a job home more often, so a year after
    which a returnee stayed on in the city was more often a year in work than the labour
    module's chance says, and the year they came home less often; without that push the
    chance is the labour module's."""
    from migrant_health.modules.spell_employment import employed_in_spell_year

    p = base_year_parameters()
    chance = 0.9
    stayed = employed_in_spell_year(p, 40, chance, 0.85, 0.6, 0, False)
    went_home = employed_in_spell_year(p, 40, chance, 0.85, 0.6, 0, True)
    assert went_home < chance < stayed < 1.0
    # Older out-migrants go home more often in work too (the return equation's age term), so
    # a return at 60 says less about the job than one at 40.
    at_sixty = employed_in_spell_year(p, 60, chance, 0.85, 0.6, 0, True)
    assert went_home < at_sixty < chance
    no_push = p.copy()
    no_push["migration__return__unemployed"] = 0.0
    for went in (False, True):
        assert employed_in_spell_year(no_push, 40, chance, 0.85, 0.6, 0, went) == pytest.approx(
            chance
        )


def test_a_return_for_age_says_nothing_of_the_last_years_work() -> None:
    """Everyone who reaches the age of leaving non-farm work goes home, in work or not, so the
    last city year of such a return is drawn at the labour module's chance; the years before
    it were still years the person stayed on, and the last year of a return before that age
    was more often a year without work."""
    from migrant_health.modules.spell_employment import spell_year_work_chance

    p = base_year_parameters()
    chance = 0.86
    assert spell_year_work_chance(p, 63, chance, 0.8, 0.6, 0, True, True) == chance
    assert spell_year_work_chance(p, 63, chance, 0.8, 0.6, 0, True, False) < chance
    for for_age in (True, False):
        assert spell_year_work_chance(p, 62, chance, 0.8, 0.6, 0, False, for_age) > chance


def test_a_return_for_age_reads_no_push_into_its_last_city_year() -> None:
    """The start's histories draw the last city year of a return for age at the labour
    module's chance: with a one-year spell, that year is the whole spell, so switching off the
    push of unemployment toward home (``migration.return.unemployed``) leaves a return for age
    untouched and changes a return made before that age."""
    p = base_year_parameters()
    seed = np.uint64(5)

    def savings(retirement_age: float, push: bool) -> float:
        q = p.copy()
        q["labor__retirement__mean_age"] = retirement_age
        q["labor__retirement__female_earlier"] = 0.0
        if not push:
            q["migration__return__unemployed"] = 0.0
        now, _ = mean_returnee_savings(
            q, seed, age=60, city=1, since=2, health_now=0.8, mental=0.6, on_arrival=0.85,
            people=300,
        )  # fmt: skip
        return now

    # Home at 58: past everyone's age of leaving non-farm work when it averages 30 (over five
    # standard deviations), before anyone's when it averages 90.
    assert savings(30.0, True) == pytest.approx(savings(30.0, False), abs=1e-9)
    assert abs(savings(90.0, True) - savings(90.0, False)) > 0.05


def test_a_returnees_city_pay_rises_with_the_years_of_the_spell() -> None:
    """Each year in the city builds economic integration and the chance of a formal job, and
    pay with them: the arrival year is paid as an informal job at the integration of arrival,
    later years more, and the rise comes from integration and formal jobs alone."""
    from migrant_health.modules.savings_history import spell_year_pay

    p = base_year_parameters()
    seed = np.uint64(3)
    # Education and mental health typed as the savings history passes them (the model's
    # cached machine code is loaded, not compiled anew).
    education, mental = np.int8(2), np.float32(0.62)
    pays = [
        spell_year_pay(p, seed, 7, 45, 35 + k, k, education, 0.88, 0, mental, 2) for k in range(8)
    ]
    assert all(later > earlier for earlier, later in pairwise(pays))
    flat = p.copy()
    flat["labor__income__economic_integration"] = 0.0
    flat["labor__income__formal"] = 0.0
    flat_pays = [
        spell_year_pay(flat, seed, 7, 45, 35 + k, k, education, 0.88, 0, mental, 2)
        for k in range(8)
    ]
    assert flat_pays == pytest.approx([flat_pays[0]] * 8)


def test_a_returnees_city_years_follow_the_health_of_the_spell_not_of_today() -> None:
    """A base-year returnee's city years are paid at the health of the spell.

    The return itself selected on the health of its own year (salmon-bias return), so a
    returnee who is ill today was not as ill through the years in the city before. The
    savings they came home with follow the path the start gives out-migrants (from their
    health on arrival toward the city's steady state for them, at the city's recovery rate):
    healthier on arrival, more years in work at better pay, more savings. Today's health no
    longer reaches the city years, nor since calibration step 39 the years of farming before
    them; read as the spell's health, it cost months.
    """
    p = base_year_parameters()
    seed = np.uint64(3)

    def came_home_with(health_now: float, on_arrival: float) -> float:
        # Farmed at 16-36, in a tier-2 city at 37-44, home this year.
        savings, _ = mean_returnee_savings(
            p, seed, age=45, city=8, tier=2, health_now=health_now, mental=0.6,
            on_arrival=on_arrival, city_path=(0.86, 0.80, 0.09), people=400,
        )  # fmt: skip
        return savings

    healthy, frail = came_home_with(0.85, 0.93), came_home_with(0.85, 0.78)
    assert healthy > frail + 1.0, (healthy, frail)
    ill_today = came_home_with(0.60, 0.93)
    assert abs(ill_today - healthy) < 0.25 * (healthy - frail), (ill_today, healthy)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "returnees' savings still rise under frozen conditions at 60-69, by 0.54 months a "
        "year (-0.15, -0.12 and 0.10 at 30-39, 40-49 and 50-59, 0.31 at 70-79; seeds 3-7; "
        "after calibration step 49; 0.54 after step 48 too): the "
        "yearly steps keep a returnee's savings where they are as they pass 60 (the start's "
        "men of 55-59 hold 13.9 months in 2008 and 13.8 in 2013), while the start's returnee "
        "men of 60-64 hold 11.8, and the steps carry the younger ones into the band as the "
        "number of returnees aged 60-69 about triples. Among the start's men of 60-64, those "
        "who came home in the last five years hold 5.4 months and are 42 % chronically ill "
        "(seed 1), where the steps' returnees of 60-64 come home 18 % ill: the start selects "
        "returnees on chronic illness by age band and draws their years home independently "
        "of it (drawing them given the illness moved neither). About half of the rise is who "
        "joins them: held at the base year's mix of age and schooling, the men's rise is 0.32 "
        "a year, not 0.74 (seeds 3 and 4). Calibration step 39 (chronic onsets "
        "dated by the spell, the years before it at the health the person left with) took "
        "60-69 from 0.63; step 38 (the city years at the spell's health) from 0.72; step 34 "
        "(paid at the integration and formal jobs of the time) from 0.80. Their local work "
        "holds at 30-69 since calibration step 32 and rises 1.07 points a year at 20-29 "
        "(docs/model.md section 5)"
    ),
)
def test_returnees_savings_and_local_work_hold_still(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Returnees start with the local work and savings the yearly steps keep among them.

    The bound is the rural stayers' (a quarter of a month of savings a year) and a point a
    year for the share of returnees aged 20-59 in local non-farm work.
    """
    savings = []
    local_work = []
    for people in frozen_replicates.values():
        savings.append(pd.Series(ten_year_trends(people, "returned", "savings", range(30, 70))))
        people = people.assign(local_work=people["job"].isin(["informal", "formal"]) * 100.0)
        local_work.append(
            pd.Series(ten_year_trends(people, "returned", "local_work", range(20, 60)))
        )
    savings_slope = pd.concat(savings, axis=1).mean(axis=1)
    local_slope = pd.concat(local_work, axis=1).mean(axis=1)
    assert set(savings_slope.index) == {30, 40, 50, 60}
    assert set(local_slope.index) == {20, 30, 40, 50}
    drifting = savings_slope[savings_slope.abs() > 0.25].round(2).to_dict()
    assert not drifting, f"returnees' savings drifting (months a year): {drifting}"
    moving = local_slope[local_slope.abs() > 1.0].round(2).to_dict()
    assert not moving, f"returnees' local work moving (points a year): {moving}"


def test_returnees_keep_the_cultural_and_identity_integration_of_their_city_years(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Base-year returnees start with the cultural and identity integration they came home
    with, as the returnees of the yearly steps keep theirs.

    Without it the base-year returnees held 0.06 and 0.02 where those who came home in 2009
    held 0.59 and 0.21 (seed 1), and the returnees' integration index rose with every year
    that replaced them.
    """
    people = pd.concat(frozen_replicates.values())
    returnees = people[people["status"] == "returned"]
    base_year = returnees[returnees["year"] == YEARS[0]]
    came_home = returnees[returnees["returned_this_year"] & (returnees["year"] > YEARS[0])]
    for dimension in ("integration_cultural", "integration_identity"):
        start, steps = base_year[dimension].mean(), came_home[dimension].mean()
        assert abs(start - steps) < 0.25 * steps, (dimension, start, steps)
        yearly = returnees.groupby("year")[dimension].mean()
        assert abs(yearly.iloc[-1] - yearly.iloc[0]) < 0.02, (dimension, yearly.round(3))


def test_returnees_keep_the_economic_integration_of_their_city_years(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Base-year returnees start with the economic integration a city spell leaves, as the
    returnees of the yearly steps keep theirs from their last city year.

    Left at the synthesis's level (0.02), the returnees' mean rose from 0.022 to 0.086 in five
    frozen years (seeds 3-6), 0.018 a year at 30-39, as returnees of the steps replaced them;
    it also lowered the pay of their local work (``labor.income.economic_integration``). At a
    settled migrant's level for their years in the city, without the shortfall of those the
    return selects, it fell from 0.296 to 0.279 (0.0034 a year at 30-59); with it, 0.237 to
    0.239.
    """
    people = pd.concat(frozen_replicates.values())
    slopes = ten_year_trends(people, "returned", "integration_economic", range(30, 60))
    assert set(slopes) == {30, 40, 50}
    drifting = {age: round(slope, 4) for age, slope in slopes.items() if abs(slope) > 0.0025}
    assert not drifting, f"returnees' economic integration drifting (a year): {drifting}"
    yearly = people[people["status"] == "returned"].groupby("year")["integration_economic"]
    assert abs(yearly.mean().iloc[-1] - yearly.mean().iloc[0]) < 0.01, yearly.mean().round(3)


def test_old_urban_locals_ties_and_insurance_hold_still(frozen_people: pd.DataFrame) -> None:
    """Urban locals past 60 keep the ties and the insurance the yearly steps give them.

    Old-age isolation takes a share of a network each year from 65, so a 66-year-old has
    lost little of it; the start put everyone of 65 or more at the settled level, and the local
    ties of urban locals aged 60-69 rose from 0.754 to 0.778 in five frozen years. Retirees keep
    the employee scheme of their working years, which the start gave to none of them: the
    share of urban locals aged 60-69 on it rose by about 7 points a year.
    """
    people = frozen_people.assign(
        employee_scheme=(frozen_people["insurance"] == "urban_employee_dest") * 100.0
    )
    ties = ten_year_trends(people, "urban_local", "local_ties", range(60, 70))
    scheme = ten_year_trends(people, "urban_local", "employee_scheme", range(60, 70))
    assert set(ties) == set(scheme) == {60}
    assert abs(ties[60]) < 0.002, ties
    assert abs(scheme[60]) < 2.0, scheme


def test_out_migrants_on_a_second_spell_hold_their_share(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """The base year holds the re-migrants (returnees who left again) that the steps keep.

    With every base-year out-migrant on a first spell, the steps' re-migrants took their share
    of out-migrants from 1 % to 7 % (21-30), 2 % to 8 % (31-40), 6 % to 14 % (41-50) and 1 % to
    13 % (51-60) in five frozen years. The start now draws them as a share of the arrivals of
    the age each person arrived at: within a point a year in every band. Seeds 3-7 pooled.
    """
    people = pd.concat(frozen_replicates.values())
    out = people[(people["status"] == "out_migrant") & people["age"].between(21, 60)]
    again = (out["migrations"] > 1).groupby([out["age_band"], out["year"]], observed=True).mean()
    slopes = {
        band: yearly_trend(share * 100.0) for band, share in again.groupby(level=0, observed=True)
    }
    assert set(slopes) == {"21-30", "31-40", "41-50", "51-60"}
    assert again.loc[("41-50", YEARS[0])] > 0.15, "the base year holds no re-migrants aged 41-50"
    drifting = {band: round(slope, 2) for band, slope in slopes.items() if abs(slope) > 1.0}
    assert not drifting, f"re-migrants' share of out-migrants moving (points a year): {drifting}"


def test_repeat_returns_and_third_spells_hold_their_share(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """The base year holds the returnees on a second return, and the out-migrants on a third
    spell, that the steps keep.

    The steps send returnees back to the city and bring some of them home again, and under
    frozen 2008 conditions returnees on a second return head toward the re-migrants' share of
    out-migrants (about 30 % at 41-60 by 2035). With every base-year returnee on a first return
    and every re-migrant on a second spell, returnees aged 31-60 with two spells went from 2 %
    to 10 % in five frozen years, and out-migrants on a third spell from none to 11 % of the
    re-migrants arriving at 31-60; now 23.7 % and 24.4 % (third spells 20.7 % and 20.5 %;
    seeds 3-7 pooled). The bound is a point a year.
    """
    people = pd.concat(frozen_replicates.values())
    people = people[people["age"].between(31, 60) & people["year"].isin([YEARS[0], YEARS[-1]])]
    returnees = people[people["status"] == "returned"]
    repeat = (returnees["migrations"] >= 2).groupby(returnees["year"]).mean() * 100.0
    arrivals = people[
        (people["status"] == "out_migrant")
        & (people["years_in_city"] <= 1)
        & (people["migrations"] >= 2)
    ]
    third = (arrivals["migrations"] >= 3).groupby(arrivals["year"]).mean() * 100.0
    assert repeat[YEARS[0]] > 10.0 and third[YEARS[0]] > 10.0, (repeat, third)
    years = YEARS[-1] - YEARS[0]
    assert abs(repeat[YEARS[-1]] - repeat[YEARS[0]]) < years, repeat.round(1).to_dict()
    assert abs(third[YEARS[-1]] - third[YEARS[0]]) < years, third.round(1).to_dict()


def test_every_base_year_returnee_spent_at_least_a_year_in_the_city() -> None:
    """The steps decide a return from the year after arrival on, so every spell that ends in a
    return lasted a year or more (frozen 2008 conditions, seeds 3-5: 15.2 % one year, 12.3 %
    two, a mean of 6.67). Drawn from 0, a seventh of the base-year returnees had never been in
    the city and came home without its mark on health, mental health, ties and savings."""
    from migrant_health.engine.binding import record_for_calls
    from migrant_health.modules.returnee_spell import returnee_city_spell

    p = base_year_parameters()
    rules = record_for_calls(p)  # 20,000 calls: the record's cheap form
    seed = np.uint64(3)
    spells = np.array([returnee_city_spell(rules, seed, pid, 45, 0)[0] for pid in range(20_000)])
    assert spells.min() == 1
    mean = float(p["migration__initial__returned_city_years"])
    assert abs(spells.mean() - mean) < 0.2  # standard error about 0.04
    assert abs((spells == 1).mean() - 1.0 / mean) < 0.01
    # No working life yet, no spell; one working year, a spell of one year.
    assert returnee_city_spell(rules, seed, 7, 0, 0)[0] == 0
    assert returnee_city_spell(rules, seed, 7, 1, 0)[0] == 1


def test_returnees_disposition_to_distress_holds_still(
    frozen_replicates: dict[int, pd.DataFrame],
) -> None:
    """Returnees carry the disposition to distress that sent them home from the start.

    The yearly steps' returns select on the permanent disposition (the salmon bias of distress):
    this year's returns average about -0.08 standard deviations of it. The start chose
    returnees without it, so their mean went from -0.01 to -0.03 in five frozen years; with the
    start's selection, -0.09 throughout. Returnees aged 21-60, seeds 3-7 pooled.
    """
    from migrant_health.engine.permanent import normals
    from migrant_health.modules.mental_target import STREAM_MENTAL_TRAIT

    means = []
    for seed, people in frozen_replicates.items():
        returnees = people[(people["status"] == "returned") & people["age"].between(21, 60)]
        trait = normals(np.uint64(seed), STREAM_MENTAL_TRAIT, 0, int(people["pid"].max()) + 1)
        means.append(
            pd.Series(trait[returnees["pid"].to_numpy()], index=returnees.index)
            .groupby(returnees["year"])
            .agg(["sum", "size"])
        )
    pooled = sum(means[1:], means[0])
    mean = pooled["sum"] / pooled["size"]
    assert mean[YEARS[0]] < -0.05, f"base-year returnees not selected on it: {mean[YEARS[0]]:.3f}"
    assert abs(mean[YEARS[-1]] - mean[YEARS[0]]) < 0.01, mean.round(3).to_dict()
