"""Charts as inline SVG: the report must open offline, so nothing is fetched, fonts included.

matplotlib writes text as paths (``svg.fonttype = "path"``), so the SVG needs no font; a heat
map's raster is embedded in the SVG as a data URI. Each function takes a tidy frame and returns
the ``<svg>`` element as a string.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: no display in Dagster runs or tests
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

plt.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "lending-report",
                     "font.size": 8, "axes.titlesize": 9})


def to_svg(fig) -> str:
    """The figure as an ``<svg>`` element (without the XML prolog), then closed."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def lines(wide: pd.DataFrame, title: str, ylabel: str, percent: bool = True) -> str:
    """One line per column of ``wide`` (index = x axis)."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(wide.index, wide.to_numpy(dtype=float), marker="o", markersize=2.5)
    ax.set(title=title, ylabel=ylabel)
    if percent:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if wide.shape[1] > 1:
        ax.legend([str(c) for c in wide.columns], fontsize=6, ncol=min(4, wide.shape[1]),
                  loc="best")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return to_svg(fig)


def grouped_bars(wide: pd.DataFrame, title: str, ylabel: str, log: bool = False) -> str:
    """Bars grouped by the index of ``wide``, one bar per column."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    n = wide.shape[1]
    x = np.arange(len(wide.index))
    width = 0.8 / max(n, 1)
    values = wide.to_numpy(dtype=float)
    for j in range(n):  # one call per series (a handful), not per row
        ax.bar(x + (j - (n - 1) / 2) * width, values[:, j], width, label=str(wide.columns[j]))
    ax.set_xticks(x, [str(i) for i in wide.index], rotation=30, ha="right")
    ax.set(title=title, ylabel=ylabel)
    if log:
        ax.set_yscale("symlog", linthresh=1)
    ax.legend(fontsize=6, ncol=min(4, n))
    ax.grid(alpha=0.3, axis="y")
    return to_svg(fig)


def heatmap(wide: pd.DataFrame, title: str, xlabel: str, ylabel: str) -> str:
    """``wide`` (rows x columns of rates 0..1) as a heat map with the value in each cell."""
    values = wide.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.3 * len(wide.index) + 1.2)))
    image = ax.imshow(values, cmap="YlOrRd", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), [str(c) for c in wide.columns])
    ax.set_yticks(range(wide.shape[0]), [str(i) for i in wide.index])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if values.size <= 400:  # cell labels only where they stay legible
        rows, cols = np.nonzero(~np.isnan(values))
        for r, c in zip(rows, cols, strict=True):
            ax.text(c, r, f"{values[r, c]:.0%}", ha="center", va="center", fontsize=5)
    fig.colorbar(image, ax=ax, fraction=0.03)
    return to_svg(fig)


def calibration(table: pd.DataFrame, title: str) -> str:
    """Mean predicted vs observed rate per decile (ml.metrics.calibration_by_decile)."""
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    ax.plot(table["predicted"], table["observed"], "o-")
    top = float(max(table["predicted"].max(), table["observed"].max(), 0.01))
    ax.plot([0, top], [0, top], "--", color="grey")
    ax.set(xlabel="mean predicted", ylabel="observed rate", title=title)
    return to_svg(fig)
