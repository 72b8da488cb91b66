"""Conditions that tie several parameters together, checked on the resolved tree every year.

A single parameter's range cannot express that cut-points must be ordered or that weights must
not all be zero; a scenario breaking such a condition would run and silently produce nonsense
(a composite index of 0/0, stages that cannot be reached).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from migrant_health.errors import ScenarioError
from migrant_health.params.tree import ParameterTree

Check = tuple[str, tuple[str, ...], Callable[..., bool]]

CONSTRAINTS: tuple[Check, ...] = (
    (
        "the composite weights must not all be zero",
        ("integration.composite_weights",),
        lambda w: float(np.sum(w)) > 0,
    ),
    (
        "the social-dimension weights must not all be zero",
        (
            "integration.social.weight_insurance",
            "integration.social.weight_pension",
            "integration.social.weight_local_ties",
            "integration.social.weight_participation",
        ),
        lambda *w: sum(w) > 0,
    ),
    (
        "the stage cut-points must satisfy cut_drifting <= cut_integration",
        ("integration.stage.cut_drifting", "integration.stage.cut_integration"),
        lambda a, b: a <= b,
    ),
    (
        "the living-type cut-points must satisfy cut_moderately_prosperous <= cut_developmental",
        (
            "integration.living_type.cut_moderately_prosperous",
            "integration.living_type.cut_developmental",
        ),
        lambda a, b: a <= b,
    ),
    (
        "the self-rated health cut points must increase",
        ("health.srh.cut_points",),
        lambda c: bool(np.all(np.diff(c) > 0)),
    ),
    (
        "the schooling cut points must increase",
        ("population.education.cut_points",),
        lambda c: bool(np.all(np.diff(c) > 0)),
    ),
    (
        "the destination tier shares must not all be zero",
        ("migration.destination.tier_share",),
        lambda s: float(np.sum(s)) > 0,
    ),
    (
        "the settler years must not exceed the immigrant years",
        ("integration.phase.settler_years", "integration.phase.immigrant_years"),
        lambda a, b: a <= b,
    ),
)


def check_constraints(tree: ParameterTree, years: range, origin: str = "parameters") -> None:
    """Raise :class:`ScenarioError` listing every violated condition, with its first year.

    Args:
        tree: Resolved tree (scenario applied).
        years: Years to check.
        origin: Where the values came from, for the message (a scenario file).
    """
    problems = []
    for message, paths, holds in CONSTRAINTS:
        values = [tree.resolve(path, years) for path in paths]
        for k, year in enumerate(years):
            if not holds(*(v[k] for v in values)):
                problems.append(f"{origin}: {message} ({', '.join(paths)}; from {year})")
                break
    if problems:
        raise ScenarioError("\n".join(problems))
