"""`plot_decision_boundary`: the regions where a model predicts each class, on 2-D data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from .figure_style import CLASS_COLORS, LABEL_SIZE, LEGEND_SIZE, TITLE_SIZE, new_figure, style_axes
from .model_outputs import classes_from_outputs, model_outputs

__all__ = ["decision_grid", "plot_decision_boundary"]

# Per-point model calls are slow in pure Python: 100 x 100 = 10,000 forward passes.
FALLBACK_RESOLUTION = 100


def _check_points(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(
            f"X must be 2-D data of shape (N, 2), got shape {X.shape}. Decision boundaries "
            "can only be drawn in the plane: use two input features."
        )
    return X


def _grid(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """A resolution x resolution grid covering the points with a 10% margin on each side."""
    low, high = X.min(axis=0), X.max(axis=0)
    margin = np.where(high > low, 0.1 * (high - low), 0.5)  # a single point still gets a box
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    return np.meshgrid(xs, ys)


def _grid_outputs(
    model: Any, X: np.ndarray, resolution: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if resolution is None:
        resolution = 200 if hasattr(model, "predict") else FALLBACK_RESOLUTION
    if int(resolution) < 2:
        raise ValueError(f"resolution must be at least 2 grid points per axis, got {resolution}.")
    xx, yy = _grid(X, int(resolution))
    outputs = model_outputs(model, np.column_stack([xx.ravel(), yy.ravel()]))
    return xx, yy, outputs.reshape(xx.shape + (outputs.shape[1],))


def decision_grid(
    model: Any, X: Any, resolution: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The class the model predicts at every point of a grid covering the data.

    Args:
        model: duck-typed, see :func:`model_outputs` (``predict`` or per-sample call).
        X: the data points, shape (N, 2); the grid covers them with a 10% margin.
        resolution: grid points per axis; default 200 with ``predict``, else 100 (each
            point is a pure-Python forward pass).

    Returns:
        ``(xx, yy, classes)``, three arrays of shape (resolution, resolution): the grid's
        coordinates (``np.meshgrid``: ``xx[i, j]`` varies with j) and the predicted class
        there (int64).
    """
    xx, yy, outputs = _grid_outputs(model, _check_points(X), resolution)
    classes = classes_from_outputs(outputs.reshape(-1, outputs.shape[-1]))
    return xx, yy, classes.reshape(xx.shape)


def _class_margins(outputs: np.ndarray) -> np.ndarray:
    """How far each grid point is inside each class's region: > 0 exactly where it wins.

    One output o: class 1 wins where o > 0, so the margins are (-o, o). Several outputs:
    the margin of class k is ``o_k - max_{j != k} o_j``, positive where k is the argmax.
    """
    if outputs.shape[-1] == 1:
        return np.concatenate([-outputs, outputs], axis=-1)
    margins = np.empty_like(outputs)
    for k in range(outputs.shape[-1]):
        others = np.delete(outputs, k, axis=-1)
        margins[..., k] = outputs[..., k] - others.max(axis=-1)
    return margins


def _boundary_figsize(xx: np.ndarray, yy: np.ndarray) -> tuple[float, float]:
    """A figure shaped like the data (equal aspect), within readable bounds."""
    ratio = (yy.max() - yy.min()) / (xx.max() - xx.min())
    width = 7.0
    # The axes are about 0.9 in narrower than the figure (y label) and 1.1 in shorter (title,
    # x label).
    return width, float(np.clip((width - 0.9) * ratio + 1.1, 3.5, 9.0))


def _lighten(color: str, amount: float = 0.65) -> tuple[float, float, float]:
    """Mix a colour with white so that regions stay in the background of the points."""
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _accuracy_text(accuracy: float, split: str | None, n: int) -> str:
    """ "test accuracy 92.5%", or "accuracy 92.5% on the 200 points shown" without a split."""
    if split is None:
        return f"accuracy {100 * accuracy:.1f}% on the {n} points shown"
    if not isinstance(split, str) or not split.strip():
        raise ValueError(
            f"split names the data the accuracy is on, e.g. 'training' or 'test'; got {split!r}."
        )
    return f"{split.strip()} accuracy {100 * accuracy:.1f}%"


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    resolution: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    figsize: tuple[float, float] | None = None,
    split: str | None = None,
) -> Figure:
    """The regions where a model predicts each class, with the data points on top.

    The plane around the data is cut into a grid; the model classifies every grid point
    (:func:`decision_grid`) and each class's region is filled with a light version of the
    class colour. For a model with one output the decision boundary is where the output
    crosses 0, drawn as a black line.

    Args:
        model: duck-typed: ``model.predict(X)`` returning (N, nout), or ``model([x0, x1])``
            returning a list of Values (called once per grid point, under ``no_grad()``).
        X: the data, shape (N, 2).
        y: the true classes (N,), ints; points are coloured by class and the accuracy on
            them goes in the title. None draws the points in grey.
        resolution: grid points per axis (default 200 with ``predict``, else 100).
        ax: draw into these axes instead of a new figure (e.g. to put several models side
            by side).
        title: the axes title (the accuracy goes on a second line when y is given).
        class_names: legend names for the classes (default "class 0", "class 1", ...).
        figsize: size of a new figure, in inches (default: 7 wide, shaped like the data).
        split: which data X is, e.g. "training" or "test": the title then reads "training
            accuracy 92.5%", as the training run reports it. Without it the title says the
            accuracy is on the N points shown.

    Returns:
        The Figure (``ax.figure`` when ``ax`` was given).
    """
    X = _check_points(X)
    if y is not None:
        y = np.asarray(y).astype(np.int64).reshape(-1)
        if len(y) != len(X):
            raise ValueError(f"y has {len(y)} labels but X has {len(X)} points.")
    xx, yy, outputs = _grid_outputs(model, X, resolution)
    margins = _class_margins(outputs)

    if ax is None:
        fig = new_figure(_boundary_figsize(xx, yy) if figsize is None else figsize)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for k in range(margins.shape[-1]):
        # Region k is where the margin of class k is positive. Contouring the model's real
        # outputs (not the grid of class numbers) gives smooth boundaries, not staircases.
        margin = margins[..., k]
        if margin.max() > 0:
            color = _lighten(CLASS_COLORS[k % 10])
            ax.contourf(xx, yy, margin, levels=[0.0, margin.max() + 1.0], colors=[color])
        if margin.min() < 0 < margin.max():
            ax.contour(xx, yy, margin, levels=[0.0], colors="black", linewidths=1.5)

    if y is None:
        ax.scatter(X[:, 0], X[:, 1], s=30, color="0.3", edgecolors="black", linewidths=0.6)
    else:
        for k in np.unique(y):
            name = class_names[k] if class_names is not None else f"class {k}"
            points = X[y == k]
            ax.scatter(
                points[:, 0], points[:, 1], s=30, color=CLASS_COLORS[k % 10],
                edgecolors="black", linewidths=0.6, label=name,
            )  # fmt: skip
        accuracy = float(np.mean(classes_from_outputs(model_outputs(model, X)) == y))
        # On its own line: beside a dataset's name it would run past the figure's edge.
        title = f"{title or 'Decision boundary'}\n{_accuracy_text(accuracy, split, len(X))}"
        ax.legend(fontsize=LEGEND_SIZE, loc="best", framealpha=0.9)

    ax.set_title(title or "Decision boundary", fontsize=TITLE_SIZE)
    ax.set_xlabel("$x_0$", fontsize=LABEL_SIZE)
    ax.set_ylabel("$x_1$", fontsize=LABEL_SIZE)
    ax.set_aspect("equal")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    style_axes(ax, grid=False)
    return fig
