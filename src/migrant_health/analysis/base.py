"""The estimator contract shared by every model of the survey toolkit.

As in scikit-learn: options are stored by ``__init__`` and nothing else happens there; ``fit``
takes a table, returns ``self`` and sets attributes whose names end with ``_``; ``summary()``
returns a tidy table with the columns ``term, estimate, se, p, ci_low, ci_high`` (plus
model-specific ones). ``to_dict()`` is the machine-readable result the CLI prints with ``--json``;
``extra_tables()`` are the model's other results, which the CLI prints after the coefficients.

Every estimator's ``__init__`` and ``fit`` are checked here (``__init_subclass__``): a wrong
argument names the class called (not the base class defining ``__init__``) and the option
meant, and ``fit`` refuses anything but a pandas DataFrame with rows. Options holding column
names take one name as a string (:func:`column_names`).
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from migrant_health.analysis.design import SurveyDesign
from migrant_health.errors import DataError, MigrantHealthError
from migrant_health.json_values import finite_or_none
from migrant_health.json_values import json_ready as json_ready  # re-exported

TIDY_COLUMNS = ["term", "estimate", "se", "p", "ci_low", "ci_high"]


class NotFittedError(MigrantHealthError, RuntimeError):
    """An estimator's results were asked for before ``fit``."""


def tidy(
    terms: list[str], estimate: np.ndarray, se: np.ndarray, alpha: float = 0.05
) -> pd.DataFrame:
    """A tidy coefficient table with normal-approximation p-values and intervals."""
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = estimate / se
    crit = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimate,
            "se": se,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": estimate - crit * se,
            "ci_high": estimate + crit * se,
        }
    )


def row_dict(row: pd.Series) -> dict[str, float | None]:
    """One tidy row as ``{estimate, se, p, ci_low, ci_high}`` (NaN as ``None``)."""
    return {k: finite_or_none(row[k]) for k in ("estimate", "se", "p", "ci_low", "ci_high")}


def column_names(owner: object, option: str, value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Column names given as a list, or one column name given as a string.

    ``covariates="age"`` was read letter by letter (``needs column(s) a, g, e``).

    Args:
        owner: The estimator, whose class the message names.
        option: The option's name (``covariates``).
        value: A list (tuple, ...) of column names, one name, or ``None`` for none.

    Raises:
        DataError: For a string holding several names separated by commas.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        if "," in value:
            names = [n.strip() for n in value.split(",") if n.strip()]
            raise DataError(
                f"{type(owner).__name__}({option}={value!r}): a string is one column name; "
                f"give several as a list: {option}={names!r}"
            )
        return (value,) if value.strip() else ()
    return tuple(value)


def _naming_the_class(init: Callable[..., None]) -> Callable[..., None]:
    """``init`` refusing a wrong argument in the name of the class the user called.

    Python's own message names the class that defines ``__init__``: ``LinearModel(covariate=...)``
    said ``_FixestModel.__init__() got an unexpected keyword argument``, and ``OrderedLogit``'s
    named ``OrderedRegression``.
    """
    signature = inspect.signature(init)
    parameters = signature.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    options = [
        name
        for name, p in list(parameters.items())[1:]
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]

    @functools.wraps(init)
    def checked_init(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            name = type(self).__name__
            unknown = [] if takes_any else [k for k in kwargs if k not in parameters]
            if not unknown:
                raise TypeError(f"{name}(): {exc}") from None
            hints = [
                f"'{close[0]}' for '{k}'" if len(unknown) > 1 else f"'{close[0]}'"
                for k in unknown
                if (close := difflib.get_close_matches(k, options, n=1, cutoff=0.6))
            ]
            hint = f"; did you mean {', '.join(hints)}?" if hints else ""
            raise TypeError(
                f"{name}() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}"
                f"{hint} ({name} takes: {', '.join(options)})"
            ) from None
        init(self, *args, **kwargs)

    return checked_init


def _refusing_what_is_no_table(fit: Callable[..., Any]) -> Callable[..., Any]:
    """``fit`` refusing anything but a pandas DataFrame with rows, before it reads the data.

    ``fit(records)`` (a list) failed with ``'list' object has no attribute 'columns'``, and an
    empty table with ``no respondent has all of: bmi, integration ()``.
    """

    @functools.wraps(fit)
    def checked_fit(self: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        name = type(self).__name__
        if not isinstance(data, pd.DataFrame):
            raise DataError(
                f"{name}.fit() takes a pandas DataFrame (one row per respondent), not a "
                f"{type(data).__name__}; make one with pd.DataFrame(...) or read a survey file "
                "with read_survey"
            )
        if data.empty:
            raise DataError(
                f"{name}.fit(): the data have no rows ({data.shape[1]:,} column(s)), so there "
                "is no respondent to fit; check the table given (a filter may have left none)"
            )
        return fit(self, data, *args, **kwargs)

    return checked_fit


class SurveyEstimator:
    """Base of the survey toolkit's estimators.

    Args:
        outcome: Outcome column.
        exposure: Main regressor of interest (e.g. ``integration``); listed first.
        covariates: Other regressors (``C(x)`` for categorical, ``a:b`` for interactions); a
            list, or one column name as a string.
        weights: Column of probability weights.
        cluster: Column of clusters / primary sampling units.
        strata: Column of sampling strata.
        alpha: One minus the confidence level of the intervals.
    """

    model_name = "model"
    coef_table_: pd.DataFrame
    # Rows of the domain being fitted by fit_in_domain (None: the whole table).
    _domain: np.ndarray | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Name the public class in a wrong argument's message; refuse a ``fit`` of no table."""
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _naming_the_class(cls.__dict__["__init__"])  # type: ignore[method-assign]
        if "fit" in cls.__dict__:
            cls.fit = _refusing_what_is_no_table(cls.__dict__["fit"])  # type: ignore[method-assign]

    def __init__(
        self,
        outcome: str,
        exposure: str | None = None,
        covariates: Sequence[str] = (),
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        self.outcome = outcome
        self.exposure = exposure
        self.covariates = column_names(self, "covariates", covariates)
        self.weights = weights
        self.cluster = cluster
        self.strata = strata
        self.alpha = alpha

    @property
    def design(self) -> SurveyDesign:
        """The sampling design given by ``weights``, ``strata`` and ``cluster``."""
        return SurveyDesign(weights=self.weights, strata=self.strata, cluster=self.cluster)

    @property
    def label(self) -> str:
        """The model and its outcome, as messages name them (``ologit of srh``)."""
        return f"{self.model_name} of {self.outcome}"

    def terms(self) -> list[str]:
        """Regressor terms: the exposure, then the covariates."""
        return [t for t in (self.exposure, *self.covariates) if t]

    def fit(self, data: pd.DataFrame) -> SurveyEstimator:  # pragma: no cover - abstract
        """Fit the model to ``data`` and return ``self``."""
        raise NotImplementedError

    def fit_in_domain(self, data: pd.DataFrame, in_domain: np.ndarray) -> SurveyEstimator:
        """Fit the model to a domain (subpopulation) of ``data``, keeping the sample's design.

        The estimates are those of the domain's respondents; the design-based variance is
        taken over the whole sample's strata and PSUs, the other respondents contributing
        scores of zero (Stata's ``svy, subpop()``). Fitting the domain's rows alone would
        treat them as a sample drawn by itself: a stratum where the domain reaches one PSU
        would stop the fit, and strata would lose the PSUs the domain happens to miss. Only
        the models whose frame supports it (ols, logit, probit, ologit, oprobit) take a
        domain; the others fit the whole table.

        Args:
            data: The whole sample.
            in_domain: One boolean per row of ``data``: the domain's respondents.
        """
        self._domain = np.asarray(in_domain, dtype=bool)
        try:
            return self.fit(data)
        finally:
            self._domain = None

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_table_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(data) first")

    def summary(self) -> pd.DataFrame:
        """Tidy coefficient table: term, estimate, se, p, ci_low, ci_high (and extras)."""
        self._check_fitted()
        table: pd.DataFrame = self.coef_table_
        return table.copy()

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The model's results besides the coefficients, by title (none for this model)."""
        self._check_fitted()
        return {}

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable result: model, n and coefficients (the CLI's ``--json``)."""
        self._check_fitted()
        table = self.summary()
        return {
            "model": self.model_name,
            "n": int(getattr(self, "n_", 0)),
            **self.sample_dict(),
            "coefficients": {str(r["term"]): row_dict(r) for _, r in table.iterrows()},
        }

    def sample_dict(self) -> dict[str, Any]:
        """Respondents given, dropped, and dropped for each reason (``{}`` without a frame).

        ``dropped`` counts respondents per reason (``"weight missing": 201``); one respondent
        may lack several columns, so they can add up to more than ``n_dropped``.
        """
        frame = getattr(self, "frame_", None)
        if frame is None:
            return {}
        return {
            "respondents": int(frame.n + frame.n_dropped),
            "n_dropped": int(frame.n_dropped),
            "dropped": {str(k): int(v) for k, v in frame.dropped.items()},
        }
