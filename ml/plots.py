"""Training plots (ROC, calibration, score distribution) as matplotlib figures and PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: no display in Dagster runs or tests
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402


def roc(y: np.ndarray, p: np.ndarray, title: str):
    fig, ax = plt.subplots(figsize=(4, 4))
    fpr, tpr, _ = roc_curve(y, p)
    ax.plot(fpr, tpr, label="OOT")
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    fig.tight_layout()
    return fig


def calibration(table, title: str):
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot(table["predicted"], table["observed"], "o-")
    top = float(max(table["predicted"].max(), table["observed"].max(), 0.01))
    ax.plot([0, top], [0, top], "--", color="grey")
    ax.set(xlabel="mean predicted", ylabel="observed rate", title=title)
    fig.tight_layout()
    return fig


def distribution(train: np.ndarray, oot: np.ndarray, title: str, xlabel: str):
    fig, ax = plt.subplots(figsize=(5, 3.5))
    bins = np.histogram_bin_edges(np.r_[train, oot], bins=30)
    ax.hist(train, bins=bins, alpha=0.5, density=True, label="train")
    ax.hist(oot, bins=bins, alpha=0.5, density=True, label="OOT")
    ax.set(xlabel=xlabel, ylabel="density", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return buf.getvalue()
