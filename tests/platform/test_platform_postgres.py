"""The shared deployment's database: the same platform on PostgreSQL.

The test starts a throw-away cluster from Debian's ``postgresql`` binaries on a free port (as
the ``postgres`` user: initdb refuses to run as root), runs ``serve --init``'s migration and
admin creation on it, and goes through an upload, its indicators, publication and the
isolation of another region; two app instances on it (two server processes) share the login
rate limit and the comparison jobs' bounds (the jobs' runs are a stand-in for ``compare`` that
waits for the test's word, as in test_platform_explorer.py). Skipped, with the reason, where the
binaries are absent.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from platform_helpers import (
    PASSWORDS,
    Deployment,
    build_deployment,
    csrf_of,
    free_port,
    login,
    publish,
    upload,
    wave_csv,
    wave_id_of,
)

import migrant_health.comparison
from migrant_health.platform import create_app

# Debian installs each major version in its own folder; take the newest.
INSTALLED = sorted(
    Path("/usr/lib/postgresql").glob("*/bin/initdb"),
    key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
)
BIN = INSTALLED[-1].parent if INSTALLED else Path("/usr/lib/postgresql/missing/bin")

pytestmark = pytest.mark.skipif(
    not INSTALLED,
    reason="needs Debian's postgresql package (initdb and pg_ctl in /usr/lib/postgresql/*/bin; "
    "apt-get install postgresql; .ci/run installs it)",
)


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the postgres user when the tests run as root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="mh-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        _as_postgres(
            [str(BIN / "initdb"), "-D", str(data), "-U", "platform", "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(
            [
                str(BIN / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(folder / "log"),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        subprocess.run(
            _as_postgres(
                [
                    "/usr/bin/createdb"
                    if Path("/usr/bin/createdb").exists()
                    else str(BIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "platform",
                    "platform",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield f"postgresql+psycopg://platform@127.0.0.1:{port}/platform"
    finally:
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def deployment(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    folder = tmp_path_factory.mktemp("postgres")
    deployment = build_deployment(folder, postgres_url, login_attempts=3)
    assert not (folder / "platform.sqlite").exists()
    return deployment


def test_the_platform_runs_on_postgresql(deployment: Deployment) -> None:
    app = create_app(deployment.settings)
    with TestClient(app) as ana, TestClient(app) as bob:
        token = login(ana, "ana")
        wave = wave_id_of(upload(ana, token, deployment.region_a, wave_csv(2019, n=200)))
        cells = ana.get(f"/api/waves/{wave}/indicators").json()["cells"]
        assert len(cells) == 13 * 15 and not any(c["n"] is None for c in cells)
        login(bob, "bob")
        assert bob.get(f"/api/waves/{wave}/indicators").status_code == 404
        assert bob.get(f"/waves/{wave}/microdata.csv").status_code == 404
        publish(ana, token, wave)
        shared = bob.get("/api/indicators?indicator=integration&subgroup=all").json()["cells"]
        assert {c["region"] for c in shared} == {"A", "national"}
        deleted = ana.delete(f"/api/waves/{wave}", headers={"x-csrf-token": token})
        assert deleted.status_code == 200
        assert ana.get(f"/api/waves/{wave}").status_code == 404


def test_two_servers_share_the_login_limit_on_postgresql(deployment: Deployment) -> None:
    first, second = create_app(deployment.settings), create_app(deployment.settings)
    with TestClient(first) as one, TestClient(second) as two:
        for _ in range(3):
            token = csrf_of(one)
            response = one.post(
                "/login", data={"username": "vera", "password": "wrong-pass!", "csrf_token": token}
            )
            assert response.status_code == 401
        token = csrf_of(two)
        response = two.post(
            "/login", data={"username": "vera", "password": PASSWORDS["vera"], "csrf_token": token}
        )
        assert response.status_code == 429


def test_two_servers_share_the_job_bounds_on_postgresql(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started: list[str] = []

    def held_compare(
        scenarios: list[str], replicates: int, *, out: Path, progress: Callable[..., None], **_: Any
    ) -> None:
        started.append(Path(out).name)
        progress(1, 4)
        release.wait(60)

    monkeypatch.setattr(migrant_health.comparison, "compare", held_compare)
    form = {"scenario": "fair_employment", "replicates": "2", "end": "2025", "scale": "100000"}

    def start(client: TestClient, token: str) -> int:
        response = client.post(
            "/scenarios/jobs", data={**form, "csrf_token": token}, follow_redirects=False
        )
        return response.status_code

    def newest(client: TestClient) -> dict[str, Any]:
        job: dict[str, Any] = client.get("/api/jobs").json()[0]
        return job

    def until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline, "the jobs did not get there in time"
            time.sleep(0.05)

    first, second = create_app(deployment.settings), create_app(deployment.settings)
    try:
        with TestClient(first) as ana, TestClient(second) as ana_again, TestClient(second) as bob:
            assert start(ana, login(ana, "ana")) == 303
            until(lambda: newest(ana)["status"] == "running")
            assert start(ana_again, login(ana_again, "ana")) == 422  # one job per account
            assert start(bob, login(bob, "bob")) == 303
            until(lambda: "waiting" in newest(bob)["message"])  # one runs at a time
            assert newest(bob)["status"] == "queued" and len(started) == 1
            release.set()
            until(lambda: newest(ana)["status"] == newest(bob)["status"] == "done")
    finally:
        release.set()
    assert len(started) == 2


def test_a_very_long_account_name_at_the_login_is_refused_not_an_error(
    deployment: Deployment,
) -> None:
    # PostgreSQL enforces the columns' lengths (SQLite does not): a name longer than the audit
    # log's column is cut there, and the login is refused like any other wrong name.
    with TestClient(create_app(deployment.settings)) as client:
        token = csrf_of(client)
        response = client.post(
            "/login", data={"username": "x" * 500, "password": "wrong-pass!", "csrf_token": token}
        )
        assert response.status_code == 401


def test_an_over_long_label_or_region_name_is_no_error_on_postgresql(
    deployment: Deployment,
) -> None:
    # PostgreSQL refuses a value longer than its column (SQLite keeps it): the label and a
    # region name are refused with their length, and a huge id is not found.
    with TestClient(create_app(deployment.settings)) as client:
        token = login(client, "ana")
        response: Any = upload(client, token, deployment.region_a, wave_csv(2019), label="y" * 201)
        assert response.status_code == 422
        assert "the label is 201 characters long" in html.unescape(response.text)
        assert client.get("/api/waves/99999999999999999999").status_code == 404
        admin_token = login(client, "admin")
        added = client.post(
            "/admin/regions",
            data={"code": "LONG", "name": "z" * 201, "csrf_token": admin_token},
            follow_redirects=False,
        )
        assert added.status_code == 422
        assert "region name of 201 characters: use at most 200" in html.unescape(added.text)
