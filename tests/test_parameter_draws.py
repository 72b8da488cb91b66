"""Replicates draw their parameter sets from the shipped calibration study's best trials.

Replicate 0 runs the shipped defaults; the others draw, with a seeded generator, among the
trials whose objective lies within 10 % of the best, each applied as its displacement from the
study's start (trial 0) added to the shipped defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from migrant_health.experiments.parameter_draws import (
    RELATIVE_THRESHOLD,
    SHIPPED,
    START_TRIAL,
    draw_parameter_sets,
    load_trials,
    qualifying_trials,
)
from migrant_health.params import ParameterTree
from migrant_health.scenarios import check_scenario

DOCS = Path(__file__).parents[1] / "docs" / "policy.md"


def test_qualifying_trials_fit_within_the_threshold_and_the_docs_give_their_number() -> None:
    trials = load_trials()
    qualifying = qualifying_trials(trials)
    best = trials["objective_J"].min()
    assert (qualifying["objective_J"] <= best * (1 + RELATIVE_THRESHOLD)).all()
    assert START_TRIAL in set(qualifying["trial"])  # the shipped point fits about as well
    assert 1 < len(qualifying) < len(trials)
    assert f"{len(qualifying)} of the {len(trials)} trials" in DOCS.read_text(encoding="utf-8")


def test_replicate_0_is_the_shipped_point_and_the_others_draw_qualifying_trials() -> None:
    draws = draw_parameter_sets(6, seed=7)
    assert [d.replicate for d in draws] == list(range(6))
    assert [d.seed for d in draws] == list(range(7, 13))
    assert draws[0].parameter_set == SHIPPED and draws[0].overrides == {}
    qualifying = set(qualifying_trials(load_trials())["trial"]) - {START_TRIAL}
    drawn = [d.parameter_set for d in draws[1:]]
    assert set(drawn) <= qualifying and len(set(drawn)) == len(drawn)  # no repeat
    assert [d.parameter_set for d in draw_parameter_sets(6, seed=7)] == [SHIPPED, *drawn]
    assert [d.parameter_set for d in draw_parameter_sets(6, seed=8)][1:] != drawn


def test_every_trial_is_used_once_before_any_is_used_again() -> None:
    pool = len(qualifying_trials(load_trials())) - 1
    drawn = [d.parameter_set for d in draw_parameter_sets(pool + 3, seed=1)[1:]]
    assert len(set(drawn[:pool])) == pool
    assert set(drawn[pool:]) <= set(drawn[:pool])


def test_a_trial_is_applied_as_its_displacement_from_the_start() -> None:
    trials = load_trials().set_index("trial")
    tree = ParameterTree.load()
    start = trials.loc[START_TRIAL]
    for draw in draw_parameter_sets(4, seed=2)[1:]:
        check_scenario(draw.scenario())  # every draw is a valid set of overrides
        trial = trials.loc[draw.parameter_set]
        for column in trials.columns.drop("objective_J"):
            match = re.fullmatch(r"([\w.]+)(?:\[(\d+)\])?", column)
            assert match is not None
            path, index = match[1], match[2]
            shipped = np.asarray(tree.spec(path).value, dtype=float)
            drawn = np.asarray(draw.overrides[path], dtype=float)
            k = () if index is None else int(index)
            expected = shipped[k] + trial[column] - start[column]
            low, high = tree.spec(path).calibrate or tree.spec(path).range
            assert drawn[k] == pytest.approx(min(max(expected, low), high))
