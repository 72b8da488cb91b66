"""Scenarios: a baseline plus reforms ``{path: value | {year: value}}``, validated up front.

A scenario file is a YAML mapping from parameter paths to new values. A value may be a number,
a list (for vector parameters), or ``{year: value}`` where each value holds from its year until
the next key (before the first key the baseline holds). Two optional keys describe the file:
``name`` and ``description``. Example::

    name: equal public services
    description: destination insurance opens to every out-migrant from 2025
    policy.public_services.resident_scheme_access: {2025: 1.0}
    health.bmi.integration_effect_women_only: true

``true``/``false`` are accepted for switches only: for a number of hours or a share, YAML's
``true`` is almost always a slip (``yes`` and ``on`` also read as true), not the value 1.
A file that sets no parameter is refused (it would run the baseline under another name).

Scenarios stack (a reform on a reform): ``a.stack(b)`` applies ``b`` on ``a``, path by path and
year by year, as the parameter tree layers overrides. Where ``b`` sets a path from a year on,
``b``'s values hold from that year; before it, ``a``'s. Where both set the same path in the same
year to different values, the stack is refused unless the caller says that the later scenario
wins (``later_wins=True``, ``--later-wins`` on the command line): two reforms that disagree
about a lever are more often a mistake (two files written for different purposes) than a
deliberate override, and a silent choice would hide it. Agreeing values are no conflict, so
two strategies may share a lever set to the same value.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrant_health.errors import ParameterError, ScenarioError
from migrant_health.params.spec import ParameterSpec, Value
from migrant_health.params.tree import ParameterTree, read_yaml, unknown_path_message
from migrant_health.setting_names import setting

RESERVED_KEYS = ("name", "description")
#: The first year the model simulates (the base year of the demographic data, checked against
#: the data by a test). A plain value stacked under a dated one holds from this year until the
#: dated one starts, so the stacked value is written ``{FIRST_YEAR: plain, year: dated, ...}``.
FIRST_YEAR = 2008


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides.

    Attributes:
        name: Short label used in outputs; when left out, ``baseline`` for a scenario without
            overrides and ``custom`` for one with them (a reform written in Python had been
            recorded as the baseline, and a comparison refused it as a second baseline).
        overrides: Parameter path -> value, ``{year: value}`` or list.
        description: Free text.
        origin: File the scenario came from, for error messages.
    """

    name: str = ""
    overrides: dict[str, Value] = field(default_factory=dict)
    description: str = ""
    origin: str = "<scenario>"

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", "custom" if self.overrides else "baseline")

    @classmethod
    def from_dict(cls, content: Mapping[str, Any], origin: str = "<scenario>") -> Scenario:
        """Build a scenario from a mapping such as a parsed YAML file."""
        if not isinstance(content, Mapping):
            raise ScenarioError(
                f"{origin}: a scenario must be a mapping of parameter paths to values, "
                f"got {type(content).__name__}"
            )
        overrides = {str(k): v for k, v in content.items() if k not in RESERVED_KEYS}
        for key in RESERVED_KEYS:
            _check_label(content, key, origin)
        name = str(content.get("name", Path(origin).stem if origin != "<scenario>" else "custom"))
        return cls(
            name=name,
            overrides=overrides,
            description=str(content.get("description", "")),
            origin=origin,
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read and parse a scenario file (validation happens in :meth:`apply`)."""
        path = Path(path)
        try:
            content = read_yaml(path)
        except ParameterError as exc:
            raise ScenarioError(str(exc)) from exc
        scenario = cls.from_dict(content or {}, origin=str(path))
        if not scenario.overrides:
            raise ScenarioError(
                f"{path}: the scenario sets no parameter (the file is empty or holds only "
                "name and description); add lines such as "
                "'policy.public_services.portability: {2025: 0.8}', or leave out "
                f"{setting('scenario')} to run the baseline"
            )
        return scenario

    def first_years(self) -> dict[str, int | None]:
        """The year from which each override changes the model (``None``: from the start).

        A plain value holds in every year; ``{year: value}`` holds from its first year. Keys
        that are not whole years are left to :meth:`apply` to report.
        """
        first: dict[str, int | None] = {}
        for path, value in self.overrides.items():
            if isinstance(value, Mapping):
                years = [y for y in value if isinstance(y, int) and not isinstance(y, bool)]
                first[path] = min(years) if years else None
            else:
                first[path] = None
        return first

    def idle_paths(self, end: int) -> dict[str, int]:
        """Overrides that change nothing in a run ending in ``end``: path -> first year.

        Example: ``{policy.public_services.portability: {2030: 0.8}}`` is idle in a run to 2025.
        """
        return {
            path: year
            for path, year in self.first_years().items()
            if year is not None and year > end
        }

    def stack(self, other: Scenario, *, later_wins: bool = False) -> Scenario:
        """``other`` applied on this scenario: a reform on a reform.

        Path by path, ``other``'s value holds in every year it sets one (a plain value: every
        year; ``{year: value}``: from its first year on), this scenario's value in the other
        years. Where both hold a value for a path in the same year (from the later of their
        first years) and the values differ, the stack is a conflict unless ``later_wins``.
        Example: ``{2025: 0.5, 2030: 1.0}`` under ``{2028: 0.7}`` is a conflict (0.5 against
        0.7 in 2028); with ``later_wins`` it stacks to ``{2025: 0.5, 2028: 0.7}``. Under
        ``{2028: 0.5, 2030: 1.0}`` it stacks without one (both hold 0.5 in 2028 and 2029, 1.0
        from 2030).

        Args:
            other: The scenario applied on top.
            later_wins: Let ``other`` override where both hold a value for a path in the same
                year and the values differ; by default that is a conflict.

        Returns:
            The stacked scenario, named ``self.name+other.name``.

        Raises:
            ScenarioError: for a year key that is not a whole year, or for a conflict (naming
                both files, the key, the year and both values, and how to resolve it).
        """
        for scenario in (self, other):
            scenario._check_year_keys()
        if not later_wins:
            problems = [
                _conflict_message(self, other, path)
                for path in self.overrides
                if path in other.overrides
                and _first_disagreement(self.overrides[path], other.overrides[path]) is not None
            ]
            if problems:
                raise ScenarioError("\n".join(problems))
        merged = dict(self.overrides)
        for path, value in other.overrides.items():
            merged[path] = _layer(merged[path], value) if path in merged else value
        # The baseline (no override) adds nothing to the name of a stack.
        parts = [s for s in (self, other) if s.overrides or s.name != "baseline"] or [self]
        return Scenario(
            name="+".join(s.name for s in parts),
            overrides=merged,
            description=" Then: ".join(s.description.strip() for s in parts if s.description),
            origin=" + ".join(s.origin for s in parts),
        )

    def _check_year_keys(self) -> None:
        """Raise for a ``{year: value}`` key that is not a whole year (stacking compares years)."""
        for path, value in self.overrides.items():
            if isinstance(value, Mapping):
                if not value:
                    raise ScenarioError(
                        f"{self.origin}: key '{path}': an empty {{year: value}} mapping "
                        "overrides nothing"
                    )
                for year in value:
                    if isinstance(year, bool) or not isinstance(year, int):
                        raise ScenarioError(
                            f"{self.origin}: key '{path}': year key {year!r} must be a whole "
                            "year such as 2025"
                        )

    def apply(self, tree: ParameterTree, years: range | None = None) -> ParameterTree:
        """Validate every override against the tree, then return the overridden tree.

        Args:
            tree: The tree to override.
            years: If given, the years that can be simulated; year keys outside are errors
                (a value from 2050 would silently never apply).

        Raises:
            ScenarioError: naming the file, the key and the allowed range of the first bad
                override (all are checked before any is applied).
        """
        problems = [p for path, v in self.overrides.items() for p in self._check(tree, path, v)]
        if years is not None:
            problems += [
                f"{self.origin}: key '{path}': year {year} lies outside the years that can be "
                f"simulated [{years[0]}, {years[-1]}]"
                for path, value in self.overrides.items()
                if isinstance(value, Mapping)
                for year in value
                if isinstance(year, int) and not isinstance(year, bool) and year not in years
            ]
        if problems:
            raise ScenarioError("\n".join(problems))
        for path, value in self.overrides.items():
            tree = tree.with_override(path, _normalise(value))
        return tree

    def _check(self, tree: ParameterTree, path: str, value: Any) -> list[str]:
        where = f"{self.origin}: key '{path}'"
        if path not in tree:
            group = [known for known in tree.specs if known.startswith(path + ".")]
            if group:
                # Nested YAML (policy: {management: {...}}) reads as one key per top group.
                return [
                    f"{self.origin}: key '{path}' is a group of {len(group)} parameters, not a "
                    f"parameter: write each parameter on a line of its own with its full dotted "
                    f"path, such as '{group[0]}: ...' (`migrant-health params show {path}` "
                    "lists them)"
                ]
            label = difflib.get_close_matches(path, RESERVED_KEYS, n=1, cutoff=0.6)
            if label and "." not in path:
                # 'nmae: my reform' read as a parameter path, with a parameter's did-you-mean.
                return [
                    f"{self.origin}: unknown key '{path}'; did you mean '{label[0]}'? (a "
                    f"scenario's own keys are {' and '.join(RESERVED_KEYS)}; every other key "
                    "is a parameter path)"
                ]
            return [f"{self.origin}: {unknown_path_message(path, tree.specs)}"]
        spec = tree.spec(path)
        if isinstance(value, Mapping):
            problems = []
            for year, item in value.items():
                if isinstance(year, bool) or not isinstance(year, int):
                    problems.append(f"{where}: year key {year!r} must be a whole year such as 2025")
                    continue
                problems += _check_value(spec, item, f"{where} (year {year})")
            if not value:
                problems.append(f"{where}: an empty {{year: value}} mapping overrides nothing")
            return problems
        return _check_value(spec, value, where)


def stack_scenarios(scenarios: Sequence[Scenario], *, later_wins: bool = False) -> Scenario:
    """The scenarios applied in order, each on the ones before (see :meth:`Scenario.stack`).

    Raises:
        ScenarioError: for an empty list or a conflict between any two of them.
    """
    if not scenarios:
        raise ScenarioError("no scenario to stack; give at least one")
    stacked = scenarios[0]
    for scenario in scenarios[1:]:
        stacked = stacked.stack(scenario, later_wins=later_wins)
    return stacked


def _in_force(value: Any, year: int) -> Any:
    """The value ``value`` sets in ``year``, or ``None`` before its first year key."""
    if not isinstance(value, Mapping):
        return value
    keys = [k for k in value if k <= year]
    return value[max(keys)] if keys else None


def _first_disagreement(below: Any, above: Any) -> int | None:
    """The first year in which both values are set and differ, or ``None`` if they agree.

    Both are step functions of the year (a plain value holds from :data:`FIRST_YEAR`), so
    checking the years where either changes, from the first year both are set, finds every
    disagreement.
    """
    start = max(min(v) if isinstance(v, Mapping) else FIRST_YEAR for v in (below, above))
    changes = {start} | {
        year for v in (below, above) if isinstance(v, Mapping) for year in v if year > start
    }
    return next(
        (year for year in sorted(changes) if _in_force(below, year) != _in_force(above, year)),
        None,
    )


def _conflict_message(below: Scenario, above: Scenario, path: str) -> str:
    low, high = below.overrides[path], above.overrides[path]
    year = _first_disagreement(low, high)
    assert year is not None
    plain = not isinstance(low, Mapping) and not isinstance(high, Mapping)
    when = "in every year" if plain else f"in {year}"
    return (
        f"{above.origin}: key '{path}' holds {_in_force(high, year)!r} {when}, where "
        f"{below.origin} holds {_in_force(low, year)!r}: stacked scenarios disagree. Remove the "
        "key from one of them, or let the later scenario win (--later-wins on the command "
        "line, later_wins=True in Python)"
    )


def _layer(below: Value, above: Value) -> Value:
    """``above`` on ``below``: ``above`` where it sets a value, ``below`` before that."""
    if not isinstance(above, Mapping):
        return above
    start = min(above)
    if start <= FIRST_YEAR:
        return dict(above)
    if isinstance(below, Mapping):
        earlier = {year: v for year, v in below.items() if year < start}
    else:
        earlier = {FIRST_YEAR: below}
    return {**earlier, **above}


def _check_value(spec: ParameterSpec, value: Any, where: str) -> list[str]:
    low, high = spec.range
    allowed = f"allowed range [{low:g}, {high:g}] {spec.unit}"
    length = spec.length
    if length is not None:
        if not isinstance(value, list) or len(value) != length:
            return [f"{where}: expected a list of {length} numbers, got {value!r} ({allowed})"]
        items = value
    else:
        if isinstance(value, list | Mapping):
            return [f"{where}: expected a number, got {value!r} ({allowed})"]
        items = [value]
    problems = []
    for item in items:
        if isinstance(item, bool) and not spec.switch:
            problems.append(
                f"{where}: {str(item).lower()} is a yes/no value but this parameter is a number "
                f"({allowed}); write the number (true/false fit only switches)"
            )
        elif isinstance(item, str) or not isinstance(item, int | float | bool):
            problems.append(f"{where}: {item!r} is not a number ({allowed})")
        elif not low <= float(item) <= high:
            problems.append(f"{where}: value {item} is out of range ({allowed})")
        elif spec.switch and float(item) not in (0.0, 1.0):
            problems.append(f"{where}: a switch takes 0 or 1 (false or true), got {item}")
    return problems


def _normalise(value: Any) -> Value:
    if isinstance(value, Mapping):
        return {int(k): v for k, v in value.items()}
    return value


def _check_label(content: Mapping[str, Any], key: str, origin: str) -> None:
    """Refuse a ``name`` or ``description`` that is not text (a number or a date reads as
    its text; a description may be blank, a name may not).

    Raises:
        ScenarioError: naming the file and the key, for an empty value, a list or a mapping.
    """
    if key not in content:
        return
    value = content[key]
    # A number or a date (``name: 2030-01-01``, which YAML reads as a date) reads as its text.
    if isinstance(value, int | float | datetime.date) and not isinstance(value, bool):
        return
    if not isinstance(value, str) or (key == "name" and not value.strip()):
        shown = (
            "nothing"
            if value is None or (isinstance(value, str) and not value.strip())
            else f"a {type(value).__name__} ({value!r})"
        )
        raise ScenarioError(
            f"{origin}: key '{key}' holds {shown}; give it a line of text, such as "
            f"'{key}: equal public services', or leave the key out"
        )
