"""Each of the seed's four strategies moves what its mechanism fixes, with an interval that
excludes zero.

One comparison of the shipped scenarios (3 replicates, each with its own seed and parameter set
drawn from the calibration study, common random numbers within a replicate; 20,000 persons per
agent; the levers start in 2025) read in 2030. Each expected effect is checked twice: the
comparison's 90 % interval (5th-95th percentile of the per-replicate deltas) excludes zero, and
every replicate's own delta, read from the runs' aggregates, has the seed's sign (parameter
uncertainty included). Health is read on the fixed cohort of
everyone who ever out-migrated (``arrival_cohort=any``, converts to urban hukou included): a
reform that keeps less healthy people in the city (fewer health-driven returns) lowers the
health of the out-migrants of a year while improving everyone's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import migrant_health

YEAR = 2030
SETTINGS = {"replicates": 3, "start": YEAR, "end": YEAR, "scale": 20_000, "seed": 1}
STRATEGIES = (
    "fair_employment",
    "equal_public_services",
    "migrant_management",
    "return_entrepreneurship",
)
COHORT = "arrival_cohort=any"

# (strategy, metric, group, seed direction): what seed section 4 says each strategy does.
EXPECTED = [
    # 4.1 fair employment: shorter hours, better physical health, fewer health-driven returns.
    ("fair_employment", "share_over_44h", "all", -1),
    ("fair_employment", "health_capital_mean", COHORT, +1),
    ("fair_employment", "poor_health_share", COHORT, -1),
    ("fair_employment", "returns_health_driven", "all", -1),
    # 4.2 equal public services: insurance at the destination, the wish to stay.
    ("equal_public_services", "insured_destination_share", "all", +1),
    ("equal_public_services", "stay_intention_share", "all", +1),
    # 4.3 modern management of migrants: identity, fewer depressive symptoms.
    ("migrant_management", "integration_identity", "all", +1),
    ("migrant_management", "depression_share", "status=out_migrant", -1),
    ("migrant_management", "depression_share", COHORT, -1),
    # 4.4 return entrepreneurship: non-farm work and income of returnees.
    ("return_entrepreneurship", "migrant_workers_local", "status=returned", +1),
    ("return_entrepreneurship", "monthly_income_mean", "status=returned", +1),
]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = tmp_path_factory.mktemp("strategies") / "comparison"
    migrant_health.compare(["baseline", *STRATEGIES], out=out, workers=1, **SETTINGS)  # type: ignore[arg-type]
    return out


@pytest.fixture(scope="module")
def deltas(comparison: Path) -> pd.DataFrame:
    table = pd.read_parquet(comparison / "deltas.parquet")
    return table[table["year"] == YEAR].set_index(["scenario", "metric", "group"])


@pytest.fixture(scope="module")
def per_replicate(comparison: Path) -> pd.DataFrame:
    """Each replicate's delta (scenario minus that replicate's baseline), by metric and group."""
    runs = pd.read_parquet(comparison / "aggregates.parquet")
    runs = runs[runs["year"] == YEAR]
    wide = runs.pivot_table(
        index=["metric", "group", "replicate"], columns="scenario", values="value"
    )
    return wide[list(STRATEGIES)].sub(wide["baseline"], axis=0)


@pytest.mark.parametrize(
    "strategy, metric, group, direction",
    EXPECTED,
    ids=[f"{s}-{m}-{g}" for s, m, g, _ in EXPECTED],
)
def test_the_strategy_moves_its_outcome_in_the_seed_direction(
    deltas: pd.DataFrame,
    per_replicate: pd.DataFrame,
    strategy: str,
    metric: str,
    group: str,
    direction: int,
) -> None:
    own = per_replicate.loc[(metric, group), strategy]
    assert len(own) == SETTINGS["replicates"]
    assert (direction * own > 0).all(), f"{strategy}: {metric} ({group}) by replicate {list(own)}"
    row = deltas.loc[(strategy, metric, group)]
    assert row["replicates"] == SETTINGS["replicates"]
    # The whole 90 % interval on the seed's side of zero.
    assert min(direction * row["delta_lo"], direction * row["delta_hi"]) > 0, (
        f"{strategy} moves {metric} ({group}) by {row['delta']:.4g}, interval "
        f"[{row['delta_lo']:.4g}, {row['delta_hi']:.4g}]"
    )


def test_where_mechanisms_pull_both_ways_the_table_gives_a_sign_and_its_interval(
    deltas: pd.DataFrame, per_replicate: pd.DataFrame
) -> None:
    """Equal services raise reimbursement and so the use of care, which can raise or lower
    catastrophic spending: no direction is asserted. The comparison reports the mean delta and
    the 5th-95th percentile interval of the replicates' own deltas."""
    key = ("catastrophic_spending_share", "all")
    own = per_replicate.loc[key, "equal_public_services"].to_numpy()
    row = deltas.loc[("equal_public_services", *key)]
    assert row["delta"] == pytest.approx(own.mean())
    assert [row["delta_lo"], row["delta_hi"]] == pytest.approx(np.percentile(own, [5, 95]))
