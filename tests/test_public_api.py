"""The public API is what ``__all__`` says it is (as httpx tests its own).

For the package and every subpackage with an ``__all__``: the list is sorted the way ruff sorts
it (constants, then classes, then functions), it names exactly the public names the package
exposes (not starting with ``_``; submodules and ``from __future__ import annotations`` aside),
and every exported class and function has a docstring.
"""

from __future__ import annotations
import __future__

import importlib
import inspect
import pkgutil
import re
import types

import pytest

import migrant_health


def _public_packages() -> list[str]:
    subpackages = [
        f"migrant_health.{info.name}"
        for info in pkgutil.iter_modules(migrant_health.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]
    with_all = [name for name in subpackages if hasattr(importlib.import_module(name), "__all__")]
    return ["migrant_health", *with_all]


PACKAGES = _public_packages()


def _ruff_order(name: str) -> tuple[int, list[str | int]]:
    """RUF022's isort-style key: SCREAMING_CASE, then CamelCase, then the rest; natural order."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _exposed(module: types.ModuleType) -> set[str]:
    # dir(), not vars(): a package with lazy exports (migrant_health/lazy.py) lists the names it
    # loads on first use in its __dir__.
    values = {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}
    return {
        name
        for name, value in values.items()
        if not isinstance(value, types.ModuleType)
        and not isinstance(value, type(__future__.annotations))
    }


def test_the_packages_named_in_the_design_are_checked() -> None:
    expected = {"survey", "analysis", "experiments", "params"}
    assert {f"migrant_health.{name}" for name in expected} <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted(name: str) -> None:
    exported = list(importlib.import_module(name).__all__)
    assert exported == sorted(exported, key=_ruff_order)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    assert len(set(module.__all__)) == len(module.__all__), "a name is exported twice"
    assert set(module.__all__) == _exposed(module)


def _documented(obj: object) -> bool:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    # A dataclass without a docstring gets its signature as one: "Name(field: type, ...)".
    return bool(doc) and not doc.startswith(f"{getattr(obj, '__name__', '')}(")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_class_and_function_has_a_docstring(name: str) -> None:
    module = importlib.import_module(name)
    undocumented = [
        exported
        for exported in module.__all__
        if (inspect.isclass(obj := getattr(module, exported)) or inspect.isfunction(obj))
        and not _documented(obj)
    ]
    assert not undocumented
