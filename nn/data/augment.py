"""Data augmentation on whole batches of flattened images, in the spirit of torchvision.

Each transform is a callable ``augment(X, rng) -> X_augmented``:

- ``X`` is a float array (n, C*H*W) laid out as `prepare_images` flattens by default,
  channel-major: row ``k`` viewed as ``X[k].reshape(C, H, W)`` gives the red plane, then
  green, then blue, each row-major (the official CIFAR-10 layout).
- ``rng`` is a ``np.random.Generator`` (or an int seed): the same generator state gives
  the same result, so a training run is reproducible from its seed.
- The result is a new array of the same dtype; ``X`` is never modified.

Every transform works on the batch at once with NumPy indexing: no Python loop over images
or pixels. Example::

    augment = parse_augment("flip,crop")          # RandomHorizontalFlip + RandomCrop(32, 4)
    rng = np.random.default_rng(0)
    for xb, yb in iterate_minibatches(X_train, y_train, 32, epoch=epoch):
        xb = augment(xb, rng)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Augment = Callable[[np.ndarray, "np.random.Generator | int | None"], np.ndarray]
CIFAR10_SHAPE = (3, 32, 32)  # channels, height, width


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _as_planes(X: np.ndarray, image_shape: tuple[int, int, int], who: str) -> np.ndarray:
    """View the flat batch (n, C*H*W) as (n, C, H, W), with a clear error if it does not fit."""
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] != int(np.prod(image_shape)):
        raise ValueError(
            f"{who} expects a batch of flattened images of shape (n, {np.prod(image_shape)}) "
            f"(C, H, W = {image_shape}, channel-major as prepare_images flattens), got "
            f"{getattr(X, 'shape', type(X).__name__)}; pass image_shape=(C, H, W) for other sizes"
        )
    return X.reshape(len(X), *image_shape)


def _check_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    shape = tuple(image_shape)
    if len(shape) != 3 or not all(isinstance(s, int) and s >= 1 for s in shape):
        raise ValueError(f"image_shape must be (channels, height, width), got {image_shape!r}")
    return shape  # type: ignore[return-value]


class RandomHorizontalFlip:
    """Mirror each image left-right with probability `p` (``x[c, i, j] -> x[c, i, W-1-j]``).

    Args:
        p: Probability that a given image is flipped.
        image_shape: (C, H, W) of one image (default CIFAR-10's (3, 32, 32)).
    """

    def __init__(self, p: float = 0.5, image_shape: Sequence[int] = CIFAR10_SHAPE):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must lie in [0, 1], got {p!r}")
        self.p, self.image_shape = float(p), _check_shape(image_shape)

    def __call__(self, X: np.ndarray, rng: np.random.Generator | int | None = None) -> np.ndarray:
        planes = _as_planes(X, self.image_shape, "RandomHorizontalFlip")
        flip = _generator(rng).random(len(X)) < self.p  # one draw per image
        out = planes.copy()
        out[flip] = planes[flip, :, :, ::-1]
        return out.reshape(X.shape)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def crop_at(X: np.ndarray, top: np.ndarray, left: np.ndarray, size: int, padding: int,
            image_shape: Sequence[int] = CIFAR10_SHAPE) -> np.ndarray:
    """Pad every image with `padding` zeros on each side, then cut a `size` square from each.

    Image k's crop starts at row ``top[k]``, column ``left[k]`` of its padded version, so
    ``top = left = padding`` with ``size = H = W`` returns the image unchanged, and in general
    ``out[k, c, i, j] = x[k, c, i + top[k] - padding, j + left[k] - padding]`` (0 outside):
    the picture moves down by ``padding - top[k]`` rows and right by ``padding - left[k]``.

    Args:
        X: (n, C*H*W) flattened batch.
        top, left: (n,) integer offsets, each in ``0 .. H + 2 padding - size``.
        size: Side of the crop.
        padding: Zeros added on each side first.
        image_shape: (C, H, W) of one image.

    Returns:
        (n, C*size*size), dtype of X.
    """
    shape = _check_shape(image_shape)
    planes = _as_planes(X, shape, "crop_at")
    padded = np.pad(planes, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    steps = np.arange(size)
    rows = (np.asarray(top)[:, None] + steps)[:, None, :, None]  # (n, 1, size, 1)
    cols = (np.asarray(left)[:, None] + steps)[:, None, None, :]  # (n, 1, 1, size)
    images = np.arange(len(X))[:, None, None, None]
    channels = np.arange(shape[0])[None, :, None, None]
    return padded[images, channels, rows, cols].reshape(len(X), -1)


class RandomCrop:
    """Zero-pad by `padding` pixels, then crop a random `size` x `size` window (a translation).

    With ``size = 32, padding = 4`` on CIFAR-10 (the usual recipe) each image moves by up to
    4 pixels in each direction, the uncovered border filled with zeros. Zero is the value of
    the array given: after `prepare_images`' standardisation it is the mean colour.

    Args:
        size: Side of the output images (default 32: same size as the input).
        padding: Zeros added on each side before cropping.
        image_shape: (C, H, W) of one input image (default (3, 32, 32)).
    """

    def __init__(self, size: int = 32, padding: int = 4,
                 image_shape: Sequence[int] = CIFAR10_SHAPE):
        self.image_shape = _check_shape(image_shape)
        _, height, width = self.image_shape
        if not isinstance(padding, int) or padding < 0:
            raise ValueError(f"RandomCrop: padding must be an int >= 0, got {padding!r}")
        if not isinstance(size, int) or not 1 <= size <= min(height, width) + 2 * padding:
            raise ValueError(
                f"RandomCrop: size must be an int in 1..{min(height, width) + 2 * padding} "
                f"(image {height}x{width} padded by {padding}), got {size!r}"
            )
        self.size, self.padding = size, padding

    def __call__(self, X: np.ndarray, rng: np.random.Generator | int | None = None) -> np.ndarray:
        _as_planes(X, self.image_shape, "RandomCrop")  # check before drawing
        generator = _generator(rng)
        _, height, width = self.image_shape
        top = generator.integers(0, height + 2 * self.padding - self.size + 1, len(X))
        left = generator.integers(0, width + 2 * self.padding - self.size + 1, len(X))
        return crop_at(X, top, left, self.size, self.padding, self.image_shape)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class Compose:
    """Apply transforms in order, all drawing from the same generator."""

    def __init__(self, transforms: Sequence[Augment]):
        self.transforms = list(transforms)

    def __call__(self, X: np.ndarray, rng: np.random.Generator | int | None = None) -> np.ndarray:
        generator = _generator(rng)
        for transform in self.transforms:
            X = transform(X, generator)
        return X

    def __repr__(self) -> str:
        return f"Compose([{', '.join(map(repr, self.transforms))}])"


def _number(text: str, kind: type, name: str) -> float | int:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"augment '{name}': {text!r} is not a {kind.__name__}") from None


def parse_augment(spec: str | None, image_shape: Sequence[int] = CIFAR10_SHAPE) -> Compose:
    """Build the augmentation a CLI string asks for, e.g. ``"flip,crop"``.

    Names, comma-separated, applied in the order given; each may take one number:

    - ``flip`` or ``flip=P``: `RandomHorizontalFlip` with probability P (default 0.5).
    - ``crop`` or ``crop=PAD``: `RandomCrop` to the same size after padding PAD pixels on each
      side (default H // 8, at least 1: 4 for 32x32 images, 1 for 8x8).
    - ``none`` or an empty string: no augmentation (an empty Compose, returns X unchanged).

    Args:
        spec: The string.
        image_shape: (C, H, W) of one image, e.g. (3, 8, 8) after ``--image-size 8``.

    Raises:
        ValueError: An unknown name or a bad number (the message lists the names).
    """
    shape = _check_shape(image_shape)
    transforms: list[Augment] = []
    for item in (spec or "").replace(" ", "").lower().split(","):
        name, _, value = item.partition("=")
        if name in ("", "none"):
            continue
        if name == "flip":
            transforms.append(RandomHorizontalFlip(
                _number(value, float, name) if value else 0.5, shape))
        elif name == "crop":
            padding = _number(value, int, name) if value else max(1, shape[1] // 8)
            transforms.append(RandomCrop(shape[1], padding, shape))
        else:
            raise ValueError(
                f"unknown augmentation {name!r} in {spec!r}; use a comma-separated list of "
                "flip, flip=P, crop, crop=PAD (or none), e.g. 'flip,crop'"
            )
    return Compose(transforms)
