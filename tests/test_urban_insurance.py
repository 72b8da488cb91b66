"""Urban-hukou people's health insurance follows their work (seed 4.2, docs/model.md 7.3).

Employers enrol urban-hukou employees in the employee scheme and the scheme ends with the job;
past the statutory retirement age people keep the scheme they retired with. Placed once, at
entry, the urban locals who entered at 16 (students, without a formal job) stayed on the
resident scheme for life, and the employee scheme held 65 % of urban locals under 40 in 2008
and none in 2035 while 58 % of them held formal jobs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate

YEARS = (2029, 2030, 2035)


@pytest.fixture(scope="module")
def locals_() -> pd.DataFrame:
    run = simulate(
        RunConfig(end=2035, scale=20_000, seed=4, snapshot_years=YEARS, snapshot_fraction=1.0)
    )
    people = run.snapshots
    return people[people["status"] == "urban_local"]


def test_a_formal_job_brings_the_employee_scheme_the_next_year(locals_: pd.DataFrame) -> None:
    """The care step reads last year's job: working-age locals formal in 2029 are on the
    employee scheme in 2030, those without a formal job on the resident scheme."""
    before = locals_[(locals_["year"] == 2029) & (locals_["age"] < 50)].set_index("pid")
    after = locals_[locals_["year"] == 2030].set_index("pid")
    joined = before[["job"]].join(after[["insurance"]], how="inner")
    formal = joined["job"].astype(str) == "formal"
    assert formal.sum() > 500 and (~formal).sum() > 200
    insurance = joined["insurance"].astype(str)
    assert (insurance[formal] == "urban_employee_dest").all()
    assert (insurance[~formal] == "urban_resident_dest").all()


def test_young_urban_locals_keep_the_employee_scheme_of_their_jobs(
    locals_: pd.DataFrame,
) -> None:
    """In 2035 the employee scheme covers young urban locals about as often as formal jobs do
    (52 % and 58 %, seed 1, scale 20,000); before, it covered none of them."""
    young = locals_[(locals_["year"] == 2035) & (locals_["age"] < 40)]
    employee = np.average(
        young["insurance"].astype(str) == "urban_employee_dest", weights=young["weight"]
    )
    formal = np.average(young["job"].astype(str) == "formal", weights=young["weight"])
    assert employee > 0.75 * formal
