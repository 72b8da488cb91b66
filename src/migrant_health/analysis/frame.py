"""Model frames: from a survey table and column names to numeric arrays.

Regressors are named by column, with two pieces of formula syntax researchers know: ``C(x)``
makes ``x`` categorical (one dummy per level but the first) and ``a:b`` multiplies terms (the
seed's gender claim is ``integration:sex``). Text and category columns become dummies
automatically; schema categories use the schema's first code as reference (``sex``: male).
Rows missing any used column are dropped (listwise deletion) and counted; so are rows whose
outcome or weight is text that is not a number (``n/a``), under a reason of their own.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migrant_health.analysis.design import SurveyDesign, linearized_vcov
from migrant_health.analysis.diagnostics import warn
from migrant_health.analysis.sample import (
    check_degrees_of_freedom,
    drop_singletons,
    dropped_message,
    refuse_out_of_schema,
)
from migrant_health.errors import DataError
from migrant_health.survey.meta import SOURCE_KEY
from migrant_health.survey.schema import SCHEMA

_CATEGORICAL = re.compile(r"^C\((?P<name>[^()]+)\)$")
SHOWN_COLUMNS = 60  # an error lists this many of the data's columns, then says how many more


def source_columns(term: str) -> list[str]:
    """Data columns a regressor term reads (``C(a):b`` reads ``a`` and ``b``)."""
    out = []
    for part in term.split(":"):
        part = part.strip()
        match = _CATEGORICAL.match(part)
        out.append(match.group("name").strip() if match else part)
    return out


def as_float(series: pd.Series) -> np.ndarray:
    """Numeric values of a column as float64 (booleans as 0/1, missing as NaN)."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return pd.to_numeric(series.astype("Float64"), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def levels_of(name: str, series: pd.Series) -> list[str]:
    """Levels of a categorical column, the reference (first) level first."""
    present = [str(v) for v in pd.unique(series.dropna())]
    column = SCHEMA.get(name)
    if column is not None and column.codes:
        ordered = [c for c in column.codes if c in present]
        return ordered + sorted(set(present) - set(ordered))
    try:
        return [str(v) for v in sorted(pd.unique(series.dropna()))]
    except TypeError:
        return sorted(present)


def _expand(
    part: str, data: pd.DataFrame, known: dict[str, list[str]]
) -> tuple[pd.DataFrame, str | None]:
    """Columns of one factor of a term, and the factor's name when it is categorical.

    ``known`` maps a factor to its levels: used if present (prediction on new data), filled in
    otherwise (fitting).
    """
    match = _CATEGORICAL.match(part)
    name = match.group("name").strip() if match else part
    series = data[name]
    if match or _is_categorical(series):
        label = f"C({name})" if match else name
        levels = known.setdefault(label, levels_of(name, series))
        text = series.astype(object).where(series.notna(), None)
        text = text.map(lambda v: None if v is None else str(v))
        cols = {
            f"{label}[{lev}]": np.where(text.isna(), np.nan, (text == lev).astype(float))
            for lev in levels[1:]
        }
        return pd.DataFrame(cols, index=data.index), label
    return pd.DataFrame({name: as_float(series)}, index=data.index), None


@dataclass
class ModelFrame:
    """Numeric arrays of one model, rows already restricted to complete cases.

    Attributes:
        y: Outcome (float).
        X: Regressors (no intercept), one column per term.
        weights: Probability weights normalised to mean one (ones if unweighted).
        cluster: PSU labels, or ``None``.
        strata: Stratum labels, or ``None``.
        fixed_effects: Columns absorbed as fixed effects (labels).
        index: Index labels of the rows used.
        n_dropped: Rows dropped (missing values, zero weights, fixed-effect singletons).
        dropped: Respondents dropped for each reason (``"weight missing"``: 201); one may be
            missing several columns, so the counts can add up to more than ``n_dropped``.
        factors: Dummy term -> the categorical factor it belongs to.
        interactions: Terms that are products of factors.
        outside_design: In a domain (subpopulation) fit, the PSU (``cluster``) and stratum
            (``strata``) of every other respondent of the sample with the design's columns
            (those outside the domain and those of it left out), one row each; ``None``
            otherwise.
    """

    y: np.ndarray
    X: pd.DataFrame
    weights: np.ndarray
    cluster: np.ndarray | None
    strata: np.ndarray | None
    fixed_effects: pd.DataFrame
    index: pd.Index
    n_dropped: int
    dropped: dict[str, int] = field(default_factory=dict)
    factors: dict[str, str] = field(default_factory=dict)
    interactions: set[str] = field(default_factory=set)
    levels: dict[str, list[str]] = field(default_factory=dict)
    outside_design: pd.DataFrame | None = None

    @property
    def n(self) -> int:
        """Number of respondents used."""
        return len(self.y)

    def design_vcov(self, scores: np.ndarray, bread: np.ndarray) -> np.ndarray:
        """Design-based variance of an estimator fitted to this frame (``linearized_vcov``).

        In a domain, the respondents outside it keep their place in the design with scores of
        zero (domain estimation, as Stata's ``svy, subpop()`` and R's ``subset.survey.design``):
        a stratum keeps all its PSUs, including those with no respondent of the domain, rather
        than the domain's sample being taken as if it had been drawn alone.

        Args:
            scores: ``(n, k)`` weighted scores of the respondents used, in frame order.
            bread: ``(k, k)`` inverse of minus the Jacobian of the summed scores.
        """
        if self.outside_design is None:
            return linearized_vcov(scores, bread, self.cluster, self.strata)
        outside = self.outside_design
        padded = np.vstack((scores, np.zeros((len(outside), scores.shape[1]))))
        cluster = (
            None
            if self.cluster is None
            else np.concatenate((self.cluster, outside["cluster"].to_numpy()))
        )
        strata = (
            None
            if self.strata is None
            else np.concatenate((self.strata, outside["strata"].to_numpy()))
        )
        return linearized_vcov(padded, bread, cluster, strata)


def require_columns(data: pd.DataFrame, columns: Sequence[str], what: str = "model") -> None:
    """Raise a :class:`DataError` naming every column the data lack.

    The message suggests the closest existing name for each missing one and lists the columns
    there are (all of them, or the first :data:`SHOWN_COLUMNS` and how many more).
    """
    require_table(data, what)
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if missing:
        raise DataError(
            f"the {what} needs column(s) {', '.join(missing)}, which the data lack"
            f"{closest_names(missing, [str(c) for c in data.columns])} "
            f"({column_list([str(c) for c in data.columns])})"
        )


def require_table(data: object, what: str = "model") -> None:
    """Refuse anything but a pandas DataFrame (a list of records gave an ``AttributeError``).

    Raises:
        DataError: Naming what was given and how to make a table of it.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"the {what} needs a pandas DataFrame (one row per respondent), not a "
            f"{type(data).__name__}; make one with pd.DataFrame(...) or read a survey file "
            "with read_survey"
        )


def closest_names(missing: Sequence[str], available: Sequence[str]) -> str:
    """``; did you mean 'a' (for 'b')?`` for the missing names with a close available one."""
    hints = []
    for name in missing:
        match = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
        if match:
            hints.append(f"'{match[0]}'" + (f" for '{name}'" if len(missing) > 1 else ""))
    return f"; did you mean {', '.join(hints)}?" if hints else ""


def column_list(available: Sequence[str]) -> str:
    """``N available: a, b, ...``: every column, or the first :data:`SHOWN_COLUMNS` and a count."""
    shown = list(available[:SHOWN_COLUMNS])
    hidden = len(available) - len(shown)
    more = f", and {hidden} more not shown" if hidden > 0 else ""
    return f"{len(available)} available: {', '.join(shown)}{more}"


def regressor_matrix(
    data: pd.DataFrame, terms: Sequence[str], levels: dict[str, list[str]] | None = None
) -> tuple[pd.DataFrame, dict[str, str], set[str]]:
    """Expand regressor terms into numeric columns (NaN where a source value is missing).

    Args:
        data: The table.
        terms: Regressor terms.
        levels: Levels of categorical factors: used where given (to predict on new data with the
            fitted model's dummies), and filled in for the others.
    """
    known = levels if levels is not None else {}
    blocks: list[pd.DataFrame] = []
    factors: dict[str, str] = {}
    interactions: set[str] = set()
    for term in terms:
        parts = [p.strip() for p in term.split(":")]
        block, label = _expand(parts[0], data, known)
        if label and len(parts) == 1:
            factors.update(dict.fromkeys(block.columns, label))
        for part in parts[1:]:
            other, _ = _expand(part, data, known)
            block = pd.DataFrame(
                {
                    f"{a}:{b}": block[a].to_numpy() * other[b].to_numpy()
                    for a in block.columns
                    for b in other.columns
                },
                index=data.index,
            )
        if len(parts) > 1:
            interactions.update(block.columns)
        blocks.append(block)
    X = pd.concat(blocks, axis=1) if blocks else pd.DataFrame(index=data.index)
    X = X.loc[:, ~X.columns.duplicated()]
    return X, factors, interactions


def collinear_columns(X: pd.DataFrame, intercept: bool = True) -> list[str]:
    """Columns that are linear combinations of the columns before them (and the intercept).

    Earlier columns are kept, so the exposure (listed first) survives and a covariate that
    repeats it goes.
    """
    basis: list[np.ndarray] = []
    if intercept and len(X):
        basis.append(np.ones(len(X)) / np.sqrt(len(X)))
    redundant = []
    for name in X.columns:
        column = X[name].to_numpy(dtype=float)
        residual = column.copy()
        for _ in range(2):  # Gram-Schmidt twice: one pass loses orthogonality in floating point
            for q in basis:
                residual -= (q @ residual) * q
        norm = float(np.linalg.norm(residual))
        if norm <= 1e-9 * max(float(np.linalg.norm(column)), 1.0):
            redundant.append(str(name))
        else:
            basis.append(residual / norm)
    return redundant


def _term_columns(data: pd.DataFrame, term: str, levels: dict[str, list[str]]) -> list[str]:
    """The model-frame columns a regressor term expands to."""
    return [str(c) for c in regressor_matrix(data.iloc[:1], [term], dict(levels))[0].columns]


def build_frame(
    data: pd.DataFrame,
    outcome: str,
    terms: Sequence[str],
    design: SurveyDesign | None = None,
    fixed_effects: Sequence[str] = (),
    must_vary: Sequence[str] = (),
    model: str = "model",
    left_out: Mapping[str, np.ndarray] | None = None,
    domain: np.ndarray | None = None,
) -> ModelFrame:
    """Build the complete-case model frame of ``outcome ~ terms``.

    A covariate that takes one value among the respondents used, or that is collinear with the
    terms before it, is dropped with an :class:`EstimationWarning` naming it.

    Args:
        data: The survey table.
        outcome: Outcome column.
        terms: Regressor terms, the exposure first.
        design: Weights, strata and PSU columns.
        fixed_effects: Columns absorbed as fixed effects.
        must_vary: Terms without which the model means nothing (the exposure, a mediator): an
            error, not a warning, if they do not vary.
        model: The model's name, for messages.
        left_out: Respondents the model leaves out for a reason of its own, by reason: a
            boolean mask over the rows of ``data`` each (Heckman: selected respondents without
            the outcome). They are dropped and counted with the others.
        domain: Rows of a domain (subpopulation, a group of ``--by``): the model is fitted to
            them, the counts of respondents left out are theirs, and the other rows with the
            design's columns are kept in :attr:`ModelFrame.outside_design` for the variance.

    Raises:
        DataError: If a column is absent, the outcome is not numeric or takes one value, a
            ``must_vary`` term does not vary, weights are not positive, or no complete rows
            remain.
    """
    design = design or SurveyDesign()
    needed = [outcome, *(c for t in terms for c in source_columns(t)), *fixed_effects]
    require_columns(data, [*needed, *design.columns()], model)
    if data.empty:
        # Else: "no respondent has all of: bmi, integration ()". (Estimators refuse an empty
        # table in fit; this is for a frame built directly.)
        raise DataError(
            f"{model}: the data have no rows, so there is no respondent to fit; check the table "
            "given to fit() (a filter may have left none)"
        )
    _refuse_numbers_as_text(data, must_vary, model)
    refuse_out_of_schema(data, needed, model)
    regressors = [c for t in terms for c in source_columns(t)]
    if outcome in regressors:
        # It fitted a coefficient of exactly 1 and called it an estimate.
        raise DataError(
            f"{model}: '{outcome}' is the outcome and a regressor at once; choose another "
            "exposure or covariate"
        )
    y_all = as_float(data[outcome])
    if np.isnan(y_all).all() and data[outcome].notna().any():
        raise DataError(
            f"{model}: outcome '{outcome}' is not numeric ({_examples(data[outcome])}); recode "
            "it (e.g. in the column map)"
        )
    levels: dict[str, list[str]] = {}
    X, factors, interactions = regressor_matrix(data, terms, levels)
    used = [
        outcome,
        *regressors,
        *fixed_effects,
        *(c for c in (design.strata, design.cluster) if c),
    ]
    reasons = {f"{c} missing": _missing(data[c]) for c in dict.fromkeys(used)}
    # Text in a numeric outcome ("n/a") is read as missing; it was dropped without a reason.
    reasons.update(_not_a_number(data[outcome], y_all, outcome))
    # An infinite answer (a ratio over a zero) is no value: pyfixest had dropped such rows with
    # a warning of its own, so the count of dropped respondents said 0 while n_ was smaller.
    numbers = {outcome: y_all} | {c: as_float(data[c]) for c in regressors if c != outcome}
    for answered, read in numbers.items():
        infinite = np.isinf(read)
        if infinite.any():
            reasons[f"{answered} infinite"] = infinite
    keep = ~np.isnan(y_all) & ~X.isna().any(axis=1).to_numpy()
    for mask in reasons.values():
        keep &= ~mask
    weights = np.ones(len(data))
    if design.weights:
        weights = sampling_weights(data, design.weights, model)
        text = _not_a_number(data[design.weights], weights, design.weights)
        is_text = next(iter(text.values()), np.zeros(len(data), dtype=bool))
        reasons[f"{design.weights} missing"] = np.isnan(weights) & ~is_text
        reasons.update(text)
        # A zero weight stands for no one in the population: the respondent adds nothing to a
        # weighted estimate, so it is left out and counted rather than refused.
        reasons[f"{design.weights} zero"] = weights == 0
        keep &= ~np.isnan(weights) & (weights != 0)
    for reason, mask in (left_out or {}).items():
        reasons[reason] = np.asarray(mask, dtype=bool)
        keep &= ~reasons[reason]
    in_domain = np.ones(len(data), dtype=bool) if domain is None else np.asarray(domain, bool)
    in_design = np.ones(len(data), dtype=bool)
    for column in (design.cluster, design.strata):
        if column:
            in_design &= ~_missing(data[column])
    if design.weights:
        in_design &= ~np.isnan(weights)
    keep &= in_domain
    tally = {reason: int((mask & in_domain).sum()) for reason, mask in reasons.items()}
    if fixed_effects and keep.any():
        keep, singletons = drop_singletons(data.loc[:, list(fixed_effects)], keep, model)
        tally.update(singletons)
    if not keep.any():
        counted = "; ".join(f"{r}: {k:,}" for r, k in tally.items() if k)
        design_columns = [c for c in (design.weights, design.strata, design.cluster) if c]
        raise DataError(
            f"{model}: no respondent has all of: "
            f"{', '.join(dict.fromkeys([*needed, *design_columns]))}"
            + (f" ({counted})" if counted else "")
        )
    n_dropped = int((in_domain & ~keep).sum())
    if n_dropped:
        said = dropped_message(model, int(in_domain.sum()), n_dropped, tally)
        if any(" not a number" in r for r, k in tally.items() if k):
            said += (
                "; text in a numeric column is taken as missing: leave a missing answer blank, "
                "or recode the text if it stands for a value"
            )
        warn(said)
    n = int(keep.sum())
    y_used = y_all[keep]
    if np.unique(y_used).size == 1:
        raise DataError(
            f"{model}: outcome '{outcome}' is {y_used[0]:g} for all {n:,} respondents used, so "
            "there is nothing to explain; check the column, or the rows left after dropping "
            "those with missing values"
        )
    X = X.loc[keep]
    constant = [str(c) for c in X.columns if X[c].nunique() <= 1]
    for term in must_vary:
        columns = _term_columns(data, term, levels)
        if not columns:
            # A text column (or C(...)) of one category expands to no column at all: the model
            # was fitted without it, in silence.
            # Name the source column that has at most one category among the rows used.
            counts = {c: data.loc[keep, c].dropna().unique() for c in source_columns(term)}
            column, seen = min(counts.items(), key=lambda item: len(item[1]))
            held = f"takes one value ({seen[0]})" if len(seen) else "has no value"
            where = f"'{term}'" if column == term else f"'{term}' ('{column}')"
            raise DataError(
                f"{model}: {where} {held} for all {n:,} respondents used, so its effect on "
                f"'{outcome}' cannot be estimated; choose a variable that varies"
            )
        if set(columns) <= set(constant):
            values = ", ".join(f"{v:g}" for v in np.unique(X[columns[0]]))
            raise DataError(
                f"{model}: '{term}' takes one value ({values}) for all {n:,} respondents used, "
                f"so its effect on '{outcome}' cannot be estimated; choose a variable that varies"
            )
    if constant:
        X = X.drop(columns=constant)
        warn(f"{model}: {', '.join(constant)} dropped: one value for all {n:,} respondents used")
    _warn_single_category(data, terms, levels, must_vary, keep, model)
    collinear = collinear_columns(X, intercept=not fixed_effects)
    if collinear:
        X = X.drop(columns=collinear)
        warn(
            f"{model}: {', '.join(collinear)} dropped, being collinear with the regressors "
            "before it (a linear combination of them); drop it or recode"
        )
    check_degrees_of_freedom(model, n, X.shape[1], data.loc[keep, list(fixed_effects)])
    w = weights[keep]
    return ModelFrame(
        y=y_used,
        X=X.astype(float),
        weights=w / w.mean(),
        cluster=data[design.cluster].to_numpy()[keep] if design.cluster else None,
        strata=data[design.strata].to_numpy()[keep] if design.strata else None,
        fixed_effects=data.loc[keep, list(fixed_effects)],
        index=data.index[keep],
        n_dropped=n_dropped,
        dropped={reason: count for reason, count in tally.items() if count},
        factors={k: v for k, v in factors.items() if k in X.columns},
        interactions={k for k in interactions if k in X.columns},
        levels=levels,
        outside_design=None
        if domain is None
        else pd.DataFrame(
            {
                "cluster": data[design.cluster].to_numpy()[~keep & in_design]
                if design.cluster
                else None,
                "strata": data[design.strata].to_numpy()[~keep & in_design]
                if design.strata
                else None,
            },
            index=data.index[~keep & in_design],
        ),
    )


def _missing(series: pd.Series) -> np.ndarray:
    """Rows where a column has no usable value (missing; for a numeric column, not a number)."""
    if _is_categorical(series):
        return series.isna().to_numpy(dtype=bool)
    return np.isnan(as_float(series))


def _examples(series: pd.Series, shown: int = 3) -> str:
    """``'n/a', 'refused'``: the first few distinct values of a column, quoted."""
    values = [repr(str(v)) for v in pd.unique(series.dropna())[:shown]]
    return ", ".join(values) + (", ..." if series.dropna().nunique() > shown else "")


def _not_a_number(series: pd.Series, values: np.ndarray, column: str) -> dict[str, np.ndarray]:
    """``{"bmi not a number, e.g. 'n/a'": rows}``: rows of a numeric column holding text.

    ``values`` is the column read as numbers (:func:`as_float`); a row with a value that did not
    read as a number is counted under this reason rather than as missing. Empty if none.
    """
    text = series.notna().to_numpy(dtype=bool) & np.isnan(values)
    if not text.any():
        return {}
    return {f"{column} not a number, e.g. {_examples(series[text])}": text}


def _listed_rows(values: np.ndarray, rows: np.ndarray) -> str:
    """``1 (-1), 2 (inf) and 3 more``: the first five rows (numbered from 1) and their values."""
    return ", ".join(f"{r + 1} ({values[r]:g})" for r in rows[:5]) + (
        f" and {rows.size - 5:,} more" if rows.size > 5 else ""
    )


def sampling_weights(data: pd.DataFrame, column: str, model: str) -> np.ndarray:
    """The weight column as numbers, refusing text, infinite and negative weights with their rows.

    A missing weight (NaN) is not refused here: the respondent is left out and counted.

    Raises:
        DataError: If the column is not numeric or a weight is infinite or negative.
    """
    weights = as_float(data[column])
    source = data.attrs.get(SOURCE_KEY)
    where = f"{source}: " if source else ""
    if np.isnan(weights).all() and data[column].notna().any():
        # Else every row was dropped and the message blamed the outcome and exposure.
        raise DataError(
            f"{where}weights column '{column}' is not numeric; give a column of sampling "
            "weights (positive numbers)"
        )
    infinite = np.flatnonzero(np.isinf(weights))
    if infinite.size:
        # Else each estimator failed in its own words: pyfixest blamed its own column 'w' for
        # negative values, the logit's deviance was NaN, the ordered logit suspected separation.
        raise DataError(
            f"{where}{model}: weights column '{column}' has {infinite.size:,} infinite "
            f"value(s), rows {_listed_rows(weights, infinite)} (rows numbered from 1, the first "
            "respondent); a sampling weight is the number of people a respondent stands for, a "
            "finite number (an inverse selection probability of 0 gives inf): fix these rows, "
            "blank them to leave those respondents out, or choose another column"
        )
    with np.errstate(invalid="ignore"):
        negative = np.flatnonzero(weights < 0)
    if negative.size:
        raise DataError(
            f"{where}{model}: weights column '{column}' has {negative.size:,} negative "
            f"value(s), rows {_listed_rows(weights, negative)} (rows numbered from 1, the first "
            "respondent); a sampling weight is the number of people a respondent stands for: "
            "fix these rows or choose another column"
        )
    return weights


#: A text column whose values read as numbers, with at most this many whole-number values, is
#: taken for codes (a city tier stored as text) and fitted as categories without a word.
FEW_CODES = 10


def _refuse_numbers_as_text(data: pd.DataFrame, terms: Sequence[str], model: str) -> None:
    """Refuse an exposure (or moderator, mediator) that holds numbers stored as text.

    A text column becomes one dummy per value: an exposure ``integration`` read as text gave
    3,000 dummies for 3,000 respondents and a message about coefficients that never said the
    column was text. Columns written ``C(x)`` and a few whole-number codes are categories.

    Raises:
        DataError: Naming the column, a few of its values, and how to convert it.
    """
    for term in terms:
        if ":" in term or _CATEGORICAL.match(term) or term not in data.columns:
            continue
        series = data[term]
        if not _is_categorical(series):
            continue
        distinct = pd.Series(pd.unique(series.dropna()), dtype=object)
        numbers = as_float(distinct)
        read = ~np.isnan(numbers)
        if not read.any() or read.sum() * 2 < distinct.size:
            continue  # text categories (sex, dest_city), not numbers
        whole = np.all(numbers[read] == np.round(numbers[read]))
        if read.sum() <= FEW_CODES and whole:
            continue  # codes such as a tier "1".."4": categories
        other = distinct[~read]
        text = f", and text that is not a number ({_examples(other)})" if other.size else ""
        raise DataError(
            f"{model}: '{term}' holds numbers stored as text ({_examples(distinct[read])}: "
            f"{distinct.size:,} distinct values{text}), which would be fitted as one dummy per "
            f"value; convert it to numbers before fitting, e.g. data['{term}'] = "
            f"pd.to_numeric(data['{term}'], errors='coerce') (text such as 'n/a' becomes "
            f"missing) or a derive in the column map, or write C({term}) to fit its values as "
            "categories"
        )


def _warn_single_category(
    data: pd.DataFrame,
    terms: Sequence[str],
    levels: dict[str, list[str]],
    must_vary: Sequence[str],
    keep: np.ndarray,
    model: str,
) -> None:
    """Warn of a text covariate of one category, which expands to no column at all.

    A numeric constant is dropped with a warning above; a text column of one category (``sex``
    all ``male``) has no dummy to drop, so it used to leave the model without a word.
    """
    n = int(keep.sum())
    for term in terms:
        if term in must_vary or _term_columns(data, term, levels):
            continue
        values = {c: data.loc[keep, c].dropna().unique() for c in source_columns(term)}
        column, seen = min(values.items(), key=lambda item: len(item[1]))
        held = f"one value ({seen[0]})" if len(seen) else "no value"
        where = term if column == term else f"{term} ({column})"
        warn(f"{model}: {where} dropped: {held} for all {n:,} respondents used")
