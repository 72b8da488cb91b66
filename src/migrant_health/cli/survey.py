"""``migrant-health survey``: validate survey files, build the integration index, estimate models.

The commands are thin: reading and validation live in :mod:`migrant_health.survey`, the index and
estimators in :mod:`migrant_health.analysis`, the synthetic survey in
:mod:`migrant_health.experiments.synthetic_survey`. Every user error is printed to stderr and
exits with status 2, without a traceback (:func:`~migrant_health.cli.errors.friendly_errors`);
files are written atomically.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from migrant_health.analysis.diagnostics import restated_warnings
from migrant_health.analysis.model_names import FORMATS, MODEL_NAMES
from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.estimate_options import given_options, named_columns, resolved_options
from migrant_health.cli.output import (
    DATA_FORMATS,
    FormatOpt,
    check_format,
    emit,
    records,
    stderr,
    warn_ignored,
)
from migrant_health.errors import DataError
from migrant_health.writable import check_can_write

if TYPE_CHECKING:
    import pandas as pd

    from migrant_health.analysis.index import IntegrationIndex

# The estimators (statsmodels, SciPy), the simulation, and the survey readers and schema (pandas,
# PyArrow, pyreadstat) are imported inside the functions that use them: every start of the
# command line, even --help, would otherwise load them (seconds each time). The model names and
# formats that the options' help lists come from analysis.model_names, which imports nothing.

survey_app = typer.Typer(
    help="Survey microdata: validate a file, build the integration index, estimate models.",
    no_args_is_help=True,
    rich_markup_mode="markdown",  # docstrings reflow as paragraphs, ``code`` as code
)
_out = Console(soft_wrap=True)

DataArg = Annotated[Path, typer.Argument(help="Survey file: .csv, .parquet, .dta or .sav")]
MapOpt = Annotated[
    Path | None,
    typer.Option("--column-map", "-m", help="YAML column map renaming/recoding the file"),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        help="Text encoding of a CSV file (or an old Stata/SPSS file), e.g. gbk; "
        "default: UTF-8 (with or without BOM) or GB18030, detected"
    ),
]
TABLE_SUFFIXES = ".csv, .parquet, .dta or .sav"
WEIGHT_COLUMNS = ("indicator", "dimension", "weight", "within_dimension")
# survey estimate prints its tables in these formats, or its result as json or csv.
ESTIMATE_FORMATS: tuple[str, ...] = (*FORMATS, *DATA_FORMATS)


@survey_app.command()
@friendly_errors
def validate(
    data: DataArg,
    column_map: MapOpt = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help=f"Write every problem to this file ({TABLE_SUFFIXES})"),
    ] = None,
    encoding: EncodingOpt = None,
    output_format: FormatOpt = "text",
) -> None:
    """Check a survey file against the full schema and report every problem at once.

    The command exits with status 2 when anything is wrong, in every format (the readable
    report then goes to stderr). json: an object with keys file, valid (true or false),
    respondents, schema_columns, other_columns, encoding (as detected, null for Parquet, Stata
    and SPSS files read without one) and problems, a list of rows. csv: the problems, only a
    header row when the file is valid. A problem has the columns column, row (1 for the first
    respondent, null/empty for a problem of the whole column), reason and value.
    """
    from migrant_health.survey.errors import SurveyValidationError
    from migrant_health.survey.readers import file_format, read_survey, write_survey
    from migrant_health.survey.validate import check_survey

    check_format(output_format)
    if report is not None:
        file_format(report)
        check_can_write(report, "report")
    frame = read_survey(data, column_map, encoding=encoding)
    _, found = check_survey(frame, require="full", source=str(data))
    if report is not None:
        write_survey(found.frame, report)
    facts = _file_facts(frame)
    if output_format != "text":
        problems = found.frame.astype({"row": "Int64"})
        document = {"file": str(data), "valid": found.ok, **facts, "problems": records(problems)}
        emit(output_format, document, problems)
    if not found.ok:
        raise SurveyValidationError(found)
    if output_format == "text":
        _out.print(f"{data}: valid: {_validity_text(facts)}", highlight=False)


def _file_facts(frame: pd.DataFrame) -> dict[str, object]:
    """What ``survey validate`` says of a file besides its problems."""
    from migrant_health.survey.readers import ENCODING_KEY
    from migrant_health.survey.schema import SCHEMA

    extra = [c for c in frame.columns if c not in SCHEMA]
    return {
        "respondents": len(frame),
        "schema_columns": len(frame.columns) - len(extra),
        "other_columns": len(extra),
        "encoding": frame.attrs.get(ENCODING_KEY),
    }


def _validity_text(facts: dict[str, object]) -> str:
    """What ``survey validate`` prints of a valid file after ``FILE: valid:``."""
    read_as = facts["encoding"]
    return (
        f"{facts['respondents']:,} respondents, "
        f"{facts['schema_columns']} schema columns"
        + (f", {facts['other_columns']} other columns kept" if facts["other_columns"] else "")
        + (f" (read as {str(read_as).upper()})" if read_as not in (None, "utf-8-sig") else "")
    )


@survey_app.command()
@friendly_errors
def index(
    data: DataArg,
    method: Annotated[str, typer.Option(help="Weights: equal, entropy or pca")] = "equal",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=f"Write per-respondent scores ({TABLE_SUFFIXES})"),
    ] = None,
    column_map: MapOpt = None,
    encoding: EncodingOpt = None,
    output_format: FormatOpt = "text",
) -> None:
    """Compute the four-dimension integration index, stage and living type.

    The mean composite and the stage shares use the survey's weight column when it has one
    (weighted: true), else count every respondent alike.

    json: an object with keys method, n (respondents), weighted, mean_integration (the mean
    composite), dimension_weights and stages (shares of respondents), both mappings of name to
    number, scores_file (--out, or null) and weights, a list of rows. csv: the weights. A
    weight has the columns indicator, dimension, weight and within_dimension.
    """
    from migrant_health.survey.errors import SurveyValidationError
    from migrant_health.survey.readers import file_format, read_survey, write_survey
    from migrant_health.survey.validate import check_survey

    check_format(output_format)
    if out is not None:
        file_format(out)
        check_can_write(out, "out")
    frame = read_survey(data, column_map, encoding=encoding)
    _, found = check_survey(frame, require="full", source=str(data))
    if not found.ok:
        raise SurveyValidationError(found)
    from migrant_health.analysis.index import IntegrationIndex

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = IntegrationIndex(method).fit(frame)
    for message in dict.fromkeys(str(w.message) for w in caught):
        typer.echo(f"warning: {message}", err=True)
    scores = model.transform(frame)
    if out is not None:
        write_survey(scores, out)
    mean, stages, weighted = _weighted_summary(scores, frame)
    if output_format == "text":
        _print_index(model, scores, out, mean, stages, weighted)
        return
    weights = model.weight_table_.loc[:, list(WEIGHT_COLUMNS)]
    document = {
        "method": method,
        "n": len(scores),
        "weighted": weighted,
        "mean_integration": mean,
        "dimension_weights": dict(model.dimension_weights_.items()),
        "stages": dict(stages.items()),
        "scores_file": None if out is None else str(out),
        "weights": records(weights),
    }
    emit(output_format, document, weights)


def _weighted_summary(scores: pd.DataFrame, frame: pd.DataFrame) -> tuple[float, pd.Series, bool]:
    """The mean composite and the stage shares, with the survey's weights if it has them.

    Returns:
        The mean, the shares by stage (largest first) and whether weights were used.
    """
    import numpy as np
    import pandas as pd

    weight = frame["weight"] if "weight" in frame.columns else None
    if weight is None or weight.isna().all():
        stages = scores["stage"].value_counts(normalize=True)
        return float(scores["integration"].mean()), stages, False
    w = pd.to_numeric(weight, errors="coerce").to_numpy(dtype=float)
    scored = scores["integration"].notna().to_numpy() & np.isfinite(w)
    mean = float(np.average(scores["integration"].to_numpy()[scored], weights=w[scored]))
    staged = scores["stage"].notna().to_numpy() & np.isfinite(w)
    totals = pd.Series(w[staged]).groupby(scores["stage"].to_numpy()[staged]).sum()
    return mean, (totals / totals.sum()).sort_values(ascending=False), True


def _print_index(
    model: IntegrationIndex,
    scores: pd.DataFrame,
    out: Path | None,
    mean: float,
    stages: pd.Series,
    weighted: bool,
) -> None:
    """The text of ``survey index``: the weights, the dimension weights and the stages."""
    table = Table(title=f"Integration index weights ({model.method})")
    for col in ("indicator", "dimension", "weight", "within dimension"):
        table.add_column(col, justify="right" if "weight" in col or "within" in col else "left")
    for _, row in model.weight_table_.iterrows():
        table.add_row(
            row["indicator"],
            row["dimension"],
            f"{row['weight']:.3f}",
            f"{row['within_dimension']:.3f}",
        )
    _out.print(table)
    dims = ", ".join(f"{d} {w:.3f}" for d, w in model.dimension_weights_.items())
    _out.print(f"dimension weights: {dims}", highlight=False)
    _out.print(
        f"n = {len(scores):,}; mean composite {mean:.3f}; stages: "
        + ", ".join(f"{k} {v:.1%}" for k, v in stages.items())
        + (" (weighted)" if weighted else " (unweighted: the file has no weights)"),
        highlight=False,
    )
    if out is not None:
        _out.print(f"scores written to {out}", highlight=False)


def _validated_columns(frame: pd.DataFrame, columns: list[str], source: str) -> pd.DataFrame:
    """Check only the schema columns a model names; coerce them in place."""
    from migrant_health.survey.errors import SurveyValidationError
    from migrant_health.survey.schema import SCHEMA
    from migrant_health.survey.validate import check_survey

    schema_cols = [c for c in columns if c in SCHEMA and c in frame.columns]
    table, found = check_survey(frame.loc[:, schema_cols], require=None, source=source)
    if not found.ok:
        raise SurveyValidationError(found)
    frame = frame.copy()
    for col in schema_cols:
        frame[col] = table[col]
    return frame


@survey_app.command()
@friendly_errors
def estimate(
    ctx: typer.Context,
    data: DataArg,
    model: Annotated[str, typer.Option(help="|".join(MODEL_NAMES))],
    outcome: Annotated[str, typer.Option(help="Outcome column")],
    exposure: Annotated[str | None, typer.Option(help="Main regressor (e.g. integration)")] = None,
    mediator: Annotated[str, typer.Option(help="Mediator (mediation)")] = "social_support",
    covariates: Annotated[str | None, typer.Option(help="Comma-separated covariates")] = None,
    by: Annotated[str, typer.Option(help="Grouping column (heterogeneity)")] = "sex",
    group_model: Annotated[str, typer.Option(help="Model within groups (heterogeneity)")] = "ols",
    weights: Annotated[str | None, typer.Option(help="Probability-weight column")] = None,
    cluster: Annotated[str | None, typer.Option(help="Cluster / PSU column")] = None,
    strata: Annotated[str | None, typer.Option(help="Stratum column")] = None,
    interact: Annotated[
        str | None,
        typer.Option(
            help="Binary (0/1) or categorical moderator of the exposure (ols, logit, probit)"
        ),
    ] = None,
    fixed_effects: Annotated[
        str | None, typer.Option(help="Comma-separated FE (ols, logit, probit, health-selection)")
    ] = None,
    instruments: Annotated[str | None, typer.Option(help="Instruments (iv)")] = None,
    endogenous: Annotated[str | None, typer.Option(help="Endogenous regressors (iv)")] = None,
    selection: Annotated[str | None, typer.Option(help="0/1 observed indicator (heckman)")] = None,
    selection_covariates: Annotated[
        str | None, typer.Option(help="Selection-equation covariates (heckman)")
    ] = None,
    with_index: Annotated[
        bool, typer.Option("--index", help="Compute the integration index first")
    ] = False,
    index_method: Annotated[str, typer.Option(help="Index weights with --index")] = "equal",
    ci_method: Annotated[
        str, typer.Option(help="simulation or bootstrap (mediation)")
    ] = "simulation",
    sims: Annotated[int, typer.Option(help="Simulations / bootstrap replicates")] = 1000,
    top_from: Annotated[float, typer.Option(help="Ordinal mediation: P(outcome >= this)")] = 4,
    each_category: Annotated[bool, typer.Option(help="Ordinal mediation: every category")] = False,
    good_from: Annotated[
        float | None,
        typer.Option(help="Health at or above this is good (health-selection; srh: 4)"),
    ] = None,
    migrants: Annotated[
        str,
        typer.Option(
            help="Migrants of the healthy-migrant test: ever (current or returned) or current "
            "(destination versus origin) (health-selection)"
        ),
    ] = "ever",
    seed: Annotated[int, typer.Option(help="Random seed (mediation)")] = 0,
    link: Annotated[
        str, typer.Option(help="logit or probit: binary or ordinal outcome model (mediation)")
    ] = "logit",
    outcome_type: Annotated[
        str, typer.Option(help="auto, continuous, binary or ordinal (mediation)")
    ] = "auto",
    treat_value: Annotated[
        float, typer.Option(help="Exposure value of the treated condition (mediation)")
    ] = 1.0,
    control_value: Annotated[
        float, typer.Option(help="Exposure value of the control condition (mediation)")
    ] = 0.0,
    se: Annotated[
        str, typer.Option(help="robust (design-based) or conventional (textbook) SEs (heckman)")
    ] = "robust",
    alpha: Annotated[float, typer.Option(help="1 - confidence level")] = 0.05,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON result: --format json")
    ] = False,
    table_format: Annotated[
        str, typer.Option("--format", help="|".join(ESTIMATE_FORMATS))
    ] = "text",
    column_map: MapOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """Fit a model to a survey file and print a table (or JSON with --format json).

    Each model takes the flags that set options of its estimator (see
    ``migrant_health.analysis.models``); a flag the model does not take is an error. Doubts
    about the estimate (a dropped covariate, separation, no convergence) are printed once each
    on stderr as ``warning: ...``; JSON has ``null`` where a number is undefined, never NaN.

    --format text, markdown, latex or html prints the regression table and the model's extra
    tables. json (also --json): the estimator's result, an object with keys model, n and
    coefficients (term to estimate, se, p, ci_low, ci_high), plus the model's own keys (for
    mediation acme, ade, total and prop_mediated). csv: the coefficient table, with the columns
    term, estimate, se, p, ci_low and ci_high, plus the model's own (such as equation, group
    or category); for mediation, the effects table (term, scale, estimate, se, p, ci_low,
    ci_high); the extra tables are in the json.
    """
    table_format = _estimate_format(table_format, as_json)
    if model not in MODEL_NAMES:
        raise DataError(f"unknown --model '{model}'; choose one of {', '.join(MODEL_NAMES)}")
    if not 0.0 < alpha < 1.0:
        raise DataError(f"--alpha {alpha} must lie strictly between 0 and 1")
    from migrant_health.analysis.index import add_integration_index
    from migrant_health.analysis.models import model_spec
    from migrant_health.analysis.tables import regression_table
    from migrant_health.survey.readers import read_survey

    if not with_index and index_method != "equal":
        warn_ignored("--index-method", "--index")
    spec = model_spec(model)
    options = given_options(ctx, model, spec)
    frame = read_survey(data, column_map, encoding=encoding)
    if with_index:
        frame = add_integration_index(frame, index_method)
        if "exposure" in spec.options():
            options.setdefault("exposure", "integration")
    resolved = resolved_options(spec, options)
    if resolved.get("exposure") == "integration" and "integration" not in frame.columns:
        if "exposure" in options:
            raise DataError(
                f"{model}: --exposure integration names the integration index, which the file "
                "lacks; add --index to compute it from the four dimensions, or name a column "
                "of the file"
            )
        raise DataError(f"{model} needs --exposure (or --index for the integration index)")
    frame = _validated_columns(frame, named_columns(resolved), str(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with restated_warnings(model):
            fitted = spec.build(**options).fit(frame)
    for message in dict.fromkeys(str(w.message) for w in caught):
        typer.echo(f"warning: {message}", err=True)
    if table_format in DATA_FORMATS:
        emit(table_format, fitted.to_dict(), fitted.summary())
        return
    heading = f"{model}: {outcome}, n = {int(getattr(fitted, 'n_', 0)):,}"
    typer.echo(_markup_comment(heading, table_format))
    typer.echo(regression_table([fitted], [model], format=table_format))  # type: ignore[arg-type]
    for title, extra in fitted.extra_tables().items():
        if extra.empty:  # marginal effects of a model without regressors, say
            continue
        typer.echo("\n" + _markup_comment(title, table_format))
        typer.echo(_render_extra(extra, table_format))


def _estimate_format(table_format: str, as_json: bool) -> str:
    """The format ``survey estimate`` prints: ``--format``, or json with ``--json``.

    Raises:
        DataError: For an unknown format, or ``--json`` with another ``--format`` than json.
    """
    check_format(table_format, ESTIMATE_FORMATS)
    if not as_json:
        return table_format
    if table_format not in ("text", "json"):
        raise DataError(f"--json means --format json; give --json or --format {table_format}")
    return "json"


def _markup_comment(text: str, table_format: str) -> str:
    """A heading that leaves LaTeX and HTML output valid markup (a comment there)."""
    if table_format == "latex":
        return f"% {text}"
    if table_format == "html":
        return f"<!-- {text} -->"
    return text


def _render_extra(extra: pd.DataFrame, table_format: str) -> str:
    """An estimator's extra table in the format of the main table."""
    if table_format == "latex":
        return extra.to_latex(index=False, float_format=lambda v: f"{v:.4g}")
    if table_format == "html":
        return extra.to_html(index=False, float_format=lambda v: f"{v:.4g}")
    if table_format == "markdown":
        from migrant_health.analysis.tables import markdown_frame

        return markdown_frame(extra)
    return extra.to_string(index=False, float_format=lambda v: f"{v:.4g}")


@survey_app.command()
@friendly_errors
def synth(
    year: Annotated[int, typer.Option(help="Survey year (within the simulation's years)")],
    n: Annotated[int, typer.Option("--n", help="Out-migrants to draw")],
    out: Annotated[Path, typer.Option("--out", "-o", help=f"Output: {TABLE_SUFFIXES}")],
    seed: Annotated[int, typer.Option(help="Seed of the simulation and the draw")] = 1,
    scenario: Annotated[
        str | None,
        typer.Option(help="A shipped scenario or a scenario YAML applied to the simulation"),
    ] = None,
    include_origin: Annotated[
        bool, typer.Option("--include-origin", help="Add returnees and never-migrated people")
    ] = False,
    origin_n: Annotated[
        int | None, typer.Option(help="Respondents per origin group (default n/2)")
    ] = None,
    nonresponse: Annotated[
        float, typer.Option(help="Share of income and depression answers missing")
    ] = 0.02,
    srh_levels: Annotated[int, typer.Option(help="5 (as simulated) or 4 (CMDS)")] = 5,
    workers: Annotated[
        int, typer.Option(help="Simulation processes (0 = every available core)")
    ] = 1,
) -> None:
    """Simulate to YEAR and write a synthetic survey of N out-migrants in the schema."""
    from migrant_health.survey.readers import file_format, write_survey

    if origin_n is not None and not include_origin:
        warn_ignored("--origin-n", "--include-origin")
    file_format(out)
    if not out.parent.is_dir():
        raise DataError(f"{out}: the folder {out.parent} does not exist")
    check_can_write(out, "out")  # before the simulation, not after it
    from migrant_health.cli.preflight import (
        compile_first,
        warn,
        warn_levers_from_the_start,
        workers_from_option,
    )
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.experiments.synthetic_survey import (
        MeasurementModel,
        check_survey_request,
        synthesize_survey,
    )
    from migrant_health.scenarios import resolve_stack
    from migrant_health.scenarios.levers import (
        IdleLeverWarning,
        LeverTimingWarning,
        idle_levers_message,
    )

    workers = workers_from_option(workers)
    measurement = MeasurementModel(nonresponse=nonresponse, srh_levels=srh_levels)
    stack = resolve_stack([scenario] if scenario else [])
    check_survey_request(year, n, origin_n, include_origin, measurement)
    if stack is not None:
        warn_levers_from_the_start(stack)  # in the command's words, before the run
        idle = idle_levers_message(stack.idle_paths(year), len(stack.overrides), year, stack.origin)
        if idle is not None:
            warn(idle)
    # A first run says so and compiles side by side, as every other command that simulates;
    # after every check, so that a typo does not cost the compilation.
    compile_first(RunConfig(end=year, seed=seed), stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeverTimingWarning)  # said above
        warnings.simplefilter("ignore", IdleLeverWarning)
        frame = synthesize_survey(
            year,
            n,
            seed=seed,
            scenario=stack,
            include_origin=include_origin,
            origin_n=origin_n,
            model=measurement,
            workers=workers,
        )
    write_survey(frame, out)
    groups = frame["migration_status"].value_counts()
    _out.print(
        f"{out}: {len(frame):,} respondents ("
        + ", ".join(f"{k} {v:,}" for k, v in groups.items())
        + f"), survey year {year}",
        highlight=False,
    )
