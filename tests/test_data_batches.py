"""Mini-batch iteration and the train/validation split."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import iterate_minibatches, train_val_split

X = np.arange(23 * 2, dtype=float).reshape(23, 2)
Y = np.arange(23)


def batches(**kwargs):
    return list(iterate_minibatches(X, Y, **kwargs))


def test_one_epoch_visits_every_sample_once_with_pairs_kept_together():
    out = batches(batch_size=5)
    assert [len(yb) for _, yb in out] == [5, 5, 5, 5, 3]
    seen = np.concatenate([yb for _, yb in out])
    np.testing.assert_array_equal(np.sort(seen), Y)
    for xb, yb in out:
        np.testing.assert_array_equal(xb, X[yb])


def test_drop_last_skips_the_short_batch():
    assert [len(yb) for _, yb in batches(batch_size=5, drop_last=True)] == [5, 5, 5, 5]


def test_no_shuffle_keeps_index_order():
    seen = np.concatenate([yb for _, yb in batches(batch_size=4, shuffle=False)])
    np.testing.assert_array_equal(seen, Y)


def order(**kwargs):
    return np.concatenate([yb for _, yb in batches(batch_size=23, **kwargs)])


def test_int_seed_and_epoch_give_reproducible_but_different_orders():
    np.testing.assert_array_equal(order(seed=1, epoch=2), order(seed=1, epoch=2))
    assert not np.array_equal(order(seed=1, epoch=2), order(seed=1, epoch=3))
    assert not np.array_equal(order(seed=1, epoch=2), order(seed=2, epoch=2))
    assert not np.array_equal(order(seed=1), Y)  # actually shuffled


def test_generator_advances_between_epochs_and_is_reproducible():
    rng = np.random.default_rng(5)
    first, second = order(seed=rng), order(seed=rng)
    assert not np.array_equal(first, second)
    rng_again = np.random.default_rng(5)
    np.testing.assert_array_equal(order(seed=rng_again), first)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size_raises_at_call_time(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        iterate_minibatches(X, Y, batch_size)  # no next(): checked eagerly


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match=r"\(23, 2\).*\(22,\)"):
        iterate_minibatches(X, Y[:-1], 4)


def test_negative_epoch_raises():
    with pytest.raises(ValueError, match="epoch"):
        iterate_minibatches(X, Y, 4, epoch=-1)


def test_train_val_split_partitions_the_data():
    X_train, X_val, y_train, y_val = train_val_split(X, Y, val_fraction=0.2, seed=0)
    assert len(y_val) == round(23 * 0.2) == 5 and len(y_train) == 18
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_val])), Y)
    np.testing.assert_array_equal(X_train, X[y_train])
    np.testing.assert_array_equal(X_val, X[y_val])
    again = train_val_split(X, Y, val_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[3], y_val)
    assert not np.array_equal(train_val_split(X, Y, 0.2, seed=1)[3], y_val)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 0.01, 0.99])
def test_train_val_split_rejects_fractions_leaving_a_side_empty(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(X, Y, fraction)
