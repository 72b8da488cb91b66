"""Do a synthetic survey and the simulation classify the same people alike?

A synthetic survey (:mod:`migrant_health.experiments.synthetic_survey`) carries, beside each
respondent's answers, the simulated dimension scores, composite index and stage
(``sim_*`` columns). :func:`agreement` scores the answers with the survey toolkit's integration
index and compares, person by person, the survey's stage with the simulated stage (Cohen's
kappa and the two distributions over the stages), the survey's index with the simulated index
(Pearson correlation), and each dimension score with its simulated counterpart (mean and
correlation). ``docs/survey.md`` section 7 states the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from migrant_health.analysis.index import IntegrationIndex
from migrant_health.analysis.indicators import DIMENSIONS
from migrant_health.analysis.stages import STAGES
from migrant_health.errors import DataError


@dataclass(frozen=True)
class Agreement:
    """Agreement of a survey's integration index with the simulation's, person by person.

    Attributes:
        method: Weighting of the survey index (``equal``, ``pca`` or ``entropy``).
        n: Respondents compared (current out-migrants with both indices).
        survey_shares: Share of respondents in each stage by the survey's index.
        simulated_shares: Share in each stage by the simulated index.
        kappa: Cohen's kappa of survey stage against simulated stage.
        correlation: Pearson correlation of the survey index with the simulated index.
        dimensions: Per dimension: ``survey_mean``, ``simulated_mean``, ``correlation``.
    """

    method: str
    n: int
    survey_shares: dict[str, float]
    simulated_shares: dict[str, float]
    kappa: float
    correlation: float
    dimensions: pd.DataFrame

    def largest_share_gap(self) -> float:
        """Largest absolute difference of a stage's share between survey and simulation."""
        return max(abs(self.survey_shares[s] - self.simulated_shares[s]) for s in STAGES)


def cohen_kappa(
    first: Sequence[str] | pd.Series, second: Sequence[str] | pd.Series, labels: Sequence[str]
) -> float:
    """Cohen's kappa of two classifications of the same people.

    Computed by hand from the confusion table (scikit-learn is not a dependency):
    ``(p_o - p_e) / (1 - p_e)`` with ``p_o`` the share classified alike and ``p_e`` the share
    expected alike by chance from the two margins.

    Raises:
        DataError: If the classifications differ in length, are empty, or use a label outside
            ``labels``.
    """
    a = pd.Categorical(np.asarray(first, dtype=object), categories=list(labels))
    b = pd.Categorical(np.asarray(second, dtype=object), categories=list(labels))
    if len(a) != len(b) or len(a) == 0:
        raise DataError(f"kappa needs two classifications of the same people ({len(a)}, {len(b)})")
    if (a.codes < 0).any() or (b.codes < 0).any():
        raise DataError(f"kappa: a class outside {list(labels)} (or missing)")
    table = np.zeros((len(labels), len(labels)))
    np.add.at(table, (a.codes, b.codes), 1.0)
    n = table.sum()
    observed = np.trace(table) / n
    expected = float(table.sum(axis=1) @ table.sum(axis=0)) / n**2
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return float((observed - expected) / (1.0 - expected))


def _shares(stages: pd.Series) -> dict[str, float]:
    counts = stages.value_counts(normalize=True)
    return {s: float(counts.get(s, 0.0)) for s in STAGES}


def _dimensions(scores: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for d in DIMENSIONS:
        survey = scores[f"{d}_integration"].to_numpy(dtype=float)
        simulated = table[f"sim_{d}_integration"].to_numpy(dtype=float)
        rows.append(
            {
                "dimension": d,
                "survey_mean": float(np.mean(survey)),
                "simulated_mean": float(np.mean(simulated)),
                "correlation": float(np.corrcoef(survey, simulated)[0, 1]),
            }
        )
    return pd.DataFrame(rows)


def agreement(table: pd.DataFrame, method: str = "equal") -> Agreement:
    """Compare a synthetic survey's integration index with the simulated one, person by person.

    Args:
        table: A synthetic survey with its ``sim_*`` columns (origin respondents are skipped).
        method: Weighting of the survey index: ``equal``, ``pca`` or ``entropy``.

    Raises:
        DataError: If the table has no simulated scores (not a synthetic survey) or no
            respondent with both indices.
    """
    if not {"sim_stage", "sim_integration_index"} <= set(table.columns):
        raise DataError("the table has no simulated scores (sim_*): draw it with survey synth")
    # The simulated index marks current out-migrants (a Stata file blanks a missing stage).
    current = table[table["sim_integration_index"].notna()]
    scores = IntegrationIndex(method).fit_transform(current)
    both = scores["integration"].notna().to_numpy()
    current, scores = current[both], scores[both]
    if len(current) == 0:
        raise DataError("no respondent has both a survey and a simulated index")
    survey_index = scores["integration"].to_numpy(dtype=float)
    simulated_index = current["sim_integration_index"].to_numpy(dtype=float)
    return Agreement(
        method=method,
        n=len(current),
        survey_shares=_shares(scores["stage"]),
        simulated_shares=_shares(current["sim_stage"]),
        kappa=cohen_kappa(scores["stage"], current["sim_stage"], STAGES),
        correlation=float(np.corrcoef(survey_index, simulated_index)[0, 1]),
        dimensions=_dimensions(scores, current),
    )
