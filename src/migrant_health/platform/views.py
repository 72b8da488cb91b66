"""Pages: login, the analyst's waves and uploads, a wave's indicators, the shared time series.

Every page is rendered on the server; charts are inline SVG (:mod:`.charts`). Every chart has
its data as CSV and a "reproduce in code" snippet.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from migrant_health.platform import access, audit, login_sessions
from migrant_health.platform.cache import published_key
from migrant_health.platform.charts import breakdown_svg, breakdowns_svg, time_series_svg
from migrant_health.platform.deps import (
    DB,
    client_address,
    current_account,
    render,
    require_analyst,
    require_csrf,
    settings_of,
)
from migrant_health.platform.errors import UploadError
from migrant_health.platform.explorer import comparisons, projections
from migrant_health.platform.indicators import INDICATORS, SUBGROUPS
from migrant_health.platform.instruments import instrument_of
from migrant_health.platform.models import Account, Region, Wave
from migrant_health.platform.security import verify_password
from migrant_health.platform.settings import Settings
from migrant_health.platform.tables import NATIONAL, apply_suppression, cells_of, shared_table
from migrant_health.platform.upload_body import UploadForm, read_upload, require_csrf_outside_body
from migrant_health.platform.uploads import check_wave, problems_by_row
from migrant_health.platform.waves import set_published, store_wave

router = APIRouter()
LABELS = {i.name: i.label for i in INDICATORS}
UNITS = {i.name: i.unit for i in INDICATORS}
#: The first bytes of every CSV download: the UTF-8 byte order mark, without which Excel (in a
#: Chinese locale, say) reads the file in the system's code page and garbles 河南 and the like.
#: pandas, R and Python's csv module with ``encoding="utf-8-sig"`` skip it.
CSV_BOM = "\ufeff"
#: What a refused form says when the cause is a Secure cookie over plain HTTP (the browser
#: never sends it back, so no form token can match; reloading never helps).
SECURE_COOKIE_OVER_HTTP = (
    "this server sends its session cookie over HTTPS only (it is Secure), and this page came "
    "over plain HTTP, so your browser never returns the cookie and no form can be accepted. "
    "Open the platform through HTTPS (a reverse proxy that terminates TLS, see "
    "docs/platform.md), or, on a trusted network only, restart it with --no-secure-cookies"
)


def cookie_cannot_return(request: Request) -> bool:
    """Whether the session cookie is Secure and ``request`` came over plain HTTP (behind a
    TLS proxy the scheme is the proxy's, from X-Forwarded-Proto)."""
    settings: Settings = request.app.state.settings
    return settings.secure_cookies and request.url.scheme == "http"


def _safe_next(target: str | None) -> str:
    """A local path to go to after login (never another site)."""
    # "//host" and "/\\host" (which browsers read as "//host") lead to another site.
    if target and target.startswith("/") and target[1:2] not in ("/", "\\"):
        return target
    return "/"


@router.get("/login")
def login_page(
    request: Request, next: str = "/", account: Account | None = Depends(current_account)
) -> Response:
    """The login form; over plain HTTP to a server with Secure cookies, it says at once that
    logging in cannot work there (the browser would never send the cookie back)."""
    warning = SECURE_COOKIE_OVER_HTTP if cookie_cannot_return(request) else ""
    return render(request, "login.html", account, next=_safe_next(next), error="", warning=warning)


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    next: str = Form("/"),
    session: Session = DB,
    settings: Settings = Depends(settings_of),
) -> Response:
    """Check the password (argon2id), rate-limited per account name and address."""
    address = client_address(request)
    limiter = request.app.state.limiter
    wait = limiter.reserve(username, address)
    if wait:
        audit.record(session, username, "login_failed", "rate limited", address)
        return render(
            request,
            "login.html",
            None,
            status_code=429,
            next=_safe_next(next),
            error=f"Too many failed logins; try again in {int(wait) + 1} seconds.",
            warning="",
        )
    account = session.scalar(select(Account).where(Account.username == username))
    ok = verify_password(account.password_hash if account else None, password)
    if not ok or account is None or not account.active:
        # The attempt reserved above stays counted.
        audit.record(session, username, "login_failed", "", address)
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            next=_safe_next(next),
            error="Wrong account name or password.",
            warning="",
        )
    limiter.succeeded(username, address)
    # A login made in a browser that still holds one ends the earlier one on the server, so a
    # copy of the earlier cookie does not outlive it.
    earlier = request.session.get(login_sessions.TOKEN_KEY)
    if isinstance(earlier, str):
        login_sessions.end(session, earlier)
    # A new session on login: a token planted before login is worthless afterwards.
    request.session.clear()
    request.session[login_sessions.TOKEN_KEY] = login_sessions.start(session, account)
    audit.record(session, account.username, "login", account.role, address)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(
    request: Request,
    session: Session = DB,
    account: Account | None = Depends(current_account),
) -> Response:
    """End the session, on the server too: a copy of its cookie is refused afterwards."""
    token = request.session.get(login_sessions.TOKEN_KEY)
    if isinstance(token, str):
        login_sessions.end(session, token)
    if account is not None:
        audit.record(session, account.username, "logout", "", client_address(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _own_waves(session: Session, account: Account) -> list[Wave]:
    regions = account.region_ids() if account.role == "analyst" else set()
    if not regions:
        return []
    query = select(Wave).where(Wave.region_id.in_(regions)).order_by(Wave.year, Wave.id)
    return list(session.scalars(query))


@router.get("/")
def home(
    request: Request,
    session: Session = DB,
    account: Account | None = Depends(current_account),
) -> Response:
    """The start page: one's own waves (analysts) and the published waves."""
    published = list(
        session.scalars(select(Wave).where(Wave.published.is_(True)).order_by(Wave.year, Wave.id))
    )
    own = _own_waves(session, account) if account else []
    return render(
        request, "home.html", account, own=own, published=published, indicators=INDICATORS
    )


def _upload_page(
    request: Request, account: Account, session: Session, status_code: int = 200, **context: object
) -> Response:
    settings: Settings = request.app.state.settings
    context.setdefault("problems", [])
    context.setdefault("error", "")
    context.setdefault("filename", "")
    # What was typed into a refused upload's form, shown again (a file input cannot be).
    context.setdefault("fields", {})
    return render(
        request,
        "upload.html",
        account,
        status_code=status_code,
        regions=sorted(account.regions, key=lambda r: r.code),
        max_mb=f"{round(settings.max_upload_bytes / 1024 / 1024, 2):g}",
        **context,
    )


@router.get("/upload")
def upload_page(
    request: Request, session: Session = DB, account: Account = Depends(require_analyst)
) -> Response:
    """The upload form."""
    return _upload_page(request, account, session)


# The CSRF token and the account are checked before the body is read, and its size while it
# streams (upload_body); the route declares no form parameters, which FastAPI would read first.
@router.post("/upload", dependencies=[Depends(require_csrf_outside_body)])
def upload(
    request: Request,
    form: UploadForm = Depends(read_upload),
    session: Session = DB,
    account: Account = Depends(require_analyst),
    settings: Settings = Depends(settings_of),
) -> Response:
    """Validate an uploaded wave; store it only if it has no problem."""
    address = client_address(request)
    if form.refused:
        audit.record(session, account.username, "upload_refused", form.refused, address)
        return _upload_page(
            request, account, session, status_code=413, error=form.refused, fields=form.fields
        )
    file, region_text = form.file, form.fields.get("region_id", "")
    if file is None or not region_text.isdecimal():
        raise HTTPException(status_code=422, detail="choose a region and a survey file")
    filename = file.filename or "upload"
    label, column_map = form.fields.get("label", ""), form.fields.get("column_map", "")
    region = session.get(Region, int(region_text))
    if region is None or not access.owns_region(account, region.id):
        raise HTTPException(status_code=404, detail="no such region among yours")
    try:
        checked = check_wave(file.file, filename, column_map, settings.max_upload_bytes)
        if not checked.ok:
            problems = list(problems_by_row(checked.problems))
            audit.record(
                session,
                account.username,
                "upload_refused",
                f"{filename}: {len(problems)} problem(s)",
                address,
            )
            return _upload_page(
                request,
                account,
                session,
                status_code=422,
                problems=problems,
                filename=filename,
                fields=form.fields,
                error=f"'{filename}' has {len(problems)} problem(s); nothing "
                "was stored. Fix the file or the column map and upload again.",
            )
        with session.begin_nested():
            wave = store_wave(session, checked, region, label, filename, account)
    except UploadError as exc:
        audit.record(session, account.username, "upload_refused", str(exc), address)
        return _upload_page(
            request,
            account,
            session,
            status_code=422,
            error=str(exc),
            filename=filename,
            fields=form.fields,
        )
    audit.record(
        session,
        account.username,
        "upload",
        f"wave {wave.id}: {region.code} {wave.year} '{wave.label}' from {filename}, "
        f"{wave.respondents} respondents",
        address,
    )
    return RedirectResponse(f"/waves/{wave.id}", status_code=303)


def _wave_snippet(wave: Wave, indicator: str) -> str:
    return (
        "from migrant_health.platform.indicators import wave_indicators\n"
        "from migrant_health.survey import get_meta, read_survey, validate_survey\n\n"
        f'table = validate_survey(read_survey("{wave.filename}"))  '
        "# column_map=... if you used one\n"
        "cells, design = wave_indicators(table, get_meta(table))\n"
        f'print(cells[cells.indicator == "{indicator}"])'
    )


def _own_wave(account: Account | None, session: Session, wave_id: int) -> Wave:
    """The wave of a page of one's own region's wave: a login first for anonymous callers (a
    page opens the login form, with the way back; an expired session looks the same), 404 for
    a logged-in account whose regions it is not in (no probing of identifiers)."""
    if account is None:
        raise HTTPException(status_code=401, detail="log in first")
    return access.require_own_wave(account, session.get(Wave, wave_id))


@router.get("/waves/{wave_id}")
def wave_page(
    request: Request,
    wave_id: int,
    indicator: str = "integration",
    session: Session = DB,
    account: Account | None = Depends(current_account),
) -> Response:
    """A wave's indicators by subgroup (own region only; others see published views)."""
    wave = _own_wave(account, session, wave_id)
    if indicator not in LABELS:
        raise HTTPException(status_code=404, detail=f"unknown indicator '{indicator}'")
    cells = cells_of(session, [wave])
    settings: Settings = request.app.state.settings
    shown = cells[cells["indicator"] == indicator].assign(
        below_threshold=lambda c: (c["n"] > 0) & (c["n"] < settings.threshold)
    )
    instrument = instrument_of(wave.depression_scale)
    chart = breakdowns_svg(
        shown, f"{LABELS[indicator]} by subgroup (95 % intervals)", unit=UNITS[indicator]
    )
    return render(
        request,
        "wave.html",
        account,
        wave=wave,
        indicator=indicator,
        indicators=INDICATORS,
        unit=UNITS[indicator],
        default_label=f"{wave.region.code} {wave.year}",
        rows=shown.to_dict("records"),
        chart=chart,
        instrument=instrument,
        snippet=_wave_snippet(wave, indicator),
        threshold=settings.threshold,
    )


def _csv(frame: pd.DataFrame, filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    frame.to_csv(buffer, index=False)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/waves/{wave_id}/indicators.csv")
def wave_csv(
    request: Request,
    wave_id: int,
    session: Session = DB,
    account: Account | None = Depends(current_account),
    settings: Settings = Depends(settings_of),
) -> Response:
    """A wave's cells as CSV, suppressed (every download is)."""
    wave = _own_wave(account, session, wave_id)
    table = apply_suppression(cells_of(session, [wave]), settings.threshold)
    audit.record(
        session,
        account.username if account else "",
        "download",
        f"indicators of wave {wave.id}",
        client_address(request),
    )
    return _csv(table.drop(columns=["weight_sum"]), f"wave-{wave.id}-indicators.csv")


@router.get("/waves/{wave_id}/microdata.csv")
def wave_microdata(
    request: Request,
    wave_id: int,
    session: Session = DB,
    account: Account | None = Depends(current_account),
) -> Response:
    """A wave's validated microdata, for its own region's analysts only (logged)."""
    from migrant_health.platform.uploads import from_parquet_bytes

    wave = _own_wave(account, session, wave_id)
    audit.record(
        session,
        account.username if account else "",
        "download",
        f"microdata of wave {wave.id}",
        client_address(request),
    )
    return _csv(from_parquet_bytes(wave.microdata), f"wave-{wave.id}-microdata.csv")


@router.post("/waves/{wave_id}/publish", dependencies=[Depends(require_csrf)])
def publish(
    request: Request,
    wave_id: int,
    published: bool = Form(...),
    session: Session = DB,
    account: Account = Depends(require_analyst),
) -> Response:
    """Publish (or withdraw) a wave's indicators to every account and visitor."""
    wave = access.require_own_wave(account, session.get(Wave, wave_id))
    set_published(session, wave, published)
    audit.record(
        session,
        account.username,
        "publish" if published else "unpublish",
        f"wave {wave.id}",
        client_address(request),
    )
    return RedirectResponse(f"/waves/{wave.id}", status_code=303)


@router.get("/waves/{wave_id}/delete")
def confirm_delete(
    request: Request,
    wave_id: int,
    session: Session = DB,
    account: Account | None = Depends(current_account),
) -> Response:
    """Ask before a wave is deleted: the deletion cannot be undone (pages run no script, so
    the question is a page of its own, whose form does the deletion)."""
    wave = _own_wave(account, session, wave_id)
    title = f"{wave.region.code} {wave.year}" + (
        f" ({wave.label})" if wave.label != f"{wave.region.code} {wave.year}" else ""
    )
    consequences = [
        f"its microdata ({wave.respondents} respondents from {wave.filename}) and its "
        "indicators are deleted from the platform for good; nothing can bring them back "
        "but uploading the file again",
    ]
    if wave.published:
        consequences.append(
            "it is published: it disappears from the indicators every account and visitor sees"
        )
    return render(
        request,
        "confirm.html",
        account,
        question=f"Delete the wave {title}?",
        consequences=consequences,
        action=f"/waves/{wave.id}/delete",
        button="Delete the wave for good",
        back=f"/waves/{wave.id}",
    )


@router.post("/waves/{wave_id}/delete", dependencies=[Depends(require_csrf)])
def delete(
    request: Request,
    wave_id: int,
    session: Session = DB,
    account: Account = Depends(require_analyst),
) -> Response:
    """Delete a wave, its microdata and its indicators."""
    wave = access.require_own_wave(account, session.get(Wave, wave_id))
    audit.record(
        session,
        account.username,
        "delete",
        f"wave {wave.id}: {wave.region.code} {wave.year} '{wave.label}'",
        client_address(request),
    )
    session.delete(wave)
    return RedirectResponse("/", status_code=303)


def _shared_snippet(request: Request, query: dict[str, str]) -> str:
    url = str(request.base_url).rstrip("/") + "/api/indicators?" + urlencode(query)
    return (
        f"curl '{url}'\n\n"
        "# or in Python\n"
        "import httpx, pandas as pd\n"
        f'cells = pd.DataFrame(httpx.get("{url}").json()["cells"])'
    )


def _latest_breakdown(table: pd.DataFrame, indicator: str, subgroup: str, focus: str) -> str:
    """The chart of ``focus``'s latest published year by ``subgroup`` ('' if none)."""
    latest = table[
        (table["indicator"] == indicator)
        & (table["subgroup"] == subgroup)
        & (table["region"] == focus)
    ]
    if latest.empty:
        return ""
    year = int(latest["year"].max())
    title = f"{LABELS[indicator]} by {subgroup.replace('_', ' ')}, {focus} {year}"
    return breakdown_svg(latest[latest["year"] == year], title, unit=UNITS[indicator])


@router.get("/indicators")
def indicators_page(
    request: Request,
    indicator: str = "integration",
    region: str = "",
    subgroup: str = "sex",
    session: Session = DB,
    account: Account | None = Depends(current_account),
    settings: Settings = Depends(settings_of),
) -> Response:
    """Published indicators over time: a region against the nation and the other regions."""
    if indicator not in LABELS or subgroup not in SUBGROUPS:
        raise HTTPException(status_code=404, detail="unknown indicator or subgroup")
    table = shared_table(session, settings.threshold, request.app.state.cache)
    regions = sorted(set(table["region"]) - {NATIONAL})
    mine = table[(table["indicator"] == indicator) & (table["subgroup"] == "all")]
    focus = region if region in regions else NATIONAL
    cache = request.app.state.cache
    version = published_key(session)
    newest = tuple(comparisons(settings)[:1])
    series = cache.get(
        ("series", version, newest, settings.threshold, indicator, focus),
        lambda: time_series_svg(
            mine,
            f"{LABELS[indicator]}: regions and national",
            highlight=focus,
            projection=projections(settings, indicator),
            unit=UNITS[indicator],
        ),
    )
    breakdown = cache.get(
        ("breakdown", version, settings.threshold, indicator, focus, subgroup),
        lambda: _latest_breakdown(table, indicator, subgroup, focus),
    )
    query = {"indicator": indicator, "subgroup": "all"}
    return render(
        request,
        "indicators.html",
        account,
        indicator=indicator,
        indicators=INDICATORS,
        unit=UNITS[indicator],
        region=region,
        regions=regions,
        subgroup=subgroup,
        subgroups=list(SUBGROUPS),
        series=series,
        breakdown=breakdown,
        rows=mine.sort_values(["region", "year"]).to_dict("records"),
        snippet=_shared_snippet(request, query),
        threshold=settings.threshold,
        csv_query=urlencode({"indicator": indicator}),
    )


@router.get("/indicators.csv")
def indicators_csv(
    request: Request,
    indicator: str = "",
    session: Session = DB,
    account: Account | None = Depends(current_account),
    settings: Settings = Depends(settings_of),
) -> Response:
    """The published, suppressed table as CSV (one indicator, or all), with the simulation's
    projection that the page's chart draws dashed (``source`` says which rows are which)."""
    table = shared_table(session, settings.threshold, request.app.state.cache)
    if indicator:
        table = table[table["indicator"] == indicator]
    table = pd.concat(
        [table.assign(source="survey"), _projection_rows(settings, indicator)], ignore_index=True
    )
    audit.record(
        session,
        account.username if account else "(anonymous)",
        "download",
        f"published indicators {indicator or 'all'}",
        client_address(request),
    )
    return _csv(
        table.drop(columns=["weight_sum", "wave_id"]), f"indicators-{indicator or 'all'}.csv"
    )


def _projection_rows(settings: Settings, indicator: str) -> pd.DataFrame:
    """The newest comparison's baseline for ``indicator`` (or every indicator), as rows of the
    shared table: national, all respondents, no n or standard error."""
    names = comparisons(settings)
    parts = []
    for name in [indicator] if indicator else list(LABELS):
        projection = projections(settings, name) if name in LABELS else pd.DataFrame()
        if not projection.empty:
            parts.append(
                projection.assign(
                    region=NATIONAL,
                    indicator=name,
                    subgroup="all",
                    group="all",
                    source=f"simulation: baseline of comparison {names[0]}, out-migrants",
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["source"])


@router.get("/api/docs")
def api_docs(request: Request, account: Account | None = Depends(current_account)) -> Response:
    """The JSON API's routes, read from its OpenAPI document (a page of the platform's own: no
    script is loaded from elsewhere)."""
    schema = request.app.openapi()
    routes = []
    for path, item in schema["paths"].items():
        if not path.startswith("/api/") or path == "/api/docs":
            continue
        for method, operation in item.items():
            description = str(operation.get("description", "")).split("\n\n")[0]
            parameters = [
                f"{p['name']} ({p['in']}{', required' if p.get('required') else ''})"
                for p in operation.get("parameters", [])
            ]
            if "requestBody" in operation:
                parameters.append("a JSON body")
            routes.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "description": " ".join(description.split()),
                    "parameters": ", ".join(parameters),
                }
            )
    return render(request, "api_docs.html", account, routes=routes, title=schema["info"]["title"])
