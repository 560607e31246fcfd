"""Grids of images: `show_images` (the data, with classes or predictions) and
`show_weights` (each first-layer neuron's weights drawn as the image it looks for)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .figure_style import TICK_SIZE, TITLE_SIZE, class_name, new_figure

__all__ = ["show_images", "show_weights", "weight_images"]

# How a flattened image's values are ordered; the names and the default are nn's
# (`nn.data.flatten`, `prepare_images(order=...)`), so a row goes back the way it came.
ORDERS = ("chw", "hwc")


def _as_images(
    x: Any, image_shape: Sequence[int] | None, channel_first: bool, order: str
) -> np.ndarray:
    """Any accepted image layout as float images (N, H, W) or (N, H, W, 3), values in [0, 1]."""
    x = np.asarray(x)
    if x.ndim == 2:  # flattened (N, D)
        if channel_first and order == "hwc":
            raise ValueError(
                "channel_first=True with order='hwc' contradict each other: for flattened "
                "rows pass only order= ('chw', the default, or 'hwc')."
            )
        x = _rows_as_images(x, image_shape, order)
    elif x.ndim == 4:
        x = _channels_last(x, channel_first)
    elif x.ndim != 3:
        raise ValueError(
            f"x must be images (N, H, W, C), grayscale (N, H, W) or flattened (N, D) with "
            f"image_shape, got shape {x.shape}."
        )
    return _to_unit_range(_drop_single_channel(x))


def _rows_as_images(x: np.ndarray, image_shape: Sequence[int] | None, order: str) -> np.ndarray:
    """Flattened images (N, D) reshaped to `image_shape`, after checking that it fits."""
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
    return _unflatten(x, shape, order)


def _unflatten(rows: np.ndarray, shape: tuple[int, ...], order: str) -> np.ndarray:
    """Flat rows (N, D) back to images (N, H, W, C) (or (N, H, W) for shape (H, W)).

    The inverse of `nn.data.flatten(images, order)`, for an image of shape (H, W, C):

    * ``"chw"``, channel-major: a row is all of channel 0, then channel 1, ..., i.e.
      ``image.transpose(2, 0, 1).reshape(C * H * W)`` (CIFAR-10's files, nn's default);
    * ``"hwc"``, pixel by pixel: a row is ``image.reshape(H * W * C)``.
    """
    if order not in ORDERS:
        raise ValueError(
            f"order must be 'chw' (channel-major, how nn's prepare_images flattens by "
            f"default) or 'hwc' (pixel by pixel), got {order!r}."
        )
    if order == "chw" and len(shape) == 3:
        h, w, c = shape
        return rows.reshape(len(rows), c, h, w).transpose(0, 2, 3, 1)
    return rows.reshape((len(rows),) + shape)


def _channels_last(x: np.ndarray, channel_first: bool) -> np.ndarray:
    """4-D images as (N, H, W, C): transposed from (N, C, H, W) when channel_first."""
    if channel_first:
        return x.transpose(0, 2, 3, 1)
    if x.shape[-1] not in (1, 3):
        hint = " (pass channel_first=True)" if x.shape[1] in (1, 3) else ""
        raise ValueError(
            f"4-D images must be (N, H, W, C) with C = 1 or 3, got shape {x.shape}{hint}."
        )
    return x


def _drop_single_channel(x: np.ndarray) -> np.ndarray:
    """(N, H, W, 1) -> (N, H, W): matplotlib draws grayscale from 2-D arrays only."""
    return x[..., 0] if x.ndim == 4 and x.shape[-1] == 1 else x


def _to_unit_range(x: np.ndarray) -> np.ndarray:
    """Pixels as floats in [0, 1] for display.

    uint8 is divided by 255; floats already in [0, 1] are kept; other floats (for example
    standardised pixels) are min-max rescaled per image, which is enough to *look* at them.
    """
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
    fig = new_figure((cell[0] * ncols, cell[1] * nrows + 0.4))
    grid = fig.add_gridspec(nrows, ncols)
    axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]
    for ax in axes:
        ax.set_axis_off()
    return fig, axes


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
    order: str = "chw",
) -> Figure:
    """A grid of the first ``n`` images, titled with their class (or prediction/truth).

    Accepted layouts of ``x``:

    * ``(N, H, W, C)`` uint8 (0..255) or float, C = 3 (RGB) or 1;
    * ``(N, H, W)`` grayscale;
    * ``(N, C, H, W)`` with ``channel_first=True``;
    * flattened ``(N, D)`` with ``image_shape=(H, W, C)``, as nn's ``prepare_images``
      returns them: by default (``order="chw"``) each row is channel-major, all red, then
      all green, then all blue (the CIFAR-10 files' layout), i.e. ``x.reshape(N, C, H, W)``;
      with ``order="hwc"`` each row is pixel by pixel, ``x.reshape(N, H, W, C)``.

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
        channel_first: 4-D x is (N, C, H, W).
        title: a title above the grid.
        order: how flattened rows were flattened, "chw" (default) or "hwc"; see above.

    Returns:
        A Figure with one axes per image, in order.
    """
    images = _as_images(x, image_shape, channel_first, order)
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
                f"{class_name(predicted[i], class_names)}/\n{class_name(labels[i], class_names)}",
                fontsize=TICK_SIZE, color="tab:green" if right else "tab:red",
            )  # fmt: skip
        elif labels is not None:
            ax.set_title(class_name(labels[i], class_names), fontsize=TICK_SIZE)
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
    order: str = "chw",
    *,
    channel_first: bool | None = None,
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
        order: how the inputs were flattened: "chw" (channel-major, the default of nn's
            ``prepare_images`` and the CIFAR-10 files) or "hwc" (pixel by pixel).
        channel_first: deprecated spelling of order ("chw" for True, "hwc" for False).

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
    order = _order_from_channel_first(order, channel_first)
    return _drop_single_channel(_unflatten(scaled, shape, order))


def _order_from_channel_first(order: str, channel_first: bool | None) -> str:
    """The flattening order, from the older ``channel_first=`` when that is given."""
    if channel_first is None:
        return order
    new = "chw" if channel_first else "hwc"
    warnings.warn(
        f"channel_first={channel_first} is deprecated: pass order={new!r} (the default is "
        "'chw', the order nn's prepare_images flattens in).",
        DeprecationWarning,
        stacklevel=3,
    )
    return new


def show_weights(
    layer: Any,
    image_shape: Sequence[int] = (32, 32, 3),
    ncols: int = 8,
    max_neurons: int = 64,
    normalize: str = "minmax",
    order: str = "chw",
    title: str | None = None,
    *,
    channel_first: bool | None = None,
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
        order: how the inputs were flattened, "chw" (default, as nn's ``prepare_images``)
            or "hwc"; see :func:`weight_images`.
        title: a title above the grid.
        channel_first: deprecated spelling of order ("chw" for True, "hwc" for False).

    Returns:
        A Figure with one axes per neuron shown.
    """
    order = _order_from_channel_first(order, channel_first)
    images = weight_images(layer, image_shape, normalize, order)[: int(max_neurons)]
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
