"""How the packages depend on each other, read from the source (no import needed).

The survey package describes and reads data; it sits below the simulator. The estimators import
each other only at module level, without cycles, so an import inside a function never hides one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import migrant_health

PACKAGE = Path(migrant_health.__file__).parent
ABOVE_SURVEY = ("migrant_health.engine", "migrant_health.modules", "migrant_health.experiments")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str | None = None) -> list[tuple[str, bool]]:
    """``(imported name, at module level)`` for every import statement of a file.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a module: ``from migrant_health
    import engine``). ``module`` is the file's dotted name (default: from its place in the package).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    # Type-only imports of a module-level ``if TYPE_CHECKING:`` block count as module level (a
    # package with lazy exports lists them there for the type checker).
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            top |= {id(inner) for inner in node.body}
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")
                name = ".".join(base[: len(base) - node.level + 1] + ([name] if name else []))
            found += [
                (n, id(node) in top) for n in [name] + [f"{name}.{a.name}" for a in node.names]
            ]
    return found


SURVEY_FILES = sorted((PACKAGE / "survey").glob("*.py"))
ANALYSIS_FILES = sorted((PACKAGE / "analysis").glob("*.py"))


def test_the_walker_finds_module_level_function_level_and_relative_imports(
    tmp_path: Path,
) -> None:
    path = tmp_path / "example.py"
    path.write_text("import numpy\nfrom . import schema\ndef f():\n    from .. import engine\n")
    assert _imports(path, "migrant_health.survey.example") == [
        ("numpy", True),
        ("migrant_health.survey", True),
        ("migrant_health.survey.schema", True),
        ("migrant_health", False),
        ("migrant_health.engine", False),
    ]


@pytest.mark.parametrize("path", SURVEY_FILES, ids=lambda p: p.name)
def test_survey_imports_nothing_from_the_simulator_or_experiments(path: Path) -> None:
    above = [name for name, _ in _imports(path) if name.startswith(ABOVE_SURVEY)]
    assert not above, f"{path.name} imports {above}"


@pytest.mark.parametrize("path", ANALYSIS_FILES, ids=lambda p: p.name)
def test_analysis_imports_at_module_level_only(path: Path) -> None:
    inner = [name for name, top in _imports(path) if not top and name.startswith("migrant_health")]
    assert not inner, f"{path.name} imports {inner} inside a function"


def test_analysis_modules_import_each_other_without_a_cycle() -> None:
    graph = {
        _module_name(p): {n for n, _ in _imports(p) if n.startswith("migrant_health.analysis.")}
        for p in ANALYSIS_FILES
        if p.name != "__init__.py"
    }
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


NOT_CLI_FILES = sorted(
    path for path in PACKAGE.rglob("*.py") if "cli" not in path.relative_to(PACKAGE).parts
)


@pytest.mark.parametrize("path", NOT_CLI_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_command_line_imports_the_command_line(path: Path) -> None:
    """The library (reports, platform, experiments) works without the CLI: what a command and
    the library share (the headline figures) lives in the library. ``__main__`` runs the CLI."""
    if path.name == "__main__.py" and path.parent == PACKAGE:
        return
    names = [name for name, _ in _imports(path)]
    assert not [
        n for n in names if n == "migrant_health.cli" or n.startswith("migrant_health.cli.")
    ]
