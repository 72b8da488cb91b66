"""Counter-based streams: uniform, independent across streams, and a pure function of keys."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numba as nb
import numpy as np
import pytest

from migrant_health.engine.random import STREAMS, normal, stream, stream_key, uniform, year_key


@nb.njit
def _draws(seed, key, year, n):  # type: ignore[no-untyped-def]
    out = np.empty(n)
    k = year_key(np.uint64(seed), key, year)
    for i in range(n):
        out[i] = uniform(k, np.int64(i))
    return out


@nb.njit
def _normals(seed, key, year, n):  # type: ignore[no-untyped-def]
    out = np.empty(n)
    k = year_key(np.uint64(seed), key, year)
    for i in range(n):
        out[i] = normal(k, np.int64(i))
    return out


def test_uniforms_are_uniform_and_reproducible() -> None:
    a = _draws(1, stream_key("test.a"), 2010, 200_000)
    assert a.min() >= 0.0 and a.max() < 1.0
    counts, _ = np.histogram(a, bins=10, range=(0, 1))
    assert np.all(np.abs(counts / a.size - 0.1) < 0.005)
    np.testing.assert_array_equal(a, _draws(1, stream_key("test.a"), 2010, 200_000))


def test_streams_years_and_seeds_are_independent() -> None:
    base = _draws(1, stream_key("test.a"), 2010, 100_000)
    for other in (
        _draws(1, stream_key("test.b"), 2010, 100_000),
        _draws(1, stream_key("test.a"), 2011, 100_000),
        _draws(2, stream_key("test.a"), 2010, 100_000),
    ):
        assert abs(np.corrcoef(base, other)[0, 1]) < 0.02


def test_normals_have_unit_variance() -> None:
    z = _normals(3, stream_key("test.n"), 2020, 200_000)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01


# -- every draw goes through a named stream -----------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "migrant_health"
# Files that draw random numbers (random.py itself defines the keys and is left out).
KERNEL_SOURCES = [
    path
    for path in sorted((PACKAGE / "engine").glob("*.py"))
    + sorted((PACKAGE / "modules").glob("*.py"))
    # permanent.py draws the permanent draws of the streams modules name in permanent_normals.
    if path.name not in ("random.py", "permanent.py")
]


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def test_stream_names_are_unique_and_name_a_decision() -> None:
    import migrant_health.model as model

    model.default_plan()  # imports every module, registering its streams
    assert len(STREAMS) >= 40
    assert len(set(STREAMS.values())) == len(STREAMS)
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_0-9]+", name) for name in STREAMS)
    with pytest.raises(ValueError, match="defined twice"):
        stream("health.physical_shock")
    with pytest.raises(ValueError, match=r"module\.decision"):
        stream("no_decision")


@pytest.mark.parametrize("path", KERNEL_SOURCES, ids=lambda p: p.name)
def test_every_draw_comes_from_a_named_stream(path: Path) -> None:
    """No XOR of keys with constants, no offset years: a key is a named stream's key."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            for side in (node.left, node.right):
                constant = isinstance(side, ast.Call) and all(
                    isinstance(arg, ast.Constant) for arg in side.args
                )
                assert not (constant and "uint64" in ast.unparse(side.func)), (
                    f"{path.name}: key arithmetic '{ast.unparse(node)}'; name the decision "
                    "with stream()"
                )
    for call in _calls(tree, "year_key"):
        stream_arg, year_arg = call.args[1], call.args[2]
        assert isinstance(stream_arg, ast.Name) and stream_arg.id.startswith("STREAM_"), (
            f"{path.name}: year_key on '{ast.unparse(stream_arg)}', not a named stream"
        )
        assert isinstance(year_arg, ast.Name), (
            f"{path.name}: year_key with year '{ast.unparse(year_arg)}': offset years hide a "
            "second stream; name it, or use permanent_key for lifelong draws"
        )
    for call in _calls(tree, "permanent_key"):
        assert isinstance(call.args[1], ast.Name) and call.args[1].id.startswith("STREAM_")
    for call in _calls(tree, "permanent_normals"):
        assert isinstance(call.args[0], ast.Name) and call.args[0].id.startswith("STREAM_")
    for name in ("uniform", "normal"):
        for call in _calls(tree, name):
            key = call.args[0]
            assert not isinstance(key, ast.BinOp), f"{path.name}: {ast.unparse(call)}"
