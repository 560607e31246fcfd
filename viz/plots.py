"""Plots for the course: training curves, decision boundaries, images, weights, accuracies.

Every function returns a matplotlib :class:`~matplotlib.figure.Figure` and never touches
``matplotlib.pyplot``: the figures are built with ``Figure()`` directly, so nothing pops up,
nothing is kept alive by pyplot's global figure list, and no backend is chosen at import
(Jupyter's inline backend, a script and a headless test run all work unchanged).

In Jupyter, a figure returned as a cell's value is drawn inline. To save one::

    fig = plot_history(history)
    fig.savefig("history.png", dpi=150)      # or save_figure(fig, "plots/history.png")

Fonts are large (>= 11 pt) so that the figures stay readable on a projector.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from autograd_scalar import no_grad

__all__ = [
    "classes_from_outputs",
    "confusion_matrix",
    "decision_grid",
    "model_outputs",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_per_class_accuracy",
    "save_figure",
    "show_images",
    "show_weights",
    "weight_images",
]

# Sizes in points, chosen for a projector: nothing smaller than 11 pt.
LABEL_SIZE = 13
TITLE_SIZE = 14
TICK_SIZE = 11
LEGEND_SIZE = 11

TRAIN_COLOR = "tab:blue"
VAL_COLOR = "tab:orange"
# Class colours (colour-blind friendly "tab10" order); class k uses CLASS_COLORS[k % 10].
CLASS_COLORS = [
    "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
    "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan",
]  # fmt: skip

# Per-point model calls are slow in pure Python: 100 x 100 = 10,000 forward passes.
FALLBACK_RESOLUTION = 100


# ---------------------------------------------------------------------------------------
# Figures that show themselves in Jupyter and can be saved
# ---------------------------------------------------------------------------------------


class _NotebookFigure(Figure):
    """A plain Figure that also knows how to show itself in Jupyter.

    Jupyter's inline backend registers a PNG formatter for every Figure, but only once
    pyplot has been imported. ``_repr_png_`` covers notebooks that never import pyplot.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def _new_figure(figsize: tuple[float, float]) -> Figure:
    # "constrained" layout keeps titles, labels and legends from overlapping (tight layout).
    return _NotebookFigure(figsize=figsize, layout="constrained")


def _style_axes(ax: Axes, grid: bool = True) -> None:
    """Large tick labels and a light grid, set on the axes so they do not depend on rcParams."""
    ax.tick_params(labelsize=TICK_SIZE)
    if grid:
        ax.grid(True, alpha=0.3)
        ax.set_axisbelow(True)


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save a figure to ``path`` (format from the extension: .png, .pdf, .svg), making folders.

    Args:
        fig: a figure returned by one of the plotting functions.
        path: where to write it; missing parent folders are created.
        dpi: dots per inch; the image is ``figsize * dpi`` pixels.

    Returns:
        The path written, as a Path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


# ---------------------------------------------------------------------------------------
# Training history: loss | accuracy per epoch
# ---------------------------------------------------------------------------------------

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
    fig = _new_figure(figsize)
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
        _style_axes(ax)

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


# ---------------------------------------------------------------------------------------
# Decision boundary of a model on 2-D data
# ---------------------------------------------------------------------------------------


def _check_points(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(
            f"X must be 2-D data of shape (N, 2), got shape {X.shape}. Decision boundaries "
            "can only be drawn in the plane: use two input features."
        )
    return X


def model_outputs(model: Any, X: np.ndarray) -> np.ndarray:
    """The model's outputs for every row of X, as a float array of shape (N, nout).

    The model is duck-typed. If it has ``predict(X) -> array (N, nout)`` that is used (one
    vectorised call). Otherwise it is called on one sample at a time, ``model([x0, x1])``,
    returning a list of Values (or numbers), inside ``no_grad()`` since no graph is needed.
    """
    X = np.asarray(X, dtype=float)
    if hasattr(model, "predict"):
        outputs = np.asarray(model.predict(X), dtype=float)
    elif callable(model):
        with no_grad():
            outputs = np.array([_output_numbers(model([float(v) for v in row])) for row in X])
    else:
        raise TypeError(
            f"model must have a predict(X) method or be callable on one sample, got "
            f"{type(model).__name__}."
        )
    if outputs.ndim == 1:  # predict returned one number per sample: one output
        outputs = outputs[:, None]
    if outputs.ndim != 2 or len(outputs) != len(X):
        raise ValueError(
            f"the model returned outputs of shape {outputs.shape} for {len(X)} samples; "
            f"expected ({len(X)}, nout)."
        )
    return outputs


def _output_numbers(output: Any) -> list[float]:
    """A model's output for one sample (a Value, a number, or a list of them) as floats."""
    if not isinstance(output, (list, tuple, np.ndarray)):
        output = [output]
    return [float(getattr(o, "data", o)) for o in output]


def classes_from_outputs(outputs: np.ndarray) -> np.ndarray:
    """Predicted classes: ``1 if output > 0 else 0`` for one output, else the argmax."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        return (outputs.reshape(len(outputs)) > 0).astype(np.int64)
    return np.argmax(outputs, axis=1).astype(np.int64)


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


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    resolution: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    figsize: tuple[float, float] | None = None,
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
        title: the axes title (the accuracy is appended when y is given).
        class_names: legend names for the classes (default "class 0", "class 1", ...).
        figsize: size of a new figure, in inches (default: 7 wide, shaped like the data).

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
        fig = _new_figure(_boundary_figsize(xx, yy) if figsize is None else figsize)
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
        title = f"{title or 'Decision boundary'} (accuracy {100 * accuracy:.1f}%)"
        ax.legend(fontsize=LEGEND_SIZE, loc="best", framealpha=0.9)

    ax.set_title(title or "Decision boundary", fontsize=TITLE_SIZE)
    ax.set_xlabel("$x_0$", fontsize=LABEL_SIZE)
    ax.set_ylabel("$x_1$", fontsize=LABEL_SIZE)
    ax.set_aspect("equal")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    _style_axes(ax, grid=False)
    return fig


# ---------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------


def _as_images(
    x: Any, image_shape: Sequence[int] | None, channel_first: bool
) -> np.ndarray:
    """Any accepted image layout as float images (N, H, W) or (N, H, W, 3), values in [0, 1].

    uint8 is divided by 255; floats already in [0, 1] are kept; other floats (for example
    standardised pixels) are min-max rescaled per image, which is enough to *look* at them.
    """
    x = np.asarray(x)
    if x.ndim == 2:  # flattened (N, D)
        if image_shape is None:
            raise ValueError(
                f"x is flattened, shape {x.shape}: pass image_shape=(H, W, C) (e.g. "
                "(32, 32, 3) for CIFAR-10) or (H, W) so that the rows can be reshaped."
            )
        shape = tuple(int(s) for s in image_shape)
        if x.shape[1] != math.prod(shape):
            raise ValueError(
                f"each row of x has {x.shape[1]} values but image_shape={shape} needs "
                f"{math.prod(shape)}."
            )
        if channel_first and len(shape) == 3:  # rows are C, H, W (CIFAR's own file layout)
            h, w, c = shape
            x = x.reshape(len(x), c, h, w).transpose(0, 2, 3, 1)
        else:  # rows are H, W, C row-major
            x = x.reshape((len(x),) + shape)
    elif x.ndim == 4 and channel_first:
        x = x.transpose(0, 2, 3, 1)
    elif x.ndim == 4 and x.shape[-1] not in (1, 3):
        hint = " (pass channel_first=True)" if x.shape[1] in (1, 3) else ""
        raise ValueError(
            f"4-D images must be (N, H, W, C) with C = 1 or 3, got shape {x.shape}{hint}."
        )
    elif x.ndim not in (3, 4):
        raise ValueError(
            f"x must be images (N, H, W, C), grayscale (N, H, W) or flattened (N, D) with "
            f"image_shape, got shape {x.shape}."
        )
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.dtype == np.uint8:
        return x.astype(float) / 255.0
    x = x.astype(float)
    if x.size and (x.min() < 0.0 or x.max() > 1.0):
        axes = tuple(range(1, x.ndim))
        low, high = x.min(axis=axes, keepdims=True), x.max(axis=axes, keepdims=True)
        x = (x - low) / np.where(high > low, high - low, 1.0)
    return x


def _grid_figure(n: int, ncols: int, cell: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    """A figure with n image axes in rows of ncols (empty cells are not created)."""
    if n < 1:
        raise ValueError("there are no images to show (n = 0).")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}.")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = _new_figure((cell[0] * ncols, cell[1] * nrows + 0.4))
    grid = fig.add_gridspec(nrows, ncols)
    axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]
    for ax in axes:
        ax.set_axis_off()
    return fig, axes


def _class_name(k: int, class_names: Sequence[str] | None) -> str:
    return str(class_names[k]) if class_names is not None else str(k)


def show_images(
    x: Any,
    y: Any = None,
    class_names: Sequence[str] | None = None,
    n: int = 16,
    ncols: int = 8,
    predictions: Any = None,
    image_shape: Sequence[int] | None = None,
    channel_first: bool = False,
    title: str | None = None,
) -> Figure:
    """A grid of the first ``n`` images, titled with their class (or prediction/truth).

    Accepted layouts of ``x``:

    * ``(N, H, W, C)`` uint8 (0..255) or float, C = 3 (RGB) or 1;
    * ``(N, H, W)`` grayscale;
    * ``(N, C, H, W)`` with ``channel_first=True``;
    * flattened ``(N, D)`` with ``image_shape=(H, W, C)``: each row is ``x.reshape(N, H, W,
      C)`` row-major (height, then width, then channel). With ``channel_first=True`` a row
      is channel-major instead (all red, then all green, then all blue: the layout of the
      CIFAR-10 files), i.e. ``x.reshape(N, C, H, W)``.

    Floats in [0, 1] are shown as they are; other floats (standardised pixels) are rescaled
    per image to [0, 1] for display.

    Args:
        x: the images.
        y: true classes (N,), shown as titles.
        class_names: names for the class numbers (e.g. CIFAR-10's "airplane", ...).
        n: how many images to show (the first n).
        ncols: images per row.
        predictions: predicted classes (N,) or scores (N, K) (argmax taken); titles become
            "predicted/true", green when right and red when wrong.
        image_shape: (H, W, C) or (H, W), needed for flattened x.
        channel_first: x is (N, C, H, W), or flattened rows are channel-major.
        title: a title above the grid.

    Returns:
        A Figure with one axes per image, in order.
    """
    images = _as_images(x, image_shape, channel_first)
    n = min(int(n), len(images))
    labels = None if y is None else np.asarray(y).astype(np.int64).reshape(-1)
    predicted = None
    if predictions is not None:
        predicted = np.asarray(predictions)
        predicted = predicted.argmax(axis=1) if predicted.ndim == 2 else predicted
        predicted = predicted.astype(np.int64).reshape(-1)
        if labels is None:
            raise ValueError("predictions need the true classes y to compare with.")
    for name, values in (("y", labels), ("predictions", predicted)):
        if values is not None and len(values) < n:
            raise ValueError(f"{name} has {len(values)} entries but {n} images are shown.")

    with_pred = predicted is not None
    fig, axes = _grid_figure(n, ncols, cell=(1.55, 1.95 if with_pred else 1.7))
    gray = images.ndim == 3
    for i, ax in enumerate(axes):
        ax.imshow(images[i], cmap="gray" if gray else None, vmin=0.0, vmax=1.0,
                  interpolation="nearest")  # fmt: skip
        if predicted is not None:
            right = predicted[i] == labels[i]
            ax.set_title(
                f"{_class_name(predicted[i], class_names)}/\n{_class_name(labels[i], class_names)}",
                fontsize=TICK_SIZE, color="tab:green" if right else "tab:red",
            )  # fmt: skip
        elif labels is not None:
            ax.set_title(_class_name(labels[i], class_names), fontsize=TICK_SIZE)
    if with_pred:
        key = "predicted / true class (green: right, red: wrong)"
        title = f"{title}\n{key}" if title else key
    if title:
        fig.suptitle(title, fontsize=TITLE_SIZE)
    return fig


# ---------------------------------------------------------------------------------------
# First-layer weights as images
# ---------------------------------------------------------------------------------------


def _weight_matrix(layer: Any) -> np.ndarray:
    """Weights as (nout, nin): from a 2-D array, a layer (``.neurons[j].w``) or an MLP."""
    if hasattr(layer, "layers") and not hasattr(layer, "neurons"):
        layer = layer.layers[0]  # an MLP: its first layer is the one that sees the pixels
    if hasattr(layer, "neurons"):
        return np.array(
            [[float(getattr(w, "data", w)) for w in neuron.w] for neuron in layer.neurons]
        )
    weights = np.asarray(layer, dtype=float)
    if weights.ndim != 2:
        raise ValueError(
            f"weights must be a layer with .neurons or a 2-D array (nout, nin), got an array "
            f"of shape {weights.shape}."
        )
    return weights


def weight_images(
    layer: Any,
    image_shape: Sequence[int] = (32, 32, 3),
    normalize: str = "minmax",
    channel_first: bool = False,
) -> np.ndarray:
    """Each neuron's weights reshaped to an image, rescaled to [0, 1] for display.

    Normalisation is per neuron, because neurons' weights differ in scale:

    * ``"minmax"``: ``(w - min w) / (max w - min w)``; uses the full contrast.
    * ``"symmetric"``: ``0.5 + w / (2 max |w|)``; a zero weight is always mid-grey (0.5),
      so the sign of a weight can be read from the image.

    Args:
        layer: a layer (``layer.neurons[j].w`` lists of Values), an MLP (its first layer),
            or an array (nout, nin).
        image_shape: (H, W, C) or (H, W) of one input image; H*W*C must equal nin.
        normalize: "minmax" or "symmetric", see above.
        channel_first: the inputs were flattened channel-major (C, H, W) instead of
            (H, W, C) row-major.

    Returns:
        float array (nout, H, W, C) (or (nout, H, W)) with values in [0, 1].
    """
    weights = _weight_matrix(layer)
    shape = tuple(int(s) for s in image_shape)
    if weights.shape[1] != math.prod(shape):
        raise ValueError(
            f"the layer has nin = {weights.shape[1]} weights per neuron but image_shape={shape} "
            f"has {math.prod(shape)} values: pass the shape of the images the layer reads."
        )
    if normalize == "minmax":
        low, high = weights.min(axis=1, keepdims=True), weights.max(axis=1, keepdims=True)
        scaled = (weights - low) / np.where(high > low, high - low, 1.0)
    elif normalize == "symmetric":
        largest = np.abs(weights).max(axis=1, keepdims=True)
        scaled = 0.5 + weights / (2 * np.where(largest > 0, largest, 1.0))
    else:
        raise ValueError(f"normalize must be 'minmax' or 'symmetric', got {normalize!r}.")
    if channel_first and len(shape) == 3:
        h, w, c = shape
        return scaled.reshape(len(scaled), c, h, w).transpose(0, 2, 3, 1)
    images = scaled.reshape((len(scaled),) + shape)
    return images[..., 0] if images.ndim == 4 and images.shape[-1] == 1 else images


def show_weights(
    layer: Any,
    image_shape: Sequence[int] = (32, 32, 3),
    ncols: int = 8,
    max_neurons: int = 64,
    normalize: str = "minmax",
    channel_first: bool = False,
    title: str | None = None,
) -> Figure:
    """What each first-layer neuron looks for: its weights drawn as an image.

    A neuron computes ``w . x + b``; it responds most to inputs shaped like ``w``, so the
    picture of ``w`` is the neuron's "template". Colour images (C = 3) are shown in RGB;
    grayscale ones with a diverging colormap (red positive, blue negative, which reads best
    with ``normalize="symmetric"``). See :func:`weight_images` for the normalisation.

    Args:
        layer: a layer (``layer.neurons[j].w``), an MLP (first layer) or an array (nout, nin).
        image_shape: (H, W, C) or (H, W) of one input image.
        ncols: images per row.
        max_neurons: show at most this many neurons (the first ones).
        normalize: "minmax" (default, most contrast) or "symmetric" (grey = 0).
        channel_first: inputs were flattened channel-major (C, H, W).
        title: a title above the grid.

    Returns:
        A Figure with one axes per neuron shown.
    """
    images = weight_images(layer, image_shape, normalize, channel_first)[: int(max_neurons)]
    fig, axes = _grid_figure(len(images), ncols, cell=(1.4, 1.6))
    gray = images.ndim == 3
    for j, ax in enumerate(axes):
        ax.imshow(images[j], cmap="RdBu_r" if gray else None, vmin=0.0, vmax=1.0,
                  interpolation="nearest")  # fmt: skip
        ax.set_title(f"neuron {j}", fontsize=TICK_SIZE)
    scaling = {
        "minmax": "each neuron scaled from its smallest to its largest weight",
        "symmetric": "each neuron scaled by its largest |w|; "
        + ("white" if gray else "grey")
        + " = 0",
    }[normalize]
    fig.suptitle(title or f"First-layer weights ({scaling})", fontsize=TITLE_SIZE)
    return fig


# ---------------------------------------------------------------------------------------
# Accuracy per class and confusion matrix
# ---------------------------------------------------------------------------------------


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
    names = [_class_name(i, class_names) for i in range(k)]

    fig = _new_figure(figsize)
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
    _style_axes(ax)
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
    names = [_class_name(i, class_names) for i in range(k)]

    fig = _new_figure(figsize)
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
    _style_axes(ax, grid=False)
    return fig

