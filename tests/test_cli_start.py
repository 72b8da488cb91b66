"""The command line starts without loading the model: ``--help`` and ``--version`` are quick.

``migrant-health --help`` took 2.5 s on an idle 2-core machine (3-4 s on a busy one) before
printing anything, because importing the package and every command's module loaded pandas,
NumPy, Numba, DuckDB and PyArrow; only the commands that use them load them now, and the help
takes half a second. Whether a library was loaded can only be seen in a fresh process: this
test session has loaded them all already. So each check runs its Python in a subprocess,
against the same source tree as the tests, and reads back the names of the modules it
imported.
"""

from __future__ import annotations

import sys

import pytest

import migrant_health
from fresh_python import last_json_line

#: Libraries that cost a tenth of a second to a second each to import, and that no command's
#: help needs.
HEAVY = frozenset(
    {"pandas", "numpy", "numba", "duckdb", "pyarrow", "matplotlib", "statsmodels", "scipy"}
)

#: Prints the top-level names of every module the code before it imported, as JSON.
_LOADED = """
import json as _json, sys as _sys
print(_json.dumps(sorted({_name.split(".")[0] for _name in _sys.modules})))
"""

#: Renders the help of the command line and of every command and subcommand, as a user's
#: ``--help`` does; stops with a traceback if one fails.
_EVERY_HELP = """
import typer.main
from typer.testing import CliRunner

from migrant_health.cli.main import app


def paths(command, path):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, [*path, name])


runner = CliRunner()
shown = 0
for path in paths(typer.main.get_command(app), []):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output, (path, result.output)
    shown += 1
assert shown > 20, shown  # the command line, its groups and every command
"""


def _heavy_loaded_by(code: str) -> set[str]:
    """The :data:`HEAVY` libraries that a fresh Python imports to run ``code``.

    Args:
        code: Python source, run with ``python -c``; it fails the test if it raises.

    Returns:
        Their names, such as ``pandas`` when ``pandas.core.frame`` was imported.
    """
    return set(last_json_line(code + _LOADED)) & HEAVY


def test_the_walker_sees_a_heavy_library_when_one_is_imported() -> None:
    """The check below would pass on any code if it could not see an import."""
    assert _heavy_loaded_by("import pandas") >= {"pandas", "numpy"}


def test_the_help_of_every_command_comes_without_loading_the_model() -> None:
    assert _heavy_loaded_by(_EVERY_HELP) == set()


def test_the_version_comes_without_loading_the_model() -> None:
    code = """
from typer.testing import CliRunner

import migrant_health
from migrant_health.cli.main import app

result = CliRunner().invoke(app, ["--version"])
assert result.output == f"migrant-health {migrant_health.__version__}\\n", result.output
"""
    assert _heavy_loaded_by(code) == set()


def test_importing_the_package_loads_none_of_the_heavy_libraries() -> None:
    assert _heavy_loaded_by("import migrant_health") == set()


def test_a_public_name_loads_its_module_on_first_use() -> None:
    """``from migrant_health import simulate`` works as before; it loads the model then."""
    code = """
from migrant_health import simulate
from migrant_health.model import simulate as defined

assert simulate is defined
"""
    assert _heavy_loaded_by(code) >= {"numba", "pandas"}


def test_every_public_name_is_the_object_its_module_defines() -> None:
    for name in migrant_health.__all__:
        value = getattr(migrant_health, name)
        defining = sys.modules[value.__module__]
        assert getattr(defining, name) is value, name
        assert name in dir(migrant_health), name


def test_an_unknown_name_is_an_attribute_error_as_usual() -> None:
    usual = r"^module 'migrant_health' has no attribute 'no_such_name'$"
    with pytest.raises(AttributeError, match=usual):
        migrant_health.no_such_name  # noqa: B018 - the look-up is the test


def test_the_runs_folder_of_the_command_line_is_the_stores() -> None:
    """``--runs`` defaults to a copy of the store's folder: the store is too heavy to import
    for the help."""
    from migrant_health.cli.runs import RUNS
    from migrant_health.store import RUNS as STORE_RUNS

    assert RUNS == STORE_RUNS
