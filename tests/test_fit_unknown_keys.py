"""A targets file with a key the package does not know says so before the run, on stderr.

Only the fit report listed such a key ("no mapping to a model quantity"), so a misspelt key
looked, on screen, like a target left out on purpose (a review of 2026-12-05).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrant_health.cli.calibrate import _warn_of_unknown_keys
from migrant_health.experiments.matching import load_targets, match_targets


def _targets_with_a_typo(tmp_path: Path) -> Path:
    frame = load_targets()
    frame = frame.drop(columns=["line"])
    first = frame.index[frame["key"] == "nbs.migrant_workers_total"][0]
    frame.loc[first, "key"] = "nbs.migrant_workers_totl"
    frame.loc[frame.index[-1], "key"] = "my.own_survey_figure"
    path = tmp_path / "targets.csv"
    frame.to_csv(path, index=False)
    return path


def test_an_unknown_key_is_named_with_the_key_it_was_likely_meant_to_be(tmp_path: Path) -> None:
    matched = match_targets(load_targets(_targets_with_a_typo(tmp_path)))
    assert matched.unknown_keys() == [
        ("nbs.migrant_workers_totl", "nbs.migrant_workers_total"),
        ("my.own_survey_figure", None),
    ]
    # The shipped file has none: its keys are compared or listed as not comparable.
    assert match_targets(load_targets()).unknown_keys() == []


def test_the_fit_command_warns_of_them_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _warn_of_unknown_keys(match_targets(load_targets(_targets_with_a_typo(tmp_path))))
    err = " ".join(capsys.readouterr().err.split())
    assert "2 key(s) the package does not know, not compared" in err
    assert "'nbs.migrant_workers_totl' (did you mean 'nbs.migrant_workers_total'?)" in err
    assert "'my.own_survey_figure'" in err
