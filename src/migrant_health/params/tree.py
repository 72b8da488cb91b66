"""The parameter tree: YAML files under ``params/defaults`` whose file path is the parameter path.

``defaults/health.yaml`` holding ``depletion: {overwork: {value: ...}}`` defines the parameter
``health.depletion.overwork``. A leaf is a mapping with a ``value`` key; its other keys are the
metadata of :class:`~migrant_health.params.spec.ParameterSpec`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from migrant_health.errors import ParameterError
from migrant_health.params.spec import ParameterSpec, Value
from migrant_health.yaml_keys import check_keys

DEFAULTS_DIR = Path(__file__).with_name("defaults")


# libyaml's parser when PyYAML was built with it: parsing the parameter files in C takes a tenth
# of the time, and every command (and every worker) parses them once.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A safe loader that refuses a key given twice in one mapping (YAML would keep the last)
    or written as a list or a mapping (:func:`migrant_health.yaml_keys.check_keys`)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        check_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Read a YAML file, turning syntax errors into a :class:`ParameterError` naming the line."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except FileNotFoundError as exc:
        raise ParameterError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise ParameterError(f"{path}: is a directory, not a YAML file") from exc
    except PermissionError as exc:
        raise ParameterError(f"{path}: permission denied") from exc
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParameterError(f"{path}:{where}: malformed YAML ({problem})") from exc


def _walk(node: Any, prefix: str, origin: Path) -> Iterator[tuple[str, ParameterSpec]]:
    if not isinstance(node, Mapping):
        raise ParameterError(f"{origin}: key '{prefix}' must be a mapping or a parameter leaf")
    if "value" in node:
        try:
            yield prefix, ParameterSpec(**node)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'leaf'}: {e['msg']}" for e in exc.errors()
            )
            raise ParameterError(f"{origin}: parameter '{prefix}': {reasons}") from exc
        return
    for key, child in node.items():
        yield from _walk(child, f"{prefix}.{key}" if prefix else str(key), origin)


def files_stamp(directory: Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every parameter file of ``directory`` (defaults).

    What a cache of anything built from the parameters must be keyed on, so that an edited
    file is read again.
    """
    files = sorted((directory or DEFAULTS_DIR).glob("*.yaml"))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@lru_cache(maxsize=8)
def _parse_files(stamp: tuple[tuple[str, int, int], ...]) -> tuple[tuple[str, ParameterSpec], ...]:
    """Every parameter of the files in ``stamp`` (path, mtime, size), in file order."""
    specs: dict[str, ParameterSpec] = {}
    for name, _, _ in stamp:
        path = Path(name)
        content = read_yaml(path) or {}
        for key, spec in _walk(content, path.stem, path):
            specs[key] = spec
    return tuple(specs.items())


@dataclass(frozen=True)
class ParameterTree:
    """All parameters of the model, with any scenario overrides layered on top.

    Attributes:
        specs: Parameter path -> its default specification.
        overrides: Parameter path -> overriding values, in the order they were applied.
    """

    specs: dict[str, ParameterSpec]
    overrides: dict[str, list[Value]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None = None) -> ParameterTree:
        """Load the tree from a directory of YAML files (the package defaults by default)."""
        directory = directory or DEFAULTS_DIR
        # Parsing the YAML takes about 0.6 s, as long as a small run itself, and every run reads
        # the tree twice (studies of many runs read it hundreds of times): the parsed files are
        # kept, keyed by each file's size and modification time so an edited file is re-read.
        stamp = files_stamp(directory)
        # Each tree gets its own copies: a value is a list or a dict that a caller could change
        # in place, which must not leak into the next tree loaded.
        specs = {name: spec.model_copy(deep=True) for name, spec in _parse_files(stamp)}
        if not specs:
            raise ParameterError(f"{directory}: no parameter files (*.yaml) found")
        return cls(specs=specs)

    def __contains__(self, path: object) -> bool:
        return path in self.specs

    def paths(self, prefix: str = "") -> list[str]:
        """Sorted parameter paths, optionally only those under ``prefix``."""
        return sorted(
            p for p in self.specs if not prefix or p == prefix or p.startswith(prefix + ".")
        )

    def spec(self, path: str) -> ParameterSpec:
        """Specification of one parameter; raises :class:`ParameterError` for unknown paths."""
        try:
            return self.specs[path]
        except KeyError:
            raise ParameterError(unknown_path_message(path, self.specs)) from None

    def with_override(self, path: str, value: Value) -> ParameterTree:
        """A new tree in which ``value`` overrides ``path`` (validated by the caller)."""
        layers = {k: list(v) for k, v in self.overrides.items()}
        layers.setdefault(path, []).append(value)
        return ParameterTree(specs=self.specs, overrides=layers)

    def value_at(self, path: str, year: int) -> float | np.ndarray:
        """The value in force in ``year`` (overrides first, falling back layer by layer)."""
        spec = self.spec(path)
        for layer in reversed(self.overrides.get(path, [])):
            found = _value_in_year(layer, year, fallback=False)
            if found is not None:
                return found
        found = _value_in_year(spec.value, year, fallback=True)
        assert found is not None
        return found

    def scalar(self, path: str, year: int = 2008) -> float:
        """The value of a scalar parameter in ``year``."""
        value = self.value_at(path, year)
        if isinstance(value, np.ndarray):
            raise ParameterError(f"parameter '{path}' is a vector, not a scalar")
        return value

    def resolve(self, path: str, years: range) -> np.ndarray:
        """Values of one parameter for each year: shape ``(n_years,)`` or ``(n_years, k)``."""
        return np.asarray([self.value_at(path, y) for y in years], dtype=np.float64)


def _value_in_year(value: Value, year: int, *, fallback: bool) -> float | np.ndarray | None:
    if isinstance(value, dict):
        keys = sorted(value)
        in_force = [k for k in keys if k <= year]
        if not in_force:
            if not fallback:
                return None
            in_force = keys[:1]
        return _as_number(value[in_force[-1]])
    return _as_number(value)


def _as_number(value: Any) -> float | np.ndarray:
    if isinstance(value, list):
        return np.asarray(value, dtype=np.float64)
    return float(value)


def unknown_path_message(path: str, known: Mapping[str, Any]) -> str:
    """A message for an unknown path that suggests the closest known ones."""
    import difflib

    close = difflib.get_close_matches(path, list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return (
        f"unknown parameter path '{path}'{hint} (list the paths with `migrant-health params show`)"
    )
