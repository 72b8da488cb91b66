"""A bounded load test on loopback: 20 concurrent users for a while, with no error.

Each user logs in (a viewer) and then, without pause, asks for a mix of what people use: the
published indicators as JSON, the time-series page with its two server-drawn charts, the list
of waves and the start page. The test asserts that every request succeeded; it prints the
latency percentiles and the throughput (speed is reported, not asserted: the machine is
shared). CI runs it for ``MIGRANT_HEALTH_LOAD_SECONDS`` (default 8) seconds; docs/platform.md
reports a 60-second run. The server runs in this process (uvicorn in a thread), so the load
generator competes with it for the interpreter: the figures are pessimistic.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from platform_helpers import (
    PASSWORDS,
    build_deployment,
    live_server,
    login,
    publish,
    upload,
    wave_csv,
    wave_id_of,
)

from migrant_health.platform import create_app

USERS = 20
SECONDS = float(os.environ.get("MIGRANT_HEALTH_LOAD_SECONDS", "8"))
MIX = (
    ("/api/indicators?indicator=integration&subgroup=sex", 4),
    ("/indicators?indicator=poor_health&region=A&subgroup=age_band", 1),
    ("/api/waves", 2),
    ("/", 2),
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    deployment = build_deployment(tmp_path_factory.mktemp("load"))
    app = create_app(deployment.settings)
    with TestClient(app) as client:
        token = login(client, "ana")
        for year in (2017, 2021):
            wave = wave_id_of(upload(client, token, deployment.region_a, wave_csv(year, seed=year)))
            publish(client, token, wave)
    with live_server(app) as url:
        yield url


def _user(
    url: str,
    ready: threading.Barrier,
    stop: list[float],
    latencies: list[float],
    errors: list[str],
    seed: int,
) -> None:
    rng = random.Random(seed)
    paths = [p for p, weight in MIX for _ in range(weight)]
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post(
            "/login", data={"username": "vera", "password": PASSWORDS["vera"], "csrf_token": token}
        )
        # Logins (argon2, slow on purpose) are not part of the measured load.
        ready.wait()
        while time.monotonic() < stop[0]:
            path = rng.choice(paths)
            start = time.perf_counter()
            try:
                response = client.get(path)
                ok = response.status_code == 200
            except httpx.HTTPError as exc:
                ok, response = False, None
                errors.append(f"{path}: {exc}")
            latencies.append(time.perf_counter() - start)
            if not ok and response is not None:
                errors.append(f"{path}: {response.status_code}")


def test_twenty_concurrent_users_get_every_answer(site: str) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    stop = [0.0]

    def start_clock() -> None:
        stop[0] = time.monotonic() + SECONDS

    ready = threading.Barrier(USERS, action=start_clock)
    threads = [
        threading.Thread(target=_user, args=(site, ready, stop, latencies, errors, k))
        for k in range(USERS)
    ]
    for thread in threads:
        thread.start()
    while not stop[0]:
        time.sleep(0.01)
    begin = stop[0] - SECONDS
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    elapsed = time.monotonic() - begin
    assert latencies, "no request completed"
    p50, p90, p99 = np.percentile(np.array(latencies) * 1000, [50, 90, 99])
    summary = {
        "users": USERS,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(p50),
        "p90_ms": round(p90),
        "p99_ms": round(p99),
        "max_ms": round(max(latencies) * 1000),
        "errors": len(errors),
        "error_rate": len(errors) / len(latencies),
    }
    print("\nload test:", json.dumps(summary))
    report = os.environ.get("MIGRANT_HEALTH_LOAD_REPORT")
    if report:
        Path(report).write_text(json.dumps(summary, indent=2))
    assert not errors, errors[:5]
