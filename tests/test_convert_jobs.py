"""A new urban hukou does not hand a formal job to everyone who gets it.

Converts find formal jobs as out-migrants of their schooling, economic integration and city do,
with the access the urban hukou opens (``labor.urban.convert_formal_access``). Before
calibration step 52 every employed convert drew the urban locals' 0.75, whatever the schooling:
former farmers converted at origin went from no wage job to 63-73 % formal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate
from migrant_health.experiments.frozen_cells import base_year_parameters
from migrant_health.modules.labor import convert_formal_chance, formal_chance


@pytest.fixture(scope="module")
def employed() -> pd.DataFrame:
    people = simulate(
        RunConfig(end=2020, scale=20_000, seed=3, snapshot_years=(2020,), snapshot_fraction=1.0)
    ).snapshots
    people = people.assign(
        status=people["status"].astype(str),
        formal=(people["job"].astype(str) == "formal").astype(float),
    )
    return people[people["age"].between(16, 55) & people["job"].isin(["formal", "informal"])]


def formal_share(people: pd.DataFrame) -> float:
    return float(np.average(people["formal"], weights=people["weight"]))


def test_converts_formal_jobs_rise_with_schooling(employed: pd.DataFrame) -> None:
    converts = employed[employed["status"] == "urban_hukou"]
    little = formal_share(converts[converts["education"] <= 1])  # none or primary
    much = formal_share(converts[converts["education"] >= 3])  # senior high or college
    assert much > little + 0.15, (little, much)


def test_converts_stand_between_out_migrants_and_urban_locals(employed: pd.DataFrame) -> None:
    shares = {s: formal_share(employed[employed["status"] == s]) for s in set(employed["status"])}
    assert shares["out_migrant"] < shares["urban_hukou"] < shares["urban_local"] - 0.10, shares


def test_the_contract_lever_reaches_migrant_workers_not_converts() -> None:
    """Contract enforcement (seed 4.1) is a lever for migrant workers; the urban hukou's own
    access (``labor.urban.convert_formal_access``) lifts a convert above an out-migrant of the
    same schooling, integration and city."""
    p = base_year_parameters()
    enforced = p.copy()
    enforced["policy__fair_employment__contract_enforcement"] = 1.0
    convert, out_migrant = (f(p, 2, 0.3, 1) for f in (convert_formal_chance, formal_chance))
    assert convert > out_migrant
    assert convert_formal_chance(enforced, 2, 0.3, 1) == convert
    assert formal_chance(enforced, 2, 0.3, 1) > out_migrant


def test_converts_made_at_origin_integrate_economically() -> None:
    """Converts made at origin start at no economic integration and climb with their city
    work (until calibration step 52 they stayed at 0, and their formal chances with it)."""
    people = simulate(
        RunConfig(
            end=2016, scale=20_000, seed=3, snapshot_years=(2012, 2016), snapshot_fraction=1.0
        )
    ).snapshots
    converts = people[people["status"].astype(str) == "urban_hukou"]
    never_away = converts[converts["first_out_year"] == 0]
    both = never_away.groupby("pid").filter(lambda p: len(p) == 2 and p["age"].max() < 55)
    assert both["pid"].nunique() > 50
    change = both.pivot(index="pid", columns="year", values="integration_economic")
    assert (change[2016] - change[2012]).mean() > 0.05, change.describe()
