"""``migrant-health survey``: validate survey files, build the integration index, estimate models.

The commands are thin: reading and validation live in :mod:`migrant_health.survey`, the index and
estimators in :mod:`migrant_health.analysis`. Every user error (a
:class:`~migrant_health.errors.MigrantHealthError`) is printed to stderr and exits with status 2,
without a traceback; files are written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from migrant_health.analysis.frame import source_columns
from migrant_health.analysis.index import IntegrationIndex, add_integration_index
from migrant_health.analysis.models import make_estimator
from migrant_health.analysis.tables import FORMATS, regression_table
from migrant_health.errors import DataError, MigrantHealthError
from migrant_health.params import Scenario
from migrant_health.survey.errors import SurveyValidationError
from migrant_health.survey.readers import atomic_path, read_survey, write_survey
from migrant_health.survey.schema import SCHEMA
from migrant_health.survey.synth import MeasurementModel, synthesize_survey
from migrant_health.survey.validate import check_survey

survey_app = typer.Typer(
    help="Survey microdata: validate a file, build the integration index, estimate models.",
    no_args_is_help=True,
)
_err = Console(stderr=True, soft_wrap=True)
_out = Console(soft_wrap=True)
T = TypeVar("T")

ESTIMATE_MODELS = (
    "ologit",
    "oprobit",
    "logit",
    "ols",
    "iv",
    "mediation",
    "heterogeneity",
    "heckman",
)

DataArg = Annotated[Path, typer.Argument(help="Survey file: .csv, .parquet, .dta or .sav")]
MapOpt = Annotated[
    Path | None,
    typer.Option("--column-map", "-m", help="YAML column map renaming/recoding the file"),
]


def _guard(action: Callable[[], T]) -> T:
    """Run ``action``; print a user error to stderr and exit 2 without a traceback."""
    try:
        return action()
    except MigrantHealthError as exc:
        message = str(exc)
    except np.linalg.LinAlgError as exc:
        message = (
            f"the model could not be estimated ({exc}): covariates are collinear or an "
            "instrument is rank-deficient; drop or combine variables"
        )
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        message = f"cannot read or write{where}: {exc.strerror or exc}"
    _err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(2)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataError(f"{path}: write .csv or .parquet")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)


@survey_app.command()
def validate(
    data: DataArg,
    column_map: MapOpt = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write every problem to this CSV file")
    ] = None,
) -> None:
    """Check a survey file against the full schema and report every problem at once."""

    def run() -> None:
        frame = read_survey(data, column_map)
        _, found = check_survey(frame, require="full", source=str(data))
        if report is not None:
            _write_table(found.frame, report)
        if not found.ok:
            raise SurveyValidationError(found)
        extra = [c for c in frame.columns if c not in SCHEMA]
        _out.print(
            f"{data}: valid: {len(frame):,} respondents, "
            f"{len(frame.columns) - len(extra)} schema columns"
            + (f", {len(extra)} other columns kept" if extra else ""),
            highlight=False,
        )

    _guard(run)


@survey_app.command()
def index(
    data: DataArg,
    method: Annotated[str, typer.Option(help="Weights: equal, entropy or pca")] = "equal",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write per-respondent scores (.csv/.parquet)")
    ] = None,
    column_map: MapOpt = None,
) -> None:
    """Compute the four-dimension integration index, stage and living type."""

    def run() -> None:
        frame = read_survey(data, column_map)
        _, found = check_survey(frame, require="full", source=str(data))
        if not found.ok:
            raise SurveyValidationError(found)
        model = IntegrationIndex(method).fit(frame)
        scores = model.transform(frame)
        if out is not None:
            _write_table(scores, out)
        table = Table(title=f"Integration index weights ({method})")
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
        stages = scores["stage"].value_counts(normalize=True)
        _out.print(
            f"n = {len(scores):,}; mean composite {scores['integration'].mean():.3f}; stages: "
            + ", ".join(f"{k} {v:.1%}" for k, v in stages.items()),
            highlight=False,
        )
        if out is not None:
            _out.print(f"scores written to {out}", highlight=False)

    _guard(run)


def _named_columns(options: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in (
        "outcome",
        "exposure",
        "mediator",
        "by",
        "weights",
        "cluster",
        "strata",
        "selection",
        "interaction",
    ):
        if options.get(key):
            names.extend(source_columns(str(options[key])))
    for key in ("covariates", "instruments", "endogenous", "selection_covariates", "fixed_effects"):
        for term in options.get(key) or ():
            names.extend(source_columns(term))
    return list(dict.fromkeys(names))


def _validated_columns(frame: pd.DataFrame, columns: list[str], source: str) -> pd.DataFrame:
    """Check only the schema columns a model names; coerce them in place."""
    schema_cols = [c for c in columns if c in SCHEMA and c in frame.columns]
    table, found = check_survey(frame.loc[:, schema_cols], require=None, source=source)
    if not found.ok:
        raise SurveyValidationError(found)
    frame = frame.copy()
    for col in schema_cols:
        frame[col] = table[col]
    return frame


def _options(model: str, raw: dict[str, Any]) -> dict[str, Any]:
    common = {k: raw[k] for k in ("weights", "cluster", "alpha")}
    strata = {"strata": raw["strata"]}
    base = {"outcome": raw["outcome"], "exposure": raw["exposure"], "covariates": raw["covariates"]}
    if model in ("ologit", "oprobit"):
        return {**base, **common, **strata}
    if model in ("logit", "ols"):
        return {
            **base,
            **common,
            **strata,
            "interaction": raw["interaction"],
            "fixed_effects": raw["fixed_effects"],
        }
    if model == "iv":
        return {
            "outcome": raw["outcome"],
            "covariates": raw["covariates"],
            "endogenous": raw["endogenous"],
            "instruments": raw["instruments"],
            **common,
        }
    if model == "mediation":
        return {
            **base,
            **common,
            **strata,
            "mediator": raw["mediator"],
            "method": raw["ci_method"],
            "n_sims": raw["sims"],
            "top_from": raw["top_from"],
            "each_category": raw["each_category"],
            "random_state": raw["seed"],
        }
    if model == "heterogeneity":
        return {**base, **common, **strata, "by": raw["by"], "model": raw["group_model"]}
    return {
        **base,
        **common,
        **strata,
        "selection": raw["selection"],
        "selection_covariates": raw["selection_covariates"],
    }


def _extras(model: str, est: Any) -> list[tuple[str, pd.DataFrame]]:
    """Model-specific tables printed after the coefficient table."""
    if model in ("ologit", "oprobit") and est.ame_ is not None:
        return [("Average marginal effects on P(outcome = category)", est.ame_)]
    if model == "iv":
        return [("First stage", est.first_stage_)]
    if model == "heterogeneity":
        test = pd.DataFrame([est.equal_effects_])
        return [("Test of equal effects across groups", test)]
    if model == "mediation":
        return [("Mediator model", est.mediator_model_), ("Outcome model", est.outcome_model_)]
    if model in ("ols", "logit") and est.slopes_by_group_ is not None:
        return [("Slope of the exposure by group", est.slopes_by_group_)]
    return []


@survey_app.command()
def estimate(
    data: DataArg,
    model: Annotated[str, typer.Option(help="|".join(ESTIMATE_MODELS))],
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
        str | None, typer.Option(help="Moderator of the exposure (ols, logit)")
    ] = None,
    fixed_effects: Annotated[
        str | None, typer.Option(help="Comma-separated FE (ols, logit)")
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
    seed: Annotated[int, typer.Option(help="Random seed (mediation)")] = 0,
    alpha: Annotated[float, typer.Option(help="1 - confidence level")] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON result")] = False,
    table_format: Annotated[str, typer.Option("--format", help="|".join(FORMATS))] = "text",
    column_map: MapOpt = None,
) -> None:
    """Fit a model to a survey file and print a table (or JSON with --json)."""

    def run() -> None:
        if model not in ESTIMATE_MODELS:
            raise DataError(
                f"unknown --model '{model}'; choose one of {', '.join(ESTIMATE_MODELS)}"
            )
        if table_format not in FORMATS:
            raise DataError(
                f"unknown --format '{table_format}'; choose one of {', '.join(FORMATS)}"
            )
        frame = read_survey(data, column_map)
        if with_index:
            frame = add_integration_index(frame, index_method)
        raw = {
            "outcome": outcome,
            "exposure": exposure or ("integration" if with_index else None),
            "mediator": mediator,
            "covariates": _split(covariates),
            "by": by,
            "group_model": group_model,
            "weights": weights,
            "cluster": cluster,
            "strata": strata,
            "interaction": interact,
            "fixed_effects": _split(fixed_effects),
            "instruments": _split(instruments),
            "endogenous": _split(endogenous),
            "selection": selection,
            "selection_covariates": _split(selection_covariates),
            "ci_method": ci_method,
            "sims": sims,
            "top_from": top_from,
            "each_category": each_category,
            "seed": seed,
            "alpha": alpha,
        }
        if sims < 1:
            raise DataError(f"--sims {sims} must be at least 1")
        if not 0.0 < alpha < 1.0:
            raise DataError(f"--alpha {alpha} must lie strictly between 0 and 1")
        if model == "mediation" and not raw["exposure"]:
            raise DataError("mediation needs --exposure (or --index for the integration index)")
        if model == "heckman" and not selection:
            raise DataError("heckman needs --selection (0/1: still in the city)")
        options = _options(model, raw)
        frame = _validated_columns(frame, _named_columns(options), str(data))
        fitted = make_estimator(model, **options).fit(frame)
        if as_json:
            typer.echo(json.dumps(fitted.to_dict(), indent=2, default=float))
            return
        typer.echo(f"{model}: {outcome}, n = {int(getattr(fitted, 'n_', 0)):,}")
        typer.echo(regression_table([fitted], [model], format=table_format))  # type: ignore[arg-type]
        for title, extra in _extras(model, fitted):
            typer.echo(f"\n{title}")
            typer.echo(extra.to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    _guard(run)


@survey_app.command()
def synth(
    year: Annotated[int, typer.Option(help="Survey year (within the simulation's years)")],
    n: Annotated[int, typer.Option("--n", help="Out-migrants to draw")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output: .csv, .parquet, .dta or .sav")],
    seed: Annotated[int, typer.Option(help="Seed of the simulation and the draw")] = 1,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario YAML applied to the simulation")
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
    workers: Annotated[int, typer.Option(help="Simulation processes")] = 1,
) -> None:
    """Simulate to YEAR and write a synthetic survey of N out-migrants in the schema."""

    def run() -> None:
        if out.suffix.lower() not in (".csv", ".parquet", ".dta", ".sav"):
            raise DataError(f"{out}: write .csv, .parquet, .dta or .sav")
        if not out.parent.is_dir():
            raise DataError(f"{out}: the folder {out.parent} does not exist")
        frame = synthesize_survey(
            year,
            n,
            seed=seed,
            scenario=Scenario.from_yaml(scenario) if scenario is not None else None,
            include_origin=include_origin,
            origin_n=origin_n,
            model=MeasurementModel(nonresponse=nonresponse, srh_levels=srh_levels),
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

    _guard(run)
