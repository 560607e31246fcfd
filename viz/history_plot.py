"""`plot_history`: loss and accuracy per epoch, training beside validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .figure_style import (
    LABEL_SIZE,
    LEGEND_SIZE,
    TITLE_SIZE,
    TRAIN_COLOR,
    VAL_COLOR,
    new_figure,
    style_axes,
)

__all__ = ["plot_history"]

_REQUIRED_HISTORY_KEYS = ("epoch", "train_loss", "train_acc")


def _check_history(history: Mapping[str, Sequence[Any]]) -> int:
    """Check the keys and lengths of a history dict; return the number of epochs."""
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history must be a dict of lists such as {{'epoch': [...], 'train_loss': [...]}}, "
            f"got {type(history).__name__}."
        )
    missing = [key for key in _REQUIRED_HISTORY_KEYS if key not in history]
    if missing:
        raise KeyError(
            f"history is missing the key(s) {missing}; it has {sorted(history)}. "
            f"plot_history needs {list(_REQUIRED_HISTORY_KEYS)} (and optionally "
            "'val_loss', 'val_acc')."
        )
    n = len(history["epoch"])
    if n == 0:
        raise ValueError("history['epoch'] is empty: there is nothing to plot yet.")
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        if key in history and len(history[key]) != n:
            raise ValueError(
                f"history[{key!r}] has {len(history[key])} entries but history['epoch'] has "
                f"{n}: every list must have one entry per epoch."
            )
    for key in ("train_acc", "val_acc"):
        values = _as_float_array(history.get(key, []))
        if np.nanmax(values, initial=0.0) > 1.0:
            raise ValueError(
                f"history[{key!r}] holds values up to {np.nanmax(values):g}, but accuracies are "
                "fractions in [0, 1]: divide percentages by 100."
            )
    return n


def _as_float_array(values: Sequence[Any]) -> np.ndarray:
    """Numbers as float64, with None (no measurement that epoch) as NaN."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _plot_curve(ax: Axes, epochs: np.ndarray, values: np.ndarray, **style: Any) -> None:
    """One curve; epochs without a value (NaN) are skipped rather than breaking the line."""
    known = ~np.isnan(values)
    # Markers make a single epoch visible; bigger when there are few points.
    ax.plot(epochs[known], values[known], marker="o", markersize=4 if known.sum() > 3 else 7,
            **style)  # fmt: skip


def plot_history(
    history: Mapping[str, Sequence[Any]],
    title: str | None = None,
    chance: float | None = None,
    mark_best: bool = True,
    figsize: tuple[float, float] = (12.0, 4.5),
    val_label: str = "validation",
) -> Figure:
    """Loss and accuracy per epoch, training and validation, side by side (loss | accuracy).

    The gap between the training and the validation curves is overfitting: training loss
    keeps falling while validation loss turns back up. The dotted vertical line marks the
    epoch with the lowest validation loss, where early stopping would keep the model.

    Args:
        history: a dict of equal-length lists, ``{"epoch": [...], "train_loss": [...],
            "train_acc": [...], "val_loss": [...], "val_acc": [...]}``. Accuracies are
            fractions in [0, 1] (shown as percentages). ``val_*`` may be absent or hold None
            for epochs without validation; then only what exists is drawn.
        title: a title above both panels.
        chance: accuracy of guessing, e.g. ``0.1`` for 10 classes, drawn as a dashed line.
        mark_best: mark the epoch of lowest validation loss (when there is a validation set).
        figsize: (width, height) in inches.
        val_label: what the ``val_*`` curves are called, e.g. "test" when the held-out
            data is the test set.

    Returns:
        A Figure with two axes: ``fig.axes[0]`` the loss, ``fig.axes[1]`` the accuracy. In
        each, ``lines[0]`` is training, ``lines[1]`` validation (when present), then the
        optional best-epoch and chance lines.

    Raises:
        KeyError: a required key ('epoch', 'train_loss', 'train_acc') is missing.
        ValueError: lists of different lengths, or accuracies given in percent.
    """
    _check_history(history)
    epochs = _as_float_array(history["epoch"])
    fig = new_figure(figsize)
    ax_loss, ax_acc = fig.subplots(1, 2)

    for ax, key, name in ((ax_loss, "loss", "loss"), (ax_acc, "acc", "accuracy")):
        train = _as_float_array(history[f"train_{key}"])
        _plot_curve(ax, epochs, train, color=TRAIN_COLOR, label=f"training {name}")
        val = _as_float_array(history.get(f"val_{key}", []))
        if val.size and not np.all(np.isnan(val)):
            _plot_curve(ax, epochs, val, color=VAL_COLOR, label=f"{val_label} {name}")
        ax.set_xlabel("epoch", fontsize=LABEL_SIZE)
        ax.set_ylabel(name, fontsize=LABEL_SIZE)
        ax.set_title(name.capitalize(), fontsize=TITLE_SIZE)
        # Epochs are whole numbers: no tick at epoch 2.5.
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        style_axes(ax)

    val_loss = _as_float_array(history.get("val_loss", []))
    if mark_best and val_loss.size and not np.all(np.isnan(val_loss)):
        best_epoch = epochs[int(np.nanargmin(val_loss))]
        for ax in (ax_loss, ax_acc):
            ax.axvline(
                best_epoch, color="0.35", linestyle=":", linewidth=1.5,
                label=f"lowest {val_label} loss (epoch {best_epoch:g})",
            )  # fmt: skip

    if chance is not None:
        ax_acc.axhline(
            chance, color="0.5", linestyle="--", linewidth=1.5, label=f"chance ({100 * chance:g}%)"
        )
    ax_acc.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax_acc.set_ylabel("accuracy (%)", fontsize=LABEL_SIZE)

    if len(epochs) == 1:  # a single point: an integer tick at it, not 0.995, 1.000, 1.005
        for ax in (ax_loss, ax_acc):
            ax.set_xlim(epochs[0] - 1, epochs[0] + 1)
            ax.set_xticks([epochs[0]])
    # One legend for both panels, under them, so that it never hides a curve: the colours
    # mean the same in both (blue training, orange validation).
    handles, labels = ax_acc.get_legend_handles_labels()
    fig.legend(
        handles, [label.replace(" accuracy", "") for label in labels], loc="outside lower center",
        ncols=len(handles), fontsize=LEGEND_SIZE, frameon=False,
    )  # fmt: skip
    if title:
        fig.suptitle(title, fontsize=TITLE_SIZE + 1)
    return fig
