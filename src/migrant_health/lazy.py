"""Lazy exports of a package: its names are imported on first use, not with the package.

``import migrant_health.experiments.fit`` runs ``experiments/__init__.py`` first; if that
imported every submodule, the command line would load statsmodels (5 of its 8 seconds of
start-up) for ``migrant-health simulate``. Python's module ``__getattr__`` (PEP 562) is the
standard way to defer them; this helper builds it from a name -> submodule table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Args:
        package: The package's ``__name__``.
        exports: Exported name -> the submodule (relative to the package) that defines it.
    """

    def get_attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # later look-ups skip __getattr__
        return value

    def list_names() -> list[str]:
        return sorted(set(exports) | set(importlib.import_module(package).__dict__))

    return get_attribute, list_names
