"""Each scenario's levers as a report shows them: what the scenario stands for, and each
override with the parameter's meaning, unit, seed section and baseline value.

The rows are those of ``migrant-health scenarios show`` (path, value, baseline, unit, seed,
description), read from the scenario as the run or comparison recorded it, so a report shows
what actually ran even if the shipped scenario has changed since. A path this version of the
package no longer knows (a lever renamed since the run) still gets its row, saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

import migrant_health
from migrant_health.params import ParameterTree

#: Columns of :func:`lever_table`.
LEVER_COLUMNS: tuple[str, ...] = (
    "scenario",
    "path",
    "value",
    "baseline",
    "unit",
    "seed",
    "description",
)


def lever_rows(scenario: Mapping[str, Any], tree: ParameterTree) -> list[dict[str, Any]]:
    """One row per override of a recorded scenario (``name``, ``overrides``, ...).

    Returns:
        Rows with the keys of :data:`LEVER_COLUMNS`; ``value`` and ``baseline`` as recorded
        (a number, a list or a mapping of year to value).
    """
    rows = []
    for path, value in dict(scenario.get("overrides") or {}).items():
        spec = tree.specs.get(path)
        rows.append(
            {
                "scenario": str(scenario.get("name", "")),
                "path": path,
                "value": value,
                "baseline": spec.value if spec is not None else None,
                "unit": spec.unit if spec is not None else "",
                "seed": (spec.seed or "") if spec is not None else "",
                "description": spec.description
                if spec is not None
                else f"not a parameter of migrant_health {migrant_health.__version__} "
                "(renamed or removed since this ran)",
            }
        )
    return rows


def lever_table(scenarios: Sequence[Mapping[str, Any]], tree: ParameterTree) -> pd.DataFrame:
    """Every scenario's overrides as one table, values as JSON text (for a CSV download)."""
    rows = [row for scenario in scenarios for row in lever_rows(scenario, tree)]
    table = pd.DataFrame(rows, columns=list(LEVER_COLUMNS))
    for column in ("value", "baseline"):
        table[column] = table[column].map(lambda v: json.dumps(v) if v is not None else "")
    return table
