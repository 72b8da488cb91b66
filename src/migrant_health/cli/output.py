"""The one place that prints a command's result as ``--format text``, ``json`` or ``csv``.

``text`` is each command's own (rich) output. ``json`` is one JSON document on stdout, with
``null`` where a number is undefined (never ``NaN``, which strict readers refuse). ``csv`` is one
tidy table with a header row on stdout; a cell holding a list or a mapping is written as JSON.
In json and csv everything else a command says (progress, notes) goes to stderr, so stdout can
be piped to a file or another program as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import typer
from rich.console import Console

from migrant_health.cli.errors import stderr
from migrant_health.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

# pandas (and NumPy, which json_values needs) are imported in the functions that use them: every
# start of the command line, even --help, imported this module and paid a second for them.

OUTPUT_FORMATS: tuple[str, ...] = ("text", "json", "csv")
# Formats printed by :func:`emit`; the others are a command's own rendering.
DATA_FORMATS: tuple[str, ...] = ("json", "csv")

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        help="Output: text (readable), json (one document) or csv (one table with a header)",
    ),
]

# A string: the alias is evaluated only by the type checker, which sees pandas.
Table: TypeAlias = "pd.DataFrame | Sequence[Mapping[str, Any]]"


def check_format(value: str, choices: Sequence[str] = OUTPUT_FORMATS) -> str:
    """Return ``value`` if it is one of ``choices``.

    Args:
        value: The ``--format`` given.
        choices: The formats the command prints.

    Raises:
        DataError: Naming the option and every valid choice (the CLI exits with status 2).
    """
    if value not in choices:
        raise DataError(f"unknown --format '{value}'; choose one of {', '.join(choices)}")
    return value


def notes_console(output_format: str, console: Console) -> Console:
    """Where a command's progress and notes go: ``console`` for text, stderr otherwise."""
    return console if output_format not in DATA_FORMATS else stderr


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``table`` as dicts, with ``None`` for every missing value (NaN, NA, NaT)."""
    cleaned = table.astype(object).where(table.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in cleaned.to_dict("records")]


def json_text(document: Any) -> str:
    """``document`` as strict, indented JSON (NumPy scalars made plain, NaN made null)."""
    from migrant_health.json_values import json_ready

    return json.dumps(json_ready(document), indent=2, allow_nan=False)


def csv_text(table: Table) -> str:
    """``table`` as CSV with a header row and no index; lists and mappings become JSON."""
    import pandas as pd

    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    nested = [c for c in frame.columns if frame[c].map(_is_nested).any()]
    if nested:
        frame = frame.copy()
        for column in nested:
            frame[column] = frame[column].map(_cell_json)
    return str(frame.to_csv(index=False))


def _is_nested(value: object) -> bool:
    return isinstance(value, list | tuple | dict)


def _cell_json(value: object) -> object:
    from migrant_health.json_values import json_ready

    return json.dumps(json_ready(value), allow_nan=False) if _is_nested(value) else value


def emit(output_format: str, document: Mapping[str, Any], table: Table) -> None:
    """Print a result as json (``document``) or csv (``table``) on stdout.

    Args:
        output_format: ``json`` or ``csv``.
        document: The whole result, printed as one JSON object.
        table: The result's main table, printed as CSV.

    Raises:
        ValueError: For another format (text is each command's own).
    """
    if output_format == "json":
        typer.echo(json_text(document))
    elif output_format == "csv":
        typer.echo(csv_text(table), nl=False)
    else:
        raise ValueError(f"emit prints json or csv, not {output_format!r}")


def warn_ignored(option: str, needs: str) -> None:
    """Say on stderr that ``option`` was given without ``needs``, which it takes effect with.

    An option that changes nothing without another one was ignored in silence, and a user
    could believe a run sampled, weighted or drew what it did not.
    """
    stderr.print(f"warning: {option} has no effect without {needs}", highlight=False)
