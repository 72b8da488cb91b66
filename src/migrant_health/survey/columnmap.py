"""Column maps: YAML files that rename and recode a real survey file into the schema.

A map has up to six sections, applied in this order::

    source: "CMDS 2017, individual questionnaire"   # free text, kept in the metadata
    rename:            # schema column: column of the source file
      id: ID
      age: q101c_age
    derive:            # column: pandas expression over the SOURCE file's columns
      years_in_city: 2017 - q201_year_arrived
      depressed: q502 >= 10          # new analysis variables may be derived too
    constants:         # schema column: the same value for every respondent
      survey_year: 2017
    recode:            # schema column: {source value or value label: schema value}
      sex: {1: male, 2: female}
      srh: {1: 4, 2: 3, 3: 2, 4: 1}       # CMDS codes 1 = healthy; the schema puts best highest
      med_insurance: {9: null}            # null makes a value missing
    scales:            # see SurveyMeta
      srh_levels: 4
      depression_scale: "none in CMDS 2017"
    keep_unmapped: true   # keep the source's other columns under their own names (default)

Recode keys match a raw value, its text, or (Stata/SPSS files) its value label, so a map can be
written with the questionnaire's answer texts. Values not listed are kept as they are, and the
validator then reports any that the schema does not allow. See ``examples/survey/`` for templates.

A map never makes two columns into one: a key given twice in the YAML, a column both renamed and
derived, or a rename onto the name of a file column that ``keep_unmapped`` keeps is an error. A
``derive`` or ``constants`` entry may replace a file column of its own name (``srh: 6 - srh``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from yaml.constructor import ConstructorError

from migrant_health.survey.errors import ColumnMapError
from migrant_health.survey.meta import VALUE_LABELS_KEY, SurveyMeta, meta_from_mapping, set_meta
from migrant_health.survey.schema import SCHEMA
from migrant_health.yaml_keys import check_keys

_SECTIONS = ("source", "rename", "derive", "constants", "recode", "scales", "keep_unmapped")
# The sections that create a column: a column may come from one of them only.
_CREATING = ("rename", "derive", "constants")
# Source columns listed in full in a message before the list is cut (and the cut is counted).
_COLUMNS_SHOWN = 60


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping, or written as a list or
    a mapping (:func:`migrant_health.yaml_keys.check_keys`).

    PyYAML keeps the last of two equal keys without a word, so ``rename: {age: q1, age: q2}``
    would quietly map ``q2``.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        try:
            check_keys(self, node)
        except ConstructorError as exc:
            mark = exc.problem_mark
            line = f"line {mark.line + 1}: " if mark is not None else ""
            raise ColumnMapError(f"{self.name}: {line}{exc.problem}") from None
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class ColumnMap:
    """Renames, derivations, constants and recodes that bring a file onto the schema.

    Attributes:
        rename: Schema column -> source column.
        derive: Schema column -> pandas expression over the source columns.
        constants: Schema column -> value for every row.
        recode: Schema column -> {source value or label: schema value (None = missing)}.
        meta: Scales of the health items.
        keep_unmapped: Keep the source file's other columns.
        origin: Where the map was read from (for messages).
    """

    rename: Mapping[str, str] = field(default_factory=dict)
    derive: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    recode: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    meta: SurveyMeta = field(default_factory=lambda: SurveyMeta())
    keep_unmapped: bool = True
    origin: str = "column map"

    @classmethod
    def load(cls, path: str | Path) -> ColumnMap:
        """Read a column map from a YAML file.

        Raises:
            ColumnMapError: If the file is missing, not YAML, or has unknown sections or keys.
        """
        path = Path(path)
        try:
            with path.open(encoding="utf-8") as handle:
                raw = yaml.load(handle, Loader=_UniqueKeyLoader)
        except FileNotFoundError:
            raise ColumnMapError(f"{path}: column map not found") from None
        except IsADirectoryError:
            raise ColumnMapError(
                f"{path}: is a directory; name the column map's YAML file"
            ) from None
        except PermissionError:
            raise ColumnMapError(f"{path}: permission denied") from None
        except UnicodeDecodeError as exc:
            raise ColumnMapError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the column map "
                "as UTF-8 (labels in Chinese are fine in UTF-8)"
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ColumnMapError(f"{path}:{where}: malformed YAML ({exc})") from exc
        return cls.from_dict(raw or {}, origin=str(path))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], origin: str = "column map") -> ColumnMap:
        """Build a column map from its parsed YAML content."""
        if not isinstance(raw, Mapping):
            raise ColumnMapError(f"{origin}: a column map must be a mapping of sections")
        unknown = sorted(set(raw) - set(_SECTIONS))
        if unknown:
            raise ColumnMapError(
                f"{origin}: unknown section(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(_SECTIONS)}"
            )
        sections: dict[str, dict[str, Any]] = {}
        for name in ("rename", "derive", "constants", "recode"):
            section = raw.get(name) or {}
            if not isinstance(section, Mapping):
                raise ColumnMapError(f"{origin}: section '{name}' must be a mapping")
            for key in section:
                if str(key) not in SCHEMA and name in ("rename", "constants"):
                    raise ColumnMapError(
                        f"{origin}: {name}.{key} is not a schema column"
                        f"{_closest(str(key), list(SCHEMA))} (see docs/survey.md for the "
                        "schema; keep_unmapped keeps other columns)"
                    )
            sections[name] = {str(k): v for k, v in section.items()}
        _check_one_source(sections, origin)
        for key, value in sections["constants"].items():
            if isinstance(value, (Mapping, list)):
                raise ColumnMapError(
                    f"{origin}: constants.{key} must be one value for every respondent, not "
                    f"{'a list' if isinstance(value, list) else 'a mapping'} ({value!r})"
                )
        for key, mapping in sections["recode"].items():
            if not isinstance(mapping, Mapping):
                raise ColumnMapError(f"{origin}: recode.{key} must map source values to values")
        keep = raw.get("keep_unmapped", True)
        if not isinstance(keep, bool):
            # bool("maybe") is True: a typo would silently keep every other column.
            raise ColumnMapError(f"{origin}: keep_unmapped must be true or false, not {keep!r}")
        scales = meta_from_mapping(raw.get("scales"), origin)
        if raw.get("source"):
            scales = scales.model_copy(update={"source": str(raw["source"])})
        if not any(raw.get(name) for name in ("rename", "derive", "constants", "recode")) and not (
            raw.get("scales") or raw.get("source") or "keep_unmapped" in raw
        ):
            # An empty file (or one of empty sections) read every file as it was, which a
            # user who meant to map columns learned only from the validation's missing columns.
            raise ColumnMapError(
                f"{origin}: sets nothing (it is empty, or its sections are); give rename, "
                "derive, constants, recode or scales (docs/survey.md, section 2), or use no "
                "column map"
            )
        return cls(
            rename={k: str(v) for k, v in sections["rename"].items()},
            derive={k: str(v) for k, v in sections["derive"].items()},
            constants=sections["constants"],
            recode=sections["recode"],
            meta=scales,
            keep_unmapped=keep,
            origin=origin,
        )

    def apply(self, source: pd.DataFrame) -> pd.DataFrame:
        """Return the source table renamed, derived and recoded onto the schema.

        Raises:
            ColumnMapError: If a renamed column is absent or an expression fails; every absent
                column is named at once.
        """
        names = [str(c) for c in source.columns]
        absent = [
            f"{k} <- {v}{_closest(v, names)}" for k, v in self.rename.items() if v not in names
        ]
        if absent:
            shown = ", ".join(names[:_COLUMNS_SHOWN])
            hidden = len(names) - _COLUMNS_SHOWN
            raise ColumnMapError(
                f"{self.origin}: source column(s) not in the file: {'; '.join(absent)}. "
                f"The file has {len(names)} columns: {shown}"
                + (f" and {hidden} more" if hidden > 0 else "")
            )
        if self.keep_unmapped:
            self._check_no_rename_collision(names)
        labels: dict[str, dict[Any, str]] = dict(source.attrs.get(VALUE_LABELS_KEY, {}))
        out = pd.DataFrame(index=source.index)
        out_labels: dict[str, dict[Any, str]] = {}
        for target, src in self.rename.items():
            out[target] = source[src]
            if src in labels:
                out_labels[target] = labels[src]
        # Expressions are evaluated on pandas' nullable types, whose missing value follows
        # three-valued logic: ``q502 >= 10`` is missing where q502 is (on NumPy's floats it was
        # False, and non-respondents counted as "not depressed" in every model), while
        # ``(a == 1) | (b == 1)`` is true where either is, and ``False & missing`` is false.
        nullable = _with_nullable_numbers(source) if self.derive else source
        for target, expression in self.derive.items():
            try:
                out[target] = nullable.eval(expression, engine="python")
            except Exception as exc:  # pandas raises many types for a bad expression
                # A misspelled column reads as an unknown name: suggest the file's closest.
                unknown = re.search(r"name '([^']+)' is not defined", str(exc))
                hint = _closest(unknown.group(1), names) if unknown else ""
                # A name that is no Python identifier ("age years", "收入(元)") needs backticks.
                bare = [
                    n
                    for n in names
                    if not n.isidentifier() and n in expression and f"`{n}`" not in expression
                ]
                if bare:
                    hint += f" (write a column name like '{bare[0]}' in backticks: `{bare[0]}`)"
                raise ColumnMapError(
                    f"{self.origin}: derive.{target} = {expression!r} failed: {exc}{hint}"
                ) from exc
        for target, value in self.constants.items():
            out[target] = value
        for target, mapping in self.recode.items():
            if target not in out.columns:
                if target in source.columns:
                    out[target] = source[target]
                    out_labels.setdefault(target, labels.get(target, {}))
                else:
                    raise ColumnMapError(
                        f"{self.origin}: recode.{target}: no such column after renaming"
                    )
            old_labels = out_labels.get(target, {})
            out[target] = recode_series(out[target], mapping, old_labels)
            if old_labels:
                # The file's labels name the old codes: carried to the new ones, or a file
                # written from the table labelled srh 4 "cannot care for self" after 1 -> 4.
                out_labels[target] = recoded_labels(old_labels, mapping)
        if self.keep_unmapped:
            used = set(self.rename.values())
            extra = [c for c in source.columns if c not in used and c not in out.columns]
            out = pd.concat([out, source[extra]], axis=1)
            out_labels.update({c: labels[c] for c in extra if c in labels})
        out.attrs[VALUE_LABELS_KEY] = out_labels
        return set_meta(out, self.meta)

    def _check_no_rename_collision(self, names: list[str]) -> None:
        """Refuse a rename onto the name of a file column that would be kept as well."""
        moved = set(self.rename.values())
        clashes = [
            f"rename.{target} <- {src} (column {names.index(src) + 1}) meets the file's own "
            f"'{target}' (column {names.index(target) + 1})"
            for target, src in self.rename.items()
            if src != target and target in names and target not in moved
        ]
        if clashes:
            raise ColumnMapError(
                f"{self.origin}: two columns would become one: {'; '.join(clashes)} "
                "(columns of the file numbered from 1). Keep one: drop the rename to use the "
                "file's own column, or set keep_unmapped: false (or rename the column in the "
                "file) to use the mapped one"
            )


def _check_one_source(sections: Mapping[str, Mapping[str, Any]], origin: str) -> None:
    """Refuse a column created by two sections (the later one would silently win)."""
    where: dict[str, list[str]] = {}
    for name in _CREATING:
        for key in sections[name]:
            where.setdefault(key, []).append(f"{name}.{key}")
    twice = [" and ".join(places) for places in where.values() if len(places) > 1]
    if twice:
        raise ColumnMapError(
            f"{origin}: a column is given more than once: {'; '.join(twice)}; "
            "keep one definition of each column"
        )


def _with_nullable_numbers(source: pd.DataFrame) -> pd.DataFrame:
    """``source`` with its numeric and boolean columns in pandas' nullable types (integers as
    ``Int64``, floats as ``Float64``, booleans as ``boolean``); text columns as they are."""
    out = source.copy(deep=False)
    for name, column in source.items():
        if pd.api.types.is_float_dtype(column):
            # Floats stay floats even if every value is whole (a height in cm with a blank):
            # as Int64, ``height ** -1`` was refused ("integers to negative powers").
            out[name] = column.astype("Float64")
        elif pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            out[name] = column.convert_dtypes()
    return out


def _closest(name: str, names: list[str]) -> str:
    """' (did you mean 'q101c1'?)' for the nearest column name, or '' if none is near."""
    near = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _key_variants(value: Any) -> list[Any]:
    variants: list[Any] = [value, str(value).strip()]
    if isinstance(value, float | np.floating) and float(value).is_integer():
        variants += [int(value), str(int(value))]
    return variants


def _lookup(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """A recode's keys as written and as text, for matching raw values and labels."""
    table: dict[Any, Any] = {}
    for key, target in mapping.items():
        table[key] = target
        table[str(key).strip()] = target
    return table


_UNMAPPED = object()


def _recoded_value(value: Any, label: str | None, table: Mapping[Any, Any]) -> Any:
    """What ``value`` (with its value label) becomes, or ``_UNMAPPED`` if the recode leaves it."""
    for candidate in [*_key_variants(value), label]:
        if candidate is not None and candidate in table:
            return table[candidate]
    return _UNMAPPED


def recoded_labels(labels: Mapping[Any, str], mapping: Mapping[Any, Any]) -> dict[Any, str]:
    """The value labels of a column after ``mapping`` recoded it.

    Each label follows its code to the new value (CMDS srh ``{1: 4}``: "healthy" now labels 4);
    codes made missing lose theirs; codes merged into one value join their labels
    (``"senior high / technical secondary"``); codes the recode leaves keep theirs.
    """
    table = _lookup(mapping)
    joined: dict[Any, list[str]] = {}
    for value, label in labels.items():
        new = _recoded_value(value, label, table)
        if new is None:
            continue
        key = value if new is _UNMAPPED else new
        if label not in joined.setdefault(key, []):
            joined[key].append(label)
    return {key: " / ".join(names) for key, names in joined.items()}


def recode_series(
    series: pd.Series, mapping: Mapping[Any, Any], labels: Mapping[Any, str]
) -> pd.Series:
    """Recode ``series`` with ``mapping``, matching raw values, their text or their value label.

    The lookup runs once per distinct value, not per row.
    """
    table = _lookup(mapping)
    translated: dict[Any, Any] = {}
    for value in series.dropna().unique():
        new = _recoded_value(value, labels.get(value), table)
        if new is not _UNMAPPED:
            translated[value] = new
    if not translated:
        return series
    keep = ~series.isin(list(translated))
    mapped = series.map(translated)
    result = series.astype(object).where(keep, mapped.astype(object))
    if result.isna().any():
        result = result.where(result.notna(), None)
    # Codes recoded into codes stay numbers (a Stata file written from the table keeps its
    # value labels); a column holding text as well stays text.
    return result.infer_objects()
