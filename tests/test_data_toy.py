"""Toy 2-D datasets: shapes, balance, range, determinism, and that they are learnable."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import (
    TOY_DATASETS,
    load_toy,
    make_blobs,
    make_circles,
    make_moons,
    make_xor,
)

NAMES = list(TOY_DATASETS)


def knn_leave_one_out_accuracy(X: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """Accuracy of k-nearest-neighbour voting, each point classified by the others."""
    distances = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(distances, np.inf)
    neighbours = np.argsort(distances, axis=1)[:, :k]
    votes = np.array([np.bincount(y[row], minlength=y.max() + 1).argmax() for row in neighbours])
    return float((votes == y).mean())


def linear_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a least-squares linear classifier (one-hot targets)."""
    A = np.column_stack([X, np.ones(len(X))])
    W, *_ = np.linalg.lstsq(A, np.eye(y.max() + 1)[y], rcond=None)
    return float(((A @ W).argmax(1) == y).mean())


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_balance_and_range(name):
    X, y = load_toy(name)
    n_classes = 3 if name in ("spirals", "blobs") else 2
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert y.dtype == np.int64 and y.shape == (len(X),)
    counts = np.bincount(y)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert np.abs(X).max() < 2.8 and np.abs(X).max() > 1.0  # "roughly [-2, 2]"
    assert np.abs(X.mean(0)).max() < 0.5  # centred


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_points_other_seed_other_points(name):
    X1, y1 = load_toy(name, seed=3)
    X2, y2 = load_toy(name, seed=3)
    X3, _ = load_toy(name, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", NAMES)
def test_rows_are_shuffled_so_a_batch_mixes_classes(name):
    _, y = load_toy(name)
    assert len(np.unique(y[:20])) >= 2


@pytest.mark.parametrize("name", NAMES)
def test_learnable_from_neighbours(name):
    X, y = load_toy(name)
    assert knn_leave_one_out_accuracy(X, y) > 0.9


@pytest.mark.parametrize("name", ["xor", "circles", "spirals"])
def test_nonlinear_sets_defeat_a_linear_classifier(name):
    X, y = load_toy(name)
    assert linear_accuracy(X, y) < 0.7


def test_blobs_are_linearly_separable():
    X, y = make_blobs()
    assert linear_accuracy(X, y) > 0.95


@pytest.mark.parametrize("name,n", [("moons", 101), ("spirals", 31), ("xor", 7), ("blobs", 50)])
def test_n_samples_and_odd_sizes(name, n):
    X, y = load_toy(name, n_samples=n)
    assert len(X) == len(y) == n
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_zero_noise_moons_lie_on_the_scaled_half_circles():
    X, y = make_moons(50, noise=0.0)
    upper = X[y == 0] / 1.3 + [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= -1e-12).all()


def test_circles_radii_follow_factor():
    X, y = make_circles(100, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.8)
    np.testing.assert_allclose(radius[y == 1], 1.8 * 0.3)


def test_xor_label_is_sign_disagreement_for_low_noise():
    X, y = make_xor(200, noise=0.1)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_blobs_accept_explicit_centres():
    X, y = make_blobs(40, centers=np.array([[0.0, 0.0], [1.0, 1.0]]), std=0.0)
    np.testing.assert_array_equal(X[y == 1], np.ones(((y == 1).sum(), 2)))


def test_load_toy_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="moons, circles, spirals, xor, blobs"):
        load_toy("swissroll")


def test_load_toy_is_case_insensitive():
    np.testing.assert_array_equal(load_toy("Moons")[0], make_moons()[0])


@pytest.mark.parametrize("call", [
    lambda: make_moons(1),
    lambda: make_moons(noise=-0.1),
    lambda: make_circles(factor=1.5),
    lambda: make_blobs(centers=1),
    lambda: load_toy("spirals", n_samples=2),
])
def test_bad_arguments_raise(call):
    with pytest.raises(ValueError):
        call()
