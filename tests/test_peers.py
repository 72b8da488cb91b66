"""The peer benchmark (benchmarks/peers.py): its reduced model in this engine is right and fair.

This engine's version of the reduced model must agree, within sampling error, with a plain
NumPy reference of the same rules (each drawing its own random numbers), and the check must be
able to fail: a model with one rule changed is caught. The benchmark must import and refuse a
missing peer without the peers installed (the package's own environment has none of them);
where a peer is installed, a tiny run of it agrees with this engine too.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import peers  # noqa: E402
from peer_models.reduced_model import (  # noqa: E402
    STATE_BYTES,
    ReducedModel,
    Summary,
    agree,
    simulate_numpy,
    z_scores,
)
from peer_models.this_engine import simulate_engine  # noqa: E402

MODEL = ReducedModel()
AGENTS = 50_000
YEARS = 20


@pytest.fixture(scope="module")
def reference() -> Summary:
    return simulate_numpy(MODEL, AGENTS, YEARS, seed=11)


@pytest.fixture(scope="module")
def engine_run() -> Summary:
    return simulate_engine(MODEL, AGENTS, YEARS, seed=7)


def test_engine_agrees_with_the_numpy_reference(engine_run: Summary, reference: Summary) -> None:
    z = z_scores(engine_run, reference)
    assert agree(engine_run, reference), z
    # The run is not degenerate: people moved to the city, died, and agent-years add up.
    assert 0.2 < engine_run.share_in_city < 0.8
    assert 0.3 < engine_run.share_alive < 0.95
    assert engine_run.alive * YEARS < engine_run.agent_years < AGENTS * YEARS


@pytest.mark.parametrize(
    "change",
    [{"overwork": 0.024}, {"return_integration": 0.0}, {"death_male": 2.0}],
    ids=lambda c: next(iter(c)),
)
def test_a_changed_rule_is_caught(change: dict[str, float], reference: Summary) -> None:
    changed: ReducedModel = dataclasses.replace(MODEL, **change)  # type: ignore[arg-type]
    other = simulate_engine(changed, AGENTS, YEARS, seed=7)
    assert not agree(other, reference), z_scores(other, reference)


def test_draws_do_not_depend_on_the_chunk_size(engine_run: Summary) -> None:
    assert simulate_engine(MODEL, AGENTS, YEARS, seed=7, chunk=7_919) == engine_run
    assert simulate_engine(MODEL, AGENTS, YEARS, seed=8) != engine_run


def test_the_benchmark_imports_without_the_peers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("mesa", "mesa_frames", "starsim", "polars"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it now fails
    fresh = importlib.reload(peers)
    assert set(fresh.ENGINES) == {fresh.THIS_ENGINE, *fresh.PEERS}


def test_a_missing_peer_is_refused_with_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(peers.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SystemExit) as exited:
        peers.parse_args(["--peers", "mesa", "starsim"])
    assert exited.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "mesa starsim" in message and ".[peers]" in message and "Traceback" not in message


@pytest.mark.parametrize(
    "argv", [["--agents", "ten"], ["--agents", "0"], ["--years", "0"], ["--time-limit", "-1"]]
)
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        peers.parse_args(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_child_measures_one_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peers, "_pin_to_one_core", lambda: None)  # leave pytest's cores alone
    out = peers.run_child(peers.THIS_ENGINE, 2_000, 3, seed=1)
    summary = Summary(**out["summary"])
    assert summary.agents == 2_000 and summary.agent_years > 5_000
    assert out["seconds"] > 0 and out["peak_rss_mb"] >= out["base_rss_mb"] > 0
    assert out["version"]  # the package's version stands beside its rows


def test_a_peer_python_that_cannot_import_the_peer_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:  # a peer's Python for a peer not asked for
        peers.parse_args(["--peers", "none", "--python", f"starsim={sys.executable}"])
    assert exited.value.code == 2
    fails = shutil.which("false") or "/bin/false"  # exits 1, as a Python without Starsim would
    with pytest.raises(SystemExit):
        peers.parse_args(["--peers", "starsim", "--python", f"starsim={fails}"])
    assert "cannot import starsim" in capsys.readouterr().err


def test_a_slow_or_large_peer_is_skipped_at_the_next_size() -> None:
    fast = peers.Row("mesa", 10_000, 20, seconds=2.0, peak_rss_mb=300.0, base_rss_mb=250.0)
    assert peers._skip_reason(fast, 100_000, limit=60) == ""
    assert "predicted" in peers._skip_reason(fast, 1_000_000, limit=60)
    huge = dataclasses.replace(fast, peak_rss_mb=250.0 + 1e6)
    assert "memory" in peers._skip_reason(huge, 100_000, limit=60) or "GB" in peers._skip_reason(
        huge, 100_000, limit=60
    )
    failed = peers.Row("mesa", 10_000, 20, note="failed: exit 1: boom")
    assert peers._skip_reason(failed, 100_000, limit=60).startswith("skipped")


def test_outputs_are_written_whole(tmp_path: Path, engine_run: Summary) -> None:
    row = peers.Row(peers.THIS_ENGINE, AGENTS, YEARS, agent_years=engine_run.agent_years)
    row.summary = dataclasses.asdict(engine_run)
    bounds = peers.Bounds(bandwidth=1e10, draw_floor=2e7)
    peers.write_outputs([row], bounds, str(tmp_path / "p.json"), str(tmp_path / "p.csv"))
    payload = json.loads((tmp_path / "p.json").read_text())
    assert payload["bound_agent_years_per_s"] == pytest.approx(1e10 / (2 * STATE_BYTES))
    assert payload["rows"][0]["in_city"] == engine_run.in_city
    assert "share_in_city" not in payload["rows"][0]  # sums, from which shares follow
    assert (tmp_path / "p.csv").read_text().count("\n") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p.json"]


PEER_RUNS = [
    ("mesa", "peer_models.mesa_agents", "simulate_mesa"),
    ("mesa_frames", "peer_models.mesa_frames_model", "simulate_mesa_frames"),
    ("starsim", "peer_models.starsim_model", "simulate_starsim"),
]


@pytest.mark.parametrize(("framework", "module", "function"), PEER_RUNS, ids=lambda x: x)
def test_an_installed_peer_agrees_with_this_engine(
    framework: str, module: str, function: str
) -> None:
    pytest.importorskip(framework)
    simulate = getattr(importlib.import_module(module), function)
    theirs = simulate(MODEL, 5_000, 10, 3)
    ours = simulate_engine(MODEL, 5_000, 10, seed=3)
    assert agree(theirs, ours), z_scores(theirs, ours)
