"""Mini-batches and a train/validation split.

Shuffling and reproducibility: `iterate_minibatches` takes either

* an int ``seed`` plus the ``epoch`` number: the order is drawn from
  ``np.random.default_rng([seed, epoch])``, so every epoch gets a different order, and
  epoch 7 of a run is the same every time you rerun it (even after restarting at epoch 7); or
* a ``numpy.random.Generator``: its state advances with each call, so calling again gives the
  next epoch's order (``epoch`` is then ignored, as the generator already carries the state).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..validation import positive_int


def _check_pair(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples (first axis), got X {X.shape} "
            f"and y {y.shape}"
        )
    return X, y


def _order(n: int, shuffle: bool, seed: int | np.random.Generator | None, epoch: int) -> np.ndarray:
    if not shuffle:
        return np.arange(n)
    if isinstance(seed, np.random.Generator):
        return seed.permutation(n)
    if seed is None:
        return np.random.default_rng().permutation(n)  # fresh OS entropy: not reproducible
    return np.random.default_rng([seed, epoch]).permutation(n)


def iterate_minibatches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
                        seed: int | np.random.Generator | None = 0, epoch: int = 0,
                        drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    Args:
        X: Samples, first axis = sample (e.g. float64 (N, D)).
        y: Labels (N,).
        batch_size: Samples per batch (>= 1); the last batch may be smaller.
        shuffle: Visit samples in a random order (else in index order).
        seed: Int seed (order depends on ``(seed, epoch)``), a numpy Generator (order
            advances with the generator), or None (unseeded).
        epoch: Epoch number mixed into an int seed so each epoch is shuffled differently.
        drop_last: Skip a final batch smaller than `batch_size` (keeps batch statistics even).

    Returns:
        An iterator of (X_batch, y_batch); arguments are checked at call time, not at the
        first ``next``.

    Raises:
        ValueError: batch_size < 1, epoch < 0, or X and y of different lengths.
    """
    X, y = _check_pair(X, y)
    batch_size = positive_int(batch_size, "batch_size")
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch}")
    order = _order(len(X), shuffle, seed, epoch)
    stop = len(X) - len(X) % batch_size if drop_last else len(X)

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, stop, batch_size):
            index = order[start:start + batch_size]
            yield X[index], y[index]

    return batches()


def train_val_split(X: np.ndarray, y: np.ndarray, val_fraction: float = 0.1,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Randomly hold out a validation set.

    Args:
        X: Samples (N, ...).
        y: Labels (N,).
        val_fraction: Share of samples for validation, 0 < val_fraction < 1; the count is
            ``round(N * val_fraction)`` and must leave at least one sample on each side.
        seed: Seed of the shuffle (same seed, same split).

    Returns:
        ``(X_train, X_val, y_train, y_val)`` (the order of scikit-learn's train_test_split).
    """
    X, y = _check_pair(X, y)
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction}")
    n_val = round(len(X) * val_fraction)
    if not 1 <= n_val < len(X):
        raise ValueError(
            f"val_fraction={val_fraction} of {len(X)} samples gives {n_val} validation samples; "
            "both parts need at least one, so use more data or another fraction"
        )
    order = np.random.default_rng(seed).permutation(len(X))
    val, train = order[:n_val], order[n_val:]
    return X[train], X[val], y[train], y[val]
