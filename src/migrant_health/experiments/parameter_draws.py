"""Parameter sets for the replicates of a comparison, drawn from the shipped calibration study.

A comparison's interval should say how sure we are, and the model's parameters are known only
as well as the calibration pins them down. The study shipped in ``params/calibration/issue9/``
ran 150 trials from the shipped point over 31 coordinates: the parameters of the age structure
and local non-farm work, the return and stay intercepts and the mental-health base
(``trials.csv``: one row per trial, its objective ``J`` and a column per coordinate, ``path[k]``
for the k-th element of a vector). Replicates use them so:

- replicate 0 runs the shipped defaults (``parameter_set: "shipped"``);
- replicate ``r >= 1`` runs a trial drawn from those whose ``J`` lies within
  :data:`RELATIVE_THRESHOLD` (10 %) of the best: they fit the targets about as well as the best
  (``J`` moves by about 2-4 % between seeds at 1,000 persons per agent, 0.206-0.210 for the
  shipped point on seeds 1-3, and more at the study's scale), so none of them can be preferred
  on the evidence. 34 of the 150 trials qualify; trial 0 among them is the study's start, which
  replicate 0 already runs, so 33 are drawn from (docs/policy.md, section 5).
  The draw is a seeded permutation (``numpy.random.default_rng(seed)``): each trial is used once
  before any is used again;
- each trial is applied as its displacement from the study's start (trial 0) added to the
  shipped defaults, clipped to the study's bounds: the trial's own values while the defaults are
  the study's start, and still its neighbourhood of today's defaults after a later hand
  adjustment.

What this leaves out: only the 31 calibrated coordinates vary. The health parameters (but the
mental-health base), the care parameters and the levers' own effect sizes are held at their
values, so an interval carries the uncertainty of the migration and work parameters and of
chance, not of those.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from migrant_health.errors import DataError
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.spec import Value

STUDY_DIR = Path(__file__).parents[1] / "params" / "calibration" / "issue9"
#: Trials within this share of the best objective qualify as draws.
RELATIVE_THRESHOLD = 0.10
SHIPPED = "shipped"
START_TRIAL = 0
_COORDINATE = re.compile(r"^(?P<path>[\w.]+)(\[(?P<index>\d+)\])?$")


@dataclass(frozen=True)
class ParameterDraw:
    """The parameter set and seed of one replicate.

    Attributes:
        replicate: Replicate number (0 = the shipped defaults).
        seed: Seed of every random stream in the replicate's runs (``seed + replicate``).
        parameter_set: The study's trial id, or ``"shipped"``.
        overrides: Parameter path -> value (empty for the shipped defaults).
    """

    replicate: int
    seed: int
    parameter_set: int | str
    overrides: dict[str, Value]

    def scenario(self) -> Scenario:
        """The draw as a scenario, to stack each compared scenario on."""
        label = (
            SHIPPED if self.parameter_set == SHIPPED else f"calibration trial {self.parameter_set}"
        )
        return Scenario(
            name=f"parameters-{self.parameter_set}",
            overrides=dict(self.overrides),
            description=f"parameter set of replicate {self.replicate}: {label}",
            origin=f"{STUDY_DIR.name} trial {self.parameter_set}",
        )


def load_trials(directory: Path = STUDY_DIR) -> pd.DataFrame:
    """The study's trials: ``trial``, ``objective_J`` and one column per coordinate.

    Raises:
        DataError: if the file lacks those columns or trial 0 (the study's start).
    """
    path = directory / "trials.csv"
    try:
        trials = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read the calibration trials ({exc})") from exc
    missing = [c for c in ("trial", "objective_J") if c not in trials.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    if START_TRIAL not in set(trials["trial"]):
        raise DataError(f"{path}: no trial {START_TRIAL} (the study's start point)")
    return trials


def qualifying_trials(trials: pd.DataFrame, threshold: float = RELATIVE_THRESHOLD) -> pd.DataFrame:
    """The trials whose objective lies within ``threshold`` (a share) of the best."""
    best = float(trials["objective_J"].min())
    return trials[trials["objective_J"] <= best * (1.0 + threshold)]


def _bounds(directory: Path) -> dict[str, tuple[float, float]]:
    settings = json.loads((directory / "study.json").read_text(encoding="utf-8"))["settings"]
    return {
        name: (float(low), float(high))
        for name, (low, high) in zip(settings["parameters"], settings["bounds"], strict=True)
    }


def trial_overrides(
    trial: pd.Series,
    start: pd.Series,
    tree: ParameterTree,
    bounds: dict[str, tuple[float, float]],
) -> dict[str, Value]:
    """A trial's displacement from the study's start, added to the shipped defaults.

    Args:
        trial: The trial's row of ``trials.csv``.
        start: The start's row (trial 0).
        tree: The shipped parameter tree.
        bounds: Coordinate -> the study's ``(low, high)``; each value is clipped to them.

    Returns:
        Parameter path -> value (whole vectors for vector parameters).
    """
    overrides: dict[str, Value] = {}
    for column in trial.index.drop(["trial", "objective_J"]):
        match = _COORDINATE.match(str(column))
        if match is None or match["path"] not in tree:
            raise DataError(f"{STUDY_DIR / 'trials.csv'}: column '{column}' is no parameter")
        path, index = match["path"], match["index"]
        shipped = tree.spec(path).value
        if isinstance(shipped, dict) or isinstance(shipped, list) != (index is not None):
            raise DataError(
                f"{STUDY_DIR / 'trials.csv'}: column '{column}' does not fit parameter '{path}' "
                f"(shipped value {shipped!r})"
            )
        low, high = bounds.get(str(column), tree.spec(path).range)
        step = float(trial[column]) - float(start[column])
        if not isinstance(shipped, list):
            overrides[path] = float(np.clip(float(shipped) + step, low, high))
            continue
        current = overrides.get(path)
        vector = list(current) if isinstance(current, list) else [float(v) for v in shipped]
        k = int(str(index))
        vector[k] = float(np.clip(vector[k] + step, low, high))
        overrides[path] = vector
    return overrides


def draw_parameter_sets(
    replicates: int,
    seed: int,
    directory: Path = STUDY_DIR,
    threshold: float = RELATIVE_THRESHOLD,
) -> list[ParameterDraw]:
    """The parameter set and seed of each replicate (see the module's description).

    Args:
        replicates: Number of replicates.
        seed: The comparison's seed: replicate ``r`` runs with ``seed + r``, and the trials are
            drawn with a generator seeded by ``seed``.
        directory: The calibration study.
        threshold: Qualifying trials lie within this share of the best objective.

    Returns:
        One draw per replicate, replicate 0 the shipped defaults.
    """
    trials = load_trials(directory)
    pool = qualifying_trials(trials, threshold)
    pool = pool[pool["trial"] != START_TRIAL].reset_index(drop=True)
    draws = [ParameterDraw(0, seed, SHIPPED, {})]
    if replicates <= 1:
        return draws
    if pool.empty:
        raise DataError(
            f"{directory / 'trials.csv'}: no trial other than the start lies within "
            f"{threshold:.0%} of the best objective"
        )
    rng = np.random.default_rng(seed)
    rounds = -(-(replicates - 1) // len(pool))  # ceiling: each trial once per round
    order = np.concatenate([rng.permutation(len(pool)) for _ in range(rounds)])
    tree = ParameterTree.load()
    bounds = _bounds(directory)
    start = trials[trials["trial"] == START_TRIAL].iloc[0]
    for replicate, row in enumerate(order[: replicates - 1], start=1):
        trial = pool.iloc[int(row)]
        overrides = trial_overrides(trial, start, tree, bounds)
        draws.append(ParameterDraw(replicate, seed + replicate, int(trial["trial"]), overrides))
    return draws
