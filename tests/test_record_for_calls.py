"""A parameter record in the cheap form for calling compiled rules from Python in a loop."""

from __future__ import annotations

import numpy as np

from migrant_health.engine.binding import KernelRecord, record_for_calls
from migrant_health.experiments.frozen_cells import base_year_parameters
from migrant_health.modules.labor import local_nonfarm_exit, nonfarm_retirement_age


def test_a_rule_gives_the_same_numbers_with_either_form_of_the_record() -> None:
    """The same numbers from the same compiled code: the cheap form is the record's Numba type,
    so calling with it adds no compilation of its own."""
    p = base_year_parameters()
    rules = record_for_calls(p)
    assert isinstance(rules, KernelRecord)
    seed = np.uint64(3)
    expected = local_nonfarm_exit(p, 0.7)
    compiled = set(local_nonfarm_exit.signatures)
    assert local_nonfarm_exit(rules, 0.7) == expected
    assert set(local_nonfarm_exit.signatures) == compiled
    for pid in range(50):
        assert nonfarm_retirement_age(rules, seed, pid, 1) == nonfarm_retirement_age(
            p, seed, pid, 1
        )


def test_the_cheap_form_is_a_copy_taken_when_it_is_made() -> None:
    """An edit of the record after the cheap form was made does not reach it; one made before
    does, so a test edits its copy of the record first."""
    p = base_year_parameters().copy()
    before = record_for_calls(p)
    p["labor__origin__nonfarm_exit_health"] += 1.0
    after = record_for_calls(p)
    assert local_nonfarm_exit(before, 0.5) != local_nonfarm_exit(after, 0.5)
    assert local_nonfarm_exit(after, 0.5) == local_nonfarm_exit(p, 0.5)
