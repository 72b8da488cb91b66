"""The JSON API under ``/api/`` (the routes are listed in docs/platform.md).

Anonymous callers get published, suppressed indicators and the list of published waves;
everything else needs a login, and a wave's microdata-derived, unsuppressed cells need an
analyst of its region. State-changing calls send the session's CSRF token as ``X-CSRF-Token``
(``GET /api/me`` returns it).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from fastapi import APIRouter, Body, Depends, HTTPException, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from migrant_health.platform import access, audit
from migrant_health.platform.deps import (
    DB,
    client_address,
    current_account,
    require_account,
    require_admin,
    require_analyst,
    require_csrf,
    settings_of,
)
from migrant_health.platform.indicators import INDICATORS, SUBGROUPS
from migrant_health.platform.models import Account, AuditEvent, Region, Wave
from migrant_health.platform.security import csrf_token
from migrant_health.platform.settings import Settings
from migrant_health.platform.tables import cells_of, shared_table
from migrant_health.platform.waves import set_published

router = APIRouter(prefix="/api")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN and NA become null)."""
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return records


def _wave_json(wave: Wave, own: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": wave.id,
        "region": wave.region.code,
        "year": wave.year,
        "label": wave.label,
        "published": wave.published,
        "depression_scale": wave.depression_scale,
        "design": wave.design,
    }
    if own:
        data |= {
            "filename": wave.filename,
            "respondents": wave.respondents,
            "uploader": wave.uploader.username,
            "uploaded_at": wave.uploaded_at.isoformat(),
        }
    return data


@router.get("/me")
def me(request: Request, account: Account | None = Depends(current_account)) -> dict[str, Any]:
    """The caller: account, role, regions, and the CSRF token for state-changing calls."""
    if account is None:
        return {"account": None, "csrf_token": csrf_token(request.session)}
    return {
        "account": account.username,
        "role": account.role,
        "regions": sorted(r.code for r in account.regions),
        "csrf_token": csrf_token(request.session),
    }


@router.get("/regions")
def regions(
    session: Session = DB, account: Account = Depends(require_account)
) -> list[dict[str, Any]]:
    """Every region (code and name)."""
    return [
        {"id": r.id, "code": r.code, "name": r.name}
        for r in session.scalars(select(Region).order_by(Region.code))
    ]


@router.get("/definitions")
def definitions(settings: Settings = Depends(settings_of)) -> dict[str, Any]:
    """The indicators, subgroups and suppression threshold."""
    return {
        "indicators": [{"name": i.name, "label": i.label, "unit": i.unit} for i in INDICATORS],
        "subgroups": {k: list(v) for k, v in SUBGROUPS.items()},
        "threshold": settings.threshold,
    }


@router.get("/waves")
def waves(
    session: Session = DB, account: Account | None = Depends(current_account)
) -> list[dict[str, Any]]:
    """Published waves, and every wave of the caller's own regions (with its details)."""
    own_regions = account.region_ids() if account and account.role == "analyst" else set()
    query = select(Wave).where(or_(Wave.published.is_(True), Wave.region_id.in_(own_regions)))
    return [
        _wave_json(w, access.owns_wave(account, w))
        for w in session.scalars(query.order_by(Wave.year, Wave.id))
    ]


@router.get("/waves/{wave_id}")
def wave(
    wave_id: int, session: Session = DB, account: Account | None = Depends(current_account)
) -> dict[str, Any]:
    """One wave (own region, or published)."""
    found = access.require_visible_wave(account, session.get(Wave, wave_id))
    return _wave_json(found, access.owns_wave(account, found))


@router.get("/waves/{wave_id}/indicators")
def wave_indicators(
    request: Request,
    wave_id: int,
    session: Session = DB,
    account: Account | None = Depends(current_account),
    settings: Settings = Depends(settings_of),
) -> dict[str, Any]:
    """A wave's cells: unsuppressed for its region's analysts, else the published view."""
    found = access.require_visible_wave(account, session.get(Wave, wave_id))
    if access.owns_wave(account, found):
        table = cells_of(session, [found])
        suppressed = False
    else:
        shared = shared_table(session, settings.threshold, request.app.state.cache)
        table = shared[shared["wave_id"] == found.id]
        suppressed = True
    return {
        "wave": found.id,
        "suppressed": suppressed,
        "threshold": settings.threshold,
        "cells": _records(table.drop(columns=["weight_sum"])),
    }


@router.get("/indicators")
def indicators(
    request: Request,
    indicator: str = "",
    region: str = "",
    subgroup: str = "",
    year: int = 0,
    session: Session = DB,
    settings: Settings = Depends(settings_of),
) -> dict[str, Any]:
    """Published indicators of every region and the nation, suppressed (filters optional)."""
    table = shared_table(session, settings.threshold, request.app.state.cache)
    for column, value in (("indicator", indicator), ("region", region), ("subgroup", subgroup)):
        if value:
            table = table[table[column] == value]
    if year:
        table = table[table["year"] == year]
    return {"threshold": settings.threshold, "cells": _records(table.drop(columns=["weight_sum"]))}


@router.post("/waves/{wave_id}/publish", dependencies=[Depends(require_csrf)])
def publish(
    request: Request,
    wave_id: int,
    published: bool = Body(..., embed=True),
    session: Session = DB,
    account: Account = Depends(require_analyst),
) -> dict[str, Any]:
    """Publish or withdraw a wave of one's own region."""
    found = access.require_own_wave(account, session.get(Wave, wave_id))
    set_published(session, found, published)
    audit.record(
        session,
        account.username,
        "publish" if published else "unpublish",
        f"wave {found.id}",
        client_address(request),
    )
    return _wave_json(found, True)


@router.delete("/waves/{wave_id}", dependencies=[Depends(require_csrf)])
def delete(
    request: Request,
    wave_id: int,
    session: Session = DB,
    account: Account = Depends(require_analyst),
) -> dict[str, Any]:
    """Delete a wave of one's own region with its microdata and indicators."""
    found = access.require_own_wave(account, session.get(Wave, wave_id))
    audit.record(session, account.username, "delete", f"wave {found.id}", client_address(request))
    session.delete(found)
    return {"deleted": wave_id}


@router.get("/audit")
def audit_log(
    limit: int = 200, session: Session = DB, account: Account = Depends(require_admin)
) -> list[dict[str, Any]]:
    """The latest events of the audit log (admins only)."""
    if not 1 <= limit <= 5000:
        raise HTTPException(status_code=422, detail="limit must be 1 to 5000")
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    return [
        {
            "at": e.at.isoformat(),
            "account": e.username,
            "action": e.action,
            "detail": e.detail,
            "address": e.address,
        }
        for e in events
    ]
