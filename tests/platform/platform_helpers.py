"""Shared set-up of the platform's tests: a deployment, its accounts, waves and a live server.

A deployment has two regions (A and B), an admin, one analyst per region and a viewer. Waves
are drawn from ``examples/survey/example_survey.csv`` (300 respondents with weights, strata and
PSUs), resampled per seed and given the year asked for.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from migrant_health.atomic import atomic_directory
from migrant_health.experiments.deltas import DELTA_COLUMNS
from migrant_health.platform import Settings, create_app, init_platform
from migrant_health.platform.admin import create_account
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.models import Region
from migrant_health.run_records import ComparisonMetadata

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "survey" / "example_survey.csv"
PASSWORDS = {
    "admin": "admin-passphrase-1",
    "ana": "analyst-a-passphrase",
    "bob": "analyst-b-passphrase",
    "vera": "viewer-passphrase-1",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def wave_frame(year: int = 2017, n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A valid wave of ``n`` respondents in ``year`` (rows of the example resampled)."""
    example = pd.read_csv(EXAMPLE)
    rng = np.random.default_rng(seed)
    rows = example.iloc[rng.integers(0, len(example), n)].reset_index(drop=True)
    rows["id"] = np.arange(1, n + 1)
    rows["survey_year"] = year
    return rows


def wave_csv(year: int = 2017, n: int = 300, seed: int = 0) -> bytes:
    """:func:`wave_frame` as CSV bytes."""
    return wave_frame(year, n, seed).to_csv(index=False).encode()


@dataclass(frozen=True)
class Deployment:
    """A platform in a temporary data directory, and its regions' ids."""

    settings: Settings
    region_a: int
    region_b: int


def build_deployment(data_dir: Path, db_url: str | None = None, **options: object) -> Deployment:
    """Initialise a platform with regions A and B and the accounts of :data:`PASSWORDS`."""
    settings = Settings.from_data_dir(data_dir, db_url, **options)
    init_platform(settings, PASSWORDS["admin"])
    engine = make_engine(settings)
    with session_scope(engine) as session:
        a, b = Region(code="A", name="Region A"), Region(code="B", name="Region B")
        session.add_all([a, b])
        session.flush()
        create_account(session, "ana", PASSWORDS["ana"], "analyst", [a.id])
        create_account(session, "bob", PASSWORDS["bob"], "analyst", [b.id])
        create_account(session, "vera", PASSWORDS["vera"], "viewer", [a.id])
        ids = a.id, b.id
    engine.dispose()
    return Deployment(settings, *ids)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's form."""
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: TestClient, username: str, password: str | None = None) -> str:
    """Log ``username`` in (with its password of :data:`PASSWORDS`, or ``password``); return the
    session's CSRF token."""
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password or PASSWORDS[username],
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return client.get("/api/me").json()["csrf_token"]


def upload(
    client: TestClient,
    token: str,
    region_id: int,
    content: bytes,
    filename: str = "wave.csv",
    label: str = "",
    column_map: str = "",
) -> object:
    """POST a wave to the upload form, its CSRF token in the URL as the form sends it; return
    the response (not followed)."""
    return client.post(
        "/upload",
        params={"csrf_token": token},
        data={"region_id": str(region_id), "label": label, "column_map": column_map},
        files={"file": (filename, content, "application/octet-stream")},
        follow_redirects=False,
    )


def wave_id_of(response: object) -> int:
    """The new wave's id from an upload's redirect."""
    location = response.headers["location"]  # type: ignore[attr-defined]
    return int(location.rsplit("/", 1)[1])


def publish(client: TestClient, token: str, wave: int) -> Any:
    """Publish a wave (its indicators become visible to every account), as the wave page does."""
    return client.post(
        f"/api/waves/{wave}/publish", json={"published": True}, headers={"x-csrf-token": token}
    )


COLUMNS = list(DELTA_COLUMNS)  # the columns compare writes to deltas.parquet


def deltas_table(
    scenario: str = "fair_employment", end: int = 2030, start: int = 2017
) -> pd.DataFrame:
    """A comparison's deltas as ``compare`` writes them (its columns), for two metrics."""
    rows = []
    for metric in ("integration_index", "poor_health_share"):
        for group in ("all", "status=out_migrant", "sex=female"):
            for year in range(start, end + 1):
                delta = 0.002 * (year - 2017)
                rows.append(
                    [
                        scenario,
                        metric,
                        group,
                        year,
                        0.5,
                        0.5 + delta,
                        delta,
                        delta - 0.01,
                        delta + 0.01,
                        0.005,
                        2,
                    ]
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def write_comparison(folder: Path, table: pd.DataFrame) -> None:
    """What compare writes: the deltas and a comparison.json of its contract (checked here, so
    that the stand-in cannot drift from the real file the explorer reads), filled into a hidden
    staging folder and renamed into place as compare does (written in place, a page served
    meanwhile could read a half-written deltas.parquet: ArrowInvalid, once, under load)."""
    with atomic_directory(folder, folder.parent, "comparison") as (staging, _):
        _fill_comparison(staging, table)


def _fill_comparison(folder: Path, table: pd.DataFrame) -> None:
    table.to_parquet(folder / "deltas.parquet", index=False)
    meta = {
        "kind": "comparison",
        "version": "test",
        "created": "2026-12-01T00:00:00+00:00",
        "config": {"start": 2017, "end": 2030, "scale": 100000.0, "seed": 3, "workers": 1},
        "scenarios": [{"name": n} for n in ["baseline", *table["scenario"].unique()]],
        "replicates": 2,
    }
    ComparisonMetadata.model_validate(meta)
    (folder / "comparison.json").write_text(json.dumps(meta))


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the platform's test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def client_of(deployment: Deployment) -> TestClient:
    """An in-process client of a new app of ``deployment``."""
    return TestClient(create_app(deployment.settings))
