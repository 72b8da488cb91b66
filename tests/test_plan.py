"""The plan as data: kernels bound by name, one owner per state, metrics where computed.

These tests hold the contracts of ``engine/plan.py`` and ``engine/binding.py`` on the default
model, and show what a module author gets told when a kernel asks for something unknown.
"""

from __future__ import annotations

import ast
import dis
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import migrant_health
from migrant_health.engine.binding import argument_names
from migrant_health.engine.jit import kernel
from migrant_health.engine.module import Module
from migrant_health.engine.plan import Plan
from migrant_health.engine.snapshot import _derive
from migrant_health.errors import PlanError
from migrant_health.model import default_plan

PLAN = default_plan()
PACKAGE = Path(migrant_health.__file__).parent


def unused_arguments(kernel: Callable[..., Any]) -> tuple[str, ...]:
    """Arguments of a kernel that its body never reads."""
    function = getattr(kernel, "py_func", kernel)
    loaded = {
        instruction.argval
        for instruction in dis.get_instructions(function)
        if instruction.opname in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR")
        or instruction.opname.startswith("LOAD_FAST_LOAD_FAST")
    }
    return tuple(name for name in argument_names(kernel) if name not in loaded)


def all_kernels() -> list[tuple[str, object]]:
    kernels: list[tuple[str, object]] = []
    for module in PLAN.modules:
        kernels += [(module.name, k) for k in (*module.init_kernels, *module.step_kernels)]
    return [*kernels, ("snapshot", _derive)]


def test_the_yearly_order_is_the_documented_one() -> None:
    assert [m.name for m in PLAN.yearly] == [
        "demography",
        "health",
        "care",
        "labor",
        "social",
        "integration",
        "migration",
        "results",
    ]
    assert [m.name for m in PLAN.init] == [
        "demography",
        "health",
        "migration",
        "labor",
        "care",
        "social",
        "steady_start",
    ]


@pytest.mark.parametrize("module", PLAN.modules, ids=lambda m: m.name)
def test_every_declared_write_is_a_kernel_argument(module: Module) -> None:
    assert set(module.writes) <= set(module.kernel_arguments())


@pytest.mark.parametrize("owner, compiled", all_kernels(), ids=lambda x: getattr(x, "__name__", x))
def test_no_kernel_argument_is_unused(owner: str, compiled: object) -> None:
    assert unused_arguments(compiled) == (), f"{owner}: arguments passed but never read"  # type: ignore[arg-type]


def test_unused_arguments_are_found() -> None:
    def kernel_with_a_spare(status, health, spare):  # type: ignore[no-untyped-def]
        return status[0] + health[0]

    assert unused_arguments(kernel_with_a_spare) == ("spare",)


def test_an_unknown_argument_fails_when_the_plan_is_built() -> None:
    @kernel
    def _step(status, helth):  # type: ignore[no-untyped-def]
        status[0] = helth[0]

    class Typo(Module):
        name = "typo"
        step_kernels = (_step,)
        writes = ("status",)

    with pytest.raises(PlanError, match=r"module 'typo'.*argument 'helth'"):
        Plan(init=(), yearly=(*PLAN.yearly, Typo()))


def test_a_write_that_no_kernel_takes_fails() -> None:
    class Claims(Module):
        name = "claims"
        writes = ("health",)

    with pytest.raises(PlanError, match=r"claims.*health"):
        Plan(init=(), yearly=(Claims(),))


def test_every_state_has_one_owner() -> None:
    names = [s.name for s in PLAN.states] + [s.name for s in PLAN.scratch]
    assert len(names) == len(set(names))
    owners = {s.owner for s in PLAN.states} - {"population"}
    assert owners <= {m.name for m in PLAN.modules}


def test_a_state_declared_twice_fails() -> None:
    health = next(m for m in PLAN.modules if m.name == "health")

    class Rival(Module):
        name = "rival"
        states = health.states

    with pytest.raises(PlanError, match="declared by both 'health' and 'rival'"):
        Plan(init=(), yearly=(health, Rival()))


def test_stored_state_stays_compact() -> None:
    assert PLAN.bytes_per_agent() <= 64


def test_metrics_report_modules_of_the_plan_and_use_accumulated_statistics() -> None:
    modules = {m.name for m in PLAN.modules}
    assert len(PLAN.metrics) == len(PLAN.metrics_by_name)
    for metric in PLAN.metrics:
        assert metric.reports in modules, metric.name
        assert set(metric.statistics()) <= set(PLAN.statistics), metric.name
    # Every module with a yearly mechanism has at least one metric reporting it (the steady
    # start only sets the base-year state; tests/test_steady_start.py holds it).
    reported = {m.reports for m in PLAN.metrics}
    assert {m.name for m in PLAN.yearly} - {"results"} <= reported


def _helper_sources(module_file: Path) -> str:
    """The source of the functions a module's file imports from helper files (modules/ files
    that define no module of the plan), and of the helper and ``engine.derived`` functions
    those call, in turn: they run in the module's kernels and read its parameters.

    Function by function, not whole files: a helper file may also hold another module's
    base-year rules (``migration_start`` holds the migration module's, of which the steady
    start reads only the age of arrival).
    """
    import importlib

    wanted = {
        (node.module, alias.name)
        for node in ast.walk(ast.parse(module_file.read_text()))
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and node.module.startswith("migrant_health.modules.")
        for alias in node.names
    }
    seen: set[tuple[str, str]] = set()
    texts = []
    while wanted:
        key = wanted.pop()
        seen.add(key)
        module = importlib.import_module(key[0])
        if re.search(r"^class \w+\(Module\)", inspect.getsource(module), re.MULTILINE):
            continue  # another module's own file: what it reads, it declares
        function = getattr(module, key[1], None)
        function = getattr(function, "py_func", function)
        if not inspect.isfunction(function):
            continue
        text = inspect.getsource(function)
        texts.append(text)
        for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", text)):
            called = function.__globals__.get(name)
            called = getattr(called, "py_func", called)
            # Helpers of the modules, and the engine's derived observables they call (which
            # read parameters too: derived.place_income reads the care module's incomes).
            if inspect.isfunction(called) and called.__module__.startswith(
                ("migrant_health.modules.", "migrant_health.engine.derived")
            ):
                found = (called.__module__, called.__name__)
                if found not in seen:
                    wanted.add(found)
    return "\n".join(texts)


def _derived_sources(module_file: Path) -> str:
    """The source of the ``engine.derived`` functions a module's file imports, and of the
    derived functions those call, in turn: they run inlined in the module's kernels and read
    its parameters (``derived.urban_hukou_scheme`` reads the care module's enrolment
    coverage for the migration module's conversions)."""
    from migrant_health.engine import derived

    tree = ast.parse(module_file.read_text())
    wanted = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "migrant_health.engine.derived"
        for alias in node.names
    }
    seen: set[str] = set()
    texts = []
    while wanted:
        name = wanted.pop()
        seen.add(name)
        function = getattr(derived, name, None)
        function = getattr(function, "py_func", function)
        if not inspect.isfunction(function):
            continue
        text = inspect.getsource(function)
        texts.append(text)
        called = set(re.findall(r"\b([a-z_]+)\(", text))
        wanted |= {c for c in called if c not in seen and hasattr(derived, c)}
    return "\n".join(texts)


def test_modules_declare_the_parameters_their_kernels_read() -> None:
    """Every ``p.<field>`` a module's file, a helper file it imports, or a function of
    ``engine.derived`` it imports reads lies under a subtree the module declares."""
    for module in PLAN.modules:
        python_module = inspect.getmodule(type(module))
        source = inspect.getsource(python_module)  # type: ignore[arg-type]
        source += _helper_sources(Path(python_module.__file__))  # type: ignore[union-attr,arg-type]
        source += _derived_sources(Path(python_module.__file__))  # type: ignore[union-attr,arg-type]
        fields = set(re.findall(r"\bp\.([a-z_]+(?:__[a-z_0-9]+)+)", source))
        declared = [d.replace(".", "__") for d in module.parameters]
        undeclared = {
            f for f in fields if not any(f == d or f.startswith(d + "__") for d in declared)
        }
        assert not undeclared, f"{module.name} reads undeclared parameters {sorted(undeclared)}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_engine_does_not_import_the_mechanisms() -> None:
    for path in sorted((PACKAGE / "engine").glob("*.py")):
        above = {
            name
            for name in _imports(path)
            if name.startswith(("migrant_health.modules", "migrant_health.model"))
            or name.startswith(("migrant_health.experiments", "migrant_health.cli"))
        }
        assert not above, f"engine/{path.name} imports {sorted(above)}"


def test_plan_binds_the_chunk_arrays_it_is_handed() -> None:
    # A bound kernel receives the chunk's own arrays (no copies): writes land in the chunk.
    from migrant_health.engine.population import Chunk

    chunk = Chunk.allocate(0, 0, 10, PLAN.states, PLAN.scratch)
    bound = next(k for k in PLAN.step_kernels() if k.module == "health")
    assert bound.names[:4] == ("first_pid", "year", "seed", "p")
    # The run context gives the seed (of the permanent draws the chunk keeps), the year's
    # parameters (the household income's spread) and the base year's life tables (the
    # survivors' frailty).
    from migrant_health import RunConfig
    from migrant_health.engine.run_context import build_context

    ctx, _ = build_context(RunConfig(end=2009, scale=200_000))
    arrays = [source(chunk, ctx, 2008) for source in bound.sources[4:]]  # type: ignore[arg-type]
    assert all(isinstance(a, np.ndarray) for a in arrays)
    assert any(a is chunk.arrays["health"] for a in arrays)
    # The permanent draws are drawn once and kept with the chunk: the same array every year.
    again = [source(chunk, ctx, 2009) for source in bound.sources[4:]]  # type: ignore[arg-type]
    assert all(a is b for a, b in zip(arrays, again, strict=True))


def test_metrics_declared_outside_the_accumulating_module_fail() -> None:
    # The results kernel writes row[SLOT.x]; a metric elsewhere would shift the columns.
    from migrant_health.engine.metrics import share

    health = next(m for m in PLAN.modules if m.name == "health")

    class Reporting(type(health)):  # type: ignore[misc]
        metrics = (share("frail_share", "frail", "persons", "share frail", "health"),)

    modules = tuple(Reporting() if m.name == "health" else m for m in PLAN.yearly)
    with pytest.raises(PlanError, match="every metric must be declared there"):
        Plan(init=PLAN.init, yearly=modules)


def _model_md_plan_rows() -> dict[str, tuple[list[str], list[str]]]:
    """The yearly plan table of docs/model.md section 3: module -> (reads, writes)."""
    text = (PACKAGE.parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    start = text.index("| # | module | seed | reads | writes |")
    rows = {}
    for line in text[start : text.index("\n\n", start)].splitlines()[2:]:
        _, module, _, reads, writes = (cell.strip() for cell in line.strip("|").split("|"))
        rows[module.strip("`")] = (reads.split(", "), writes.split(" (")[0].split(", "))
    return rows


def test_the_documented_yearly_plan_is_the_codes() -> None:
    """docs/model.md lists, for each module in order, what it reads and writes, as the plan
    derives them from the kernels (a table written by hand went stale twice)."""
    documented = _model_md_plan_rows()
    assert list(documented) == [module.name for module in PLAN.yearly]
    for module in PLAN.yearly:
        reads, writes = documented[module.name]
        assert writes == list(module.writes), module.name
        if module.name != "results":  # documented as "everything"
            assert reads == list(module.reads()), module.name
