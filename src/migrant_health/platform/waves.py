"""Storing, publishing and deleting a validated wave with its indicators, in one transaction.

Two rules keep the shared picture from counting people twice (docs/platform.md, "Survey
waves"): a region cannot store the same rows twice (whatever the label or the file's name),
and only one wave of a region and year is published at a time. Both decisions, and the check
that a region's year and label are free, are taken under the ``waves`` lock row
(:mod:`.db_lock`), so that two requests at the same moment, to one server process or to
several, take them one after the other.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from migrant_health.platform.db_lock import hold
from migrant_health.platform.errors import UploadError
from migrant_health.platform.indicators import wave_indicators
from migrant_health.platform.models import TEXT_LENGTH, Account, IndicatorCell, Region, Wave
from migrant_health.platform.uploads import CheckedWave, rows_fingerprint, to_parquet_bytes


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


def _named(wave: Wave) -> str:
    return f"wave {wave.id} ({wave.region.code} {wave.year} '{wave.label}')"


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
        UploadError: If the wave is invalid, mixes years, its label is too long, the region
            has a wave of that year and label already, or a wave of the same rows.
    """
    if not checked.ok or checked.table is None:
        raise UploadError(f"'{filename}' has validation problems; nothing was stored")
    table = checked.table
    year = wave_year(table, filename)
    label = label.strip() or f"{region.code} {year}"
    if len(label) > TEXT_LENGTH:
        raise UploadError(
            f"the label is {len(label)} characters long; give one of at most {TEXT_LENGTH} "
            "(the file's name and the survey's details are kept beside it)"
        )
    # The slow work first, outside the lock.
    cells, design = wave_indicators(table, checked.meta)
    microdata = to_parquet_bytes(table)
    fingerprint = rows_fingerprint(table)
    clash_message = (
        f"region {region.code} already has a {year} wave labelled '{label}'; delete it first or "
        "give this upload another label"
    )
    hold(session, "waves")
    if session.scalar(
        select(Wave.id).where(Wave.region_id == region.id, Wave.year == year, Wave.label == label)
    ):
        raise UploadError(clash_message)
    same = session.scalar(
        select(Wave).where(Wave.region_id == region.id, Wave.content_sha256 == fingerprint)
    )
    if same is not None:
        raise UploadError(
            f"'{filename}' holds the same respondents as {_named(same)}, uploaded "
            f"{same.uploaded_at:%Y-%m-%d %H:%M}; nothing was stored. A wave counts once: to "
            f"replace it, delete wave {same.id} first"
        )
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
        microdata=microdata,
        content_sha256=fingerprint,
    )
    session.add(wave)
    try:
        session.flush()
    except IntegrityError as exc:
        # Only if a process without the lock (an older server) stored the same wave meanwhile.
        raise UploadError(clash_message) from exc
    # JSON-safe records: NaN estimates (an empty group) become None.
    records: list[dict[str, Any]] = json.loads(cells.to_json(orient="records"))
    session.add_all(IndicatorCell(wave_id=wave.id, **record) for record in records)
    return wave


def set_published(session: Session, wave: Wave, published: bool) -> None:
    """Publish or withdraw ``wave``.

    Raises:
        HTTPException: 409 when another wave of the same region and year is published: the
            national picture would count that region's year twice.
    """
    if published and not wave.published:
        hold(session, "waves")
        other = session.scalar(
            select(Wave).where(
                Wave.region_id == wave.region_id,
                Wave.year == wave.year,
                Wave.published.is_(True),
                Wave.id != wave.id,
            )
        )
        if other is not None:
            raise HTTPException(
                status_code=409,
                detail=f"{_named(other)} is published already; one wave of a region and year "
                f"counts in the shared views. Withdraw wave {other.id} first, then publish "
                f"wave {wave.id}",
            )
    wave.published = published
