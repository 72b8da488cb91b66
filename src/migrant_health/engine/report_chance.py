"""The chance of a report, given the latent states it is a noisy reading of.

Self-rated health (:func:`derived.srh_level`) and the depression screen
(:func:`derived.is_depressed`) read a person's latent health and mental health through a normal
report noise drawn afresh every year. A share of poor reports in a group therefore carries a
sampling noise of its own even when nobody's health changes: a cell of 300 people a quarter of
whom report poor health moves by about 0.6 points a year, fitted over six years, from the reports
alone. Integrating the noise out gives each person's chance of the report, whose group mean has
the same expectation and none of that noise: what a check of the model's dynamics (not of its
reports) should read.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr


def poor_health_chance(
    p: np.void, health: np.ndarray, mental: np.ndarray, chronic: np.ndarray
) -> np.ndarray:
    """Chance of reporting poor or very poor self-rated health (1-2 of 5), person by person.

    Args:
        p: One year's parameter record (``RunContext.params[k]``).
        health: Physical health capital (0-1).
        mental: Mental health (0-1).
        chronic: 1 for a diagnosed chronic illness.

    Returns:
        The chance that :func:`derived.srh_level` returns 1 or 2: the latent report falls below
        the second cut point.
    """
    latent = (
        p["health__srh__weight_physical"] * np.asarray(health, dtype=float)
        + p["health__srh__weight_mental"] * np.asarray(mental, dtype=float)
        - p["health__srh__chronic_penalty"] * np.asarray(chronic, dtype=float)
    )
    return ndtr((p["health__srh__cut_points"][1] - latent) / p["health__srh__noise_sd"])


def depressed_chance(p: np.void, mental: np.ndarray) -> np.ndarray:
    """Chance of screening positive for depressive symptoms, person by person.

    Args:
        p: One year's parameter record (``RunContext.params[k]``).
        mental: Mental health (0-1).

    Returns:
        The chance that :func:`derived.is_depressed` is true.
    """
    gap = p["health__depression__threshold"] - np.asarray(mental, dtype=float)
    return ndtr(gap / p["health__depression__screen_noise_sd"])
