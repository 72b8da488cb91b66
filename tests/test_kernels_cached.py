"""The first-run notice is shown until a run has finished, not merely begun, since the sources
last changed: a first run stopped half-way leaves cache files for only some kernels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migrant_health import RunConfig, simulate
from migrant_health.engine import jit
from migrant_health.params import tree


@pytest.fixture
def marker_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache's markers kept in a folder of the test's own."""
    monkeypatch.setattr(jit, "cache_marker_dir", lambda: tmp_path)
    return tmp_path


def test_kernels_count_as_cached_once_a_run_has_finished(marker_dir: Path) -> None:
    assert not jit.kernels_cached()
    simulate(RunConfig(end=2009, scale=2_000_000))
    assert jit.kernels_cached()


def test_a_changed_kernel_source_makes_them_uncached_again(
    marker_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jit.note_kernels_compiled()
    assert jit.kernels_cached()
    stamp = jit.cache_stamp()
    monkeypatch.setattr(jit, "cache_stamp", lambda: stamp.replace(" numba ", " 1 numba ", 1))
    assert not jit.kernels_cached()


def test_cache_files_of_a_first_run_stopped_half_way_are_not_enough(
    marker_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache folders hold index files of some kernels, as a stopped first run leaves them.
    monkeypatch.setattr(jit, "_cache_dirs", lambda: [marker_dir])
    (marker_dir / "run.some_kernel-12.py311.nbi").write_bytes(b"")
    assert not jit.kernels_cached()


def test_a_parameter_added_to_the_defaults_makes_them_uncached_a_changed_value_does_not(
    marker_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new parameter changes the parameter record's type, for which every kernel taking it
    compiles again; a new value of a parameter is only data."""
    defaults = tmp_path / "defaults"
    shutil.copytree(tree.DEFAULTS_DIR, defaults)
    monkeypatch.setattr(tree, "DEFAULTS_DIR", defaults)
    jit.note_kernels_compiled()
    assert jit.kernels_cached()

    schooling = defaults / "schooling.yaml"
    text = schooling.read_text(encoding="utf-8")
    schooling.write_text(text.replace("  value: 22\n", "  value: 23\n", 1), encoding="utf-8")
    assert jit.kernels_cached()

    schooling.write_text(
        text
        + "gap_year_share:\n"
        + "  description: Share of school leavers who wait a year before working\n"
        + "  unit: share\n"
        + "  value: 0.1\n"
        + "  range: [0, 1]\n"
        + "  source: 'assumption: a test parameter'\n",
        encoding="utf-8",
    )
    assert not jit.kernels_cached()
