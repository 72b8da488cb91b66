"""Stage of integration and living type, with the simulation's cut-points (seed section 2.2).

The cut-points are read from the parameter tree (``integration.stage.*`` and
``integration.living_type.*``) so that a survey respondent and a simulated agent with the same
scores are classified alike:

* stage, on the composite index: below ``cut_drifting`` "embedding", below ``cut_integration``
  "drifting", otherwise "integration";
* living type, on the economic dimension score: below ``cut_moderately_prosperous``
  "subsistence", below ``cut_developmental`` "moderately_prosperous", otherwise "developmental".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from migrant_health.params import ParameterTree

STAGES = ("embedding", "drifting", "integration")
LIVING_TYPES = ("subsistence", "moderately_prosperous", "developmental")


@dataclass(frozen=True)
class CutPoints:
    """Cut-points of the stage and living-type classifications."""

    drifting: float
    integration: float
    moderately_prosperous: float
    developmental: float

    @classmethod
    def from_tree(cls, tree: ParameterTree | None = None, year: int = 2008) -> CutPoints:
        """Read the cut-points from the parameter tree (the package defaults by default)."""
        tree = tree or ParameterTree.load()
        return cls(
            drifting=tree.scalar("integration.stage.cut_drifting", year),
            integration=tree.scalar("integration.stage.cut_integration", year),
            moderately_prosperous=tree.scalar(
                "integration.living_type.cut_moderately_prosperous", year
            ),
            developmental=tree.scalar("integration.living_type.cut_developmental", year),
        )


def _classify(values: np.ndarray, cuts: tuple[float, float], labels: tuple[str, ...]) -> pd.Series:
    codes = np.searchsorted(np.asarray(cuts), values, side="right")
    out = np.asarray(labels, dtype=object)[np.minimum(codes, len(labels) - 1)]
    out[np.isnan(values)] = None
    return pd.Series(out)


def classify_stage(composite: np.ndarray, cuts: CutPoints) -> pd.Series:
    """Stage of integration of each composite score (missing stays missing)."""
    return _classify(np.asarray(composite, float), (cuts.drifting, cuts.integration), STAGES)


def classify_living_type(economic: np.ndarray, cuts: CutPoints) -> pd.Series:
    """Living type of each economic-dimension score (missing stays missing)."""
    return _classify(
        np.asarray(economic, float),
        (cuts.moderately_prosperous, cuts.developmental),
        LIVING_TYPES,
    )
