"""Figures of a page: drawn once with matplotlib, embedded as PNG, optionally saved as files.

A page embeds each figure as a base64 PNG inside an ``<img>`` (no second file, nothing loaded
from the network); ``migrant-health report --figures DIR`` also saves each as an SVG or PNG file
named after the figure, for a paper or a slide.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING

from migrant_health.atomic import atomic_path
from migrant_health.errors import RunConfigError
from migrant_health.setting_names import setting

if TYPE_CHECKING:  # pragma: no cover - types only
    from matplotlib.figure import Figure

#: Formats ``--figures`` writes.
FIGURE_FORMATS: tuple[str, ...] = ("svg", "png")
#: Pixels per inch of a PNG: twice a screen's, for sharp text at the size a figure is shown.
DPI = 200


def new_figure(width: float, height: float, *, dpi: int = DPI, fitted: bool = True) -> Figure:
    """A matplotlib figure of ``width`` x ``height`` inches.

    ``matplotlib.figure.Figure`` rather than ``pyplot``: no global state, no GUI backend, and
    nothing to close (it is freed with its last reference).

    Args:
        width: Width in inches.
        height: Height in inches.
        dpi: Pixels per inch of the PNG.
        fitted: Fit the margins to the labels (constrained layout); without it the caller sets
            the margins, which draws a figure in about two thirds of the time (a page of
            thirty charts notices).
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi, layout="constrained" if fitted else None)


def png_base64(figure: Figure) -> str:
    """The figure as a base64 PNG, as a page's ``<img src="data:image/png;base64,...">``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def check_figure_format(value: str) -> str:
    """Return ``value`` if it is one of :data:`FIGURE_FORMATS`.

    Raises:
        RunConfigError: naming the option and the choices.
    """
    if value not in FIGURE_FORMATS:
        raise RunConfigError(
            f"{setting('figure_format', value)} is not a figure format; choose one of "
            f"{', '.join(FIGURE_FORMATS)}"
        )
    return value


def save_figure(figure: Figure, folder: Path, name: str, file_format: str) -> Path:
    """Save the figure as ``folder/name.<format>``, atomically; return the path."""
    target = Path(folder) / f"{name}.{check_figure_format(file_format)}"
    with atomic_path(target) as tmp:
        figure.savefig(tmp, format=file_format)
    return target
