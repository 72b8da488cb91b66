"""Reading and writing survey files: CSV, Parquet, Stata ``.dta`` and SPSS ``.sav``.

Stata and SPSS value labels are kept in ``frame.attrs["value_labels"]`` ({column: {code: label}})
so a column map can recode by answer text, and they are written back for the schema's coded
columns. Writes are atomic: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from migrant_health.atomic import atomic_path
from migrant_health.survey.columnmap import ColumnMap
from migrant_health.survey.errors import SurveyReadError
from migrant_health.survey.meta import META_KEY, VALUE_LABELS_KEY, SurveyMeta, get_meta, set_meta
from migrant_health.survey.schema import SCHEMA, SRH_LABELS_4

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".dta": "stata", ".sav": "spss"}


def _format_of(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise SurveyReadError(
            f"{path}: unknown survey format '{path.suffix}'; use one of "
            f"{', '.join(sorted(FORMATS))}"
        ) from None


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a survey file as it is (no renaming), keeping Stata/SPSS value labels in attrs.

    Raises:
        SurveyReadError: If the file is missing, of an unknown format or unreadable.
    """
    path = Path(path)
    kind = _format_of(path)
    if not path.exists():
        raise SurveyReadError(f"{path}: file not found")
    try:
        if kind == "csv":
            frame = pd.read_csv(path, low_memory=False)
            labels: dict[str, Any] = {}
        elif kind == "parquet":
            frame = pd.read_parquet(path)
            labels = {}
        else:
            reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
            frame, meta = reader(str(path))
            labels = dict(meta.variable_value_labels)
            frame.attrs["variable_labels"] = dict(
                zip(meta.column_names, meta.column_labels, strict=False)
            )
    except (OSError, ValueError, pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        raise SurveyReadError(f"{path}: cannot read as {kind}: {exc}") from exc
    except Exception as exc:  # parquet/arrow raise their own types for corrupt files
        raise SurveyReadError(f"{path}: cannot read as {kind}: {exc}") from exc
    frame.attrs[VALUE_LABELS_KEY] = labels
    return frame


def read_survey(
    path: str | Path,
    column_map: ColumnMap | str | Path | None = None,
    meta: SurveyMeta | None = None,
) -> pd.DataFrame:
    """Read a survey file and bring it onto the schema (not yet validated).

    Args:
        path: A ``.csv``, ``.parquet``, ``.dta`` or ``.sav`` file.
        column_map: A :class:`ColumnMap` or the path of its YAML file; ``None`` when the file
            already uses the schema's names and codes.
        meta: Scales of the health items, overriding the map's (default: the map's, or the
            defaults: 5-level srh).

    Returns:
        The table with schema names; metadata in ``attrs["survey_meta"]``. Call
        :func:`~migrant_health.survey.validate.validate_survey` on it before analysis.
    """
    frame = read_table(path)
    if column_map is not None:
        cmap = column_map if isinstance(column_map, ColumnMap) else ColumnMap.load(column_map)
        frame = cmap.apply(frame)
    if meta is not None:
        set_meta(frame, meta)
    elif META_KEY not in frame.attrs:
        set_meta(frame, SurveyMeta())
    return frame


def _value_labels_for(frame: pd.DataFrame) -> dict[str, dict[float, str]]:
    """Value labels to write: those read with the file, else the schema's for coded columns."""
    kept: dict[str, Any] = frame.attrs.get(VALUE_LABELS_KEY, {}) or {}
    out: dict[str, dict[float, str]] = {}
    srh_levels = get_meta(frame).srh_levels
    for name in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(
            frame[name]
        ):
            continue
        labels = kept.get(name)
        if labels is None and name in SCHEMA:
            labels = SRH_LABELS_4 if name == "srh" and srh_levels == 4 else SCHEMA[name].labels
            if name == "srh" and srh_levels not in (4, 5):
                labels = {}
        if labels:
            out[name] = {float(k): str(v) for k, v in labels.items()}
    return out


def _for_stat_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as 0/1 and nullable numbers as floats: what Stata and SPSS store."""
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col) or str(col.dtype) == "boolean":
            out[name] = col.astype("Float64").astype(float)
        elif pd.api.types.is_numeric_dtype(col):
            out[name] = col.astype("Float64").astype(float) if col.hasnans else col
            if str(col.dtype) in ("Int64", "Int32", "Int16", "Int8") and not col.hasnans:
                out[name] = col.astype(np.int64)
        else:
            out[name] = col.astype(object).where(col.notna(), "").astype(str)
    return out


def write_survey(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a survey table atomically; the format follows the suffix.

    Stata and SPSS files get value labels for the coded columns (education, tiers, Likert items,
    srh) and booleans as 0/1. Reading the file back with :func:`read_survey` and validating it
    gives the same table.

    Returns:
        The path written.
    """
    path = Path(path)
    kind = _format_of(path)
    writers: dict[str, Callable[[Path], None]] = {
        "csv": lambda p: frame.to_csv(p, index=False),
        "parquet": lambda p: frame.to_parquet(p, index=False),
        "stata": lambda p: pyreadstat.write_dta(
            _for_stat_file(frame), str(p), variable_value_labels=_value_labels_for(frame)
        ),
        "spss": lambda p: pyreadstat.write_sav(
            _for_stat_file(frame), str(p), variable_value_labels=_value_labels_for(frame)
        ),
    }
    with atomic_path(path) as tmp:
        writers[kind](tmp)
    return path
