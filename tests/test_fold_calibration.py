"""tools/fold_calibration.py: a calibration's best values land in the defaults, layout kept."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import yaml

from migrant_health.params import ParameterTree

TOOL = Path(__file__).resolve().parents[1] / "tools" / "fold_calibration.py"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fold_calibration", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_folding_twice_sets_the_value_and_keeps_the_first_prior(tmp_path: Path) -> None:
    tool = _tool()
    defaults = tmp_path / "defaults"
    shutil.copytree(tool.DEFAULTS, defaults)
    before = (defaults / "migration.yaml").read_text(encoding="utf-8").splitlines()
    # The prior is the value before any calibration: the shipped source of migration.return.age
    # names 0.6 (the assumption before issue 9 set it by hand to 1.0).
    assert ParameterTree.load().scalar("migration.return.age") == 1.0
    prior = "0.6"
    tool.fold("migration.return.age", 0.77, "study A", defaults)
    tool.fold("migration.return.age", 0.66, "study B", defaults)
    tool.fold("migration.initial.returned_share", [0.1] * 6, None, defaults)
    text = (defaults / "migration.yaml").read_text(encoding="utf-8")
    leaf = yaml.safe_load(text)["return"]["age"]
    assert leaf["value"] == 0.66
    assert leaf["source"].startswith(f"calibration: study B; prior {prior} from ")
    assert "study A" not in leaf["source"]
    assert yaml.safe_load(text)["initial"]["returned_share"]["value"] == [0.1] * 6
    after = text.splitlines()
    # Only the edited leaves' value and source lines change: comments and order stay.
    assert after[0] == before[0] and after[0].startswith("#")
    assert len(set(before) - set(after)) <= 6
