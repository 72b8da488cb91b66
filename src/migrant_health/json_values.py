"""Values made ready for strict JSON (no NaN), shared by the command line and the estimators.

Kept apart from the survey estimators so that the command line can use it without loading
SciPy and statsmodels.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or ``None`` if it is missing, NaN or infinite (JSON has no NaN)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(value) else value


def json_ready(value: Any) -> Any:
    """A result with NumPy scalars made Python ones and every NaN or infinity made ``None``.

    Strict JSON has no NaN; ``json.dumps`` would write the bare word ``NaN``, which most
    readers (JavaScript, jq, R's jsonlite in strict mode) refuse.
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return finite_or_none(value)
    if value is None or isinstance(value, str):
        return value
    return str(value)
