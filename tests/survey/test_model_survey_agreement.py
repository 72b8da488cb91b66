"""The survey's integration index classifies the simulated people as the simulation does.

A synthetic 2018 survey of 4,000 out-migrants carries, beside each respondent's answers, the
simulated dimension scores, index and stage. The survey toolkit's index (equal weights, the
simulation's own composite weights, and the shared stage cut-points) is computed from the
answers alone and compared with the simulation person by person, for two seeds.

The bounds were set from ``tools/survey_agreement.py`` (docs/survey.md section 7) on the model
before issue 9: Cohen's kappa 0.664 and 0.669, correlation 0.921 and 0.920, the largest gap
between a stage's survey and simulated share 5.7 and 5.6 points, dimension means within 0.04
(economic 0.363 against 0.325), each bound then at least three standard errors away (kappa's
is about 0.01 with 4,000 respondents). On the model of issue 9 (seeds 1 and 2): kappa 0.646 and
0.660, correlation 0.918, share gaps 6.2 and 6.3 points, and the economic mean 0.044 and 0.048
above the simulated one, close to its bound (docs/survey.md: the economic gap). With
``willing_to_stay`` back in the identity dimension (the old measurement model) identity's mean
was 0.37 against 0.24, 21.6 and 22.1 % of the respondents were in the integration stage against
8.7 and 9.2 % simulated, and kappa fell to 0.60: the test fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.analysis.indicators import (
    DIMENSIONS,
    INDICATORS,
    ITEM_DIMENSIONS,
    OUTSIDE_THE_INDEX,
)
from migrant_health.experiments.agreement import Agreement, agreement, cohen_kappa
from migrant_health.experiments.synthetic_survey import (
    LATENT_ITEMS,
    SIM_COLUMNS,
    draw_survey,
    nearest_level,
)
from migrant_health.survey import validate_survey

YEAR = 2018
N = 4000
SCALE = 20_000.0

#: Cohen's kappa of survey stage against simulated stage (measured 0.646, 0.660).
MIN_KAPPA = 0.62
#: Correlation of the survey index with the simulated index (measured 0.918, 0.918).
MIN_CORRELATION = 0.90
#: Largest gap between a stage's survey and simulated share (measured 0.062, 0.063).
MAX_SHARE_GAP = 0.08
#: Largest gap between a dimension's survey and simulated mean (measured 0.044, 0.048; after
#: the second steady-start round of issue 9 the economic dimension's gap is 0.053 on seed 2).
MAX_MEAN_GAP = 0.06


@pytest.fixture(scope="module", params=[1, 2], ids=lambda seed: f"seed{seed}")
def run(request: pytest.FixtureRequest) -> RunResult:
    """The simulation to 2018 with every living person in the snapshot."""
    return simulate(
        RunConfig(
            end=YEAR,
            scale=SCALE,
            seed=request.param,
            snapshot_years=(YEAR,),
            snapshot_fraction=1.0,
        )
    )


@pytest.fixture(scope="module")
def survey(run: RunResult) -> pd.DataFrame:
    """A synthetic 2018 survey of 4,000 out-migrants, with the simulated scores beside."""
    return draw_survey(run, N)


@pytest.fixture(scope="module")
def equal(survey: pd.DataFrame) -> Agreement:
    """Agreement of the equal-weight survey index with the simulation."""
    return agreement(survey, "equal")


def test_the_survey_classifies_people_as_the_simulation_does(equal: Agreement) -> None:
    assert equal.n == N
    assert equal.kappa >= MIN_KAPPA
    assert equal.correlation >= MIN_CORRELATION
    assert equal.largest_share_gap() <= MAX_SHARE_GAP


def test_each_dimension_measures_its_simulated_score_without_bias(equal: Agreement) -> None:
    dims = equal.dimensions.set_index("dimension")
    gap = (dims["survey_mean"] - dims["simulated_mean"]).abs()
    assert (gap <= MAX_MEAN_GAP).all(), gap
    assert (dims["correlation"] > 0.5).all(), dims["correlation"]


def test_the_synth_writes_the_simulated_scores_beside_the_answers(survey: pd.DataFrame) -> None:
    assert list(survey.columns[-len(SIM_COLUMNS) :]) == list(SIM_COLUMNS)
    assert set(survey["sim_stage"]) <= {"embedding", "drifting", "integration"}
    composite = survey[[f"sim_{d}_integration" for d in DIMENSIONS]].mean(axis=1)
    np.testing.assert_allclose(composite, survey["sim_integration_index"], atol=1e-6)
    # The validator keeps them, as columns outside the schema.
    assert set(SIM_COLUMNS) <= set(validate_survey(survey).columns)


def test_one_map_of_items_to_dimensions_serves_both_sides(run: RunResult) -> None:
    for ind in INDICATORS:
        assert ind.simulated in run.snapshots.columns, ind
        assert ITEM_DIMENSIONS[ind.columns[0]] == ind.dimension
    # The synth answers the agreement items from the score of the dimension the map names.
    for item in LATENT_ITEMS:
        ind = next(i for i in INDICATORS if i.columns[0] == item)
        assert ind.simulated == f"integration_{ITEM_DIMENSIONS[item]}"
    # Outcomes and causes of integration are not items of it.
    assert not set(OUTSIDE_THE_INDEX) & set(ITEM_DIMENSIONS)
    assert "willing_to_stay" in OUTSIDE_THE_INDEX


def test_the_nearest_level_answer_measures_the_latent_without_bias() -> None:
    # With the default item noise (SD 0.1) the scaled answer averages the latent score to
    # within 0.02 at any score (the steps of 1/3 leave a ripple) and exactly over a spread.
    rng = np.random.default_rng(0)
    for score in (0.1, 0.22, 0.5, 0.8):
        answer = nearest_level(score + rng.normal(0, 0.1, 100_000), 1, 4)
        assert set(np.unique(answer)) <= {1, 2, 3, 4}
        assert ((answer - 1) / 3).mean() == pytest.approx(score, abs=0.02)
    spread = rng.uniform(0.1, 0.9, 200_000)
    answer = nearest_level(spread + rng.normal(0, 0.1, spread.size), 0, 3)
    assert (answer / 3).mean() == pytest.approx(spread.mean(), abs=0.002)


def test_cohen_kappa_by_hand() -> None:
    # 20 people, 15 alike; margins (10, 10) and (11, 9): p_e = (10*11 + 10*9) / 400 = 0.5.
    first = ["a"] * 10 + ["b"] * 10
    second = ["a"] * 8 + ["b"] * 2 + ["a"] * 3 + ["b"] * 7
    assert cohen_kappa(first, second, ["a", "b"]) == pytest.approx((0.75 - 0.5) / 0.5)
    assert cohen_kappa(first, first, ["a", "b", "c"]) == pytest.approx(1.0)
