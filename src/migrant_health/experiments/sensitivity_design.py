"""What a sensitivity study varies and what it measures, checked before any run.

**Parameters** are parameter paths of the tree (behavioural parameters and policy levers
alike): ``health.mental.base`` for a number, ``labor.income.tier_premium[2]`` for one coordinate
of a vector, as the calibration study names them. Each is sampled over its documented
``range``, or over ``--bounds path=low:high`` inside it. Switches (on/off) and parameters whose
value changes by year (a series such as ``labor.wage_index``) cannot be sampled as one number
and are refused. A sample's values hold in every year, or from ``from_year`` on (the defaults
before), so a lever can be studied as a reform that starts in a given year.

**Outputs** are ``metric:group:year`` (``depression_share:status=out_migrant:2030``) or
``metric:year`` for the group ``all``: a metric of ``migrant-health metrics`` over a selection
of cells, with the group syntax of calibration targets
(:func:`~migrant_health.experiments.quantity.parse_selector`: ``key=value`` pairs joined by
commas, alternatives by ``|``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from migrant_health.errors import MigrantHealthError
from migrant_health.experiments.quantity import Quantity
from migrant_health.model import default_plan
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.spec import Value
from migrant_health.params.tree import unknown_path_message
from migrant_health.setting_names import setting, verbatim

_COORDINATE = re.compile(r"^(?P<path>[A-Za-z_][\w.]*)(\[(?P<index>\d+)\])?$")
_OUTPUT = re.compile(r"^(?P<metric>[a-z_0-9]+)(:(?P<group>.+))?:(?P<year>\d{4})$")
_BOUNDS = re.compile(r"^(?P<name>[^=]+)=(?P<low>[^:]+):(?P<high>[^:]+)$")


class SensitivityError(MigrantHealthError, ValueError):
    """A sensitivity study cannot start: a bad parameter, bound, output or sample size."""


@dataclass(frozen=True)
class SampledParameter:
    """One dimension of a study.

    Attributes:
        name: As given: ``path`` or ``path[k]``.
        path: Parameter path in the tree.
        index: Coordinate of a vector parameter (``None`` for a number).
        low: Lower bound of the sample.
        high: Upper bound of the sample.
        documented: The parameter's documented range.
        default: Its shipped value (the coordinate's, for a vector).
        unit: Its unit.
    """

    name: str
    path: str
    index: int | None
    low: float
    high: float
    documented: tuple[float, float]
    default: float
    unit: str


@dataclass(frozen=True)
class StudyOutput:
    """One output of a study: a quantity in one year.

    Attributes:
        name: As given (``metric:group:year``).
        quantity: The metric over a selection of cells.
        year: The year it is read in.
    """

    name: str
    quantity: Quantity
    year: int

    @property
    def unit(self) -> str:
        """The metric's unit."""
        return self.quantity.definition.unit


def split_outputs(text: str) -> list[str]:
    """Outputs separated by commas, where a group may hold commas itself.

    Every output ends with ``:YEAR``, so only a comma right after one separates two outputs:
    ``a:sex=female,status=out_migrant:2030,b:2030`` is two outputs.
    """
    return [part.strip() for part in re.split(r"(?<=:\d{4}),", text) if part.strip()]


def split_list(text: str) -> list[str]:
    """Items separated by commas (parameter names, bounds)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def output_metrics() -> list[str]:
    """Metrics an output may name: those computed from a selection of cells."""
    valid = []
    for metric in default_plan().metrics:
        try:
            Quantity(metric.name)
        except ValueError:
            continue  # age-standardised, by category, or a gap between groups
        valid.append(metric.name)
    return sorted(valid)


def parse_outputs(names: Sequence[str], start: int, end: int) -> list[StudyOutput]:
    """Check and parse output names.

    Raises:
        SensitivityError: for a malformed name, an unknown metric (listing the valid ones), a bad
            group, a year outside ``[start, end]``, an output given twice, or none at all.
    """
    if not names:
        raise SensitivityError(
            "no output: give "
            + setting(
                "outputs",
                ["depression_share:status=out_migrant:2030"],
                flag_value="depression_share:status=out_migrant:2030",
            )
        )
    found: list[StudyOutput] = []
    for name in names:
        match = _OUTPUT.match(name)
        if match is None:
            raise SensitivityError(
                f"output '{name}' must be metric:group:year or metric:year, such as "
                "depression_share:status=out_migrant:2030 or poor_health_share:2030"
            )
        metric, group, year = match["metric"], match["group"] or "all", int(match["year"])
        valid = output_metrics()
        if metric not in valid:
            raise SensitivityError(
                f"output '{name}': unknown metric '{metric}'; choose one of {', '.join(valid)} "
                "(migrant-health metrics describes them)"
            )
        try:
            quantity = Quantity(metric, group)
        except ValueError as exc:
            raise SensitivityError(f"output '{name}': {exc}") from None
        if not start <= year <= end:
            raise SensitivityError(
                f"output '{name}': year {year} lies outside the run [{start}, {end}]; "
                f"change {setting('start')}/{setting('end')} or the output's year"
            )
        if name in {o.name for o in found}:
            raise SensitivityError(f"output '{name}' is given twice; give each once")
        found.append(StudyOutput(name, quantity, year))
    return found


def _bound(name: str, low: str, high: str) -> str:
    """A bound as the user writes it: ``--bounds x=0.5:0.7`` or ``bounds={'x': (0.5, 0.7)}``."""
    return setting(
        "bounds", verbatim(f"{{{name!r}: ({low}, {high})}}"), flag_value=f"{name}={low}:{high}"
    )


def bound_pairs(bounds: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Python's ``bounds={name: (low, high)}``, each checked to be a pair of numbers.

    Raises:
        SensitivityError: naming the parameter whose bound is not a ``(low, high)`` pair.
    """
    pairs = {}
    for name, bound in bounds.items():
        pair = list(bound) if isinstance(bound, tuple | list | np.ndarray) else None
        if not (
            pair is not None
            and len(pair) == 2
            and all(
                isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)
                for x in pair
            )
        ):
            raise SensitivityError(
                f"bounds={{{name!r}: {bound!r}}}: a bound is a pair (low, high) of numbers, "
                f"such as {{{name!r}: (0.5, 0.7)}}"
            )
        pairs[str(name)] = (float(pair[0]), float(pair[1]))
    return pairs


def parse_bounds(items: Sequence[str]) -> dict[str, tuple[float, float]]:
    """``path=low:high`` items as ``{name: (low, high)}``.

    Raises:
        SensitivityError: for a malformed item, a bound that is not a number, ``low >= high``,
            or a name given twice.
    """
    bounds: dict[str, tuple[float, float]] = {}
    for item in items:
        match = _BOUNDS.match(item)
        if match is None:
            raise SensitivityError(
                f"--bounds '{item}' must be path=low:high, such as health.mental.base=0.55:0.7"
            )
        name = match["name"].strip()
        try:
            low, high = float(match["low"]), float(match["high"])
        except ValueError:
            raise SensitivityError(f"--bounds '{item}': low and high must be numbers") from None
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise SensitivityError(
                f"--bounds '{item}': needs finite numbers with low < high (got {low:g}:{high:g})"
            )
        if name in bounds:
            raise SensitivityError(f"--bounds names '{name}' twice; give it once")
        bounds[name] = (low, high)
    return bounds


def parse_parameters(
    names: Sequence[str],
    bounds: Mapping[str, tuple[float, float]],
    tree: ParameterTree,
) -> list[SampledParameter]:
    """Check parameter names and bounds against the tree.

    Raises:
        SensitivityError: for a malformed or unknown path (with the closest known ones), a
            switch, a series by year, a vector without a coordinate or with one out of range,
            a name given twice, a parameter with no usable range and no bound, a bound outside
            the documented range, or a bound for a parameter not in the study.
    """
    if not names:
        raise SensitivityError(
            "no parameter: give "
            + setting(
                "params",
                ["health.mental.base", "policy.management.mental_health_services"],
                flag_value="health.mental.base,policy.management.mental_health_services",
            )
        )
    found: list[SampledParameter] = []
    for name in names:
        parameter = _parameter(name, bounds.get(name), tree)
        if parameter.name in {p.name for p in found}:
            raise SensitivityError(
                f"parameter '{name}' is given twice in {setting('params')}; give it once"
            )
        found.append(parameter)
    stray = sorted(set(bounds) - {p.name for p in found})
    if stray:
        raise SensitivityError(
            f"{setting('bounds')} for {', '.join(stray)}, which {setting('params')} does not "
            f"name; add it to {setting('params')} or drop the bound"
        )
    return found


def _parameter(
    name: str, bound: tuple[float, float] | None, tree: ParameterTree
) -> SampledParameter:
    match = _COORDINATE.match(name)
    if match is None:
        raise SensitivityError(
            f"parameter '{name}' must be a parameter path such as health.mental.base, or one "
            "coordinate of a vector such as labor.income.tier_premium[2]"
        )
    path = match["path"]
    index = int(match["index"]) if match["index"] is not None else None
    if path not in tree:
        raise SensitivityError(unknown_path_message(path, tree.specs))
    spec = tree.spec(path)
    if spec.switch:
        raise SensitivityError(
            f"parameter '{path}' is an on/off switch and cannot be sampled over a range; "
            "compare the two settings with migrant-health compare instead"
        )
    if isinstance(spec.value, dict):
        raise SensitivityError(
            f"parameter '{path}' is a series that changes by year; one sampled number would "
            "flatten it, so it cannot be studied here (vary it through scenarios instead)"
        )
    default: float
    if isinstance(spec.value, list):
        if index is None:
            raise SensitivityError(
                f"parameter '{path}' is a vector of {len(spec.value)} values; name one "
                f"coordinate, such as {path}[0]"
            )
        if index >= len(spec.value):
            raise SensitivityError(
                f"parameter '{name}': coordinate {index} is out of range; '{path}' has "
                f"{len(spec.value)} values ({path}[0] to {path}[{len(spec.value) - 1}])"
            )
        default = float(spec.value[index])
    else:
        if index is not None:
            raise SensitivityError(
                f"parameter '{name}': '{path}' is a number, not a vector; drop the [{index}]"
            )
        default = float(spec.value)
    documented = (float(spec.range[0]), float(spec.range[1]))
    usable = documented[0] < documented[1]
    if bound is None and not usable:
        raise SensitivityError(
            f"parameter '{name}' has no range to sample (documented range {list(documented)}); "
            f"give one with {_bound(name, 'low', 'high')}"
        )
    low, high = bound if bound is not None else documented
    if bound is not None and not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise SensitivityError(
            f"{_bound(name, f'{low:g}', f'{high:g}')} is not an interval: give finite low < high"
        )
    if bound is not None and not (documented[0] <= low and high <= documented[1]):
        raise SensitivityError(
            f"{_bound(name, f'{low:g}', f'{high:g}')} leaves the documented range "
            f"[{documented[0]:g}, {documented[1]:g}] of '{path}'; narrow it to lie inside"
        )
    return SampledParameter(name, path, index, low, high, documented, default, spec.unit)


def sample_scenario(
    parameters: Sequence[SampledParameter],
    values: Sequence[float],
    tree: ParameterTree,
    label: str,
    from_year: int | None = None,
) -> Scenario:
    """The overrides of one sample: each value on its parameter (coordinates into vectors).

    Args:
        parameters: The study's parameters.
        values: One value per parameter (a row of the input matrix).
        tree: The parameter tree (the defaults of untouched vector coordinates).
        label: The scenario's name.
        from_year: Year from which the values hold (the defaults before); ``None``: every year.
    """
    overrides: dict[str, float | list[float]] = {}
    for parameter, value in zip(parameters, values, strict=True):
        if parameter.index is None:
            overrides[parameter.path] = float(value)
            continue
        current = overrides.get(parameter.path)
        if not isinstance(current, list):
            shipped = tree.spec(parameter.path).value
            assert isinstance(shipped, list)
            current = [float(v) for v in shipped]
        current[parameter.index] = float(value)
        overrides[parameter.path] = current
    dated: dict[str, Value] = (
        {path: {from_year: value} for path, value in overrides.items()}
        if from_year is not None
        else dict(overrides)
    )
    return Scenario(name=label, overrides=dated, origin=f"sensitivity {label}")
