"""``migrant-health combine``: the parts of a run split by ``--chunks``, added up to the whole."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.runs import register_new_run
from migrant_health.cli.summary import summary_table
from migrant_health.writable import check_can_write

# The engine, the model and the store (pandas, Numba: seconds) are imported in the command:
# every start of the command line, even --help, imports this module.

console = Console()


@friendly_errors
def combine_command(
    parts: list[Path] = typer.Argument(
        ...,
        help="Run directories of the parts (simulate --chunks A:B), whose ranges cover every "
        "chunk of the run once, in any order.",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Run directory to create (default: a new `runs/run-<date>-<time>`).",
    ),
) -> None:
    """Add up the parts of a run split into chunk ranges: the same run directory, bit for bit,
    as the whole run simulated at once (same settings, without --chunks).

    Refused, before anything is written: parts simulated by another package version or with
    other data, parameters or settings (scenario, seed, scale, years), naming the two parts,
    the field and both values; ranges that overlap or leave chunks out.
    """
    from migrant_health.engine.combine import combine_parts
    from migrant_health.model import default_plan
    from migrant_health.store import RUNS, check_writable, read_parts, write_run

    if out is not None:
        check_writable(out)
    else:
        check_can_write(RUNS, "out", directory=True)
    # Parts that ran differently (another version, data, parameters or settings) are refused
    # here, before their sums are read and anything is written.
    result = combine_parts(default_plan(), read_parts(parts))
    out = write_run(result, out)
    register_new_run(out)
    config = result.config
    console.print(
        summary_table(
            result.aggregates,
            title=f"migrant_health combined from {len(parts)} parts, {config.start}-"
            f"{config.end}, 1 agent = {config.scale:g} persons",
        )
    )
    console.print(
        f"{result.n_chunks} chunks, {result.agent_years:,} agent-years; run written to "
        f"[bold]{out}[/]"
    )
