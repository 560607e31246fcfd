"""`ImageDataset`: images, integer labels and class names, as loaded from disk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ImageDataset:
    """A labelled set of images, as returned by `load_cifar10` and `load_image_folder`.

    Attributes:
        images: uint8 array of shape (N, H, W, C), channels last (HWC), values 0..255.
        labels: int64 array of shape (N,), each in ``0 .. len(class_names) - 1``.
        class_names: Name of each class; ``class_names[labels[i]]`` names image i.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.dtype != np.uint8:
            raise ValueError(
                f"images must be uint8 of shape (N, H, W, C), got {self.images.dtype} "
                f"{self.images.shape}"
            )
        if self.labels.shape != (len(self.images),):
            raise ValueError(
                f"labels must have shape ({len(self.images)},) to match the images, "
                f"got {self.labels.shape}"
            )
        if len(self.labels) and not 0 <= self.labels.min() <= self.labels.max() < len(
            self.class_names
        ):
            raise ValueError(
                f"labels must lie in 0..{len(self.class_names) - 1} (one per class name), "
                f"got {self.labels.min()}..{self.labels.max()}"
            )

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        """Number of images of each class, as an int64 array of length ``len(class_names)``."""
        return np.bincount(self.labels, minlength=len(self.class_names)).astype(np.int64)
