"""Turn uint8 images (N, H, W, C) into the float matrix (N, D) an MLP eats (float64 or float32).

The usual pipeline, and the order `prepare_images` applies it in:

1. `resize` to a small size (8x8 or 16x16): an MLP on 32x32x3 = 3,072 inputs is slow in a
   scalar autodiff engine; 8x8x3 = 192 inputs trains in minutes.
2. `to_float`: uint8 0..255 -> float64 0..1.
3. `to_grayscale` (optional): 3 channels -> 1, a further 3x fewer inputs.
4. `ChannelStandardizer`: subtract each channel's mean and divide by its std, both measured
   on the TRAINING images only (using test statistics would leak test information).
5. `flatten`: (N, H, W, C) -> (N, D).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image

from .dataset import ImageDataset

# Box filtering = averaging each output pixel's footprint: the exact block mean when shrinking
# 32 -> 8, so no aliasing, and a reproducible result students can check with NumPy.
RESAMPLE = getattr(Image, "Resampling", Image).BOX  # Image.BOX before pillow 9.1

# ITU-R BT.601 luma weights (what pillow's convert("L") and most textbooks use).
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def _check_images(images: np.ndarray, what: str) -> None:
    if not isinstance(images, np.ndarray) or images.ndim != 4:
        shape = getattr(images, "shape", None)
        raise ValueError(f"{what} expects images of shape (N, H, W, C), got {shape}")


def _size_pair(size: int | tuple[int, int]) -> tuple[int, int]:
    """(height, width) from an int (square) or a pair, checking both are positive."""
    pair = (size, size) if isinstance(size, int) else tuple(size)
    if len(pair) != 2 or not all(isinstance(s, int) and s >= 1 for s in pair):
        raise ValueError(f"image size must be a positive int or (height, width), got {size!r}")
    return pair  # type: ignore[return-value]


def resize_pil(image: Image.Image, size: int | tuple[int, int]) -> Image.Image:
    """Resize one pillow image to `size` (int = square, or (height, width)) with box filtering."""
    height, width = _size_pair(size)
    return image.resize((width, height), RESAMPLE)  # pillow wants (width, height)


def resize(images: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize every image with pillow (box filter: area averaging).

    Args:
        images: uint8 (N, H, W, C) with C = 1 or 3.
        size: New side length (square) or (height, width).

    Returns:
        uint8 (N, height, width, C).
    """
    _check_images(images, "resize")
    if images.dtype != np.uint8 or images.shape[3] not in (1, 3):
        raise ValueError(
            f"resize expects uint8 images with 1 or 3 channels, got {images.dtype} "
            f"{images.shape}; resize before to_float"
        )
    height, width = _size_pair(size)
    out = np.empty((len(images), height, width, images.shape[3]), np.uint8)
    for i, image in enumerate(images):
        pil = Image.fromarray(image[..., 0] if images.shape[3] == 1 else image)
        out[i] = np.asarray(resize_pil(pil, (height, width))).reshape(height, width, -1)
    return out


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float64 0..1 (``x / 255``), any shape."""
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise TypeError(
            "to_float expects a uint8 array (raw pixels), got "
            f"{getattr(images, 'dtype', type(images))}"
        )
    return images.astype(np.float64) / 255.0


def to_grayscale(images: np.ndarray) -> np.ndarray:
    """RGB -> luma ``Y = 0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601), keeping a channel axis.

    Args:
        images: (N, H, W, 3), uint8 or float.

    Returns:
        (N, H, W, 1): uint8 (rounded) for uint8 input, float64 otherwise.
    """
    _check_images(images, "to_grayscale")
    if images.shape[3] != 3:
        raise ValueError(f"to_grayscale expects 3 channels (RGB), got shape {images.shape}")
    luma = images.astype(np.float64) @ LUMA_WEIGHTS
    if images.dtype == np.uint8:
        return np.clip(np.rint(luma), 0, 255).astype(np.uint8)[..., None]
    return luma[..., None]


def flatten(images: np.ndarray, order: Literal["chw", "hwc"] = "chw") -> np.ndarray:
    """(N, H, W, C) -> (N, C*H*W).

    Args:
        images: Any dtype, shape (N, H, W, C).
        order: ``"chw"`` (default) is channel-major like the official CIFAR-10 rows: all red
            values, then all green, then all blue, so ``row.reshape(C, H, W)`` recovers the
            planes (handy for drawing first-layer weights). ``"hwc"`` keeps each pixel's
            channels together (``row.reshape(H, W, C)``).
    """
    _check_images(images, "flatten")
    if order == "chw":
        images = images.transpose(0, 3, 1, 2)
    elif order != "hwc":
        raise ValueError(f"order must be 'chw' or 'hwc', got {order!r}")
    return np.ascontiguousarray(images).reshape(len(images), -1)


class ChannelStandardizer:
    """Per-channel standardisation ``(x - mean[c]) / std[c]``, fitted on training images.

    Statistics are taken over all images, rows and columns of each channel. A channel with
    zero spread gets std 1, so it maps to 0 instead of dividing by zero.

    Example:
        >>> scaler = ChannelStandardizer().fit(train)      # train: (N, H, W, C) floats
        >>> X_train, X_test = scaler.transform(train), scaler.transform(test)
        >>> saved = scaler.state                            # {"mean": array, "std": array}
        >>> same = ChannelStandardizer.from_state(saved)
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, images: np.ndarray) -> ChannelStandardizer:
        """Measure each channel's mean and (population) std; returns self."""
        _check_images(images, "ChannelStandardizer.fit")
        pixels = images.astype(np.float64)
        self.mean = pixels.mean(axis=(0, 1, 2))
        std = pixels.std(axis=(0, 1, 2))
        self.std = np.where(std > 0, std, 1.0)
        return self

    def transform(self, images: np.ndarray) -> np.ndarray:
        """Standardise (N, H, W, C) images with the fitted statistics; returns float64."""
        if self.mean is None or self.std is None:
            raise RuntimeError("ChannelStandardizer is not fitted: call fit(train_images) first")
        _check_images(images, "ChannelStandardizer.transform")
        if images.shape[3] != len(self.mean):
            raise ValueError(
                f"fitted on {len(self.mean)} channels but got images with {images.shape[3]}"
            )
        return (images.astype(np.float64) - self.mean) / self.std

    def fit_transform(self, images: np.ndarray) -> np.ndarray:
        """`fit` then `transform` the same images."""
        return self.fit(images).transform(images)

    def inverse_transform(self, images: np.ndarray) -> np.ndarray:
        """Undo `transform`: ``x * std + mean``."""
        if self.mean is None or self.std is None:
            raise RuntimeError("ChannelStandardizer is not fitted: call fit(train_images) first")
        return np.asarray(images, np.float64) * self.std + self.mean

    @property
    def state(self) -> dict[str, np.ndarray]:
        """The fitted statistics as plain arrays, e.g. for ``np.savez`` or JSON (``.tolist()``)."""
        if self.mean is None or self.std is None:
            raise RuntimeError("ChannelStandardizer is not fitted: call fit(train_images) first")
        return {"mean": self.mean.copy(), "std": self.std.copy()}

    @classmethod
    def from_state(cls, state: dict) -> ChannelStandardizer:
        """Rebuild a fitted standardiser from `state` (arrays or lists)."""
        scaler = cls()
        scaler.mean = np.asarray(state["mean"], np.float64)
        scaler.std = np.asarray(state["std"], np.float64)
        if scaler.mean.shape != scaler.std.shape or scaler.mean.ndim != 1:
            raise ValueError(
                f"state needs 1-D 'mean' and 'std' of equal length, got {scaler.mean.shape} "
                f"and {scaler.std.shape}"
            )
        return scaler


_CHUNK = 256  # images converted at a time: float intermediates stay ~6 MB, not gigabytes


def _chunk_rows(images: np.ndarray, image_size: int | tuple[int, int] | None, grayscale: bool,
                order: Literal["chw", "hwc"]) -> np.ndarray:
    """Resize, scale to [0, 1], optionally grayscale and flatten a few images (float64)."""
    if image_size is not None:
        images = resize(images, image_size)
    images = to_float(images)
    return flatten(to_grayscale(images) if grayscale else images, order)


def _to_rows(images: np.ndarray, image_size: int | tuple[int, int] | None, grayscale: bool,
             order: Literal["chw", "hwc"], dtype: np.dtype) -> np.ndarray:
    """The (N, D) matrix of `images`, written chunk by chunk into one array of `dtype`."""
    _check_images(images, "prepare_images")
    first = _chunk_rows(images[:1], image_size, grayscale, order)
    out = np.empty((len(images), first.shape[1]), dtype)
    for start in range(0, len(images), _CHUNK):
        out[start:start + _CHUNK] = _chunk_rows(images[start:start + _CHUNK], image_size,
                                                grayscale, order)
    return out


def _channel_view(rows: np.ndarray, channels: int, order: Literal["chw", "hwc"]) -> np.ndarray:
    """View (N, D) rows as (N, C, pixels) for chw or (N, pixels, C) for hwc (no copy)."""
    if order == "chw":
        return rows.reshape(len(rows), channels, -1)
    return rows.reshape(len(rows), -1, channels)


def _channel_stats(rows: np.ndarray, channels: int,
                   order: Literal["chw", "hwc"]) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and population std of `rows`, summed in float64 chunk by chunk.

    Two passes (mean, then squared deviations from it), as `ChannelStandardizer.fit`
    computes them, not E[x^2] - E[x]^2, which loses digits when the spread is small.
    A channel with no spread gets std 1 (it then maps to 0).
    """
    axes = (0, 2) if order == "chw" else (0, 1)
    view = _channel_view(rows, channels, order)
    count = view.size // channels
    total = np.zeros(channels)
    for start in range(0, len(view), _CHUNK):
        total += view[start:start + _CHUNK].sum(axis=axes, dtype=np.float64)
    mean = total / count
    shape = (1, channels, 1) if order == "chw" else (1, 1, channels)
    squares = np.zeros(channels)
    for start in range(0, len(view), _CHUNK):
        deviation = view[start:start + _CHUNK].astype(np.float64) - mean.reshape(shape)
        squares += (deviation**2).sum(axis=axes)
    std = np.sqrt(squares / count)
    return mean, np.where(std > 0, std, 1.0)


def _standardize_in_place(rows: np.ndarray, mean: np.ndarray, std: np.ndarray,
                          order: Literal["chw", "hwc"]) -> None:
    """``rows = (rows - mean[c]) / std[c]`` per channel, without a temporary copy."""
    view = _channel_view(rows, len(mean), order)
    shape = (1, len(mean), 1) if order == "chw" else (1, 1, len(mean))
    view -= mean.reshape(shape).astype(rows.dtype)
    view /= std.reshape(shape).astype(rows.dtype)


def prepare_images(train: np.ndarray | ImageDataset,
                   test: np.ndarray | ImageDataset | None = None,
                   image_size: int | tuple[int, int] | None = None,
                   grayscale: bool = False,
                   standardize: bool = True,
                   order: Literal["chw", "hwc"] = "chw",
                   dtype: type | np.dtype = np.float64) -> tuple[np.ndarray, np.ndarray | None]:
    """Resize, scale to [0, 1], optionally grayscale, standardise, flatten: ready for an MLP.

    Standardisation statistics come from `train` only and are applied to both sets.

    Memory: each set is converted 256 images at a time into one (N, D) array of `dtype`,
    then standardised in place, so the peak is the result plus a few MB. All 50,000
    CIFAR-10 training images take 586 MiB as float32, 1.2 GiB as float64 (the engine's
    Python floats are float64; the compiled engine and NumPy code can use float32).

    Args:
        train: uint8 images (N, H, W, C) or an ImageDataset.
        test: The same for the test set, or None.
        image_size: Resize to this side length (or (height, width)) first; None keeps the size.
        grayscale: Convert to one luma channel.
        standardize: Per-channel zero mean, unit std (fitted on train); else keep [0, 1].
        order: Flattening order, see `flatten` (default channel-major like CIFAR-10).
        dtype: Floating type of the result (``np.float64`` default, or ``np.float32``).

    Returns:
        (X_train, X_test): (N, D) arrays of `dtype`; X_test is None when `test` is None.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"prepare_images: dtype must be a float type, got {dtype}")
    if order not in ("chw", "hwc"):
        raise ValueError(f"order must be 'chw' or 'hwc', got {order!r}")
    sets = [s.images if isinstance(s, ImageDataset) else s for s in (train, test)]
    prepared = [None if images is None else _to_rows(images, image_size, grayscale, order, dtype)
                for images in sets]
    if standardize:
        channels = 1 if grayscale else sets[0].shape[3]
        mean, std = _channel_stats(prepared[0], channels, order)
        for rows in prepared:
            if rows is not None:
                _standardize_in_place(rows, mean, std, order)
    return prepared[0], prepared[1]
