"""The scenario explorer: a comparison's deltas with bands, its CSV and code, the simulation's
projection beside the observed waves, and comparison jobs: bounded, one per account, run in the
background with progress, failures reported.

A real comparison compiles the simulation's kernels (minutes on a fresh machine), so the jobs'
runs here call a stand-in for ``migrant_health.comparison.compare`` that writes a table of the
real one's columns and reports progress as it does; the explorer reads the same files either way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_helpers import (
    Deployment,
    build_deployment,
    deltas_table,
    login,
    publish,
    upload,
    wave_csv,
    wave_id_of,
    write_comparison,
)
from sqlalchemy import select

import migrant_health.comparison
from migrant_health.experiments.deltas import DELTA_COLUMNS
from migrant_health.platform import create_app, job_runner, job_slots
from migrant_health.platform.admin import create_account
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.jobs import comparisons_dir
from migrant_health.platform.models import Account, Job


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    deployment = build_deployment(tmp_path_factory.mktemp("explorer"))
    write_comparison(comparisons_dir(deployment.settings) / "demo", deltas_table())
    return deployment


@pytest.fixture(scope="module")
def app(deployment: Deployment) -> FastAPI:
    return create_app(deployment.settings)


def test_the_explorer_shows_deltas_with_bands_csv_and_code(app: FastAPI) -> None:
    with TestClient(app) as client:
        page = client.get("/scenarios?comparison=demo&metric=integration_index&group=sex%3Dfemale")
        assert page.status_code == 200
        assert "<svg" in page.text and "fair_employment" in page.text
        assert "migrant-health compare --scenarios fair_employment --replicates 2" in page.text
        csv = client.get(
            "/scenarios/data.csv?comparison=demo&metric=integration_index&group=sex%3Dfemale"
        )
        data = pd.read_csv(pd.io.common.StringIO(csv.text))
        assert (data["group"] == "sex=female").all() and len(data) == 14
        assert np.allclose(data["delta_hi"] - data["delta_lo"], 0.02)
        assert client.get("/scenarios/data.csv?comparison=..%2Fdemo&metric=x").status_code == 404
        assert [c["name"] for c in client.get("/api/scenarios").json()] == ["demo"]


def test_the_simulation_s_projection_is_drawn_beside_the_observed_waves(
    app: FastAPI, deployment: Deployment
) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        wave = wave_id_of(upload(client, token, deployment.region_a, wave_csv(2019)))
        publish(client, token, wave)
        page = client.get("/indicators?indicator=integration")
        assert "simulation (baseline, out-migrants)" in page.text
        page = client.get("/indicators?indicator=stage_drifting")
        assert "simulation (baseline" not in page.text


@pytest.fixture
def fake_compare(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def compare(
        scenarios: list[str],
        replicates: int,
        *,
        out: Path,
        progress: Callable[[int, int], None],
        **options: Any,
    ) -> pd.DataFrame:
        calls.append({"scenarios": scenarios, "replicates": replicates, **options})
        if scenarios == ["return_entrepreneurship"]:
            raise RuntimeError("the calibration study is missing")
        total = 2 * replicates
        for done in range(total + 1):
            progress(done, total)
        table = deltas_table(scenarios[0], options["end"])
        write_comparison(Path(out), table)
        return table

    monkeypatch.setattr(migrant_health.comparison, "compare", compare)
    yield calls


def _wait(client: TestClient, job: int, seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job}").json()
        if state["status"] in ("done", "failed", "interrupted"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {job} did not end")


def test_an_analyst_starts_a_bounded_comparison_and_follows_it(
    app: FastAPI, fake_compare: list[dict[str, Any]]
) -> None:
    with TestClient(app) as client:
        token = login(client, "bob")
        for form, reason in (
            ({"scenario": "no_such"}, "unknown scenario"),
            ({"replicates": "50"}, "replicates must be 2 to 5"),
            ({"scale": "10"}, "persons per agent"),
            ({"end": "2100"}, "last year must be"),
        ):
            data = {
                "scenario": "fair_employment",
                "replicates": "2",
                "end": "2025",
                "scale": "100000",
                "csrf_token": token,
                **form,
            }
            response = client.post("/scenarios/jobs", data=data, follow_redirects=False)
            assert response.status_code == 422 and reason in response.text
        assert client.get("/api/jobs").json() == []
        response = client.post(
            "/scenarios/jobs",
            data={
                "scenario": "fair_employment",
                "replicates": "2",
                "end": "2025",
                "scale": "100000",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        job = client.get("/api/jobs").json()[0]
        state = _wait(client, job["id"])
        assert state["status"] == "done" and state["progress"] == 1.0
        assert fake_compare[-1]["scale"] == 100000.0 and fake_compare[-1]["workers"] == 1
        assert state["result"] in [c["name"] for c in client.get("/api/scenarios").json()]
        page = client.get(f"/scenarios?comparison={state['result']}")
        assert "fair_employment" in page.text
        # another account cannot see the job
        with TestClient(app) as other:
            login(other, "ana")
            assert other.get(f"/api/jobs/{job['id']}").status_code == 404


def test_a_real_comparison_started_from_the_page_shows_its_deltas(tmp_path: Path) -> None:
    # No stand-in: the page's job runs migrant_health.comparison.compare itself (the smallest
    # comparison the platform allows: 2 replicates to 2025, the strategy's first year, 100,000
    # persons per agent).
    deployment = build_deployment(tmp_path)
    with TestClient(create_app(deployment.settings)) as client:
        token = login(client, "bob")
        form = {"scenario": "fair_employment", "replicates": "2", "end": "2025"}
        response = client.post(
            "/scenarios/jobs",
            data={**form, "scale": "100000", "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        job = client.get("/api/jobs").json()[0]
        state = _wait(client, job["id"], seconds=300)
        assert state["status"] == "done", state
        folder = comparisons_dir(deployment.settings) / state["result"]
        deltas = pd.read_parquet(folder / "deltas.parquet")
        assert list(deltas.columns) == list(DELTA_COLUMNS)
        assert set(deltas["scenario"]) == {"baseline", "fair_employment"}  # baseline: delta 0
        assert set(deltas["year"]) == set(range(2008, 2026))
        assert deltas["replicates"].max() == 2  # fewer where a group was empty in a replicate
        page = client.get(f"/scenarios?comparison={state['result']}")
        assert page.status_code == 200 and "fair_employment" in page.text
        # the code that reproduces it, read from the comparison.json that compare wrote
        seed = job["id"]
        assert (
            "migrant-health compare --scenarios fair_employment --replicates 2 --start 2008 "
            f"--end 2025 --scale 100000 --seed {seed} --out {state['result']}"
        ) in page.text
        listed = {c["name"]: c for c in client.get("/api/scenarios").json()}[state["result"]]
        assert listed["scenarios"] == ["baseline", "fair_employment"]
        assert (listed["replicates"], listed["end"]) == (2, 2025)


def test_a_failed_job_says_why(app: FastAPI, fake_compare: list[dict[str, Any]]) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        client.post(
            "/scenarios/jobs",
            data={
                "scenario": "return_entrepreneurship",
                "replicates": "2",
                "end": "2025",
                "scale": "100000",
                "csrf_token": token,
            },
        )
        job = client.get("/api/jobs").json()[0]
        state = _wait(client, job["id"])
        assert state["status"] == "failed" and "calibration study is missing" in state["message"]


def test_viewers_cannot_start_jobs(app: FastAPI) -> None:
    with TestClient(app) as client:
        token = login(client, "vera")
        response = client.post(
            "/scenarios/jobs",
            data={"scenario": "fair_employment", "scale": "100000", "csrf_token": token},
        )
        assert response.status_code == 403


def test_one_job_per_account_and_a_bounded_queue(
    app: FastAPI, deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_compare(
        scenarios: list[str],
        replicates: int,
        *,
        out: Path,
        progress: Callable[[int, int], None],
        **options: Any,
    ) -> pd.DataFrame:
        progress(1, 4)
        release.wait(30)
        table = deltas_table(scenarios[0], options["end"])
        write_comparison(Path(out), table)
        return table

    monkeypatch.setattr(migrant_health.comparison, "compare", slow_compare)
    form = {"scenario": "fair_employment", "replicates": "2", "end": "2025", "scale": "100000"}
    try:
        with TestClient(app) as ana, TestClient(app) as bob:
            token = login(ana, "ana")
            assert (
                ana.post(
                    "/scenarios/jobs", data={**form, "csrf_token": token}, follow_redirects=False
                ).status_code
                == 303
            )
            second = ana.post("/scenarios/jobs", data={**form, "csrf_token": token})
            assert second.status_code == 422 and "running already" in second.text
            # another account may queue its own (one runs at a time, the rest wait)
            token_b = login(bob, "bob")
            assert (
                bob.post(
                    "/scenarios/jobs", data={**form, "csrf_token": token_b}, follow_redirects=False
                ).status_code
                == 303
            )
            states = {j["status"] for j in bob.get("/api/jobs").json()[:1]}
            assert states <= {"queued", "running"}
            deadline = time.monotonic() + 30
            running = ana.get("/api/jobs").json()[0]
            while running["progress"] < 0.25 and time.monotonic() < deadline:
                time.sleep(0.05)
                running = ana.get("/api/jobs").json()[0]
            assert running["status"] == "running" and running["progress"] == 0.25
            runner = app.state.jobs
            assert len(runner.active()) == 2
            # Both end while the clients are open (closing the last would interrupt them).
            release.set()
            _until(lambda: not runner.active())
            assert {j["status"] for j in (_jobs_of(ana)[0], _jobs_of(bob)[0])} == {"done"}
    finally:
        release.set()


def test_a_job_left_running_by_a_dead_server_is_marked_interrupted(
    deployment: Deployment,
) -> None:
    engine = make_engine(deployment.settings)
    now = datetime.now(UTC).replace(tzinfo=None)
    with session_scope(engine) as session:
        account = session.scalar(select(Account).where(Account.username == "ana"))
        assert account is not None
        dead, alive = (
            Job(
                account_id=account.id,
                scenario="fair_employment",
                persons=100000,
                status="running",
                progress=0.5,
                owner=owner,
                heartbeat_at=beat,
            )
            for owner, beat in (("dead:1", now - timedelta(minutes=5)), ("alive:2", now))
        )
        session.add_all([dead, alive])
        session.flush()
        ids = dead.id, alive.id
    create_app(deployment.settings)  # a server starts on the same database
    with session_scope(engine) as session:
        dead, alive = (session.get(Job, i) for i in ids)
        assert dead is not None and alive is not None
        assert dead.status == "interrupted" and "start it again" in dead.message
        # a job whose server still beats is that server's business
        assert alive.status == "running"
        session.delete(alive)
    engine.dispose()


def test_a_job_of_no_finite_size_is_refused(deployment: Deployment) -> None:
    from migrant_health.platform.errors import PlatformError
    from migrant_health.platform.jobs import JobRequest, check_request

    for scale in (float("nan"), float("inf")):
        request = JobRequest(scenario="fair_employment", replicates=2, end=2025, scale=scale)
        with pytest.raises(PlatformError, match="persons per agent"):
            check_request(request, deployment.settings)


def _jobs_of(client: TestClient) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = client.get("/api/jobs").json()
    return jobs


def _until(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Wait for ``condition`` (polled: the jobs run in other threads), failing after a bound."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.05)


def test_two_servers_on_one_database_share_the_job_bounds(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two app instances stand for two server processes on one database: one job per account,
    # one running at once and four queued or running hold across both.
    release = threading.Event()
    started: list[str] = []

    def slow_compare(
        scenarios: list[str],
        replicates: int,
        *,
        out: Path,
        progress: Callable[[int, int], None],
        **options: Any,
    ) -> pd.DataFrame:
        started.append(Path(out).name)
        progress(1, 4)
        release.wait(60)
        table = deltas_table(scenarios[0], options["end"])
        write_comparison(Path(out), table)
        return table

    monkeypatch.setattr(migrant_health.comparison, "compare", slow_compare)
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        for name in ("cy", "dee", "eve"):
            create_account(session, name, f"{name}-passphrase-1", "analyst", [deployment.region_a])
    engine.dispose()
    form = {"scenario": "fair_employment", "replicates": "2", "end": "2025", "scale": "100000"}
    first, second = create_app(deployment.settings), create_app(deployment.settings)
    clients = {}
    try:
        with (
            TestClient(first) as ana,
            TestClient(second) as ana_again,
            TestClient(second) as bob,
            TestClient(first) as cy,
            TestClient(second) as dee,
            TestClient(first) as eve,
        ):
            clients = {"ana": ana, "bob": bob, "cy": cy, "dee": dee}

            def start(client: TestClient, name: str) -> Any:
                password = f"{name}-passphrase-1" if name in ("cy", "dee", "eve") else None
                token = login(client, name, password)
                return client.post(
                    "/scenarios/jobs", data={**form, "csrf_token": token}, follow_redirects=False
                )

            assert start(ana, "ana").status_code == 303
            _until(lambda: _jobs_of(ana)[0]["status"] == "running")
            refused = start(ana_again, "ana")
            assert refused.status_code == 422 and "running already" in refused.text
            assert start(bob, "bob").status_code == 303
            # bob's job, on the other server, waits for ana's to end: one runs at a time.
            _until(lambda: "waiting" in _jobs_of(bob)[0]["message"])
            assert _jobs_of(bob)[0]["status"] == "queued" and len(started) == 1
            assert start(cy, "cy").status_code == 303
            assert start(dee, "dee").status_code == 303
            full = start(eve, "eve")
            assert full.status_code == 422 and "4 comparisons are queued or running" in full.text
            release.set()
            for client in clients.values():
                _until(lambda c=client: _jobs_of(c)[0]["status"] == "done")
    finally:
        release.set()
    assert len(started) == 4


def test_the_last_server_to_stop_interrupts_its_jobs_and_later_ones_run_again(
    app: FastAPI, fake_compare: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An app served twice at once (two clients here; two uvicorn servers would do the same):
    # the jobs run until the last server stops, which interrupts them; served again, the app
    # runs new jobs.
    fake = migrant_health.comparison.compare
    working = threading.Event()

    def endless_compare(
        scenarios: list[str], replicates: int, *, progress: Callable[[int, int], None], **_: Any
    ) -> pd.DataFrame:
        for done in range(10**6):  # stopped only from its progress report
            progress(done, 10**6)
            working.wait(0.01)  # a step of work
        raise AssertionError("the job was never stopped")

    monkeypatch.setattr(migrant_health.comparison, "compare", endless_compare)
    form = {"scenario": "fair_employment", "replicates": "2", "end": "2025", "scale": "100000"}
    with TestClient(app) as first:
        with TestClient(app) as second:
            token = login(second, "ana")
            second.post("/scenarios/jobs", data={**form, "csrf_token": token})
            job = _jobs_of(second)[0]
            _until(lambda: second.get(f"/api/jobs/{job['id']}").json()["progress"] > 0)
        # one server stopped, the other still serves: the job goes on
        assert first.get("/api/me").status_code == 200
        assert _state_of(app, job["id"]) == "running"
    assert _state_of(app, job["id"]) == "interrupted"
    assert not app.state.jobs.active()
    monkeypatch.setattr(migrant_health.comparison, "compare", fake)
    with TestClient(app) as again:
        token = login(again, "ana")
        again.post("/scenarios/jobs", data={**form, "csrf_token": token})
        assert _wait(again, _jobs_of(again)[0]["id"])["status"] == "done"


def _state_of(app: FastAPI, job_id: int) -> str:
    engine = make_engine(app.state.settings)
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        status = job.status
    engine.dispose()
    return status


def test_a_comparison_still_being_written_is_not_listed(
    app: FastAPI, deployment: Deployment
) -> None:
    # compare writes into a hidden staging folder and renames it when complete; a server that
    # stopped in the middle may leave one behind.
    staging = comparisons_dir(deployment.settings) / ".job-99.x1y2"
    write_comparison(staging, deltas_table())
    with TestClient(app) as client:
        assert ".job-99.x1y2" not in [c["name"] for c in client.get("/api/scenarios").json()]
        assert client.get("/scenarios?comparison=.job-99.x1y2").status_code == 404


class HeldFirstWatcher:
    """Stands in for ``job_slots.beat``: records the time of every heartbeat and holds those of
    the first watcher thread to beat inside the beat until ``released`` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.times: list[float] = []
        self.first: threading.Thread | None = None
        self.inside, self.released = threading.Event(), threading.Event()
        beat = job_slots.beat

        def held_beat(*args: Any) -> None:
            self.times.append(time.monotonic())
            if self.first is None:
                self.first = threading.current_thread()
            if threading.current_thread() is self.first:
                self.inside.set()
                self.released.wait(10)
            beat(*args)

        monkeypatch.setattr(job_slots, "beat", held_beat)


def test_a_runner_used_again_right_after_a_stop_beats_every_few_seconds(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests open and close a client after another. Here the watcher is held inside a heartbeat
    # for longer than the stop's grace, while the runner stops and is opened again; once let
    # go, it must not write heartbeats in a loop (nor may another watcher).
    monkeypatch.setattr(job_runner, "GRACE", 0.2)
    beats = HeldFirstWatcher(monkeypatch)
    runner = create_app(deployment.settings).state.jobs
    runner.open()
    try:
        assert beats.inside.wait(10)
        runner.close()
        runner.open()
        beats.released.set()
        before = len(beats.times)
        time.sleep(1.0)  # the window measured, not a wait for something
        after = len(beats.times)
    finally:
        beats.released.set()
        runner.close()
    assert after - before <= 1, f"{after - before} heartbeats in a second"


def test_a_stopping_runner_waits_for_a_heartbeat_in_progress(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A beat still writing when the last server stops would use the database after the app
    # closed its pool, and open a connection that nobody closes.
    inside, ended = threading.Event(), threading.Event()
    beat = job_slots.beat

    def slow_beat(*args: Any) -> None:
        inside.set()
        time.sleep(0.5)
        beat(*args)
        ended.set()

    monkeypatch.setattr(job_slots, "beat", slow_beat)
    runner = create_app(deployment.settings).state.jobs
    runner.open()
    assert inside.wait(10)
    assert runner.close()  # the last user: the runner stops
    assert ended.is_set()


def test_the_last_stop_waits_for_a_heartbeat_left_over_from_an_earlier_stop(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A beat outlasts one stop's grace; the runner is used again and stopped for good while
    # that beat is still running: the last stop waits for it too.
    monkeypatch.setattr(job_runner, "GRACE", 1.0)
    beats = HeldFirstWatcher(monkeypatch)
    runner = create_app(deployment.settings).state.jobs
    runner.open()
    try:
        assert beats.inside.wait(10)
        runner.close()  # gives up on the held beat after the grace
        runner.open()  # a new watcher
        threading.Timer(0.2, beats.released.set).start()
        assert runner.close()
        assert beats.first is not None and not beats.first.is_alive()
    finally:
        beats.released.set()
        runner.close()
