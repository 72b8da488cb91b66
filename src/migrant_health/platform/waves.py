"""Storing and deleting a validated wave with its indicators, in one transaction."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from migrant_health.platform.errors import UploadError
from migrant_health.platform.indicators import wave_indicators
from migrant_health.platform.models import Account, IndicatorCell, Region, Wave
from migrant_health.platform.uploads import CheckedWave, to_parquet_bytes


def wave_year(table: pd.DataFrame, filename: str) -> int:
    """The survey year of a wave (every respondent must share it).

    Raises:
        UploadError: If the file mixes survey years.
    """
    years = sorted(int(y) for y in pd.unique(table["survey_year"].dropna()))
    if len(years) != 1:
        raise UploadError(
            f"'{filename}' holds survey years {', '.join(map(str, years))}; a wave is one "
            "survey year: split the file by survey_year and upload each part"
        )
    return years[0]


def store_wave(
    session: Session,
    checked: CheckedWave,
    region: Region,
    label: str,
    filename: str,
    uploader: Account,
) -> Wave:
    """Add a valid wave and its indicator cells to ``session``.

    Raises:
        UploadError: If the wave is invalid, mixes years, or the region has a wave of that
            year and label already.
    """
    if not checked.ok or checked.table is None:
        raise UploadError(f"'{filename}' has validation problems; nothing was stored")
    table = checked.table
    year = wave_year(table, filename)
    label = label.strip() or f"{region.code} {year}"
    clash = session.scalar(
        select(Wave.id).where(Wave.region_id == region.id, Wave.year == year, Wave.label == label)
    )
    if clash is not None:
        raise UploadError(
            f"region {region.code} already has a {year} wave labelled '{label}'; delete it "
            "first or give this upload another label"
        )
    cells, design = wave_indicators(table, checked.meta)
    wave = Wave(
        region_id=region.id,
        year=year,
        label=label,
        filename=filename[:300],
        uploader_id=uploader.id,
        respondents=len(table),
        depression_scale=checked.meta.depression_scale[:200],
        design=design[:200],
        published=False,
        microdata=to_parquet_bytes(table),
    )
    session.add(wave)
    session.flush()
    # JSON-safe records: NaN estimates (an empty group) become None.
    records: list[dict[str, Any]] = json.loads(cells.to_json(orient="records"))
    session.add_all(IndicatorCell(wave_id=wave.id, **record) for record in records)
    return wave
