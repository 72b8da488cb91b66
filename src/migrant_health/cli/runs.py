"""``migrant-health runs``: list, show and delete the run and comparison directories.

The commands are thin: the catalogue lives in :mod:`migrant_health.catalogue`. Each refreshes
the catalogue from the directories before reading it, so what they print is what is on disk.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.output import FormatOpt, check_format, emit, records
from migrant_health.cli.preflight import warn
from migrant_health.value_text import value_text

# The catalogue (DuckDB, pandas, and the store with Numba: seconds) is imported in the functions
# that use it: every start of the command line, even --help, imports this module.

#: The runs folder: :data:`migrant_health.store.RUNS`, which the default of ``--runs`` cannot
#: read without importing the store (tests/test_cli_start.py checks that they agree).
RUNS = Path("runs")

runs_app = typer.Typer(
    help="The results store: list, show and delete run and comparison directories.",
    no_args_is_help=True,
    rich_markup_mode="markdown",  # docstrings reflow as paragraphs, ``code`` as code
)
_out = Console(soft_wrap=True)

RunsOpt = Annotated[
    Path,
    typer.Option("--runs", help="The runs folder (it holds the catalogue, catalogue.duckdb)."),
]
IdArg = Annotated[
    str, typer.Argument(help="Id of a run, comparison or sensitivity study (its directory's name).")
]


@contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Print the catalogue's warnings (a busy catalogue, a broken directory) on stderr."""
    from migrant_health import catalogue

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", catalogue.CatalogueWarning)
        try:
            yield
        finally:
            # Also before an error: a broken directory explains why an id is unknown.
            for message in dict.fromkeys(str(w.message) for w in caught):
                warn(message)


def register_new_run(out: Path) -> None:
    """Add a run just written by ``simulate`` to the catalogue, if it is in the runs folder.

    Never fails: the run is on disk, and the catalogue is only an index that the next
    ``runs list`` brings up to date, so any failure here is a warning.
    """
    if out.resolve().parent != RUNS.resolve():
        return  # --out elsewhere: `runs list --runs FOLDER` catalogues that folder
    from migrant_health import catalogue

    try:
        with warnings.catch_warnings():
            # Other directories' problems are for `runs list` to report, not this run.
            warnings.simplefilter("ignore", catalogue.CatalogueWarning)
            catalogue.register_run(out)
    except Exception as exc:  # any: a catalogue error never fails a run (see the docstring)
        warn(
            f"the run is written but not yet in the catalogue {catalogue.catalogue_path(RUNS)} "
            f"({exc}); `migrant-health runs list` adds it"
        )


def _row_record(row: dict[str, Any]) -> dict[str, Any]:
    """A catalogue row for json, csv and text: time as ISO 8601 text, lists as lists, and
    ``None`` for a missing value (a comparison has no agent count: pandas' ``NA``, which JSON
    printed as the text "<NA>" and the text table could not compare)."""
    import pandas as pd

    record = {key: None if _missing(value) else value for key, value in row.items()}
    created = record.get("created")
    if isinstance(created, pd.Timestamp):
        record["created"] = created.isoformat()
    overridden = record.get("overridden")
    record["overridden"] = [] if overridden is None else [str(p) for p in overridden]
    return record


def _missing(value: Any) -> bool:
    """Whether a value of a catalogue row is a missing scalar (None, NaN, NA or NaT)."""
    import pandas as pd

    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


@runs_app.command("list")
@friendly_errors
def list_command(
    runs: RunsOpt = RUNS,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this kind: run, comparison or sensitivity.")
    ] = None,
    output_format: FormatOpt = "text",
) -> None:
    """List the runs, comparisons and sensitivity studies of the runs folder, oldest first.

    The catalogue is refreshed from the directories first (new ones added, vanished ones
    dropped). json: an object with keys runs_folder, catalogue and runs, a list of rows. csv: the
    rows. A row has the columns of the catalogue's runs table: id, kind, path, created (UTC),
    version, scenario (comma-separated for a comparison; method and runs for a study),
    start_year, end_year, scale, seed, replicates, agents, agent_years, seconds, bytes and
    overridden (a list of parameter paths, the sampled ones for a study; JSON text in csv).
    """
    import pandas as pd

    from migrant_health import catalogue

    check_format(output_format)
    with _warnings_on_stderr():
        table = catalogue.list_runs(runs, kind)
    rows = [_row_record(row) for row in records(table)]
    if output_format != "text":
        document = {
            "runs_folder": str(runs),
            "catalogue": str(catalogue.catalogue_path(runs)),
            "runs": rows,
        }
        frame = pd.DataFrame(rows, columns=list(table.columns))
        for column in table.columns:
            # Whole numbers stay whole in CSV (a missing one made them 20700.0 for Stata and R).
            if pd.api.types.is_integer_dtype(table[column].dtype):
                frame[column] = frame[column].astype("Int64")
        emit(output_format, document, frame)
        return
    if table.empty:
        _out.print(f"no runs, comparisons or sensitivity studies in {runs}")
        return
    # The columns a reader picks a run by, in light borders, fit 80 columns for usual names;
    # `runs show` and --format json|csv give every column of the catalogue.
    shown = Table(
        title=f"Runs in {runs}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    # At 80 columns a long id (sensitivity-20261206-090918) took the scenario's whole width.
    # Piped, the table may be as wide as it needs; in a narrow terminal the ids fold instead.
    console = _out if _out.is_terminal else Console(soft_wrap=True, width=max(_out.width, 160))
    # The width the columns that do not wrap take, as shown (scale as 20000, no replicates
    # as -), and a scenario column of at least 12.
    shown_widths = [
        table["id"].str.len().max(),
        table["kind"].str.len().max() if kind is None else 0,
        len("2008-2035"),
        table["scale"].map(lambda x: len(f"{x:g}")).max(),
        table["seed"].astype(str).str.len().max(),
        max(4, table["replicates"].map(lambda x: 1 if pd.isna(x) else len(str(x))).max()),
    ]
    fixed = sum(width + 2 for width in shown_widths if width) + 12
    shown.add_column("id", overflow="fold", no_wrap=fixed <= console.width)
    if kind is None:
        shown.add_column("kind", no_wrap=True)
    shown.add_column("scenario", overflow="fold", min_width=10)
    shown.add_column("years", no_wrap=True)
    for column in ("scale", "seed", "reps"):
        shown.add_column(column, justify="right", no_wrap=True)
    for row in table.to_dict("records"):
        cells = [
            row["id"],
            row["scenario"].replace(",", ", "),  # a comparison's scenarios wrap between names
            f"{row['start_year']}-{row['end_year']}",
            f"{row['scale']:g}",
            str(row["seed"]),
            "-" if pd.isna(row["replicates"]) else str(row["replicates"]),
        ]
        if kind is None:
            cells.insert(1, row["kind"])
        shown.add_row(*cells)
    console.print(shown)


def _show_rows(details: dict[str, Any]) -> list[dict[str, Any]]:
    """``runs show`` as one tidy table: section, scenario, key, value."""
    rows = [
        {"section": "catalogue", "scenario": None, "key": k, "value": v}
        for k, v in _row_record(details["row"]).items()
    ]
    rows += [
        {"section": "settings", "scenario": None, "key": k, "value": v}
        for k, v in details["settings"].items()
    ]
    for scenario in details["scenarios"]:
        rows += [
            {"section": "overrides", "scenario": scenario.get("name"), "key": k, "value": v}
            for k, v in scenario.get("overrides", {}).items()
        ]
    rows += [
        {"section": "files", "scenario": None, "key": f["file"], "value": f["bytes"]}
        for f in details["files"]
    ]
    return rows


@runs_app.command("show")
@friendly_errors
def show_command(run_id: IdArg, runs: RunsOpt = RUNS, output_format: FormatOpt = "text") -> None:
    """Show one run, comparison or sensitivity study: its catalogue row, settings, scenario
    overrides and files.

    json: an object with keys row (the catalogue row, as in `runs list`), settings (the run
    settings recorded in run.json, comparison.json or sensitivity.json; a study's method,
    samples, runs, parameters and outputs too), scenarios (name, description, origin and
    overrides of each; none for a baseline run) and files (file and bytes). csv: one table with
    the columns section (catalogue, settings, overrides or files), scenario (for overrides),
    key and value.
    """
    from migrant_health import catalogue

    check_format(output_format)
    with _warnings_on_stderr():
        details = catalogue.run_details(run_id, runs)
    if output_format != "text":
        document = {**details, "row": _row_record(details["row"])}
        emit(output_format, document, _show_rows(details))
        return
    row = details["row"]
    head = Table(title=f"{row['kind']} {row['id']}", title_justify="left", show_header=False)
    head.add_column("key")
    head.add_column("value", overflow="fold")
    for key, value in _row_record(row).items():
        if key == "bytes":
            value = decimal(int(value))
        elif key == "overridden":
            value = ", ".join(value) or "-"
        head.add_row(key, "-" if value is None else str(value))
    for key, value in details["settings"].items():
        head.add_row(f"config.{key}", str(value))
    _out.print(head)
    overrides = Table(title="Scenario overrides", title_justify="left")
    for column in ("scenario", "parameter", "value"):
        overrides.add_column(column, overflow="fold")
    for scenario in details["scenarios"]:
        for path, value in scenario.get("overrides", {}).items():
            overrides.add_row(str(scenario.get("name")), path, value_text(value))
    if overrides.row_count:
        _out.print(overrides)
    else:
        _out.print("Scenario overrides: none (the baseline)")
    files = Table(title="Files", title_justify="left")
    files.add_column("file")
    files.add_column("size", justify="right")
    for file in details["files"]:
        files.add_row(file["file"], decimal(int(file["bytes"])))
    _out.print(files)


@runs_app.command("delete")
@friendly_errors
def delete_command(
    run_id: IdArg,
    runs: RunsOpt = RUNS,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete a run, comparison or sensitivity directory and its catalogue row (asks first
    unless --yes).

    Only a directory directly inside the runs folder holding run.json, comparison.json or
    sensitivity.json is deleted; anything else is refused (exit status 2) and nothing is
    touched.
    """
    from migrant_health import catalogue

    with _warnings_on_stderr():
        target = catalogue.run_directory(run_id, runs)
        if not yes:
            listed = catalogue.list_runs(runs)
            row = listed[listed["id"] == target.name].to_dict("records")
            what = (
                f"{row[0]['kind']} {target.name} ({row[0]['scenario']}, "
                f"{row[0]['start_year']}-{row[0]['end_year']}, {decimal(int(row[0]['bytes']))})"
                if row
                else f"{target.name} (not listed: its metadata is broken)"
            )
            typer.confirm(f"Delete {what} from {runs}?", abort=True)
        removed = catalogue.delete_run(str(target), runs)
    typer.echo(f"deleted {removed}")
