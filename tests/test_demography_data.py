"""Tests of the demographic package data (built by tools/build_demography.py) and its loader."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from migrant_health.data import Demography, load_calibration_targets, load_demography
from migrant_health.errors import DataError

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "data"
HUKOU_RATE_2008 = 0.3328  # MPS non-agricultural share, end 2008 (demography.csv)
CONVERSION_TARGET_2016_2020 = 13e6  # State Council plan, persons a year, all ages
TARGET_HEADER = "key,year,value,unit,source,confidence\n"


def _package_csv(name: str) -> pd.DataFrame:
    text = resources.files("migrant_health.data").joinpath(name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text))


def _life_expectancy(qx: np.ndarray) -> float:
    """Expectation of life at the first age of a qx row whose last age is open-ended."""
    lx = np.concatenate([[1.0], np.cumprod(1 - qx[:-1])])
    person_years = (lx[:-1] + lx[1:]) / 2
    return float(person_years.sum() + lx[-1] / -np.log1p(-qx[-1]))


@pytest.fixture(scope="module")
def demo() -> Demography:
    return load_demography()


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load_calibration_targets()


def _target(targets: pd.DataFrame, key: str, year: int) -> float:
    row = targets[(targets["key"] == key) & (targets["year"] == year)]
    assert len(row) == 1, key
    return float(row["value"].iloc[0])


# --- shapes and invariants ------------------------------------------------------------------


def test_shapes_types_and_read_only(demo: Demography) -> None:
    n_years, n_ages = demo.last_year - demo.first_year + 1, 85
    assert (demo.first_year, demo.last_year) == (2008, 2035)
    assert demo.ages.dtype == np.int16 and demo.ages[0] == 16 and demo.ages[-1] == 100
    assert demo.rural_stock_2008.shape == demo.urban_stock_2008.shape == (2, n_ages)
    assert demo.entrants.shape == (n_years, 2)
    assert demo.qx.shape == demo.qx_national.shape == (n_years, 2, n_ages)
    assert demo.conversion_rate.shape == demo.conversions.shape == (n_years,)
    for array in (demo.rural_stock_2008, demo.entrants, demo.qx, demo.conversion_rate):
        assert array.dtype == np.float64
        assert not array.flags.writeable
    assert load_demography() is demo  # cached


def test_year_index_inside_and_outside_range(demo: Demography) -> None:
    assert demo.year_index(2008) == 0
    assert demo.year_index(2035) == 27
    for year in (2007, 2036, 1900):
        with pytest.raises(DataError, match=rf"year {year} is outside .*2008-2035"):
            demo.year_index(year)


def test_standard_population(demo: Demography) -> None:
    assert demo.standard_age_bands == ("16-20", "21-30", "31-40", "41-50", "51-60", "61+")
    assert demo.standard_weights.sum() == pytest.approx(1.0)
    assert (demo.standard_weights > 0.05).all()
    persons = _package_csv("standard_population.csv")["persons"].sum()
    assert 1.0e9 < persons < 1.15e9  # national 16+ at the 2010 census


# --- the 2008 stock -------------------------------------------------------------------------


def test_rural_stock_2008_in_plausible_band(demo: Demography) -> None:
    by_sex = demo.rural_stock_2008.sum(axis=1)
    # about 886 m rural hukou of all ages in 2008, of whom 22-27 % were children
    assert 620e6 < by_sex.sum() < 720e6
    # the 2005 1 % survey finds agricultural hukou nearly sex-balanced (ratio 1.007)
    assert 0.95 < by_sex[0] / by_sex[1] < 1.06
    assert (demo.rural_stock_2008 > 0).all() and (demo.urban_stock_2008 > 0).all()


def test_rural_share_of_adults_near_hukou_complement(demo: Demography) -> None:
    rural = demo.rural_stock_2008.sum()
    share = rural / (rural + demo.urban_stock_2008.sum())
    # children are more rural-registered than adults (sources.yaml A7), so adults sit a little
    # below the all-age 66.72 %, but not far
    assert 1 - HUKOU_RATE_2008 - 0.04 < share < 1 - HUKOU_RATE_2008


def test_young_rural_stock_exceeds_migrant_workers(demo: Demography, targets: pd.DataFrame) -> None:
    workers = _target(targets, "nbs.migrant_workers_total", 2008) * 1e4
    young = workers * _target(targets, "nbs.age_share_40_or_under", 2008) / 100
    stock = demo.rural_stock_2008
    assert stock[:, demo.age_index(16) : demo.age_index(40) + 1].sum() > 1.8 * young
    for lo, hi, key in ((16, 20, "16-20"), (21, 30, "21-30"), (31, 40, "31-40"), (41, 50, "41-50")):
        in_band = workers * _target(targets, f"nbs.age_share_{key}", 2008) / 100
        assert stock[:, demo.age_index(lo) : demo.age_index(hi) + 1].sum() > 1.5 * in_band, key


# --- mortality ------------------------------------------------------------------------------


def test_qx_rises_with_age_above_40_and_stays_below_one(demo: Demography) -> None:
    above_40 = demo.qx[:, :, demo.age_index(40) :]
    assert (np.diff(above_40, axis=2) > 0).all()
    assert (demo.qx > 0).all() and (demo.qx < 1).all()
    assert (demo.qx >= demo.qx_national).all()  # rural mortality is scaled up
    # mortality falls over time: every age-sex qx is lower in 2035 than in 2008
    assert (demo.qx[-1] < demo.qx[0]).all()


@pytest.mark.parametrize("sex", [0, 1])
def test_rural_life_expectancy_at_16_below_national(demo: Demography, sex: int) -> None:
    i2010 = demo.year_index(2010)
    rural = _life_expectancy(demo.qx[i2010, sex])
    national = _life_expectancy(demo.qx_national[i2010, sex])
    assert 55 < national < 66  # WPP2024 e0 2010: 73.2 (men), 78.3 (women)
    assert 0.5 < national - rural < 2.5  # e0 gap of 1.5 years, most of it after 16
    i2035 = demo.year_index(2035)
    gap_2035 = _life_expectancy(demo.qx_national[i2035, sex]) - _life_expectancy(
        demo.qx[i2035, sex]
    )
    assert 0 < gap_2035 < national - rural  # the gap narrows


# --- entrants -------------------------------------------------------------------------------


def test_entrants_positive_and_plausible_total(demo: Demography) -> None:
    assert (demo.entrants[0] == 0).all()
    flows = demo.entrants[1:]
    assert (flows > 0).all()
    assert ((flows.sum(axis=1) > 5e6) & (flows.sum(axis=1) < 20e6)).all()
    # 27 cohorts of 15-21 m births, about 97 % surviving to 16, 50-75 % rural-hukou
    assert 200e6 < flows.sum() < 400e6
    # more boys than girls (sex ratio at birth 1.1-1.2)
    assert (flows[:, 0] > flows[:, 1]).all()
    # continuity with the 2008 stock: the first entrants are close to the 16-year-olds of 2008
    age16 = demo.rural_stock_2008[:, 0].sum()
    assert 0.75 < flows[0].sum() / age16 < 1.25


# --- conversions ----------------------------------------------------------------------------


def test_conversions_2016_2020_within_factor_two_of_target(demo: Demography) -> None:
    table = _package_csv("hukou_conversions.csv").set_index("year")
    adult_share = (table["persons_16plus"] / table["persons_all_ages"]).to_numpy()
    assert np.allclose(adult_share, adult_share[0]) and 0.6 < adult_share[0] < 0.9
    years = [demo.year_index(y) for y in range(2016, 2021)]
    mean_16plus = demo.conversions[years].mean()
    target_16plus = CONVERSION_TARGET_2016_2020 * adult_share[0]
    assert 0.5 < mean_16plus / target_16plus < 2.0
    # MPS: about 150 m conversions of all ages in 2014-2023
    assert 120e6 < table.loc[2014:2023, "persons_all_ages"].sum() < 180e6


def test_conversion_rate_consistent_with_counts(demo: Demography) -> None:
    assert demo.conversions[0] == 0
    assert demo.conversion_rate[0] == demo.conversion_rate[1]
    assert ((demo.conversion_rate > 0) & (demo.conversion_rate < 0.05)).all()
    # the 2009 rate is taken on the end-2008 stock
    implied_stock = demo.conversions[1] / demo.conversion_rate[1]
    assert implied_stock == pytest.approx(demo.rural_stock_2008.sum(), rel=1e-4)


# --- calibration targets loader -------------------------------------------------------------


def test_shipped_targets_load_with_ranges_kept(targets: pd.DataFrame) -> None:
    assert list(targets.columns[:7]) == [
        "key", "year", "value", "value_text", "unit", "source", "confidence",
    ]  # fmt: skip
    assert len(targets) > 250
    assert _target(targets, "nbs.migrant_workers_total", 2008) == 22542
    ranged = targets[targets["value_text"] == "26-49"]
    assert len(ranged) == 1 and np.isnan(ranged["value"].iloc[0])
    assert targets["year"].dtype == "Int64"


def _write(tmp_path: Path, body: str, header: str = TARGET_HEADER) -> Path:
    path = tmp_path / "my_targets.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_targets_loader_rejects_non_numeric_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "a.ok,2010,12.5,%,src,confirmed\nb.bad,2011,about ten,%,src,confirmed\n"
    )
    with pytest.raises(DataError) as info:
        load_calibration_targets(path)
    message = str(info.value)
    assert "my_targets.csv" in message
    assert "line 3" in message and "column 'value'" in message
    assert "write a number" in message  # says how to fix it


def test_targets_loader_rejects_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,2010,1,%,src\n", header="key,year,value,unit,source\n")
    with pytest.raises(
        DataError, match=r"my_targets\.csv: line 1 .*missing column\(s\) confidence"
    ):
        load_calibration_targets(str(path))


def test_targets_loader_rejects_wrong_field_count_and_missing_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,2010,1,%,src,confirmed\nb,2011,2,%,a source, with a comma,ok\n")
    with pytest.raises(DataError, match=r"line 3: expected 6 fields .* found 7; quote"):
        load_calibration_targets(path)
    path = _write(tmp_path, ",2010,1,%,src,confirmed\n")
    with pytest.raises(DataError, match=r"line 2, column 'key': empty"):
        load_calibration_targets(path)
    path = _write(tmp_path, "a,20x0,1,%,src,confirmed\n")
    with pytest.raises(DataError, match=r"line 2, column 'year'"):
        load_calibration_targets(path)


def test_targets_loader_counts_lines_across_quoted_newlines(tmp_path: Path) -> None:
    body = 'a,2010,1,"%, of\nworkers",src,confirmed\nb,,26-49,%,src,approximate\nc,2012,x,%,s,c\n'
    with pytest.raises(DataError, match=r"line 5, column 'value'"):
        load_calibration_targets(_write(tmp_path, body))
    good = load_calibration_targets(_write(tmp_path, body.rsplit("c,2012", 1)[0]))
    assert good["unit"].iloc[0] == "%, of\nworkers"
    assert pd.isna(good["year"].iloc[1]) and np.isnan(good["value"].iloc[1])
    assert good["value_text"].iloc[1] == "26-49"


def test_targets_loader_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nothere\.csv: file not found"):
        load_calibration_targets(tmp_path / "nothere.csv")


# --- the files themselves -------------------------------------------------------------------


def test_files_small_and_documented() -> None:
    folder = resources.files("migrant_health.data")
    sources = yaml.safe_load(folder.joinpath("sources.yaml").read_text(encoding="utf-8"))
    csvs = sorted(p.name for p in folder.iterdir() if p.name.endswith(".csv"))
    assert sorted(sources["files"]) == csvs
    ids = {a["id"] for a in sources["assumptions"]}
    for name, entry in sources["files"].items():
        assert set(entry["assumptions"]) <= ids, name
        assert entry["description"] and entry["derivation"] and entry["sources"], name
        assert len(folder.joinpath(name).read_bytes()) < 1_000_000, name
    for assumption in sources["assumptions"]:
        assert assumption["assumption"] and assumption["reasoning"], assumption["id"]


@pytest.mark.skipif(not (SHARED / "demography.csv").is_file(), reason="shared data not present")
def test_build_script_reproduces_shipped_files(tmp_path: Path) -> None:
    script = REPO_ROOT / "tools" / "build_demography.py"
    subprocess.run(
        [sys.executable, str(script), "--shared", str(SHARED), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    folder = resources.files("migrant_health.data")
    for built in sorted(tmp_path.glob("*.csv")):
        shipped = pd.read_csv(io.StringIO(folder.joinpath(built.name).read_text(encoding="utf-8")))
        pd.testing.assert_frame_equal(pd.read_csv(built), shipped, check_exact=False, rtol=1e-6)
    rebuilt = yaml.safe_load((tmp_path / "sources.yaml").read_text(encoding="utf-8"))
    shipped_yaml = yaml.safe_load(folder.joinpath("sources.yaml").read_text(encoding="utf-8"))
    assert rebuilt["assumptions"] == shipped_yaml["assumptions"]
    assert rebuilt["files"] == shipped_yaml["files"]
