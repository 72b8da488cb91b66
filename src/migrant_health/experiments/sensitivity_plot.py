"""The figure of a sensitivity study: one panel per output.

Morris: each parameter at (``mu_star``, ``sigma``). Far right means a large effect; high up
means the effect depends on the other parameters or is not linear; near the origin, the
parameter can be fixed at its value. Sobol: ``S1`` and ``ST`` bars per parameter, with their
95 % intervals; a gap between them is the share of variance the parameter takes part in
through interactions.

Drawn on a :class:`matplotlib.figure.Figure` (no pyplot state, no display needed).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from migrant_health.atomic import atomic_path

PANEL_INCHES = (5.0, 3.6)
COLUMNS = 2
#: Morris points with mu* below this share of the largest are listed, not labelled.
SMALL = 0.05


def plot_indices(indices: pd.DataFrame, method: str, path: str | Path) -> Path:
    """Draw the indices of every output and write the figure (PNG or SVG by suffix).

    Args:
        indices: The tidy indices table (``output, parameter, index, value, conf``).
        method: ``morris`` or ``sobol``.
        path: File to write (atomically).

    Returns:
        The path written.
    """
    outputs = list(dict.fromkeys(indices["output"]))
    columns = min(COLUMNS, len(outputs))
    rows = -(-len(outputs) // columns)
    figure = Figure(figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows), dpi=100)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, output in zip(axes, outputs, strict=False):
        table = indices[indices["output"] == output].pivot(
            index="parameter", columns="index", values=["value", "conf"]
        )
        table = table.reindex(list(dict.fromkeys(indices["parameter"])))
        if method == "morris":
            _morris_panel(ax, table)
        else:
            _sobol_panel(ax, table)
        ax.set_title(output, fontsize=9)
    for ax in axes[len(outputs) :]:
        ax.set_visible(False)
    figure.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        figure.savefig(tmp)
    return path


def _morris_panel(ax: Axes, table: pd.DataFrame) -> None:
    mu = table[("value", "mu_star")].to_numpy(dtype=float)
    sigma = table[("value", "sigma")].to_numpy(dtype=float)
    conf = table[("conf", "mu_star")].to_numpy(dtype=float)
    ax.errorbar(mu, sigma, xerr=conf, fmt="o", capsize=3)
    # Names of points crowded at the origin would print over each other: they are listed once.
    top = float(np.nanmax(mu)) if np.isfinite(mu).any() else 0.0
    small = []
    for name, x, y in zip(table.index, mu, sigma, strict=True):
        if top > 0 and x >= SMALL * top:
            ax.annotate(name, (x, y), fontsize=7, xytext=(4, 4), textcoords="offset points")
        else:
            small.append(str(name))
    highest = float(np.nanmax(sigma)) if np.isfinite(sigma).any() else 0.0
    # Headroom above the highest point for the list, so that it covers no point.
    ax.set_ylim(0, (highest if highest > 0 else 1.0) * (1.2 + 0.1 * len(small)))
    if small:
        ax.text(
            0.02,
            0.98,
            textwrap.fill("near 0: " + ", ".join(small), 70),
            transform=ax.transAxes,
            fontsize=6,
            ha="left",
            va="top",
        )
    ax.set_xlabel("mu* (mean |elementary effect|)")
    ax.set_ylabel("sigma")
    # Room on the right for the names of the most influential parameters.
    right = float(np.nanmax(mu + np.nan_to_num(conf))) if np.isfinite(mu).any() else 0.0
    ax.set_xlim(0, 1.35 * right if right > 0 else 1.0)


def _sobol_panel(ax: Axes, table: pd.DataFrame) -> None:
    positions = np.arange(len(table))
    height = 0.38
    for offset, index in ((-height / 2, "S1"), (height / 2, "ST")):
        ax.barh(
            positions + offset,
            table[("value", index)].to_numpy(dtype=float),
            height,
            xerr=table[("conf", index)].to_numpy(dtype=float),
            capsize=2,
            label=index,
        )
    ax.set_yticks(positions, list(table.index), fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("share of variance")
    ax.legend(fontsize=7)
