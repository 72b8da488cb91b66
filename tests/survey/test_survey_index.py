"""The integration index: weights, dimension scores, and the simulation's cut-points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_factory import simulate_survey

from migrant_health.analysis.index import IntegrationIndex, add_integration_index
from migrant_health.analysis.indicators import DIMENSIONS, INDICATORS, compute_indicators
from migrant_health.analysis.stages import CutPoints, classify_living_type, classify_stage
from migrant_health.analysis.weighting import entropy_weights
from migrant_health.errors import DataError
from migrant_health.params import ParameterTree


def test_every_indicator_belongs_to_one_of_four_dimensions() -> None:
    assert {ind.dimension for ind in INDICATORS} == set(DIMENSIONS)
    indicators = compute_indicators(simulate_survey(300))
    assert ((indicators.min() >= 0) & (indicators.max() <= 1)).all()


@pytest.mark.parametrize("method", ["equal", "entropy", "pca"])
def test_weights_sum_to_one_and_scores_lie_in_the_unit_interval(method: str) -> None:
    data = simulate_survey(600)
    index = IntegrationIndex(method).fit(data)
    scores = index.transform(data)
    assert index.weights_.sum() == pytest.approx(1.0)
    assert index.dimension_weights_.sum() == pytest.approx(1.0)
    assert scores["integration"].between(0, 1).all()
    assert set(scores["stage"]) <= {"embedding", "drifting", "integration"}


def test_equal_method_uses_the_simulation_weights() -> None:
    index = IntegrationIndex("equal").fit(simulate_survey(100))
    tree_weights = ParameterTree.load().value_at("integration.composite_weights", 2008)
    expected = np.asarray(tree_weights) / np.sum(tree_weights)
    assert np.allclose(index.dimension_weights_.to_numpy(), expected)


def test_entropy_weights_favour_the_item_that_varies() -> None:
    rng = np.random.default_rng(0)
    items = pd.DataFrame(
        {
            "varies": rng.integers(0, 2, 500).astype(float),
            "nearly_constant": np.r_[np.ones(495), np.zeros(5)],
        }
    )
    weights = entropy_weights(items)
    assert weights["varies"] > 0.9
    # by hand for the varying item: e = -sum p ln p / ln n
    x = items["varies"].to_numpy() + 1e-4
    p = x / x.sum()
    d1 = 1 + np.sum(p * np.log(p)) / np.log(500)
    x2 = items["nearly_constant"].to_numpy() + 1e-4
    p2 = x2 / x2.sum()
    d2 = 1 + np.sum(p2 * np.log(p2)) / np.log(500)
    assert weights["varies"] == pytest.approx(d1 / (d1 + d2))


def test_a_fully_integrated_migrant_scores_one_and_an_isolated_one_zero() -> None:
    data = simulate_survey(50)
    top = dict(
        employed=True,
        labor_contract=True,
        monthly_income=1e6,
        housing="owned",
        med_insurance="urban_employee_dest",
        pension_insurance=True,
        health_record=True,
        local_friends=True,
        community_participation=True,
        speaks_local_dialect=3,
        follows_local_customs=4,
        residence_permit=True,
        feels_local=4,
        locals_accept_me=4,
        willing_to_stay=True,
    )
    bottom = dict(
        employed=False,
        labor_contract=False,
        monthly_income=0,
        housing="informal",
        med_insurance="none",
        pension_insurance=False,
        health_record=False,
        local_friends=False,
        community_participation=False,
        speaks_local_dialect=0,
        follows_local_customs=1,
        residence_permit=False,
        feels_local=1,
        locals_accept_me=1,
        willing_to_stay=False,
    )
    data = data.astype(object)
    for key, value in top.items():
        data.loc[0, key] = value
    for key, value in bottom.items():
        data.loc[1, key] = value
    data.loc[1, "employment_type"] = None
    scores = IntegrationIndex("entropy").fit(data).transform(data)
    assert scores.loc[0, "integration"] == pytest.approx(1.0)
    assert scores.loc[1, "integration"] == pytest.approx(0.0)
    assert scores.loc[0, "stage"] == "integration"
    assert scores.loc[1, "living_type"] == "subsistence"


def test_stages_use_the_parameter_tree_cut_points() -> None:
    cuts = CutPoints.from_tree()
    tree = ParameterTree.load()
    assert cuts.drifting == tree.scalar("integration.stage.cut_drifting")
    composite = np.array([cuts.drifting - 1e-9, cuts.drifting, cuts.integration, np.nan])
    stages = classify_stage(composite, cuts)
    assert stages[:3].tolist() == ["embedding", "drifting", "integration"]
    assert pd.isna(stages[3])
    economic = np.array([0.0, cuts.moderately_prosperous, cuts.developmental])
    assert classify_living_type(economic, cuts).tolist() == [
        "subsistence",
        "moderately_prosperous",
        "developmental",
    ]


def test_missing_items_are_skipped_within_a_dimension() -> None:
    data = simulate_survey(100).astype(object)
    data.loc[0, "feels_local"] = None
    scores = IntegrationIndex().fit(data).transform(data)
    assert np.isfinite(scores.loc[0, "identity_integration"])
    added = add_integration_index(data)
    assert {"integration", "stage", "economic_integration"} <= set(added.columns)


@pytest.mark.parametrize("method", ["equal", "entropy", "pca"])
def test_a_dimension_no_one_answered_is_named_with_its_items(method: str) -> None:
    """It printed 'mean composite nan' and no stages, and exited 0."""
    data = simulate_survey(200).assign(feels_local=np.nan, locals_accept_me=np.nan)
    with pytest.raises(DataError, match=r"identity \(feels_local, locals_accept_me\)"):
        IntegrationIndex(method).fit(data)


def test_entropy_says_an_item_no_one_answered_rather_than_too_few_values() -> None:
    data = simulate_survey(200).assign(feels_local=np.nan)
    with pytest.raises(DataError, match="no respondent answered feels_local"):
        IntegrationIndex("entropy").fit(data)


@pytest.mark.parametrize("method", ["entropy", "pca"])
def test_a_dimension_on_which_no_one_varies_is_left_out_of_the_composite(method: str) -> None:
    """Every respondent "feels local" and "is accepted" alike: the identity dimension carries
    no information, so its weight is 0 and the composite rests on the other three; before, 0/0
    made every composite missing and the command still exited 0."""
    data = simulate_survey(400, seed=5).assign(feels_local=3, locals_accept_me=3)
    with pytest.warns(UserWarning, match=r"identity dimension\(s\) a weight of 0.*feels_local"):
        index = IntegrationIndex(method).fit(data)
    scores = index.transform(data)
    assert index.dimension_weights_["identity"] == 0.0
    assert scores["integration"].notna().all() and scores["stage"].notna().all()
    # The identity score itself is the plain mean of its two items (both at 3 of 1-4).
    assert scores["identity_integration"].round(9).nunique() == 1
    within = index.weight_table_.set_index("indicator")["within_dimension"]
    dimension = index.weight_table_.set_index("indicator")["dimension"]
    assert within[dimension == "identity"].tolist() == [0.5, 0.5]
    others = [d for d in DIMENSIONS if d != "identity"]
    expected = scores[[f"{d}_integration" for d in others]].to_numpy() @ (
        index.dimension_weights_[others].to_numpy()
    )
    assert np.allclose(scores["integration"], expected)


def test_the_equal_method_scores_as_before_when_every_dimension_varies() -> None:
    data = simulate_survey(300, seed=2)
    index = IntegrationIndex("equal").fit(data)
    scores = index.transform(data)
    dims = scores[[f"{d}_integration" for d in DIMENSIONS]].to_numpy()
    assert np.array_equal(scores["integration"].to_numpy(), dims @ index.dimension_weights_)
