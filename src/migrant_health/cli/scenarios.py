"""``migrant-health scenarios list|show``: the shipped scenarios and what each sets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.output import FormatOpt, check_format, emit
from migrant_health.value_text import value_text

if TYPE_CHECKING:
    from migrant_health.params import ParameterTree, Scenario

# The parameters and the scenarios (YAML, pydantic, pandas: a second) are imported in the
# functions that use them: every start of the command line, even --help, imports this module.

scenarios_app = typer.Typer(
    help="The shipped policy scenarios (seed section 4) and what they set.",
    no_args_is_help=True,
    rich_markup_mode="markdown",  # docstrings reflow as paragraphs, ``code`` as code
)
console = Console()


@scenarios_app.command("list")
@friendly_errors
def list_command(output_format: FormatOpt = "text") -> None:
    """List the shipped scenarios: name, number of levers set, and what policy each stands for.

    Any command that takes a scenario takes one of these names, the path of a YAML file, or
    several joined by '+' (a reform on a reform). json: an object with the key scenarios, a
    list of rows. csv: the rows. A row has the columns name, levers (how many parameters the
    scenario sets), origin and description.
    """
    from migrant_health.scenarios import resolve_scenario, shipped_names

    check_format(output_format)
    rows = []
    for name in shipped_names():
        scenario = resolve_scenario(name)
        rows.append(
            {
                "name": scenario.name,
                "levers": len(scenario.overrides),
                "origin": scenario.origin,
                "description": " ".join(scenario.description.split()),
            }
        )
    if output_format != "text":
        emit(output_format, {"scenarios": rows}, rows)
        return
    table = Table(title="Shipped scenarios", title_justify="left", show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("levers", justify="right")
    table.add_column("stands for", overflow="fold")
    for row in rows:
        table.add_row(str(row["name"]), str(row["levers"]), str(row["description"]))
    console.print(table)
    console.print("Details: migrant-health scenarios show NAME", highlight=False)


def override_rows(scenario: Scenario, tree: ParameterTree) -> list[dict[str, object]]:
    """One row per override: path, the scenario's value, the baseline's, unit, meaning, and for
    a lever its effect per unit and its cost per unit (empty for other parameters)."""
    return [
        {
            "path": path,
            "value": value,
            "baseline": tree.spec(path).value,
            "unit": tree.spec(path).unit,
            "seed": tree.spec(path).seed,
            "description": tree.spec(path).description,
            "effect_per_unit": _effects(path, tree),
            "cost_per_unit": _cost(path, tree),
        }
        for path, value in scenario.overrides.items()
    ]


def _effects(path: str, tree: ParameterTree) -> str:
    """A lever's effect parameters as ``name = value unit``; empty if it acts directly."""
    from migrant_health.scenarios.levers import lever

    item = lever(path)
    if item is None:
        return ""
    specs = [(effect.rsplit(".", 1)[1], tree.spec(effect)) for effect in item.effects]
    return "; ".join(f"{name} = {value_text(spec.value)} {spec.unit}" for name, spec in specs)


def _cost(path: str, tree: ParameterTree) -> str:
    """A lever's unit cost as ``value unit`` (``policy.costs.<lever>``); empty for others."""
    from migrant_health.scenarios.levers import lever

    item = lever(path)
    if item is None:
        return ""
    spec = tree.spec(item.cost)
    return f"{value_text(spec.value)} {spec.unit}"


@scenarios_app.command("show")
@friendly_errors
def show_command(
    name: str = typer.Argument(
        ..., help="A shipped scenario, a YAML file, or several joined by '+'."
    ),
    later_wins: bool = typer.Option(
        False,
        "--later-wins",
        help="In a stack a+b, let b override a where both set a lever in the same year.",
    ),
    output_format: FormatOpt = "text",
) -> None:
    """Show a scenario: what it stands for, and each lever with its value, the baseline's
    value, its unit and meaning, its effect per unit and its cost per unit.

    json: an object with keys name, description, origin and overrides, a list of rows. csv:
    the rows. A row has the columns path, value (a number, a list, or a mapping of year to
    value; JSON text in csv), baseline (the shipped default, likewise), unit, seed (the seed
    paper's section), description (of the parameter), effect_per_unit (the lever's effect
    parameters, empty if it acts directly) and cost_per_unit (``policy.costs.<lever>``).
    """
    from migrant_health.cli.preflight import warn_levers_from_the_start
    from migrant_health.params import ParameterTree
    from migrant_health.scenarios import resolve_scenario

    check_format(output_format)
    scenario = resolve_scenario(name, later_wins=later_wins)
    warn_levers_from_the_start(scenario)  # as simulate and compare would, before a run
    if output_format != "text":
        rows = override_rows(scenario, ParameterTree.load())
        document = {
            "name": scenario.name,
            "description": " ".join(scenario.description.split()),
            "origin": scenario.origin,
            "overrides": rows,
        }
        emit(output_format, document, rows)
        return
    console.print(f"[bold]{scenario.name}[/] ({scenario.origin})", highlight=False)
    if scenario.description:
        console.print(" ".join(scenario.description.split()), highlight=False)
    table = Table(title_justify="left")
    for column in ("lever", "value", "baseline", "unit"):
        table.add_column(column, overflow="fold", no_wrap=column == "lever")
    rows = override_rows(scenario, ParameterTree.load())
    for row in rows:
        table.add_row(
            str(row["path"]),
            value_text(row["value"]),
            value_text(row["baseline"]),
            str(row["unit"]),
        )
    console.print(table)
    # What each lever means, below the table: long text does not fit in a column.
    for row in rows:
        meaning = f"[bold]{row['path']}[/]: {row['description']}"
        if row["effect_per_unit"]:
            meaning += f". Effect per unit: {row['effect_per_unit']}"
        if row["cost_per_unit"]:
            meaning += f". Cost: {row['cost_per_unit']}"
        console.print(meaning, highlight=False)
