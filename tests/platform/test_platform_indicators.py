"""Indicators and privacy: design-based domain estimates, instruments' cut-offs, pooling, and
primary and complementary suppression that a reader cannot undo by differencing."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from platform_helpers import wave_frame

from migrant_health.platform.indicators import domain_means, wave_indicators
from migrant_health.platform.instruments import instrument_of
from migrant_health.platform.suppression import Relation, suppress
from migrant_health.platform.tables import apply_suppression, national_cells
from migrant_health.survey import SurveyMeta, validate_survey

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # samplics announces its successor on import
    import samplics
    from samplics import PopParam, TaylorEstimator


def test_domain_means_match_samplics_on_nhanes() -> None:
    data = samplics.load_nhanes2()["data"].dropna(subset=["zinc"]).reset_index(drop=True)
    race = data["race"].map({1: "white", 2: "black", 3: "other"})
    ours = domain_means(
        data["zinc"].to_numpy(float),
        race,
        ("white", "black", "other"),
        data["finalwgt"].to_numpy(float),
        data["stratid"].to_numpy(),
        data["psuid"].to_numpy(),
    ).set_index("group")
    reference = TaylorEstimator(PopParam.mean)
    reference.estimate(
        y=data["zinc"].to_numpy(),
        samp_weight=data["finalwgt"].to_numpy(),
        stratum=data["stratid"].to_numpy(),
        psu=data["psuid"].to_numpy(),
        domain=race.to_numpy(),
    )
    for group in ("white", "black", "other"):
        assert ours.loc[group, "estimate"] == pytest.approx(reference.point_est[group], rel=1e-9)
        assert ours.loc[group, "se"] == pytest.approx(reference.stderror[group], rel=1e-6)


def test_a_wave_s_cells_agree_with_a_direct_computation() -> None:
    frame = wave_frame(2017, n=400, seed=5)
    frame["depression_score"] = np.random.default_rng(1).integers(0, 30, len(frame))
    meta = SurveyMeta(depression_scale="CES-D 10", depression_max=30)
    table = validate_survey(frame, meta=meta)
    cells, design = wave_indicators(table, meta)
    assert design == "design-based (weight, strata, psu)"
    cell = cells.set_index(["indicator", "subgroup", "group"])
    w = frame["weight"]
    female = frame["sex"] == "female"
    direct = np.average(frame.loc[female, "depression_score"] >= 10, weights=w[female])
    assert cell.loc[("depressive_symptoms", "sex", "female"), "estimate"] == pytest.approx(direct)
    assert cell.loc[("poor_health", "all", "all"), "estimate"] == pytest.approx(
        np.average(frame["srh"] <= 2, weights=w)
    )
    # the stage shares of every cell add up to one
    stages = cells[cells["indicator"].str.startswith("stage_")]
    sums = stages.assign(x=stages["estimate"] * stages["n"]).groupby(["subgroup", "group"])
    ratio = sums["x"].sum() / sums["n"].mean()
    assert np.allclose(ratio[sums["n"].mean() > 0], 1.0)
    # a breakdown covers the respondents with a known group
    assert cell.loc[("integration", "sex", "male"), "n"] + cell.loc[
        ("integration", "sex", "female"), "n"
    ] == len(frame)


def test_depressive_symptoms_follow_the_wave_s_instrument() -> None:
    frame = wave_frame(2017, n=200, seed=2).assign(depression_score=12)
    low = validate_survey(frame, meta=SurveyMeta(depression_scale="CES-D 10"))
    high = validate_survey(frame, meta=SurveyMeta(depression_scale="K6"))
    unknown = validate_survey(frame, meta=SurveyMeta(depression_scale="our own scale"))

    def share(table: pd.DataFrame, meta: SurveyMeta) -> float:
        cells, _ = wave_indicators(table, meta)
        row = cells[(cells.indicator == "depressive_symptoms") & (cells.subgroup == "all")]
        return float(row["estimate"].iloc[0])

    assert share(low, SurveyMeta(depression_scale="CES-D 10")) == 1.0  # 12 >= 10
    assert share(high, SurveyMeta(depression_scale="K6")) == 0.0  # 12 < 13
    assert np.isnan(share(unknown, SurveyMeta(depression_scale="our own scale")))
    assert instrument_of("PHQ-9-like (synthetic, 0-27; >= 10 screens positive)").name == "PHQ-9"
    assert instrument_of("CES-D")
    assert instrument_of("CES-D").cutoff == 16  # type: ignore[union-attr]


def _relations_hold(hidden: np.ndarray, relations: list[Relation], n: np.ndarray) -> bool:
    """No relation leaves one hidden member alone, unless every other member is empty: an
    empty cell has nothing to hide, so no rule can give the lone one company (the platform's
    tables have no such relation: a cell's three stage shares share their respondents)."""
    for r in relations:
        members = [*r.components, *([r.total] if r.total is not None else [])]
        alone = [m for m in members if hidden[m]]
        if len(alone) == 1 and any(n[m] > 0 for m in members if m != alone[0]):
            return False
    return True


def test_suppression_hides_small_cells_and_a_complement() -> None:
    # all = 100 = 12 + 40 + 48: the 12 is primary, the 40 its complement
    n = np.array([100, 12, 40, 48])
    hidden = suppress(n, [Relation(0, (1, 2, 3))], threshold=30)
    assert hidden.tolist() == [False, True, True, False]


def test_complementary_suppression_reaches_a_fixed_point_on_random_tables() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = rng.integers(0, 120, 40)
        relations = [
            Relation(
                int(rng.integers(0, 40)) if rng.random() < 0.7 else None,
                tuple(int(i) for i in rng.choice(40, int(rng.integers(2, 6)), replace=False)),
            )
            for _ in range(12)
        ]
        hidden = suppress(n, relations, threshold=30)
        assert hidden[(n > 0) & (n < 30)].all()
        assert _relations_hold(hidden, relations, n)


def _cells(
    region: str, wave_id: int, all_n: int, female_n: int, female: float, male: float
) -> pd.DataFrame:
    male_n = all_n - female_n
    overall = (female * female_n + male * male_n) / all_n
    rows = [
        ("all", "all", all_n, overall),
        ("sex", "female", female_n, female),
        ("sex", "male", male_n, male),
    ]
    return pd.DataFrame(
        [
            {
                "wave_id": wave_id,
                "region": region,
                "year": 2020,
                "indicator": "poor_health",
                "subgroup": s,
                "group": g,
                "n": n,
                "weight_sum": float(n),
                "estimate": e,
                "se": 0.01,
            }
            for s, g, n, e in rows
        ]
    )


def test_a_hidden_cell_cannot_be_recovered_by_differencing_a_shared_table() -> None:
    cells = pd.concat(
        [
            _cells("A", 1, 200, 20, 0.9, 0.2),
            _cells("B", 2, 300, 150, 0.3, 0.25),
            _cells("C", 3, 250, 120, 0.35, 0.3),
        ],
        ignore_index=True,
    )
    table = apply_suppression(pd.concat([cells, national_cells(cells)], ignore_index=True), 30)
    shown = table[~table["suppressed"]]
    a_female = (table["region"] == "A") & (table["group"] == "female")
    assert table.loc[a_female, "suppressed"].all()
    assert np.isnan(table.loc[a_female, "estimate"]).all()
    # Region A's female cell is hidden, and so is a second cell of each relation it is in: A's
    # male cell (A's all = female + male) and another region's female cell (national female
    # = sum of regions), so neither A's breakdown nor the national breakdown gives it away.
    hidden = table[table["suppressed"]]
    assert len(hidden) >= 3
    for keys in (["region", "subgroup"], ["group"]):
        for _, part in table[table["subgroup"] == "sex"].groupby(keys):
            assert part["suppressed"].sum() != 1
    assert not shown.empty


def test_a_wave_without_one_dimension_s_items_keeps_its_other_indicators() -> None:
    """A region's survey may lack the identity items: its wave is stored, the integration
    indicators left out and the health and insurance ones computed (the command line's
    ``survey index`` refuses such a table, since it could score no one)."""
    frame = wave_frame(2017, n=300, seed=6)
    frame[["feels_local", "locals_accept_me"]] = np.nan
    meta = SurveyMeta()
    cells, _ = wave_indicators(validate_survey(frame, meta=meta), meta)
    estimates = cells.groupby("indicator")["estimate"].apply(lambda s: s.notna().any())
    assert not estimates["integration"] and not estimates["identity_integration"]
    assert estimates["poor_health"] and estimates["dest_insurance"]
