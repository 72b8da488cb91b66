"""The docs' list of targets not compared and the package's name the same keys.

docs/calibration.md section 1 ("Targets not compared") gives each key of the shipped targets
file that the model does not compare, with the reason; the fit report shows the package's
reasons (``targets.NOT_COMPARABLE``). Calibration step 53 moved two keys from one to the
other: a key compared in the package but still listed in the docs, or the other way round,
would go unnoticed without this check. It checks the keys only: the docs may word a reason
more fully than the report (tests/test_calibration.py checks that every shipped key is
compared or listed, and never both).
"""

from __future__ import annotations

import re
from pathlib import Path

from migrant_health.experiments.targets import NOT_COMPARABLE

DOC = Path(__file__).resolve().parents[1] / "docs" / "calibration.md"


def docs_keys() -> set[str]:
    """Keys named in the first cell of the rows of the docs' table of targets not compared."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("### Targets not compared") : text.index("## 2. Tolerances")]
    keys: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            first_cell = line.split(" | ")[0]
            keys.update(re.findall(r"`([^`]+)`", first_cell))
    return keys


def test_the_docs_list_the_keys_the_package_does_not_compare() -> None:
    assert docs_keys() == set(NOT_COMPARABLE)
