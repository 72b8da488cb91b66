"""A catastrophic medical bill sets back an out-migrant's economic integration (seed 3.4).

The drain on the funds for urban living sets back the integration an out-migrant is building
in the city, and the labour step moves on from there. Urban locals hold the reference level
and have no such climb to set back: taken from them too, it never came back, and their
economic integration (and the pay it raises) drifted from 0.596 to 0.496 over 2008-2035.
Both runs share the seed, so the same people meet the same luck and the difference is the
setback's.
"""

from __future__ import annotations

import pandas as pd
import pytest

from migrant_health import RunConfig, Scenario, simulate

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

YEARS = (2008, 2010, 2012)
CONFIG = dict(end=YEARS[-1], scale=20_000, seed=5, workers=1, snapshot_years=YEARS)


def _people(scenario: dict[str, dict[int, float]] | None) -> pd.DataFrame:
    parsed = Scenario.from_dict(scenario) if scenario is not None else None  # type: ignore[arg-type]
    return simulate(RunConfig(scenario=parsed, snapshot_fraction=1.0, **CONFIG)).snapshots  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    """Everyone's snapshots in the shipped model."""
    return _people(None)


@pytest.fixture(scope="module")
def by_setback(shipped: pd.DataFrame) -> dict[str, pd.Series]:
    """Mean economic integration by status and year, with and without the setback."""
    without = _people({"care.catastrophic.integration_loss": {2008: 0.0}})
    return {
        name: people.groupby(["status", "year"], observed=True)["integration_economic"].mean()
        for name, people in (("with", shipped), ("without", without))
    }


def test_catastrophic_bills_hold_back_out_migrants_economic_integration(
    by_setback: dict[str, pd.Series],
) -> None:
    out_migrants = {
        name: means.xs("out_migrant", level="status") for name, means in by_setback.items()
    }
    for year in YEARS[1:]:
        held_back = out_migrants["without"][year] - out_migrants["with"][year]
        assert held_back > 0.002, (year, held_back)


def test_urban_locals_hold_the_reference_level_whatever_their_bills(
    by_setback: dict[str, pd.Series],
) -> None:
    urban = {name: means.xs("urban_local", level="status") for name, means in by_setback.items()}
    pd.testing.assert_series_equal(urban["with"], urban["without"])
    assert (urban["with"] - urban["with"].iloc[0]).abs().max() < 1e-9, urban["with"]


@pytest.mark.parametrize("status", ["returned"])
def test_catastrophic_bills_leave_returnees_their_level(shipped: pd.DataFrame, status: str) -> None:
    """Returnees who stay so keep the economic integration they came with, whatever their
    bills: nothing at home moves it (before step 49 a returnee lost about 0.01 a year at home).
    A returnee who left again and came back between two snapshots (one more spell) brings a new
    level from the city, and is left out. (Converts were held so too until calibration step
    52; their integration now moves with the labour step: tests/test_convert_jobs.py.)"""
    stayed = shipped.groupby("pid").filter(
        lambda person: (
            len(person) == len(YEARS)
            and (person["status"] == status).all()
            and person["migrations"].nunique() == 1
        )
    )
    assert stayed["pid"].nunique() > 200, status
    assert stayed["catastrophic"].sum() > 50, "too few catastrophic bills to tell"
    spread = stayed.groupby("pid")["integration_economic"].agg(lambda v: v.max() - v.min())
    assert (spread == 0.0).all(), spread[spread > 0].describe()
