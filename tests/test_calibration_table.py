"""docs/calibration.md section 5 lists every calibrated leaf with the value it ships at.

The table is written by hand as the calibration proceeds (the prior and how the last step set
each value come from the leaf's ``source``); this test keeps its list of leaves and its shipped
column equal to the parameter tree, so a value changed by hand cannot leave the table behind.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np

from migrant_health import ParameterTree

DOC = Path(__file__).resolve().parents[1] / "docs" / "calibration.md"
#: | `path` | unit | [calibrate range] | prior | shipped (how) |
ROW = re.compile(r"^\| `([a-z_.]+)` \| [^|]* \| (\[[^|]*\]) \| [^|]* \| ([^|]*) \|$")
SHIPPED = re.compile(r"^\s*(\[[^\]]*\]|-?[0-9][0-9.e+-]*)\s*\((search|by hand)\)\s*$")


def _table() -> dict[str, tuple[str, str]]:
    """Each row's calibrate range and shipped column, by parameter path."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## 5. Where the parameters come from", 1)[1].split("\n## ", 1)[0]
    return {m[1]: (m[2], m[3]) for line in section.splitlines() if (m := ROW.match(line))}


def _rows() -> dict[str, str]:
    return {path: shipped for path, (_, shipped) in _table().items()}


def test_the_calibrate_ranges_are_the_yaml_ranges() -> None:
    tree = ParameterTree.load()
    for path, (documented, _) in _table().items():
        low, high = ast.literal_eval(documented)
        assert (low, high) == tuple(tree.spec(path).calibrate), path


def test_the_table_lists_every_calibrated_leaf_once() -> None:
    tree = ParameterTree.load()
    calibrated = {path for path in tree.paths() if tree.spec(path).calibrate is not None}
    assert set(_rows()) == calibrated


def test_the_shipped_column_is_the_value_the_package_ships() -> None:
    tree = ParameterTree.load()
    for path, shipped in _rows().items():
        match = SHIPPED.match(shipped)
        assert match, f"{path}: shipped column {shipped!r} is not 'value (search|by hand)'"
        documented = np.asarray(ast.literal_eval(match[1]), dtype=float)
        value = np.asarray(tree.value_at(path, 2008), dtype=float)
        assert documented.shape == value.shape, path
        np.testing.assert_allclose(documented, value, rtol=1e-3, atol=1e-4, err_msg=path)
