"""An Optuna sampler that explores with TPE, then refines the best point by compass search.

TPE (Optuna's default) finds the basin of a good fit quickly but places few trials close to
the optimum, so with a few dozen trials its best point is only roughly located. Calibration
objectives here are smooth and deterministic (common random numbers), which suits a local
pattern search. :class:`RefiningSampler`:

1. runs TPE (multivariate, constant liar for parallel workers) for the first ``n_explore``
   trials, and for every ``every``-th trial afterwards, so exploration never stops;
2. in the other trials moves *one* coordinate of the best trial so far by ``± step``
   (compass search: coordinates in turn, first up, then down), where each coordinate's step,
   a fraction of its search range starting at ``step``, is doubled after a move that improved
   the best value and multiplied by 0.6 after one that did not.

The step sizes are recomputed from the study's history at every trial (trial numbers say which
trial moved which coordinate), so the sampler keeps no state of its own and several worker
processes sharing one journal follow the same rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

_MAX_STEP = 0.5
_MIN_STEP = 1e-4
_GROW = 2.0
_SHRINK = 0.6


class RefiningSampler(optuna.samplers.BaseSampler):
    """TPE exploration followed by compass-search refinement of the best trial.

    Args:
        seed: Seed of the TPE sampler.
        n_explore: Trials run by TPE before refinement starts (its first half are random).
        every: After ``n_explore``, every ``every``-th trial is a TPE trial (0: none).
        step: Initial step of each coordinate, as a fraction of its search range.
    """

    def __init__(
        self, seed: int | None = None, n_explore: int = 10, every: int = 4, step: float = 0.15
    ) -> None:
        self._tpe = optuna.samplers.TPESampler(
            seed=seed,
            multivariate=True,
            n_startup_trials=max(3, n_explore // 2),
            constant_liar=True,
        )
        self.n_explore = n_explore
        self.every = every
        self.step = step

    def reseed_rng(self) -> None:
        """Reseed the TPE part (the refinement is deterministic)."""
        self._tpe.reseed_rng()

    def local_index(self, number: int) -> int | None:
        """Index of a trial among the refinement trials, or ``None`` for a TPE trial."""
        k = number - self.n_explore
        if k < 0:
            return None
        if self.every > 0:
            if k % self.every == self.every - 1:
                return None
            return k - k // self.every
        return k

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """TPE's search space, or the float parameters of the best trial when refining."""
        if self.local_index(trial.number) is None:
            return self._tpe.infer_relative_search_space(study, trial)
        best = _best(study)
        if best is None:
            return {}
        return {
            name: dist
            for name, dist in sorted(best.distributions.items())
            if isinstance(dist, FloatDistribution)
        }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """TPE's proposal, or the best trial with one coordinate moved."""
        local = self.local_index(trial.number)
        if local is None:
            return self._tpe.sample_relative(study, trial, search_space)
        best = _best(study)
        if best is None or not search_space:
            return {}
        names = list(search_space)
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        steps = self.steps(complete, len(names))
        j, sign = _coordinate(local, len(names))
        proposal = {name: best.params[name] for name in names}
        dist = search_space[names[j]]
        assert isinstance(dist, FloatDistribution)
        moved = proposal[names[j]] + sign * steps[j] * (dist.high - dist.low)
        proposal[names[j]] = float(min(max(moved, dist.low), dist.high))
        return proposal

    def steps(self, trials: Sequence[FrozenTrial], dimensions: int) -> list[float]:
        """Current step of each coordinate, replayed from the completed trials."""
        steps = [self.step] * dimensions
        best = math.inf
        for trial in sorted(trials, key=lambda t: t.number):
            if trial.value is None:
                continue
            local = self.local_index(trial.number)
            if local is not None and math.isfinite(best):
                j, _ = _coordinate(local, dimensions)
                improved = trial.value < best
                grown = steps[j] * (_GROW if improved else _SHRINK)
                steps[j] = min(_MAX_STEP, max(_MIN_STEP, grown))
            best = min(best, trial.value)
        return steps

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Parameters outside the relative search space are sampled by TPE."""
        return self._tpe.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Delegate to TPE."""
        self._tpe.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Delegate to TPE."""
        self._tpe.after_trial(study, trial, state, values)


def _coordinate(local: int, dimensions: int) -> tuple[int, int]:
    """Coordinate moved by the ``local``-th refinement trial, and the direction."""
    return local % dimensions, 1 if (local // dimensions) % 2 == 0 else -1


def _best(study: Study) -> FrozenTrial | None:
    complete = [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.value is not None
    ]
    return (
        min(complete, key=lambda t: t.value if t.value is not None else math.inf)
        if complete
        else None
    )
