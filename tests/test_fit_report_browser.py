"""The fit report as a reader sees it: ``migrant-health fit`` opened in a real browser.

Headless Chromium (Debian's ``chromium`` package, driven by Playwright) renders the report of a
small fit on a laptop screen, 1366 x 768: the summary comes first, the plots begin on the
first screen with human titles, the full table scrolls inside its frame instead of widening
the page, the page loads nothing from the network, and a click on a CSV link saves a file
holding the table or plot it belongs to. ``.ci/run`` installs Chromium; without it locally
the test is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from typer.testing import CliRunner

from chromium import CHROMIUM, CHROMIUM_ARGS, LAPTOP, needs_chromium
from migrant_health.cli.main import app
from migrant_health.experiments.fit import FIT_COLUMNS
from migrant_health.report import series_label
from migrant_health.report.plots import SERIES_DATA_COLUMNS

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a coarse fit: 1 agent = 20,000 persons, 2008-2012."""
    out = tmp_path_factory.mktemp("fit") / "fit-report.html"
    result = CliRunner().invoke(
        app, ["fit", "--scale", "20000", "--end", "2012", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, report: Path) -> Iterator[Page]:
    """The report in a fresh tab; on closing, it must not have asked the network for anything."""
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(10_000)  # a missing element fails in seconds, not half a minute
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.goto(report.as_uri())
    yield tab
    context.close()
    outside = [url for url in requests if not url.startswith(("file:", "data:"))]
    assert outside == [], "the report must be self-contained"


def _top(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return float(box["y"])


def _download(page: Page, link: Locator) -> pd.DataFrame:
    with page.expect_download() as info:
        link.click()
    return pd.read_csv(info.value.path())


def test_summary_then_plots_then_table_on_a_laptop_screen(page: Page) -> None:
    tops = [_top(page, f"section#{name}") for name in ("summary", "plots", "table")]
    assert tops == sorted(tops)
    assert "targets pass" in page.locator("section#summary").inner_text()
    # The plots begin on the first screen; the old page put them below 19,000 px.
    assert _top(page, "section#plots figure") < LAPTOP["height"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"], "the page scrolls sideways"
    frame = page.locator("section#table .frame").bounding_box()
    assert frame is not None and frame["x"] + frame["width"] <= LAPTOP["width"]
    assert frame["height"] <= LAPTOP["height"], "the table scrolls inside its frame"


def test_plots_are_titled_by_what_they_measure(page: Page) -> None:
    figures = page.locator("section#plots figure")
    keys = figures.locator("footer code").all_inner_texts()
    titles = figures.locator("h3").all_inner_texts()
    assert len(titles) == len(keys) >= 10
    assert titles == [series_label(key) for key in keys]
    assert not set(titles) & set(keys)
    assert "Migrant workers, total" in titles


def test_csv_links_save_the_table_and_the_plot_they_belong_to(page: Page) -> None:
    table = _download(page, page.locator("section#table h2 a.csv"))
    assert list(table.columns) == ["key", "label", *FIT_COLUMNS[1:]]
    shown = page.locator("section#table tbody.series tr").count()
    series = page.locator("section#table tbody.series").count()
    assert len(table) == shown - series  # one heading row per series
    assert table["key"].nunique() == series

    figure = page.locator("section#plots figure").first
    plot = _download(page, figure.locator("a.csv"))
    assert list(plot.columns) == list(SERIES_DATA_COLUMNS)
    assert list(plot["year"]) == list(range(2008, 2013))
    key = figure.locator("footer code").inner_text()
    assert plot["observed"].notna().sum() == (table["key"] == key).sum()
