"""The platform in a real browser: headless Chromium (Debian's package, driven by Playwright)
logs in, uploads a wave, sees its indicators and charts, downloads a CSV, sees a refused
upload's per-row problems, publishes the wave and sees it over time, then starts a comparison
from the scenario explorer (a real, small one) and sees its deltas once it has run.

The server runs on a free loopback port for the module; one browser session goes through the
steps in order, in one test.
Screenshots go to the test's temporary folder, or to ``$MIGRANT_HEALTH_SCREENSHOTS`` (how the
ones in docs/platform.md were made); every screenshot that page shows must be one of them.
``.ci/run`` installs Chromium; without it the test is skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from platform_helpers import (
    PASSWORDS,
    ROOT,
    build_deployment,
    live_server,
    login,
    publish,
    upload,
    wave_frame,
    wave_id_of,
)
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, needs_chromium
from migrant_health.platform import create_app

# Taller than the other browser tests' laptop: the screenshots for docs/platform.md.
LAPTOP: ViewportSize = {"width": 1366, "height": 900}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("MIGRANT_HEALTH_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    deployment = build_deployment(tmp_path_factory.mktemp("browser"))
    app = create_app(deployment.settings)
    # Region B has published two waves already: the time series has a region to compare with.
    with TestClient(app) as bob:
        token = login(bob, "bob")
        for year in (2019, 2021):
            frame = wave_frame(year, n=300, seed=10 + year)
            frame["feels_local"] = 1  # B's migrants feel less local than A's
            wave = wave_id_of(
                upload(bob, token, deployment.region_b, frame.to_csv(index=False).encode())
            )
            publish(bob, token, wave)
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(site: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport=LAPTOP, accept_downloads=True, base_url=site)
        # Nothing may be fetched from outside the site (no CDN is reachable anyway).
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(site) else route.abort()
            ),
        )
        page = context.new_page()
        # The machine is shared with other work: allow slow answers rather than fail.
        page.set_default_timeout(90_000)
        yield page
        browser.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("waves")
    good = folder / "city-2019.csv"
    wave_frame(2019, n=300, seed=1).to_csv(good, index=False)
    bad = wave_frame(2021, n=80, seed=3)
    bad.loc[4, "age"] = 9
    bad.loc[11, "srh"] = 8
    bad.to_csv(folder / "bad.csv", index=False)
    return {"good": good, "bad": folder / "bad.csv"}


def _upload(page: Page, path: Path) -> None:
    page.goto("/upload")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('Upload and check')")


def log_in(page: Page, site: str, shots: Path) -> None:
    page.goto("/login")
    page.screenshot(path=str(shots / "platform-login.png"))
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORDS["ana"])
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{site}/")
    assert "ana (analyst: A)" in page.inner_text("header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "mh_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def upload_a_wave_and_see_its_indicators(page: Page, files: dict[str, Path], shots: Path) -> None:
    _upload(page, files["good"])
    page.wait_for_url("**/waves/*")
    assert "300 respondents from city-2019.csv" in page.inner_text("main").replace("\n", " ")
    rows = page.locator("#cells tbody tr")
    assert rows.count() == 15  # all, 2 sexes, 4 age bands, 4 education levels, 4 durations
    assert page.locator("#breakdowns svg").count() == 1
    box = page.locator("figure.chart svg").first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    page.screenshot(path=str(shots / "platform-wave.png"), full_page=True)


def download_the_chart_data_as_csv(page: Page, tmp_path: Path) -> None:
    with page.expect_download() as info:
        page.click("#wave-csv")
    saved = tmp_path / "cells.csv"
    info.value.save_as(saved)
    cells = pd.read_csv(saved)
    assert {"indicator", "subgroup", "group", "n", "estimate", "se", "suppressed"} <= set(
        cells.columns
    )
    # the 60+ band (about 3 % of respondents) is below 30: suppressed with a complement
    integration = cells[(cells.indicator == "integration") & (cells.subgroup == "age_band")]
    assert integration["suppressed"].sum() >= 2
    assert cells.loc[cells["suppressed"], "estimate"].isna().all()


def a_refused_upload_shows_its_problems_per_row(
    page: Page, files: dict[str, Path], shots: Path
) -> None:
    _upload(page, files["bad"])
    page.wait_for_selector("#problems")
    assert "nothing was stored" in page.inner_text("#upload-error")
    table = page.inner_text("#problems")
    assert "5\tage" in table and "12\tsrh" in table
    page.screenshot(path=str(shots / "platform-refused-upload.png"), full_page=True)


def publish_and_follow_the_indicator_over_time(
    page: Page, files: dict[str, Path], shots: Path, site: str
) -> None:
    page.goto("/")
    page.click("#own-waves a")
    page.click("#publish")
    page.wait_for_selector("text=Status: published")
    page.goto("/indicators?indicator=integration&region=A&subgroup=education")
    assert page.locator("#series svg").count() == 1
    assert page.locator("#breakdown svg").count() == 1
    table = page.inner_text("#series-table")
    assert "A\t2019" in table and "B\t2019" in table and "B\t2021" in table
    assert "national\t2019" in table and "national\t2021" in table
    page.click("summary:has-text('Reproduce in code')")
    assert f"curl '{site}/api/indicators?indicator=integration" in page.inner_text("pre.snippet")
    page.screenshot(path=str(shots / "platform-indicators.png"), full_page=True)


def start_a_comparison_and_explore_it(page: Page, shots: Path) -> None:
    page.goto("/scenarios")
    assert "No comparison yet" in page.inner_text("main")
    page.select_option("select[name=scenario]", "fair_employment")
    page.fill("input[name=replicates]", "3")
    page.fill("input[name=end]", "2035")
    page.click("button:has-text('Start')")
    page.wait_for_selector("#jobs")
    # The page reloads itself every 5 s while the job runs; the chart is there once it is done.
    # The job (3 replicates of two runs to 2035) takes a minute or two alone; with the other
    # test worker and any other load on two cores it took more than five minutes once.
    page.locator("#deltas svg").wait_for(timeout=600_000)
    assert "done" in page.inner_text("#jobs")
    assert page.locator("select[name=metric]").input_value() == "integration_index"
    snippet = page.text_content("pre.snippet") or ""  # inside a closed <details>
    assert "migrant-health compare --scenarios fair_employment --replicates 3" in snippet
    page.screenshot(path=str(shots / "platform-explorer.png"), full_page=True)


def the_docs_show_these_screenshots(shots: Path) -> None:
    docs = (ROOT / "docs" / "platform.md").read_text()
    shown = set(re.findall(r"\(images/(platform-[a-z-]+\.png)\)", docs))
    taken = {p.name for p in shots.glob("platform-*.png")}
    assert "platform-explorer.png" in shown
    assert shown <= taken, f"docs/platform.md shows screenshots no test takes: {shown - taken}"


def test_an_analyst_s_session_in_the_browser(
    page: Page, site: str, shots: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    # One test, in order: each step continues the session of the one before it (pytest-xdist
    # would otherwise run the steps in different processes, each with its own browser).
    log_in(page, site, shots)
    upload_a_wave_and_see_its_indicators(page, files, shots)
    download_the_chart_data_as_csv(page, tmp_path)
    a_refused_upload_shows_its_problems_per_row(page, files, shots)
    publish_and_follow_the_indicator_over_time(page, files, shots, site)
    start_a_comparison_and_explore_it(page, shots)
    the_docs_show_these_screenshots(shots)


def test_first_steps_run_no_script_and_ask_before_deleting(page: Page, site: str) -> None:
    """The header's "API" link shows the API's routes under the pages' Content-Security-Policy
    (FastAPI's own page loaded its scripts from a CDN, which the policy refused: blank), a
    bookmarked wave opens the login form and comes back to the wave, an unknown address is a
    page with the logged-in header, and "Delete wave…" asks first, all without a script."""
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=LAPTOP, base_url=site)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(site) else route.abort(),
    )
    fresh = context.new_page()
    fresh.set_default_timeout(90_000)
    refused: list[str] = []  # a policy violation is a console error
    fresh.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    try:
        fresh.goto("/")
        fresh.click("header >> text=API")
        fresh.wait_for_url(f"{site}/api/docs")
        assert "/api/indicators" in fresh.inner_text("#api-routes")
        assert not refused, refused

        wave = fresh.request.get("/api/waves").json()[0]["id"]  # region B's, published
        fresh.goto(f"/waves/{wave}?indicator=poor_health")
        fresh.wait_for_url("**/login?next=*")
        fresh.fill("input[name=username]", "bob")
        fresh.fill("input[name=password]", PASSWORDS["bob"])
        fresh.click("button:has-text('Log in')")
        fresh.wait_for_url(f"{site}/waves/{wave}?indicator=poor_health")

        fresh.goto("/no/such/page")
        assert "there is no page at this address" in fresh.inner_text("main")
        assert "bob (analyst: B)" in fresh.inner_text("header")

        fresh.goto(f"/waves/{wave}")
        fresh.click("#delete")
        fresh.wait_for_url(f"{site}/waves/{wave}/delete")
        assert "Delete the wave B 2019?" in fresh.inner_text("h1")
        fresh.click("#cancel")
        fresh.wait_for_url(f"{site}/waves/{wave}")
        assert "Status: published" in fresh.inner_text("#status")
    finally:
        context.close()
