"""Which respondents a model uses, why the others are left out, and whether enough remain.

A model frame keeps the respondents who have every column the model uses (listwise deletion).
Respondents are also left out when their weight is zero (they stand for no one in the
population) and when they are alone in their level of a fixed effect: a level of one respondent
fits that respondent exactly and tells nothing about the slopes (pyfixest drops such singletons
too, silently, and panics when every level is one). The reasons are counted here so that a
user learns how many respondents a model lost, and to which column, instead of finding an ``N``
smaller than the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from migrant_health.analysis.diagnostics import warn
from migrant_health.errors import DataError
from migrant_health.survey.meta import SOURCE_KEY
from migrant_health.survey.schema import SCHEMA

#: Fewer residual degrees of freedom than this draw a warning: the standard errors rest on
#: almost nothing and the stars they give mean little.
MIN_RESIDUAL_DF = 10


def dropped_message(model: str, respondents: int, dropped: int, reasons: Mapping[str, int]) -> str:
    """``ols of bmi: 201 of 300 respondents dropped: weight missing (201)``.

    Args:
        model: The model and outcome, as messages name them.
        respondents: Rows of the data given to the model.
        dropped: Rows left out.
        reasons: Respondents left out for each reason (one may be missing several columns).
    """
    listed = "; ".join(f"{reason} ({count:,})" for reason, count in reasons.items() if count)
    return f"{model}: {dropped:,} of {respondents:,} respondents dropped: {listed}"


def drop_singletons(
    fixed_effects: pd.DataFrame, keep: np.ndarray, model: str
) -> tuple[np.ndarray, dict[str, int]]:
    """Leave out respondents alone in their level of a fixed effect, until none is.

    Dropping a singleton of one fixed effect can make another one's level a singleton, so the
    rule is applied until nothing changes (as pyfixest and Stata's ``reghdfe`` do).

    Args:
        fixed_effects: The fixed-effect columns of every row of the data.
        keep: Rows kept so far.
        model: The model and outcome, for messages.

    Returns:
        The rows kept and, per fixed effect, how many respondents were left out for it.

    Raises:
        DataError: If no respondent is left: every level holds one respondent, so the fixed
            effect fits every outcome exactly and leaves nothing to estimate from.
    """
    keep = keep.copy()
    dropped = dict.fromkeys(fixed_effects.columns, 0)
    before = int(keep.sum())
    changed = True
    while changed and keep.any():
        changed = False
        for column in fixed_effects.columns:
            labels = fixed_effects[column].to_numpy()[keep]
            counts = pd.Series(labels).map(pd.Series(labels).value_counts()).to_numpy()
            alone = counts == 1
            if alone.any():
                rows = np.flatnonzero(keep)[alone]
                keep[rows] = False
                dropped[column] += int(alone.sum())
                changed = True
    if before and not keep.any():
        column = max(dropped, key=lambda c: dropped[c])
        levels = fixed_effects[column].nunique()
        raise DataError(
            f"{model}: fixed effect '{column}' has a single respondent in every level "
            f"({levels:,} levels among the {before:,} respondents with every column), so it "
            "would fit each outcome exactly and leave no variation to estimate from; drop it "
            "from the fixed effects or use a coarser grouping (e.g. dest_city instead of id)"
        )
    return keep, {f"alone in their level of fixed effect '{c}'": n for c, n in dropped.items()}


def fixed_effect_parameters(fixed_effects: pd.DataFrame) -> int:
    """Parameters the fixed effects absorb: every level of the first, all but one of the rest."""
    levels = [int(fixed_effects[c].nunique()) for c in fixed_effects.columns]
    return sum(levels) - max(len(levels) - 1, 0)


def check_degrees_of_freedom(
    model: str, n: int, regressors: int, fixed_effects: pd.DataFrame
) -> int:
    """Refuse a model with no more respondents than coefficients; warn when barely more.

    Args:
        model: The model and outcome, for messages.
        n: Respondents used.
        regressors: Regressor columns (the intercept is counted here).
        fixed_effects: The fixed-effect columns of the rows used.

    Returns:
        The residual degrees of freedom.

    Raises:
        DataError: If ``n`` does not exceed the number of coefficients: the fit passes through
            every point and its standard errors are undefined (pyfixest divided by zero).
    """
    absorbed = fixed_effect_parameters(fixed_effects) if fixed_effects.shape[1] else 1
    coefficients = regressors + absorbed
    where = (
        f" ({regressors} regressor(s) and {absorbed:,} fixed-effect levels)"
        if fixed_effects.shape[1]
        else ""
    )
    residual = n - coefficients
    if residual <= 0:
        raise DataError(
            f"{model}: {n:,} respondents for {coefficients:,} coefficients{where}; a model "
            "needs more respondents than coefficients (it would fit every respondent exactly "
            "and its standard errors are undefined); use more respondents or fewer regressors "
            "and fixed effects"
        )
    if residual < MIN_RESIDUAL_DF:
        warn(
            f"{model}: only {residual} residual degree(s) of freedom ({n:,} respondents, "
            f"{coefficients:,} coefficients{where}), so the standard errors, p-values and stars "
            "are unreliable; use more respondents or fewer regressors"
        )
    return residual


def refuse_out_of_schema(data: pd.DataFrame, columns: Sequence[str], model: str) -> None:
    """Refuse values of schema columns outside the schema's range (a ``-9`` missing code).

    The command line validates a survey file before estimating; a Python caller may hand an
    estimator any table, and an ordered logit then fitted ``-9`` as a level of self-rated
    health, and a regression read ``age -9`` as an age. Only the ranges are checked (not
    whole numbers or codes) and only of whole-number items (age, self-rated health, schooling,
    ...), where survey files code a missing answer as -9: tables built in code stay usable.

    Args:
        data: The survey table.
        columns: The columns the model uses (columns outside the schema are not checked).
        model: The model and outcome, for messages.

    Raises:
        DataError: Naming the column, how many values lie outside, the first rows and the
            file (when the table was read from one).
    """
    source = data.attrs.get(SOURCE_KEY)
    where = f"{source}: " if source else ""
    for name in dict.fromkeys(columns):
        column = SCHEMA.get(name)
        if column is None or column.kind != "int" or name not in data:
            # Whole-number items are where codes such as -9 stand for a missing answer; a
            # measured quantity (a support score standardised in code) may go below the
            # schema's range in a table built for a purpose.
            continue
        low, high = column.low, column.high  # srh has no upper bound here: the survey's own
        values = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float)
        outside = np.zeros(values.size, dtype=bool)  # a missing value (NaN) is not outside
        if low is not None:
            outside |= values < low
        if high is not None:
            outside |= values > high
        rows = np.flatnonzero(outside)
        if rows.size:
            shown = ", ".join(f"{r + 1} ({values[r]:g})" for r in rows[:5]) + (
                f" and {rows.size - 5:,} more" if rows.size > 5 else ""
            )
            bounds = (
                f"[{low:g}, {high:g}]"
                if low is not None and high is not None
                else f"at least {low:g}"
                if low is not None
                else f"at most {high:g}"
            )
            raise DataError(
                f"{where}{model}: column '{name}' has {rows.size:,} value(s) outside the "
                f"schema's range {bounds}, rows {shown} (rows numbered from 1); a missing value "
                "must be blank, not a code such as -9: recode it, or read the file with "
                "read_survey and check it with validate_survey, which list every problem"
            )
