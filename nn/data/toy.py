"""Small 2-D classification sets generated in code, for watching an MLP learn in seconds.

Every function returns ``(X, y)`` with X float64 (n_samples, 2) and y int64 (n_samples,).
Classes are balanced (sizes differ by at most one), rows are shuffled (so a batch never holds
one class only), points lie roughly in [-2, 2] (inputs of order 1 suit the default learning
rate), and the same seed always gives the same points (a numpy Generator per call: no global
random state).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """Split n_samples into n_classes sizes differing by at most one (the first get the extra)."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < n_classes:
        raise ValueError(
            f"n_samples must be an int >= the number of classes ({n_classes}), got {n_samples!r}"
        )
    return [n_samples // n_classes + (c < n_samples % n_classes) for c in range(n_classes)]


def _check_noise(noise: float) -> None:
    if not noise >= 0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise}")


def _finish(points: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-class point arrays, label them 0, 1, ..., and shuffle the rows."""
    X = np.concatenate(points).astype(np.float64)
    y = np.concatenate([np.full(len(p), c, np.int64) for c, p in enumerate(points)])
    order = rng.permutation(len(X))
    return X[order], y[order]


def make_moons(n_samples: int = 200, noise: float = 0.1,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (not linearly separable).

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, t evenly spaced in
    [0, pi], plus Gaussian noise of std `noise`; then centred and scaled by 1.3 to about
    [-2, 2] x [-1.3, 1.3].
    """
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    points = [p + rng.normal(0, noise, p.shape) for p in (upper, lower)]
    points = [(p - [0.5, 0.25]) * 1.3 for p in points]
    return _finish(points, rng)


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1) inside a large one (class 0).

    Radius 1 and `factor` (0 < factor < 1), angles evenly spaced, Gaussian noise of std
    `noise`, then scaled by 1.8 (outer radius 1.8).
    """
    _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner/outer radius ratio, 0 < factor < 1; got {factor}")
    rng = np.random.default_rng(seed)
    points = []
    for size, radius in zip(_class_sizes(n_samples, 2), (1.0, factor)):
        angle = np.linspace(0, 2 * np.pi, size, endpoint=False)
        ring = radius * np.column_stack([np.cos(angle), np.sin(angle)])
        points.append(1.8 * (ring + rng.normal(0, noise, ring.shape)))
    return _finish(points, rng)


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n "spiral" set).

    Arm c: radius r evenly spaced in [0, 1], angle ``t = 4c + 4r + noise * N(0, 1)`` (radians),
    point ``2 r (sin t, cos t)``: a radius of at most 2.
    """
    _check_noise(noise)
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    rng = np.random.default_rng(seed)
    points = []
    for c, size in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, size)
        t = np.linspace(4.0 * c, 4.0 * (c + 1), size) + rng.normal(0, noise, size)
        points.append(2.0 * r[:, None] * np.column_stack([np.sin(t), np.cos(t)]))
    return _finish(points, rng)


def make_xor(n_samples: int = 200, noise: float = 0.35,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clusters at (+-1, +-1); the label is XOR of the two signs.

    Class 0: (1, 1) and (-1, -1) (signs agree); class 1: (1, -1) and (-1, 1). No straight line
    separates the classes: the smallest problem that needs a hidden layer.
    """
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    centres = {0: [(1, 1), (-1, -1)], 1: [(1, -1), (-1, 1)]}
    points = []
    for c, size in enumerate(_class_sizes(n_samples, 2)):
        halves = _class_sizes(size, 2) if size >= 2 else [size, 0]
        cluster = [np.asarray(centre, float) + rng.normal(0, noise, (k, 2))
                   for centre, k in zip(centres[c], halves)]
        points.append(np.concatenate(cluster))
    return _finish(points, rng)


def make_blobs(n_samples: int = 200, centers: int | np.ndarray = 3, std: float = 0.35,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, one per class (linearly separable: a sanity check).

    Args:
        n_samples: Total number of points.
        centers: Number of blobs (placed evenly on a circle of radius 1.5), or an array
            (k, 2) of centres.
        std: Standard deviation of each blob.
        seed: Random seed.
    """
    _check_noise(std)
    if isinstance(centers, (int, np.integer)):
        if centers < 2:
            raise ValueError(f"centers must be >= 2 (or an array of centres), got {centers}")
        angle = 2 * np.pi * np.arange(centers) / centers
        centers = 1.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    centers = np.asarray(centers, np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2 or len(centers) < 2:
        raise ValueError(f"centers must be an int or an array (k >= 2, 2), got {centers.shape}")
    rng = np.random.default_rng(seed)
    points = [centre + rng.normal(0, std, (size, 2))
              for centre, size in zip(centers, _class_sizes(n_samples, len(centers)))]
    return _finish(points, rng)


TOY_DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
    "xor": make_xor,
    "blobs": make_blobs,
}


def load_toy(name: str, n_samples: int | None = None,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Generate the toy set called `name` with its default parameters.

    Args:
        name: One of ``"moons", "circles", "spirals", "xor", "blobs"`` (case-insensitive).
        n_samples: Number of points; None uses the set's default.
        seed: Random seed.

    Returns:
        (X float64 (n, 2), y int64 (n,)).
    """
    key = name.lower().strip() if isinstance(name, str) else name
    if key not in TOY_DATASETS:
        raise ValueError(
            f"unknown toy dataset {name!r}; valid names: {', '.join(TOY_DATASETS)}"
        )
    make = TOY_DATASETS[key]
    return make(seed=seed) if n_samples is None else make(n_samples=n_samples, seed=seed)
