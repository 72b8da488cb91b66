"""The report of a comparison as a reader sees it: ``migrant-health report`` in a real browser.

Headless Chromium (Debian's ``chromium`` package, driven by Playwright) opens the report of a
small comparison (``report_fixtures``) offline, on a laptop screen (1366 x 768): every section
shows its text, every chart is decoded and drawn, the page never scrolls sideways, the long
subgroup table scrolls inside its frame, a click on a CSV link saves the table it belongs to,
and a screenshot of the whole page is not blank. No request leaves the file. ``.ci/run``
installs Chromium; without it locally the test is skipped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, sync_playwright

from chromium import CHROMIUM, CHROMIUM_ARGS, LAPTOP, needs_chromium
from report_fixtures import END, SharedReport, shared_report

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> SharedReport:
    return shared_report(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Browser, shared: SharedReport) -> Iterator[Page]:
    """The report in a tab with the network off: any request but the file is refused.

    One tab for the module's tests: none changes the page, and a page of a few MB takes seconds
    to load.
    """
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True, offline=True)
    refused: list[str] = []

    def refuse(route: Route) -> None:
        refused.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(("file:", "data:")), refuse)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(shared.page.as_uri())
    yield tab
    context.close()
    assert refused == [], "the report must open with no network"


def test_every_section_shows_its_text(page: Page, shared: SharedReport) -> None:
    text = {
        name: page.locator(f"section#{name}").inner_text()
        for name in ("about", "series", "subgroups", "levers", "costs", "method")
    }
    assert "persons per agent" in text["about"] and "fair_employment_2010" in text["about"]
    assert "Headline figures over the years" in text["series"]
    assert "Working > 44 h/week" in text["series"]
    assert f"Deltas by subgroup in {END}" in text["subgroups"]
    assert "age band" in text["subgroups"] and "90 % interval" in text["subgroups"]
    assert "migrant_management_2010" in text["levers"] and "hours/week" in text["levers"]
    has_costs = (shared.comparison / "costs.parquet").exists()
    assert ("No cost table in this comparison" in text["costs"]) == (not has_costs)
    assert "replicate" in text["method"]
    navigation = page.locator("nav a").all_inner_texts()
    assert navigation[:3] == ["Comparison", "Time series", f"By subgroup, {END}"]


def test_every_chart_is_drawn_and_the_page_fits_a_laptop(page: Page) -> None:
    drawn = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert len(drawn) > 20 and all(drawn)
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    frame = page.locator("section#subgroups .frame").bounding_box()
    assert frame is not None and frame["height"] <= LAPTOP["height"]
    first = page.locator("section#series figure").first.bounding_box()
    assert first is not None and first["y"] < 2 * LAPTOP["height"]


def test_a_csv_link_saves_the_subgroup_deltas(page: Page, shared: SharedReport) -> None:
    with page.expect_download() as info:
        page.locator("section#subgroups h2 a.csv").click()
    saved = pd.read_csv(info.value.path())
    deltas = pd.read_parquet(shared.comparison / "deltas.parquet")
    both = saved.merge(deltas, on=["scenario", "metric", "group", "year"], suffixes=("", "_d"))
    assert len(both) == len(saved) > 100
    assert np.allclose(both["delta_lo"], both["delta_lo_d"], equal_nan=True)


def test_a_screenshot_of_the_whole_page_is_not_blank(page: Page, tmp_path: Path) -> None:
    shot = page.screenshot(full_page=True, path=str(tmp_path / "report.png"))
    image = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"))
    assert image.shape[0] > 3 * LAPTOP["height"]  # every section, not one screen
    ink = (image < 200).any(axis=2).mean()  # share of pixels that are not near white
    colours = len(np.unique(image.reshape(-1, 3)[::37], axis=0))
    assert ink > 0.02 and colours > 50
