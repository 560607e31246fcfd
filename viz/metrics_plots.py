"""How good a classifier is, class by class: accuracy per class and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .figure_style import (
    CLASS_COLORS,
    LABEL_SIZE,
    LEGEND_SIZE,
    TICK_SIZE,
    TITLE_SIZE,
    class_name,
    new_figure,
    style_axes,
)
from .model_outputs import classes_from_outputs

__all__ = ["confusion_matrix", "plot_confusion_matrix", "plot_per_class_accuracy"]


def _labels_and_predictions(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """True classes and predicted classes as int arrays; scores (N, K) become their argmax."""
    y_true = np.asarray(y_true).astype(np.int64).reshape(-1)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = classes_from_outputs(y_pred)
    y_pred = y_pred.astype(np.int64).reshape(-1)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)} predictions."
        )
    if len(y_true) == 0:
        raise ValueError("y_true is empty: there is nothing to count.")
    return y_true, y_pred


def _num_classes(y_true: np.ndarray, y_pred: np.ndarray, class_names: Any) -> int:
    needed = int(max(y_true.max(), y_pred.max())) + 1
    if class_names is None:
        return needed
    if len(class_names) < needed:
        raise ValueError(
            f"class {needed - 1} occurs but only {len(class_names)} class_names were given."
        )
    return len(class_names)


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` = number of samples of true class i predicted as class j.

    The diagonal holds the correct predictions; row i sums to the number of class-i samples.
    ``y_pred`` may be classes (N,) or scores (N, K) (argmax, or > 0 for one output).
    """
    y_true, y_pred = _labels_and_predictions(y_true, y_pred)
    k = num_classes or int(max(y_true.max(), y_pred.max())) + 1
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_per_class_accuracy(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    chance: float | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (10.0, 4.5),
) -> Figure:
    """A bar per class: the fraction of that class's samples predicted correctly.

    Args:
        y_true: true classes (N,).
        y_pred: predicted classes (N,) or scores (N, K).
        class_names: names for the bars (default the class numbers).
        chance: draw the accuracy of guessing (e.g. 0.1) as a dashed line.
        title: the axes title (default "Accuracy per class").
        figsize: (width, height) in inches.

    Returns:
        A Figure whose bars (``fig.axes[0].patches``) have heights = per-class accuracy,
        in [0, 1]; the overall accuracy is the dotted line. Classes without samples get an
        empty bar marked "no samples".
    """
    y_true, y_pred = _labels_and_predictions(y_true, y_pred)
    k = _num_classes(y_true, y_pred, class_names)
    counts = confusion_matrix(y_true, y_pred, k)
    per_class_total = counts.sum(axis=1)
    accuracy = np.divide(
        np.diag(counts), per_class_total, out=np.zeros(k), where=per_class_total > 0
    )
    names = [class_name(i, class_names) for i in range(k)]

    fig = new_figure(figsize)
    ax = fig.add_subplot()
    bars = ax.bar(names, accuracy, color=[CLASS_COLORS[i % 10] for i in range(k)],
                  edgecolor="black", linewidth=0.6)  # fmt: skip
    labels = [f"{100 * a:.0f}%" if t else "no samples" for a, t in zip(accuracy, per_class_total)]
    texts = ax.bar_label(bars, labels=labels, fontsize=TICK_SIZE, padding=2)
    for text in texts:  # keep the numbers readable where the "overall" line crosses them
        text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85})
    overall = float(np.mean(y_true == y_pred))
    ax.axhline(overall, color="black", linestyle=":", linewidth=1.5,
               label=f"overall {100 * overall:.1f}%")  # fmt: skip
    if chance is not None:
        ax.axhline(
            chance, color="0.5", linestyle="--", linewidth=1.5, label=f"chance ({100 * chance:g}%)"
        )
    ax.set_ylim(0, 1.1)  # room for the labels on top of a 100% bar
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel("accuracy (%)", fontsize=LABEL_SIZE)
    ax.set_title(title or "Accuracy per class", fontsize=TITLE_SIZE)
    ax.legend(fontsize=LEGEND_SIZE, loc="upper right")
    if k > 6:  # long names such as "automobile" would overlap: slant them, ending at the tick
        ax.set_xticks(range(k), names, rotation=30, ha="right", rotation_mode="anchor")
    style_axes(ax)
    ax.grid(False, axis="x")
    return fig


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    normalize: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (7.5, 6.5),
) -> Figure:
    """The confusion matrix as a heat map: rows are true classes, columns predictions.

    Args:
        y_true: true classes (N,).
        y_pred: predicted classes (N,) or scores (N, K).
        class_names: names for rows and columns.
        normalize: show each row as fractions of that class (so rows of rare classes are
            comparable); False shows counts.
        title: the axes title (default "Confusion matrix").
        figsize: (width, height) in inches.

    Returns:
        A Figure; ``fig.axes[0].images[0].get_array()`` is the matrix shown.
    """
    y_true, y_pred = _labels_and_predictions(y_true, y_pred)
    k = _num_classes(y_true, y_pred, class_names)
    counts = confusion_matrix(y_true, y_pred, k)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        shown = np.divide(counts, totals, out=np.zeros((k, k)), where=totals > 0)
    else:
        shown = counts.astype(float)
    names = [class_name(i, class_names) for i in range(k)]

    fig = new_figure(figsize)
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=1.0 if normalize else None)
    fig.colorbar(image, ax=ax, format=PercentFormatter(xmax=1.0) if normalize else None)
    if k <= 12:  # numbers in the cells stay readable up to about a dozen classes
        threshold = shown.max() / 2
        for i in range(k):
            for j in range(k):
                text = f"{100 * shown[i, j]:.0f}" if normalize else f"{counts[i, j]}"
                ax.text(j, i, text, ha="center", va="center", fontsize=TICK_SIZE,
                        color="white" if shown[i, j] > threshold else "black")  # fmt: skip
    if k > 4:  # slanted names, each ending at its column
        ax.set_xticks(range(k), names, rotation=45, ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class", fontsize=LABEL_SIZE)
    ax.set_ylabel("true class", fontsize=LABEL_SIZE)
    suffix = " (% of each true class)" if normalize else " (counts)"
    ax.set_title((title or "Confusion matrix") + suffix, fontsize=TITLE_SIZE)
    style_axes(ax, grid=False)
    return fig
