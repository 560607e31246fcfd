"""What changes from batch to batch while training, besides the data: augmentation and
dropout masks.

`fit` draws both here, per mini-batch, from generators seeded by (fit's seed, epoch, stream):

    augmentation   X_batch -> augment(X_batch, rng)        a new random flip/crop per image
    dropout        masks (batch, units), each 0 or 1/(1-p)  a new mask per sample

so a run is reproducible from its seed, every epoch sees new random versions of the images,
and the two engines get exactly the same numbers (the interpreter reads the masks from here
instead of drawing them inside its Dropout modules). The streams are separate: adding
augmentation does not change which units are dropped, nor the shuffling order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .data import parse_augment

__all__ = ["BatchRandomness", "image_shape_of"]

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]
AUGMENT_STREAM, DROPOUT_STREAM = 1, 2  # the third word of each generator's seed


def image_shape_of(n_features: int) -> tuple[int, int, int]:
    """(channels, side, side) of square images flattened to n_features numbers: 3 channels
    (colour) if n_features / 3 is a square, else 1 (grayscale) if n_features is a square.

    Never ambiguous: 3 * a**2 = b**2 has no whole solution (sqrt(3) is irrational).
    """
    for channels in (3, 1):
        side = math.isqrt(n_features // channels)
        if channels * side * side == n_features:
            return channels, side, side
    raise ValueError(
        f"augment given as text needs square images, flattened channel-major (C * S * S "
        f"numbers, C = 3 or 1); rows of {n_features} numbers are not. Pass a callable "
        "augment(X, rng) instead, e.g. nn.data.parse_augment(spec, image_shape=(C, H, W))."
    )


def as_augment(augment: str | Augment | None, n_features: int) -> Augment | None:
    """None, a callable ``augment(X, rng)``, or a text such as "flip,crop" (see
    `nn.data.parse_augment`; "none" or "" is None), as a callable or None."""
    if augment is None or callable(augment):
        return augment
    if not isinstance(augment, str):
        raise TypeError(f"augment must be a callable augment(X_batch, rng), a text such as "
                        f"'flip,crop', or None; got {type(augment).__name__}: {augment!r:.60}")
    if augment.replace(" ", "").lower() in ("", "none"):
        return None
    return parse_augment(augment, image_shape=image_shape_of(n_features))


class BatchRandomness:
    """The random changes `fit` makes to its training batches (see the module docstring).

    Args:
        model: masks are drawn if it has dropout (``model.dropout_units > 0``, an `MLP`).
        augment: None, a callable ``augment(X, rng)`` or a text ("flip,crop").
        seed: fit's seed.
        n_features: the length of a row of X (to read a text augment's image shape).

    Attributes:
        augment: the callable, or None.
        mask_units: numbers per sample's dropout mask (0: no masks).
    """

    def __init__(self, model: Any, augment: str | Augment | None, seed: int,
                 n_features: int) -> None:
        self.augment = as_augment(augment, n_features)
        self.mask_units = int(getattr(model, "dropout_units", 0))
        self.model, self.seed = model, seed

    def batches(self, batches: Iterable[tuple[np.ndarray, np.ndarray]], epoch: int
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """(X, y, masks) for every (X, y) of one epoch: X augmented, masks (len(X),
        mask_units) or None without dropout."""
        augment_rng = np.random.default_rng([self.seed, epoch, AUGMENT_STREAM])
        mask_rng = np.random.default_rng([self.seed, epoch, DROPOUT_STREAM])
        for X, y in batches:
            if self.augment is not None:
                X = self._augmented(X, augment_rng)
            masks = (self.model.sample_dropout_mask(len(X), mask_rng) if self.mask_units
                     else None)
            yield X, y, masks

    def _augmented(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.asarray(self.augment(X, rng))
        if out.shape != X.shape:  # e.g. a crop to a smaller size: the model cannot read it
            raise ValueError(f"augment {self.augment!r} turned a batch of shape {X.shape} "
                             f"into {out.shape}; it must keep the shape (same image size).")
        return out
