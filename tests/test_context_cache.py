"""The run context is built once per configuration, and again when a parameter file changes.

A command resolves its run's context (parameters, scenario, constraints, population layout)
before simulating, then to run it, then in a serial worker: the last context is kept for an
equal configuration. A long-lived process (a notebook, the platform's server, a cluster worker)
must still see an edited parameter file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from migrant_health import RunConfig
from migrant_health.engine.population import MORTALITY_FACTOR_CELLS, MORTALITY_FACTORS
from migrant_health.engine.run_context import build_context
from migrant_health.params import tree


def test_an_equal_configuration_gets_the_same_context() -> None:
    config = RunConfig(end=2010, scale=50_000, seed=3)
    first, _ = build_context(config)
    again, _ = build_context(RunConfig(end=2010, scale=50_000, seed=3))
    assert again is first
    other, _ = build_context(RunConfig(end=2010, scale=50_000, seed=4))
    assert other is not first and other.seed == 4


def test_fixed_mortality_factors_are_part_of_the_key() -> None:
    config = RunConfig(end=2010, scale=50_000, seed=3)
    plain, layout = build_context(config)
    chunks = len(layout.chunk_bounds(config.communities_per_chunk))
    factors = np.ones((chunks, len(plain.years), *MORTALITY_FACTOR_CELLS))
    # Equal as configurations (the factors are left out of equality), not as runs.
    with_factors = RunConfig(end=2010, scale=50_000, seed=3, fixed_mortality_factors=factors)
    assert with_factors == config
    held, _ = build_context(with_factors)
    assert held is not plain and MORTALITY_FACTORS in held.fixed_records
    assert build_context(config)[0] is not held


def test_an_edited_parameter_file_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = tmp_path / "defaults"
    shutil.copytree(tree.DEFAULTS_DIR, defaults)
    monkeypatch.setattr(tree, "DEFAULTS_DIR", defaults)
    config = RunConfig(end=2010, scale=50_000, seed=3)
    before, _ = build_context(config)
    path = "migration.stay.intercept"
    value = before.tree.scalar(path)
    text = (defaults / "migration.yaml").read_text(encoding="utf-8")
    assert text.count(f"{value!r}") >= 1 or text.count(f"{value}") >= 1
    edited = text.replace(f"{value}", f"{value + 0.5}", 1)
    (defaults / "migration.yaml").write_text(edited + "\n", encoding="utf-8")
    after, _ = build_context(config)
    assert after is not before
    assert after.tree.scalar(path) == pytest.approx(value + 0.5)
