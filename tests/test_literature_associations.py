"""Published associations, estimated again on the simulated people (issue 9, item 8).

No target fits these: they are regressions on survey microdata, and the model's cross-section
either gives them back or does not. The rule (``experiments/associations.py``, fixed before
anything was estimated): an association is consistent when it has the reference's sign and lies
within a factor of two of it. Seeds 1 and 2 pooled (no target holds these figures), snapshots
of 2008, 2012, 2015 and 2017 (``tools/literature_associations.py`` prints the same table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health.errors import DataError
from migrant_health.experiments.associations import (
    Association,
    estimate_associations,
    pooled_snapshots,
    reference,
)


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return pooled_snapshots([1, 2], end=2017, scale=20_000.0)


@pytest.fixture(scope="module")
def found(people: pd.DataFrame) -> dict[str, Association]:
    return {a.key: a for a in estimate_associations(people)}


def test_each_association_rests_on_thousands_of_person_years(
    found: dict[str, Association],
) -> None:
    assert len(found) == 5
    for a in found.values():
        assert a.n > 5_000, a.key
        assert np.isfinite([a.estimate, a.ci_low, a.ci_high]).all(), a.key


def test_social_support_goes_with_fewer_depressive_symptoms(
    found: dict[str, Association],
) -> None:
    """Seed 3.1: out-migrants with the most support screen positive far less often."""
    a = found["support_depression"]
    assert a.ci_high < 0.6


def test_good_health_goes_with_higher_income(found: dict[str, Association]) -> None:
    """The loop health -> employment -> income: both kinds of good health pay, significantly."""
    assert found["income_good_mental"].ci_low > 0
    assert found["income_good_physical"].ci_low > 0


def _not_reproduced(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"{reason} (docs/calibration.md section 10)")


@pytest.mark.parametrize(
    "key",
    [
        # Good mental health pays about what CGSS finds.
        "income_good_mental",
        # An input checked: the cross-section gives Li et al.'s figure back within the rule.
        "uebmi_settlement",
        pytest.param(
            "support_depression",
            marks=_not_reproduced(
                "the model's association is a third as strong: odds ratio 0.35 (0.33-0.37) "
                "against 0.102 (seeds 1 and 2); in the model support acts on mental health and "
                "nothing acts back, where a cross-section of survey answers may also hold the "
                "reverse path (people with symptoms report, or keep, less support)"
            ),
        ),
        pytest.param(
            "income_good_physical",
            marks=_not_reproduced(
                "good self-rated health goes with +17.6 % (16.0-19.3) annual income against "
                "CGSS's +7.1 % (not significant with matching): in the model physical health "
                "reaches employment and earnings both (labour module), more strongly than the "
                "CGSS cross-section shows"
            ),
        ),
        pytest.param(
            "cross_province_earnings",
            marks=_not_reproduced(
                "no cross-province premium (+0.8 %, -0.9 to +2.4) against +26-49 %: the model "
                "draws the destination's tier and whether it lies in another province "
                "independently, so crossing a border does not lead to the bigger coastal "
                "cities' wages"
            ),
        ),
    ],
)
def test_the_association_is_as_strong_as_the_study_found(
    found: dict[str, Association], key: str
) -> None:
    """Same sign as the published figure and within a factor of two of it."""
    assert found[key].consistent


def test_the_published_figures_come_from_the_targets_file() -> None:
    """A point is read as one value and a range (``26-49``) as its two ends."""
    assert reference("support_depression")[:2] == (0.102, 0.102)
    assert reference("cross_province_earnings")[:2] == (26.0, 49.0)


def test_snapshots_without_a_needed_column_are_refused(people: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="social_support"):
        estimate_associations(people.drop(columns=["social_support"]).head(100))
