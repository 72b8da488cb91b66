"""What a first-time user meets on the platform's pages and forms: the API's documentation page,
the hint that Secure cookies need HTTPS, error pages that know who is logged in (and JSON for
the API), forms that keep what was typed after a refusal, the login form for a wave's address
when not logged in, pages that ask before an irreversible action, reactivation, names unique
whatever their case, and charts and downloads that say what their numbers are.
"""

from __future__ import annotations

import codecs
import html
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_helpers import (
    ROOT,
    Deployment,
    build_deployment,
    csrf_of,
    deltas_table,
    free_port,
    login,
    publish,
    upload,
    wave_csv,
    wave_id_of,
    write_comparison,
)
from sqlalchemy import select

from migrant_health.platform import create_app, jobs
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.jobs import JobRequest, check_request, comparisons_dir
from migrant_health.platform.models import Account

HTML = {"accept": "text/html"}  # what a browser sends for a page
MAX_UPLOAD_MB = 0.3


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    deployment = build_deployment(
        tmp_path_factory.mktemp("pages"), max_upload_bytes=int(MAX_UPLOAD_MB * 1024 * 1024)
    )
    # A comparison whose baseline runs 2009-2012, and whose table holds the baseline's own rows
    # (delta 0), as compare writes them.
    strategy = deltas_table("fair_employment", end=2012, start=2009)
    baseline = deltas_table("baseline", end=2012, start=2009).assign(
        delta=0.0, delta_lo=0.0, delta_hi=0.0
    )
    folder = comparisons_dir(deployment.settings) / "early"
    write_comparison(folder, pd.concat([strategy, baseline], ignore_index=True))
    return deployment


@pytest.fixture(scope="module")
def app(deployment: Deployment) -> FastAPI:
    return create_app(deployment.settings)


@pytest.fixture(scope="module")
def wave(app: FastAPI, deployment: Deployment) -> int:
    """Region A's 2019 wave, published, uploaded without a label."""
    with TestClient(app) as ana:
        token = login(ana, "ana")
        found = wave_id_of(upload(ana, token, deployment.region_a, wave_csv(2019)))
        publish(ana, token, found)
    return found


def _main(page: str) -> str:
    return page[page.index("<main>") : page.index("</main>")]


def _header(page: str) -> str:
    return page[page.index("<header>") : page.index("</header>")]


def _svg_texts(page: str, figure: str) -> list[str]:
    """The texts of the chart in ``<figure id=figure>`` (labels, ticks, legend)."""
    start = page.index(f'id="{figure}"')
    svg = page[start : page.index("</figure>", start)]
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_the_api_page_lists_the_routes_and_loads_nothing_from_elsewhere(app: FastAPI) -> None:
    with TestClient(app) as client:
        page = client.get("/api/docs", headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        # The header's "API" link leads here. The page needs no script: the Content-Security-
        # Policy lets none in from elsewhere (FastAPI's own page was blank for it).
        assert 'href="/api/docs"' in page.text
        assert "<script" not in page.text
        routes = page.text[page.text.index('id="api-routes"') :]
        assert "/api/indicators" in routes and "/api/waves/{wave_id}/indicators" in routes
        assert "Published indicators of every region and the nation" in routes
        assert 'href="/api/openapi.json"' in page.text
        assert client.get("/api/openapi.json").json()["paths"]["/api/definitions"]


def test_plain_http_to_a_server_with_secure_cookies_says_https_is_needed(
    tmp_path: Path,
) -> None:
    deployment = build_deployment(tmp_path, secure_cookies=True)
    app = create_app(deployment.settings)
    with TestClient(app) as client:  # http://testserver: the Secure cookie never comes back
        form = client.get("/login", headers=HTML)
        assert "HTTPS only" in form.text and "--no-secure-cookies" in form.text
        refused = client.post(
            "/login",
            data={"username": "ana", "password": "x" * 12, "csrf_token": csrf_of(client)},
            headers=HTML,
        )
        assert refused.status_code == 403
        assert "over plain HTTP" in refused.text and "--no-secure-cookies" in refused.text
        assert "reload the page" not in refused.text  # which never helps here
    with TestClient(app, base_url="https://testserver") as client:  # as behind a TLS proxy
        assert "HTTPS only" not in client.get("/login", headers=HTML).text
        login(client, "ana")


def test_serve_says_at_its_start_that_secure_cookies_need_https(tmp_path: Path) -> None:
    deployment = build_deployment(tmp_path / "data")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                *("-m", "migrant_health", "serve", "--port", str(port), "--secure-cookies"),
                *("--data-dir", str(deployment.settings.data_dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
        )
    try:
        deadline = time.monotonic() + 90
        while "Ctrl-C stops" not in log.read_text() or "Secure" not in log.read_text():
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not say it serves"
            time.sleep(0.2)
        # The server answers over plain HTTP, where no login can work.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = client.get("/login", headers=HTML)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            assert "HTTPS only" in page.text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    said = " ".join(log.read_text().split())  # the console may wrap long lines
    assert "session cookies are Secure: browsers send them back over HTTPS only" in said
    assert "reverse proxy that terminates TLS" in said and "--no-secure-cookies" in said


def test_error_pages_show_who_is_logged_in_and_the_api_answers_json(
    app: FastAPI, wave: int
) -> None:
    with TestClient(app) as client:
        login(client, "bob")
        for path, status in (
            (f"/waves/{wave}", 404),  # region A's wave, not bob's
            ("/admin", 403),
            ("/no/such/page", 404),  # the router's own 404 was {"detail":"Not Found"}
            ("/waves/abc", 422),  # a path of the wrong kind was JSON too
        ):
            page = client.get(path, headers=HTML)
            assert page.status_code == status, path
            assert page.headers["content-type"].startswith("text/html"), path
            header = _header(page.text)
            assert "bob (analyst: B)" in header and "Log out" in header, path
            assert 'href="/login"' not in header, path
        assert "no page at this address" in client.get("/no/such/page", headers=HTML).text
        assert "wave id" in _main(client.get("/waves/abc", headers=HTML).text)
        for path in ("/api/no/such/route", "/api/waves/abc", f"/api/waves/{wave}0"):
            answer = client.get(path, headers=HTML)  # the API answers JSON even to a browser
            assert answer.status_code >= 400 and set(answer.json()) == {"error"}, path


def test_a_wave_s_address_without_a_login_opens_the_login_form_and_comes_back(
    app: FastAPI, wave: int
) -> None:
    with TestClient(app) as client:
        bookmark = f"/waves/{wave}?indicator=poor_health"
        page = client.get(bookmark, headers=HTML, follow_redirects=False)
        assert page.status_code == 303
        assert (
            page.headers["location"] == f"/login?next=%2Fwaves%2F{wave}%3Findicator%3Dpoor_health"
        )
        form = client.get(page.headers["location"])
        assert f'name="next" value="/waves/{wave}?indicator=poor_health"' in form.text
        back = client.post(
            "/login",
            data={
                "username": "ana",
                "password": "analyst-a-passphrase",
                "next": f"/waves/{wave}?indicator=poor_health",
                "csrf_token": csrf_of(client),
            },
            follow_redirects=False,
        )
        assert back.headers["location"] == bookmark
        assert client.get(bookmark).status_code == 200
    with TestClient(app) as other:  # logged in elsewhere: still "not found", as for no wave
        login(other, "bob")
        assert other.get(f"/waves/{wave}", headers=HTML).status_code == 404
        assert other.get("/waves/99999", headers=HTML).status_code == 404


def test_a_refused_comparison_shows_the_form_again_with_the_reason(app: FastAPI) -> None:
    # The shipped strategies change the model from 2025 on, as their files say.
    assert jobs.first_year("fair_employment") == 2025
    with TestClient(app) as client:
        token = login(client, "bob")
        form = {"scenario": "migrant_management", "replicates": "3", "end": "2015"}
        page = client.post("/scenarios/jobs", data={**form, "scale": "200000", "csrf_token": token})
        assert page.status_code == 422
        assert "migrant_management changes the model from 2025 on" in page.text
        assert "the last year must be 2025 to 2035" in page.text
        start = page.text[page.text.index('id="start-job"') :]
        assert "<option selected>migrant_management</option>" in start.replace(" >", ">")
        assert 'name="replicates"' in start and 'value="3"' in start
        assert 'value="2015"' in start and 'value="200000"' in start
        assert 'min="2025"' in start  # the browser's own check, before sending
        assert client.get("/api/jobs").json() == []
    settings = app.state.settings
    check_request(JobRequest("migrant_management", 2, 2025, 100_000.0), settings)


def test_the_explorer_s_legend_lists_the_strategies_not_the_baseline(app: FastAPI) -> None:
    with TestClient(app) as client:
        page = client.get("/scenarios?comparison=early&metric=integration_index&group=all")
        texts = _svg_texts(page.text, "deltas")
        assert "fair_employment" in texts and "baseline" not in texts


def test_deleting_a_wave_asks_first(app: FastAPI, deployment: Deployment) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        doomed = wave_id_of(upload(client, token, deployment.region_a, wave_csv(2021, seed=5)))
        publish(client, token, doomed)
        page = client.get(f"/waves/{doomed}", headers=HTML).text
        # The wave page's button opens a question; it deletes nothing itself.
        assert f'href="/waves/{doomed}/delete">Delete wave…</a>' in page
        assert f'method="post" action="/waves/{doomed}/delete"' not in page
        question = client.get(f"/waves/{doomed}/delete", headers=HTML)
        assert question.status_code == 200
        assert "Delete the wave A 2021?" in question.text
        assert "it disappears from the indicators every account and visitor sees" in (
            question.text.lower()
        )
        assert f'action="/waves/{doomed}/delete"' in question.text
        assert client.get(f"/api/waves/{doomed}").status_code == 200  # asking deleted nothing
        done = client.post(
            f"/waves/{doomed}/delete", data={"csrf_token": token}, follow_redirects=False
        )
        assert done.status_code == 303
        assert client.get(f"/api/waves/{doomed}").status_code == 404


def _account_id(app: FastAPI, username: str) -> int:
    engine = make_engine(app.state.settings)
    with session_scope(engine) as session:
        found = session.scalar(select(Account.id).where(Account.username == username))
    engine.dispose()
    assert found is not None
    return int(found)


def test_deactivation_asks_first_and_can_be_undone(app: FastAPI) -> None:
    with TestClient(app) as admin, TestClient(app) as admin_form:
        token = login(admin, "admin")
        login(admin_form, "admin")
        created = admin.post(
            "/admin/accounts",
            data={
                "username": "eve",
                "password": "eve-passphrase-1",
                "role": "viewer",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert created.status_code == 303
        eve = _account_id(app, "eve")
        assert (
            f'href="/admin/accounts/{eve}/deactivate">Deactivate…</a>' in admin.get("/admin").text
        )
        question = admin.get(f"/admin/accounts/{eve}/deactivate")
        assert question.status_code == 200 and "Deactivate the account eve?" in question.text
        assert "Reactivate" in question.text
        with TestClient(app) as user:
            login(user, "eve", "eve-passphrase-1")  # asking changed nothing
        admin.post(f"/admin/accounts/{eve}/deactivate", data={"csrf_token": token})
        listing = admin.get("/admin").text
        assert f'action="/admin/accounts/{eve}/reactivate"' in listing
        back = admin.post(
            f"/admin/accounts/{eve}/reactivate",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert back.status_code == 303
        with TestClient(app) as user:
            login(user, "eve", "eve-passphrase-1")
        assert "reactivated eve" in admin.get("/admin/audit").text


def test_account_names_and_region_codes_are_unique_whatever_their_case(app: FastAPI) -> None:
    with TestClient(app) as admin:
        token = login(admin, "admin")
        twin = admin.post(
            "/admin/accounts",
            data={
                "username": "Ana",
                "password": "another-passphrase",
                "role": "viewer",
                "csrf_token": token,
            },
        )
        said = html.unescape(twin.text)
        assert twin.status_code == 422 and "account 'Ana' exists already (as 'ana'" in said
        code = admin.post("/admin/regions", data={"code": "a", "name": "", "csrf_token": token})
        said = html.unescape(code.text)
        assert code.status_code == 422 and "region code 'a' exists already (as 'A'" in said
        long = admin.post(
            "/admin/regions", data={"code": "LONG", "name": "x" * 201, "csrf_token": token}
        )
        assert long.status_code == 422 and "at most 200" in long.text
        fits = admin.post(
            "/admin/regions",
            data={"code": "LONG", "name": "x" * 200, "csrf_token": token},
            follow_redirects=False,
        )
        assert fits.status_code == 303


def test_the_upload_form_states_its_limit_and_keeps_what_was_typed(
    app: FastAPI, deployment: Deployment
) -> None:
    with TestClient(app) as client:
        token = login(client, "ana")
        assert f"at most {MAX_UPLOAD_MB} MB" in client.get("/upload").text  # was "at most 0 MB"
        column_map = "rename:\n  id: NOPE\n"
        refused = upload(
            client,
            token,
            deployment.region_a,
            wave_csv(2023),
            label="city survey",
            column_map=column_map,
        )
        assert refused.status_code == 422  # type: ignore[attr-defined]
        page = refused.text  # type: ignore[attr-defined]
        assert 'name="label" placeholder="e.g. city survey 2021" value="city survey"' in page
        assert f">\n{column_map}</textarea>" in page
        assert f'<option value="{deployment.region_a}" selected>' in page


def test_a_wave_without_a_label_is_titled_once(app: FastAPI, wave: int) -> None:
    with TestClient(app) as client:
        login(client, "ana")
        page = client.get(f"/waves/{wave}").text
        assert "<h1>A 2019</h1>" in page  # was "A 2019: A 2019"


def test_charts_and_tables_give_units_and_say_why_a_bar_is_empty(app: FastAPI, wave: int) -> None:
    with TestClient(app) as client:
        login(client, "ana")
        # The example wave's depression instrument has no documented cut-off: no respondent has
        # a value (n = 0). The analyst's own wave hides nothing: not "suppressed".
        page = client.get(f"/waves/{wave}?indicator=depressive_symptoms").text
        assert "not computed" in page
        texts = _svg_texts(page, "breakdowns")
        assert "no answers" in texts and "suppressed" not in texts
        assert "share" in texts
        assert "<th>Estimate (share)</th>" in page
        page = client.get(f"/waves/{wave}?indicator=integration").text
        assert "score 0-1" in _svg_texts(page, "breakdowns")
        assert "<th>Estimate (score 0-1)</th>" in page
        page = client.get("/indicators?indicator=integration&region=A").text
        assert "score 0-1" in _svg_texts(page, "series")
        assert "<th>Estimate (score 0-1)</th>" in page


def test_the_projection_has_its_years_on_the_axis_and_its_numbers_in_the_csv(
    app: FastAPI, wave: int
) -> None:
    with TestClient(app) as client:
        page = client.get("/indicators?indicator=integration").text
        texts = _svg_texts(page, "series")
        assert "simulation (baseline, out-migrants)" in texts
        assert {"2009", "2010", "2011", "2012", "2019"} <= set(texts)  # was only 2019
        csv = client.get("/indicators.csv?indicator=integration")
        table = pd.read_csv(io.BytesIO(csv.content))
        simulated = table[table["source"].str.startswith("simulation")]
        assert sorted(simulated["year"]) == [2009, 2010, 2011, 2012]
        assert (simulated["estimate"] == 0.5).all() and (simulated["region"] == "national").all()
        assert "comparison early" in simulated["source"].iloc[0]
        assert set(table.loc[table["source"] == "survey", "year"]) == {2019}


def test_csv_downloads_start_with_a_byte_order_mark_for_excel(app: FastAPI, wave: int) -> None:
    with TestClient(app) as client:
        login(client, "ana")
        for path in (
            f"/waves/{wave}/microdata.csv",
            f"/waves/{wave}/indicators.csv",
            "/indicators.csv?indicator=integration",
            "/scenarios/data.csv?comparison=early&metric=integration_index",
        ):
            content = client.get(path).content
            assert content.startswith(codecs.BOM_UTF8), path
            first = pd.read_csv(io.BytesIO(content)).columns[0]
            assert not first.startswith("\ufeff"), path  # pandas skips the mark
