"""Who dies: the life table's deaths fall on the frail, the chronically ill and the depressed.

Each person's yearly death probability is the life table's for their age and sex times a
relative risk (docs/model.md section 7.1), renormalised within population x sex x ten-year
age group so that the deaths add up to the table's. A Poisson regression of next year's death
on this year's states, with fixed effects for single-year age x sex and for the renormalised
cells, recovers the risks the model was given: a test of the whole path from the parameters
through the yearly step to the snapshots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf

from migrant_health import RunResult
from migrant_health.engine.run_context import build_context


def test_mortality_risks_are_recovered_from_the_panel(
    mechanism_run: RunResult, panel: pd.DataFrame
) -> None:
    config = mechanism_run.config
    ctx, _ = build_context(config)
    p = ctx.record(config.start)
    alive_next_year = panel[["pid", "year"]].assign(year=panel["year"] - 1, alive=True)
    people = panel[
        (panel["year"] < config.end) & (panel["age"] >= 50) & (panel["status"] != "urban_local")
    ].merge(alive_next_year, on=["pid", "year"], how="left")
    people = people.assign(
        died=people["alive"].isna().astype(float),
        # The latent state below the screening cut-off (no screening noise).
        depressed_latent=(people["mental"] < p["health__depression__threshold"]).astype(float),
        chronic=people["chronic"].astype(float),
        cell=((people["age"] + 1 - 16) // 10).clip(upper=8),  # age group at next year's step
    )
    assert people["died"].sum() > 3000
    fit = pf.fepois(
        "died ~ depressed_latent + health + chronic | age^sex + year^cell^sex", data=people
    )
    estimate, se = fit.coef(), fit.se()
    for name, given in (
        ("depressed_latent", np.log(p["demography__mortality__depression_rr"])),
        ("chronic", np.log(p["demography__mortality__chronic_rr"])),
    ):
        assert abs(estimate[name] - given) < 3 * se[name], (name, estimate[name], given)
    # Health capital's log-linear risk; slightly attenuated, as health moves within the year.
    assert abs(estimate["health"] + p["demography__mortality__health_log_rr"]) < 0.5
    # What a survey would see: the screened indicator's mortality ratio, age and sex adjusted,
    # within the meta-analysis' interval (Cuijpers et al. 2014: 1.64, 95 % CI 1.56-1.74,
    # recalled) widened by two of the model's standard errors (0.026 on the log scale). The
    # depressed are also sicker, so the ratio is above the risk the model gives on its own.
    screened = pf.fepois(
        "died ~ depressed | age^sex + year^cell^sex",
        data=people.assign(depressed=people["depressed"].astype(float)),
    )
    ratio = float(np.exp(screened.coef()["depressed"]))
    assert 1.56 * np.exp(-0.052) < ratio < 1.74 * np.exp(0.052), ratio
