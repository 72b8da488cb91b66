"""The scenario explorer: comparisons of the shipped strategies with the baseline, with bands.

It reads every comparison directory in ``<data dir>/comparisons/`` (those started from this
page, and any written there by ``migrant-health compare --out``): each scenario's delta against
the baseline over the years, with its 90 % band over replicates, for a metric and a subgroup.
Simulation results hold no microdata, so anyone may read them; regional analysts may start a
bounded comparison run (:mod:`.jobs`).
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from matplotlib.figure import Figure
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from migrant_health.platform import audit
from migrant_health.platform.charts import svg_of
from migrant_health.platform.deps import (
    DB,
    client_address,
    current_account,
    render,
    require_account,
    require_analyst,
    require_csrf,
    settings_of,
)
from migrant_health.platform.errors import PlatformError
from migrant_health.platform.jobs import JobRequest, comparisons_dir
from migrant_health.platform.models import Account, Job
from migrant_health.platform.settings import Settings
from migrant_health.run_records import COMPARISON_FILE, ComparisonMetadata

router = APIRouter()
#: Survey indicators and the simulated metric (and group) that measures the same thing among
#: out-migrants: integration and insurance metrics are means over out-migrants already, health
#: metrics are over every person and are taken for the out-migrants' group.
PROJECTED: dict[str, tuple[str, str]] = {
    "economic_integration": ("integration_economic", "all"),
    "social_integration": ("integration_social", "all"),
    "cultural_integration": ("integration_cultural", "all"),
    "identity_integration": ("integration_identity", "all"),
    "integration": ("integration_index", "all"),
    "dest_insurance": ("insured_destination_share", "all"),
    "health_record": ("health_record_share", "all"),
    "poor_health": ("poor_health_share", "status=out_migrant"),
    "depressive_symptoms": ("depression_share", "status=out_migrant"),
}


def comparisons(settings: Settings) -> list[str]:
    """Names of the comparison directories with a ``deltas.parquet``, newest first.

    Hidden folders are the staging folders of comparisons being written (or abandoned by a
    server that stopped in the middle): never shown.
    """
    folder = comparisons_dir(settings)
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.iterdir()
        if not p.name.startswith(".") and (p / "deltas.parquet").is_file()
    ]
    return [p.name for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


def read_deltas(settings: Settings, name: str) -> pd.DataFrame:
    """A comparison's deltas (404 for a name that is not one of :func:`comparisons`)."""
    if name not in comparisons(settings):  # also keeps "../" and the like out
        raise HTTPException(status_code=404, detail=f"no comparison named '{name}'")
    return pd.read_parquet(comparisons_dir(settings) / name / "deltas.parquet")


def projections(settings: Settings, indicator: str) -> pd.DataFrame:
    """The newest comparison's baseline of ``indicator``'s simulated metric (out-migrants)."""
    names = comparisons(settings)
    if not names or indicator not in PROJECTED:
        return pd.DataFrame(columns=["year", "estimate"])
    metric, group = PROJECTED[indicator]
    deltas = pd.read_parquet(comparisons_dir(settings) / names[0] / "deltas.parquet")
    rows = deltas[(deltas["metric"] == metric) & (deltas["group"] == group)]
    first = rows["scenario"].iloc[0] if not rows.empty else None
    rows = rows[rows["scenario"] == first]
    return rows[["year", "baseline"]].rename(columns={"baseline": "estimate"})


def _band_svg(table: pd.DataFrame, title: str) -> str:
    """Each strategy's delta with its band; the baseline (a delta of 0 by definition, which a
    comparison's table may hold) is the grey zero line, not a strategy of the legend."""
    from migrant_health.scenarios.library import BASELINE

    table = table[table["scenario"] != BASELINE]
    figure = Figure(figsize=(7.5, 3.4))
    ax = figure.subplots()
    for scenario, part in table.groupby("scenario", sort=True):
        part = part.sort_values("year")
        line = ax.plot(part["year"], part["delta"], label=str(scenario))[0]
        ax.fill_between(
            part["year"],
            part["delta_lo"],
            part["delta_hi"],
            color=line.get_color(),
            alpha=0.2,
            linewidth=0,
        )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("year")
    ax.set_ylabel("scenario minus baseline\n(in the metric's unit)", fontsize=8)
    ax.grid(alpha=0.3)
    if not table.empty:
        ax.legend(fontsize=8)
    return svg_of(figure)


def metadata(settings: Settings, name: str) -> ComparisonMetadata | None:
    """A comparison's ``comparison.json`` as ``compare`` writes it (``None``: absent or not
    that file, e.g. a folder copied in by hand)."""
    path = comparisons_dir(settings) / name / COMPARISON_FILE
    try:
        return ComparisonMetadata.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def _snippet(settings: Settings, name: str) -> str:
    python = (
        "\n\n# or in Python\nimport pandas as pd\n"
        f'deltas = pd.read_parquet("{name}/deltas.parquet")'
    )
    meta = metadata(settings, name)
    if meta is None:
        return f"migrant-health compare --scenarios ... --out {name}{python}"
    from migrant_health.scenarios.library import BASELINE

    scenarios = [s.name for s in meta.scenarios if s.name != BASELINE]
    config = meta.config
    return (
        f"migrant-health compare --scenarios {','.join(scenarios)} --replicates "
        f"{meta.replicates} --start {config.start} --end {config.end} --scale {config.scale:g} "
        f"--seed {config.seed} --out {name}{python}"
    )


@router.get("/scenarios")
def scenarios_page(
    request: Request,
    comparison: str = "",
    metric: str = "integration_index",
    group: str = "all",
    session: Session = DB,
    account: Account | None = Depends(current_account),
    settings: Settings = Depends(settings_of),
) -> Response:
    """Comparisons, a chart of one metric's deltas with bands, and the analyst's jobs."""
    return _explorer(request, session, account, settings, comparison, metric, group)


def _explorer(
    request: Request,
    session: Session,
    account: Account | None,
    settings: Settings,
    comparison: str = "",
    metric: str = "integration_index",
    group: str = "all",
    error: str = "",
    asked: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The explorer's page; ``error`` and the values ``asked`` in its form after a refused
    start (the form shows them again, to be corrected)."""
    from migrant_health.platform.jobs import FIRST_END, LAST_YEAR, MAX_REPLICATES, earliest_end
    from migrant_health.scenarios.library import BASELINE, shipped_names

    names = comparisons(settings)
    chosen = comparison or (names[0] if names else "")
    context: dict[str, Any] = {
        "names": names,
        "chosen": chosen,
        "metric": metric,
        "group": group,
        "metrics": [],
        "groups": [],
        "chart": "",
        "rows": [],
        "snippet": "",
    }
    if chosen:
        deltas = read_deltas(settings, chosen)
        context["metrics"] = sorted(deltas["metric"].unique())
        context["groups"] = sorted(deltas.loc[deltas["metric"] == metric, "group"].unique())
        part = deltas[(deltas["metric"] == metric) & (deltas["group"] == group)]
        context["chart"] = _band_svg(
            part, f"{metric} ({group}): scenario minus baseline, 90 % band over replicates"
        )
        context["rows"] = part.sort_values(["scenario", "year"]).to_dict("records")
        context["snippet"] = _snippet(settings, chosen)
    jobs = []
    if account is not None:
        jobs = list(
            session.scalars(
                select(Job).where(Job.account_id == account.id).order_by(Job.id.desc()).limit(10)
            )
        )
    running = any(j.status in ("queued", "running") for j in jobs)
    shipped = [n for n in shipped_names() if n != BASELINE]
    first_end = earliest_end(shipped)
    return render(
        request,
        "scenarios.html",
        account,
        status_code=status_code,
        jobs=jobs,
        running=running,
        shipped=shipped,
        max_replicates=MAX_REPLICATES,
        first_end=first_end,
        strategies_start=first_end if first_end > FIRST_END else None,
        last_year=LAST_YEAR,
        min_scale=settings.min_job_scale,
        error=error,
        asked=asked or {},
        **context,
    )


@router.get("/scenarios/data.csv")
def scenarios_csv(
    comparison: str, metric: str, group: str = "all", settings: Settings = Depends(settings_of)
) -> Response:
    """The data of the explorer's chart as CSV."""
    from migrant_health.platform.views import CSV_BOM  # views imports this module

    deltas = read_deltas(settings, comparison)
    part = deltas[(deltas["metric"] == metric) & (deltas["group"] == group)]
    buffer = io.StringIO()
    buffer.write(CSV_BOM)  # for Excel, as every page's download
    part.to_csv(buffer, index=False)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{comparison}-{metric}.csv"'},
    )


@router.post("/scenarios/jobs", dependencies=[Depends(require_csrf)])
def start_job(
    request: Request,
    scenario: str = Form(...),
    replicates: int = Form(2),
    end: int = Form(2030),
    scale: float = Form(...),
    session: Session = DB,
    account: Account = Depends(require_analyst),
    settings: Settings = Depends(settings_of),
) -> Response:
    """Start a bounded comparison run in the background; a refused one shows the explorer's
    page again with the reason and the values asked for."""
    try:
        job = request.app.state.jobs.submit(
            session, account, JobRequest(scenario, replicates, end, scale)
        )
    except PlatformError as exc:
        asked = {"scenario": scenario, "replicates": str(replicates), "end": str(end)}
        whole = math.isfinite(scale) and scale.is_integer()
        asked["scale"] = str(int(scale)) if whole else str(scale)
        return _explorer(
            request, session, account, settings, error=str(exc), asked=asked, status_code=422
        )
    audit.record(
        session,
        account.username,
        "job",
        f"comparison job {job.id}: {scenario}, "
        f"{replicates} replicates to {end}, {scale:g} persons per agent",
        client_address(request),
    )
    return RedirectResponse("/scenarios", status_code=303)


@router.get("/api/scenarios")
def api_comparisons(settings: Settings = Depends(settings_of)) -> list[dict[str, Any]]:
    """The comparisons the explorer can show, newest first."""
    out = []
    for name in comparisons(settings):
        meta = metadata(settings, name)
        out.append(
            {
                "name": name,
                "scenarios": [s.name for s in meta.scenarios] if meta else [],
                "replicates": meta.replicates if meta else None,
                "end": meta.config.end if meta else None,
            }
        )
    return out


def _job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "scenario": job.scenario,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "result": job.result,
    }


@router.get("/api/jobs")
def api_jobs(
    session: Session = DB, account: Account = Depends(require_account)
) -> list[dict[str, Any]]:
    """The caller's comparison jobs, newest first."""
    jobs = session.scalars(
        select(Job).where(Job.account_id == account.id).order_by(Job.id.desc()).limit(50)
    )
    return [_job_json(j) for j in jobs]


@router.get("/api/jobs/{job_id}")
def api_job(
    job_id: int, session: Session = DB, account: Account = Depends(require_account)
) -> dict[str, Any]:
    """One of the caller's jobs: status and progress (0 to 1)."""
    job = session.get(Job, job_id)
    if job is None or job.account_id != account.id:
        raise HTTPException(status_code=404, detail="no such job of yours")
    return _job_json(job)
