"""The shipped scenario library, and the one resolver of a scenario named on the command line.

The shipped scenarios are package data: one YAML file per strategy of the seed's section 4
(``fair_employment``, ``equal_public_services``, ``migrant_management``,
``return_entrepreneurship``) and ``combined`` (all four). A user's own file has the same format
(:mod:`migrant_health.params.scenario`). Wherever a command takes a scenario it takes either:

- a shipped name (``fair_employment``), or ``baseline`` for no reform;
- a path to a YAML file (an existing file, or anything ending in ``.yaml``/``.yml`` or holding
  a ``/``);
- a stack of those joined by ``+`` (``fair_employment+my_reform.yaml``): each applied on the
  ones before it (:meth:`~migrant_health.params.scenario.Scenario.stack`).

Each part is read and validated against the parameter tree before the parts are stacked, so an
error names the file it is in.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from migrant_health.data import load_demography
from migrant_health.errors import ScenarioError
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.constraints import check_constraints
from migrant_health.params.scenario import stack_scenarios

SHIPPED_DIR = Path(__file__).parent
BASELINE = "baseline"
SUFFIXES = (".yaml", ".yml")


def shipped_names() -> list[str]:
    """Names of the shipped scenarios, sorted (file names without ``.yaml``)."""
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml"))


def shipped_path(name: str) -> Path:
    """The file of a shipped scenario.

    Raises:
        ScenarioError: for an unknown name, listing the shipped ones and the closest match.
    """
    path = SHIPPED_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ScenarioError(_unknown_message(name))
    return path


def baseline_scenario() -> Scenario:
    """The reference: no override (the shipped defaults)."""
    return Scenario(name=BASELINE, description="the shipped defaults, no reform", origin="defaults")


def resolve_scenario(name_or_path: str | Path | Scenario, *, later_wins: bool = False) -> Scenario:
    """The scenario a user names: a shipped name, a YAML path, ``baseline``, or ``a+b`` stacks.

    Args:
        name_or_path: What the user gave (a :class:`Scenario` is returned as it is).
        later_wins: In an ``a+b`` stack, let a later part override an earlier one where they
            set the same path in the same year to different values (otherwise refused).

    Returns:
        The scenario, each part validated against the parameter tree.

    Raises:
        ScenarioError: for an unknown name (listing the shipped ones), a missing or malformed
            file, an invalid override, or a conflicting stack.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = str(name_or_path).strip()
    if Path(text).is_file():  # a file whose name holds a '+' is still one file
        return _read_file(Path(text))
    parts = [part.strip() for part in text.split("+")]
    if len(parts) == 1:
        return _resolve_part(text)
    if not all(parts):
        raise ScenarioError(
            f"scenario '{text}': an empty part around '+'; write names or files joined by '+', "
            "such as fair_employment+equal_public_services"
        )
    return stack_scenarios([_resolve_part(part) for part in parts], later_wins=later_wins)


def resolve_stack(
    items: Sequence[str | Path | Scenario], *, later_wins: bool = False
) -> Scenario | None:
    """Several scenarios (repeated ``--scenario``) stacked in order; ``None`` if no reform.

    ``baseline`` parts add nothing; a stack of only ``baseline`` is the baseline (``None``).
    """
    scenarios = [resolve_scenario(item, later_wins=later_wins) for item in items]
    reforms = [s for s in scenarios if s.overrides]
    if not reforms:
        return None
    return stack_scenarios(reforms, later_wins=later_wins)


def check_scenario(scenario: Scenario) -> None:
    """Validate a scenario against the parameter tree and the years the data cover.

    Raises:
        ScenarioError: naming the file, the key and the allowed range of each bad override,
            or a broken condition between parameters.
    """
    demography = load_demography()
    years = range(demography.first_year, demography.last_year + 1)
    tree = scenario.apply(_defaults(), years=years)
    check_constraints(tree, years, scenario.origin)


@cache
def _defaults() -> ParameterTree:
    return ParameterTree.load()  # frozen: overriding returns a new tree


def _is_path(text: str) -> bool:
    path = Path(text)
    return path.suffix in SUFFIXES or "/" in text or "\\" in text or path.is_file()


def _resolve_part(name: str) -> Scenario:
    if _is_path(name):
        _refuse_a_directory(name)
        return _read_file(Path(name))
    if name == BASELINE:
        return baseline_scenario()
    if name not in shipped_names():
        # Only then: a folder of that name (a run written with --out combined) does not hide
        # the shipped scenario.
        _refuse_a_directory(name)
    # The origin says "shipped" rather than a path inside the installed package.
    return replace(_read_file(shipped_path(name)), origin=f"shipped:{name}")


def _refuse_a_directory(name: str) -> None:
    if Path(name).is_dir():
        raise ScenarioError(
            f"scenario '{name}' is a directory: give the path of a scenario YAML file in it, "
            "or the name of a shipped scenario (`migrant-health scenarios list`)"
        )


def _read_file(path: Path) -> Scenario:
    scenario = Scenario.from_yaml(path)
    check_scenario(scenario)
    return scenario


def _unknown_message(name: str) -> str:
    names = shipped_names()
    close = difflib.get_close_matches(name, [*names, BASELINE], n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"unknown scenario '{name}'{hint}: the shipped scenarios are {', '.join(names)} and "
        f"{BASELINE}; or give the path of a YAML file (`migrant-health scenarios list` "
        "describes them)"
    )
