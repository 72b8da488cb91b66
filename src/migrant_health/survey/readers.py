"""Reading and writing survey files: CSV, Parquet, Stata ``.dta`` and SPSS ``.sav``.

Files are taken as they arrive: a CSV file may be UTF-8 (with or without a byte-order mark) or
GBK/GB18030, the usual export of Chinese survey software (:mod:`.encoding`). A file without
respondents, or with a column name given twice, is refused here, before pandas would quietly
rename the second ``age`` to ``age.1``.

Stata and SPSS value labels are kept in ``frame.attrs["value_labels"]`` ({column: {code: label}})
so a column map can recode by answer text, and they are written back for the schema's coded
columns. Writes are atomic: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat

from migrant_health.atomic import atomic_path
from migrant_health.survey.columnmap import ColumnMap
from migrant_health.survey.encoding import codec_name, detect_encoding
from migrant_health.survey.errors import SurveyReadError
from migrant_health.survey.meta import (
    META_KEY,
    SOURCE_KEY,
    VALUE_LABELS_KEY,
    SurveyMeta,
    get_meta,
    set_meta,
)
from migrant_health.survey.schema import SCHEMA, SRH_LABELS_4
from migrant_health.survey.varnames import check_variable_names

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".dta": "stata",
    ".sav": "spss",
}

#: Suffixes of delimited text written with tabs; ``.csv`` is written with commas. Read, any of
#: them may hold either: the header line tells (:func:`_delimiter`).
TAB_SUFFIXES = (".tsv", ".txt")

#: ``frame.attrs`` key of the codec a CSV file was read with (``utf-8-sig``, ``gb18030``, ...).
ENCODING_KEY = "source_encoding"


def file_format(path: str | Path) -> str:
    """The format a survey table is read or written in, from the file's suffix.

    Commands call it on an output path before any work, so a wrong suffix fails at once.

    Raises:
        SurveyReadError: For a suffix that is not one of :data:`FORMATS`.
    """
    path = Path(path)
    if path.is_dir():
        raise SurveyReadError(
            f"{path} is a directory: give the path of a survey file, such as "
            f"{path / 'survey.csv'} (one of {', '.join(sorted(FORMATS))})"
        )
    if not path.suffix:
        raise SurveyReadError(
            f"{path}: the file name has no extension, which names the survey format; use "
            f"one of {', '.join(sorted(FORMATS))}"
        )
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise SurveyReadError(
            f"{path}: unknown survey format '{path.suffix}'; use one of "
            f"{', '.join(sorted(FORMATS))}"
        ) from None


# pandas reads fields of any length; the csv module refuses those over 131,072 characters.
_FIELD_LIMIT = 2**31 - 1


def _blank(row: list[str]) -> bool:
    """A line pandas skips: empty, or spaces and tabs only."""
    return not row or (len(row) == 1 and not row[0].strip(" \t"))


def _csv_rows(handle: TextIO, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV file with the line each ends on, fields as long as pandas reads them."""
    previous = csv.field_size_limit(_FIELD_LIMIT)
    try:
        reader = csv.reader(handle, delimiter=delimiter)
        for row in reader:
            yield reader.line_num, row
    finally:
        csv.field_size_limit(previous)


def _check_unique(names: list[str], path: Path) -> None:
    """Refuse a header that names a column twice, listing every repeat with its positions."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(number)
    repeated = {name: where for name, where in positions.items() if len(where) > 1}
    if repeated:
        listed = "; ".join(
            f"{name!r} at columns {', '.join(map(str, where[:-1]))} and {where[-1]}"
            for name, where in repeated.items()
        )
        raise SurveyReadError(
            f"{path}: column name(s) appear more than once in the header: {listed} "
            "(columns numbered from 1). Rename or delete the repeats so that every column has "
            "its own name; a column map cannot tell them apart"
        )


def _scan_csv(
    path: Path, encoding: str, delimiter: str = ","
) -> tuple[list[str], list[tuple[int, int]]]:
    """The header row as written, and every data row whose width differs from it.

    The header is taken before pandas renames a repeated name to ``age.1``. pandas fills a
    short row with missing values without a word, so a file cut off in its last row, or a row
    that lost fields, read as a valid survey; and it refuses a long row with its parser's
    message. Blank lines (empty, or spaces and tabs only) are skipped, as pandas skips them.

    Returns:
        The header's names (empty for a file without one) and ``(line, fields)`` of each data
        row of another width, a row's line being the last line it spans.
    """
    header: list[str] = []
    wrong: list[tuple[int, int]] = []
    with path.open(encoding=encoding, newline="") as handle:
        for line, row in _csv_rows(handle, delimiter):
            if _blank(row):
                continue
            if not header:
                header = row
            elif len(row) != len(header):
                wrong.append((line, len(row)))
    return header, wrong


def _refuse_rows_of_another_width(path: Path, width: int, wrong: list[tuple[int, int]]) -> None:
    """Name the rows whose width is not the header's, if there are any."""
    if wrong:
        listed = "; ".join(f"line {line} has {fields}" for line, fields in wrong[:5])
        more = f" (and {len(wrong) - 5} more rows)" if len(wrong) > 5 else ""
        raise SurveyReadError(
            f"{path}: {len(wrong)} row(s) do not have the header's {width} fields: {listed}"
            f"{more}. The file may be cut off, or a value may hold an unquoted comma or line "
            "break; export the survey again (quoting text values), or mend those rows"
        )


#: Delimiters a text survey file may use, the preferred first on a tie.
_DELIMITERS = (",", "\t", ";")
_SAMPLE_BYTES = 1 << 16


def _sample_rows(text: str, delimiter: str, rows: int) -> list[list[str]]:
    """The first ``rows`` non-blank records of ``text`` read with ``delimiter``."""
    found: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if not _blank(row):
                found.append(row)
            if len(found) == rows:
                break
    except csv.Error:  # a sample cut inside a quoted field
        pass
    return found


def _delimiter(path: Path, encoding: str) -> str:
    """The delimiter of a text survey file.

    The one of comma, tab and semicolon that splits the header into several fields, the next
    record into as many, and the header into the most fields (a comma on a tie); a delimiter
    that leaves the header one field never wins over one that splits it, so a comma file whose
    first row holds an unquoted comma is still read with commas (and the row is named). The
    header is parsed, so a quoted name such as ``"srh (1=very poor; 5=very good)"`` counts as
    one field whatever it holds. Excel's "Unicode text" and "Text (tab delimited)" exports are
    tab-separated whatever their suffix, and Excel set to a language that writes decimal commas
    saves "CSV" with semicolons: read with commas, the whole header was one column and every
    schema column seemed missing. Decimal commas (``1,826``) are not converted: a column of
    two-code answers (``1,3``) reads alike, so validation names such values instead.
    """
    with path.open(encoding=encoding, newline="") as handle:
        text = handle.read(_SAMPLE_BYTES)
    best, best_key = ",", (False, False, 0)
    for delimiter in _DELIMITERS:
        rows = _sample_rows(text, delimiter, 2)
        if not rows:
            continue
        fields = len(rows[0])
        key = (fields > 1, len(rows) < 2 or len(rows[1]) == fields, fields)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _read_csv(path: Path, encoding: str | None, id_column: str) -> tuple[pd.DataFrame, str]:
    codec = detect_encoding(path, encoding)
    delimiter = _delimiter(path, codec)
    names, wrong = _scan_csv(path, codec, delimiter)
    if not names:
        raise SurveyReadError(
            f"{path}: the file is empty (no header row, no respondents); export the survey "
            "again with a header row of column names"
        )
    _check_unique(names, path)
    _refuse_rows_of_another_width(path, len(names), wrong)
    # The id is read as text, as written: as a number, "0001" lost its zeros (and no longer
    # merged back) and a 19-digit id beside a blank became a float, equal to its neighbours.
    dtype = {id_column: str} if id_column in names else None
    frame = pd.read_csv(path, encoding=codec, low_memory=False, dtype=dtype, sep=delimiter)
    return frame, codec


def as_written(values: pd.Series) -> pd.Series:
    """Values as text, as a survey file writes them: whole numbers without ``.0``, missing
    kept missing.

    Parquet, Stata and SPSS files store an id with a type; a numeric one is written as the
    integer it is (a float 17.0 as ``17``), so ids read from any format compare alike. A
    validation report shows a bad value so too (``-9``, not the ``-9.0`` of a column of numbers
    with one blank).
    """
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype(object).where(values.notna(), None)
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    text = numbers.astype(object).map(str)
    text[whole] = numbers[whole].astype("Int64").astype(str)
    return text.where(numbers.notna(), None)


def _read_stat_file(path: Path, kind: str, encoding: str | None) -> pd.DataFrame:
    reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
    # Stata 14+ and recent SPSS files record their encoding; --encoding is for older ones.
    # ReadStat converts through iconv, which knows UTF-8 but not Python's utf-8-sig.
    codec = None if encoding is None else codec_name(encoding).replace("utf-8-sig", "utf-8")
    frame, meta = reader(str(path), encoding=codec)
    frame.attrs[VALUE_LABELS_KEY] = dict(meta.variable_value_labels)
    frame.attrs["variable_labels"] = dict(zip(meta.column_names, meta.column_labels, strict=False))
    return frame


def read_table(
    path: str | Path, encoding: str | None = None, id_column: str = "id"
) -> pd.DataFrame:
    """Read a survey file as it is (no renaming), keeping Stata/SPSS value labels in attrs.

    A CSV file's encoding is detected (UTF-8 with or without a byte-order mark, else GB18030,
    which covers GBK) unless ``encoding`` is given; the codec used is kept in
    ``attrs["source_encoding"]``.

    Args:
        path: A ``.csv`` (or tab-separated ``.tsv``/``.txt``), ``.parquet``, ``.dta`` or
            ``.sav`` file.
        encoding: The text encoding of a CSV file, or of a Stata/SPSS file too old to record
            its own (Stata 13 and earlier); ``None`` to detect (CSV) or trust the file.
        id_column: The file's identifier column, read as text exactly as written.

    Raises:
        SurveyReadError: If the file is missing, of an unknown format, unreadable, not in the
            encoding, empty or header-only, or names a column twice.
    """
    path = Path(path)
    kind = file_format(path)
    if not path.exists():
        raise SurveyReadError(f"{path}: file not found")
    codec = None
    try:
        if kind == "csv":
            frame, codec = _read_csv(path, encoding, id_column)
        elif kind == "parquet":
            # pyarrow would fail later with "Multiple matches for FieldRef.Name(age)".
            _check_unique(list(pq.read_schema(path).names), path)
            frame = pd.read_parquet(path)
        else:  # Stata and SPSS files cannot hold two variables of one name
            frame = _read_stat_file(path, kind, encoding)
    except SurveyReadError:
        raise
    except (OSError, ValueError, pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        raise SurveyReadError(f"{path}: cannot read as {kind}: {exc}") from exc
    except Exception as exc:  # parquet/arrow raise their own types for corrupt files
        raise SurveyReadError(f"{path}: cannot read as {kind}: {exc}") from exc
    if len(frame) == 0:
        raise SurveyReadError(
            f"{path}: no respondents: the file has {len(frame.columns)} column(s) but no data "
            "rows; export the survey again with its data"
        )
    if id_column in frame.columns:
        frame[id_column] = as_written(frame[id_column])
    frame.attrs.setdefault(VALUE_LABELS_KEY, {})
    frame.attrs[SOURCE_KEY] = str(path)
    if codec is not None:
        frame.attrs[ENCODING_KEY] = codec
    return frame


def read_survey(
    path: str | Path,
    column_map: ColumnMap | str | Path | None = None,
    meta: SurveyMeta | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a survey file and bring it onto the schema (not yet validated).

    Args:
        path: A ``.csv`` (or tab-separated ``.tsv``/``.txt``), ``.parquet``, ``.dta`` or
            ``.sav`` file.
        column_map: A :class:`ColumnMap` or the path of its YAML file; ``None`` when the file
            already uses the schema's names and codes.
        meta: Scales of the health items, overriding the map's (default: the map's, or the
            defaults: 5-level srh).
        encoding: See :func:`read_table` (``None``: UTF-8 or GB18030, detected).

    Returns:
        The table with schema names; metadata in ``attrs["survey_meta"]``. Call
        :func:`~migrant_health.survey.validate.validate_survey` on it before analysis.
    """
    cmap = None
    if column_map is not None:
        cmap = column_map if isinstance(column_map, ColumnMap) else ColumnMap.load(column_map)
    id_column = cmap.rename.get("id", "id") if cmap is not None else "id"
    frame = read_table(path, encoding, id_column)
    if cmap is not None:
        read_as = frame.attrs.get(ENCODING_KEY)
        frame = cmap.apply(frame)
        frame.attrs[SOURCE_KEY] = str(path)
        if read_as is not None:
            frame.attrs[ENCODING_KEY] = read_as
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
    gives the same table. CSV files are written in UTF-8, with commas (``.csv``) or tabs
    (``.tsv``, ``.txt``).

    Raises:
        SurveyReadError: For a suffix that is not a survey format.
        SurveyWriteError: For column names that Stata or SPSS does not accept (every one named).

    Returns:
        The path written.
    """
    path = Path(path)
    kind = file_format(path)
    check_variable_names(frame.columns, kind, str(path))
    if SOURCE_KEY in frame.attrs:
        # The file a table was read from is for messages about it, on this machine; a Parquet
        # file keeps a table's attrs, and would carry the reader's local path to whoever gets it.
        frame = frame.copy(deep=False)
        frame.attrs = {k: v for k, v in frame.attrs.items() if k != SOURCE_KEY}
    writers: dict[str, Callable[[Path], None]] = {
        "csv": lambda p: frame.to_csv(
            p, index=False, sep="\t" if path.suffix.lower() in TAB_SUFFIXES else ","
        ),
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
