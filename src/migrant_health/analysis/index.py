"""The urban-integration index: indicators -> four dimension scores -> composite -> stage.

``IntegrationIndex(method="entropy").fit(data).transform(data)`` gives each respondent the scores
``economic_integration``, ``social_integration``, ``cultural_integration``,
``identity_integration`` (each on [0, 1]), the composite ``integration`` and the derived ``stage``
(embedding / drifting / integration) and ``living_type`` (subsistence / moderately prosperous /
developmental). A dimension score is the weighted mean of the dimension's indicators that the
respondent has (weights renormalised over the available ones); the composite is the weighted sum
of the four dimension scores, missing if a dimension is.

Entropy and PCA weights give an indicator that no respondent varies on a weight of 0; if every
item of a dimension is constant, the dimension gets weight 0: it is left out of the composite
(with a warning), and its own score is the equal-weight mean of its items.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from migrant_health.analysis.base import NotFittedError
from migrant_health.analysis.diagnostics import EstimationWarning
from migrant_health.analysis.indicators import (
    DIMENSIONS,
    INDICATOR_COLUMNS,
    INDICATORS,
    compute_indicators,
)
from migrant_health.analysis.stages import CutPoints, classify_living_type, classify_stage
from migrant_health.analysis.weighting import METHODS, indicator_weights
from migrant_health.errors import DataError
from migrant_health.params import ParameterTree
from migrant_health.survey.meta import SOURCE_KEY
from migrant_health.survey.validate import validate_survey

SCORE_COLUMNS = (*tuple(f"{d}_integration" for d in DIMENSIONS), "integration")


class IntegrationIndex:
    """Four-dimension integration index with equal, entropy or PCA weights.

    Args:
        method: ``equal`` (the simulation's composite weights), ``entropy`` or ``pca``.
        income_reference: Reference of the relative-income indicator: a number, a column, or
            ``None`` for the survey-year median income of the employed.
        tree: Parameter tree holding the cut-points and composite weights (package defaults).
        year: Year at which to read the parameters.
        allow_empty_dimensions: Score a table in which no respondent answered any item of a
            dimension (that dimension's score and the composite are then missing for
            everyone) instead of refusing it: for a wave whose other indicators are still
            wanted (the platform's regions). By default it is an error naming the dimension.

    Attributes:
        weights_: Weight of each indicator in the composite (sums to one).
        dimension_weights_: Weight of each dimension (sums to one).
        weight_table_: Indicator, dimension, weight, within-dimension weight.
        cut_points_: The :class:`CutPoints` used for stages and living types.
        n_: Respondents used to fit the weights.
    """

    def __init__(
        self,
        method: str = "equal",
        income_reference: float | str | None = None,
        tree: ParameterTree | None = None,
        year: int = 2008,
        allow_empty_dimensions: bool = False,
    ) -> None:
        self.method = method
        self.income_reference = income_reference
        self.tree = tree
        self.year = year
        self.allow_empty_dimensions = allow_empty_dimensions

    def _indicators(self, data: pd.DataFrame) -> pd.DataFrame:
        needed = list(INDICATOR_COLUMNS)
        if isinstance(self.income_reference, str):
            needed.append(self.income_reference)
        present = [c for c in needed if c in data.columns]
        table = validate_survey(data.loc[:, present], require=needed, source=_label(data))
        indicators = compute_indicators(table, self.income_reference)
        if not self.allow_empty_dimensions:
            _refuse_empty_dimensions(indicators, _label(data))
        return indicators

    def fit(self, data: pd.DataFrame) -> IntegrationIndex:
        """Compute the weights (and read the cut-points); return ``self``."""
        if self.method not in METHODS:
            raise DataError(f"unknown method '{self.method}'; choose one of {', '.join(METHODS)}")
        tree = self.tree or ParameterTree.load()
        indicators = self._indicators(data)
        dims = np.asarray(tree.value_at("integration.composite_weights", self.year), float)
        weights = indicator_weights(self.method, indicators, dims)
        dimension_of = {ind.name: ind.dimension for ind in INDICATORS}
        by_dim = weights.groupby(weights.index.map(dimension_of)).sum()
        self.weights_ = weights
        self.dimension_weights_ = by_dim.reindex(list(DIMENSIONS)).fillna(0.0)
        within = weights / weights.index.map(dimension_of).map(by_dim.to_dict()).to_numpy()
        unweighted = [d for d in DIMENSIONS if not self.dimension_weights_[d] > 0]
        # A dimension none of whose items varies (entropy, PCA) has no weight to split: its own
        # score is the equal-weight mean of its items, and the composite leaves it out. Before,
        # 0/0 made its score and every composite missing, and the command exited 0.
        self._score_weights = weights.copy()
        for dim in unweighted:
            names = [i.name for i in INDICATORS if i.dimension == dim]
            self._score_weights[names] = 1.0 / len(names)
            within[names] = 1.0 / len(names)
        if unweighted and self.method != "equal":
            items = {
                d: sorted({c for i in INDICATORS if i.dimension == d for c in i.columns})
                for d in unweighted
            }
            listed = "; ".join(f"{d} ({', '.join(cols)})" for d, cols in items.items())
            warnings.warn(
                f"{_label(data)}: {self.method} weights give the {' and '.join(unweighted)} "
                f"dimension(s) a weight of 0, as no item of it varies across respondents: "
                f"{listed}. The composite and the stages rest on the other dimensions; its own "
                "score is the mean of its items",
                EstimationWarning,
                stacklevel=2,
            )
        self.weight_table_ = pd.DataFrame(
            {
                "indicator": weights.index,
                "dimension": [dimension_of[n] for n in weights.index],
                "weight": weights.to_numpy(),
                "within_dimension": within.to_numpy(),
            }
        )
        self.cut_points_ = CutPoints.from_tree(tree, self.year)
        self.n_ = len(indicators)
        return self

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Scores, stage and living type of each respondent (``id`` first if present)."""
        if not hasattr(self, "weights_"):
            raise NotFittedError("IntegrationIndex is not fitted yet; call fit(data) first")
        indicators = self._indicators(data)
        out = pd.DataFrame(index=data.index)
        if "id" in data.columns:
            out["id"] = data["id"].to_numpy()
        for dim in DIMENSIONS:
            names = [i.name for i in INDICATORS if i.dimension == dim]
            w = self._score_weights[names].to_numpy()
            x = indicators[names].to_numpy()
            present = ~np.isnan(x)
            total = (present * w).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                score = np.where(present, x, 0.0) @ w / total
            out[f"{dim}_integration"] = np.where(total > 0, score, np.nan)
        weighted = [d for d in DIMENSIONS if self.dimension_weights_[d] > 0]
        dims = out[[f"{d}_integration" for d in weighted]].to_numpy()
        out["integration"] = dims @ self.dimension_weights_[weighted].to_numpy()
        out["stage"] = classify_stage(out["integration"].to_numpy(), self.cut_points_).to_numpy()
        out["living_type"] = classify_living_type(
            out["economic_integration"].to_numpy(), self.cut_points_
        ).to_numpy()
        return out

    def fit_transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """``fit(data).transform(data)``."""
        return self.fit(data).transform(data)

    def summary(self) -> pd.DataFrame:
        """The weight table: indicator, dimension, weight, within-dimension weight."""
        if not hasattr(self, "weight_table_"):
            raise NotFittedError("IntegrationIndex is not fitted yet; call fit(data) first")
        return self.weight_table_.copy()


def _label(data: pd.DataFrame) -> str:
    """``FILE (integration index)`` for messages, naming the file the data were read from."""
    source = data.attrs.get(SOURCE_KEY)
    return f"{source} (integration index)" if source else "integration index"


def _refuse_empty_dimensions(indicators: pd.DataFrame, label: str) -> None:
    """Refuse a dimension that no respondent answered: its score, and so the composite, would
    be missing for everyone (the command printed ``mean composite nan`` and no stages).

    Raises:
        DataError: Naming each empty dimension and its items.
    """
    empty = []
    for dim in DIMENSIONS:
        members = [i for i in INDICATORS if i.dimension == dim]
        if indicators[[i.name for i in members]].isna().all().all():
            items = dict.fromkeys(c for i in members for c in i.columns)
            empty.append(f"{dim} ({', '.join(items)})")
    if empty:
        raise DataError(
            f"{label}: no respondent answered any item of the {' and '.join(empty)} "
            "dimension(s), blank in every row, so no one has a composite score; fill the items "
            "or map them from the file's columns in the column map"
        )


def add_integration_index(
    data: pd.DataFrame, method: str = "equal", **options: object
) -> pd.DataFrame:
    """Return ``data`` with the index's score, stage and living-type columns added.

    Existing columns of the same names are replaced.
    """
    scores = IntegrationIndex(method, **options).fit_transform(data)  # type: ignore[arg-type]
    scores = scores.drop(columns=[c for c in ("id",) if c in scores.columns])
    return data.drop(columns=[c for c in scores.columns if c in data.columns]).join(scores)
