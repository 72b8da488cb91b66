"""The report of a sensitivity study: ``migrant-health report`` on a study directory.

A study of two mental-health parameters and one lever, read on out-migrants and on urban
locals: the page ranks the parameters by their indices as ``indices.parquet`` holds them, shows
the exact zero of a lever that cannot reach urban locals, draws a pair of charts per output
(offline, in a real browser too), and a directory that lost a file is refused before anything
is written.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from chromium import CHROMIUM, CHROMIUM_ARGS, LAPTOP, needs_chromium
from migrant_health import sensitivity, write_report
from migrant_health.cli.main import app
from migrant_health.errors import StoreError

runner = CliRunner()
PARAMS = ["health.mental.base", "health.mental.support", "policy.management.mental_health_services"]
OUT_MIGRANTS = "depression_share:status=out_migrant:2012"
URBAN_LOCALS = "depression_share:status=urban_local:2012"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sensitivity-report") / "study"
    sensitivity(
        "morris",
        PARAMS,
        [OUT_MIGRANTS, URBAN_LOCALS],
        samples=3,
        bounds={"health.mental.base": (0.5, 0.75)},
        end=2012,
        scale=100_000,
        out=out,
    )
    return out


@pytest.fixture(scope="module")
def page(study: Path) -> str:
    return write_report(study, study.parent / "study.html").read_text(encoding="utf-8")


def _table_after(page: str, output: str) -> list[list[str]]:
    """The rows of the indices table in ``output``'s block, cells as text."""
    block = page[page.index(f'data-output="{output}"') :]
    table = block[block.index("<tbody>") : block.index("</tbody>")]
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    ]


def test_each_output_ranks_the_parameters_as_the_indices_do(study: Path, page: str) -> None:
    indices = pd.read_parquet(study / "indices.parquet")
    for output in (OUT_MIGRANTS, URBAN_LOCALS):
        mu_star = indices.query("output == @output and index == 'mu_star'")
        expected = mu_star.sort_values("value", ascending=False, kind="stable")["parameter"]
        rows = _table_after(page, output)
        assert [row[0] for row in rows] == expected.tolist()


def test_a_lever_that_cannot_reach_urban_locals_shows_an_exact_zero(page: str) -> None:
    rows = {row[0]: row for row in _table_after(page, URBAN_LOCALS)}
    services = rows["policy.management.mental_health_services"]
    assert services[1] == "0"  # mu_star: common random numbers, nothing else moves
    assert float(rows["health.mental.base"][1]) > 0


def test_the_page_holds_the_design_the_parameters_and_two_charts_an_output(
    study: Path, page: str
) -> None:
    assert "<h2>Study</h2>" in page and "morris" in page
    assert "0.5 to 0.75" in page  # the sampled bounds next to the documented range
    assert page.count("<figure ") == 4
    assert "data:image/png;base64," in page
    assert "Morris screening" in page


def test_a_sobol_study_shows_s1_and_st(tmp_path: Path) -> None:
    out = tmp_path / "sobol"
    sensitivity(
        "sobol",
        PARAMS[:2],
        [OUT_MIGRANTS],
        samples=8,
        bounds={"health.mental.base": (0.5, 0.75)},
        end=2012,
        scale=200_000,
        out=out,
    )
    page = write_report(out, tmp_path / "sobol.html", figures=tmp_path / "charts").read_text()
    assert '<th class="num">S1</th>' in page and '<th class="num">ST_conf</th>' in page
    assert "Sobol variance decomposition" in page
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "indices-depression_share_status_out_migrant_2012.svg",
        "samples-depression_share_status_out_migrant_2012.svg",
    ]


def test_the_command_reports_a_study_and_refuses_one_that_lost_a_file(
    study: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["report", str(study), "--out", str(tmp_path / "ok.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ok.html").exists()
    broken = tmp_path / "broken"
    shutil.copytree(study, broken)
    (broken / "samples.parquet").unlink()
    result = runner.invoke(app, ["report", str(broken), "--out", str(tmp_path / "no.html")])
    assert result.exit_code == 2
    assert "samples.parquet" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "no.html").exists()


def test_samples_that_lack_a_parameter_of_the_study_are_refused(
    study: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "renamed"
    shutil.copytree(study, broken)
    samples = pd.read_parquet(broken / "samples.parquet")
    samples.rename(columns={"health.mental.support": "support"}).to_parquet(
        broken / "samples.parquet"
    )
    with pytest.raises(StoreError, match=r"samples.parquet: lacks the column\(s\) health.mental"):
        write_report(broken, tmp_path / "no.html")
    assert not (tmp_path / "no.html").exists()


@pytest.fixture(scope="module")
def browser_page(study: Path, page: str) -> Iterator[object]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport=LAPTOP, offline=True)
        tab = context.new_page()
        tab.goto((study.parent / "study.html").as_uri())
        yield tab
        chromium.close()


@needs_chromium
def test_in_a_browser_every_chart_is_drawn_and_nothing_scrolls_sideways(
    browser_page: object,
) -> None:
    from playwright.sync_api import Page

    assert isinstance(browser_page, Page)
    drawn = browser_page.evaluate(
        "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
    )
    assert drawn == [True] * 4
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    navigation = browser_page.locator("nav a").all_inner_texts()
    assert navigation == ["Study", "Parameters", "By output", "How to read it"]
