"""Batch augmentation: flips and crops move pixels exactly, respect the layout, repeat by seed."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import (
    Compose,
    RandomCrop,
    RandomHorizontalFlip,
    flatten,
    parse_augment,
    prepare_images,
    to_float,
)
from nn.data.augment import crop_at


def batch(n=6, shape=(3, 32, 32), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, int(np.prod(shape))))


def real_looking_images(n=4) -> np.ndarray:
    """uint8 (n, 32, 32, 3) with different content per channel, row and column."""
    i, j = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    red, green, blue = 8 * i, 8 * j, (i * j) % 256  # gradients no flip leaves unchanged
    image = np.stack([red, green, blue], axis=-1).astype(np.uint8)
    return np.stack([np.roll(image, k, axis=1) for k in range(n)])


def test_flip_matches_np_flip_on_the_chw_view_of_prepared_images():
    images = real_looking_images()
    X, _ = prepare_images(images, standardize=False)  # the project's flattening (chw)
    out = RandomHorizontalFlip(p=1.0)(X, 0)
    expected = np.flip(X.reshape(-1, 3, 32, 32), axis=3).reshape(len(X), -1)
    np.testing.assert_array_equal(out, expected)
    # the same as flipping the HWC images left-right before flattening
    np.testing.assert_array_equal(out, flatten(to_float(images[:, :, ::-1, :])))
    assert not np.array_equal(out, X)


def test_flip_twice_is_the_identity_and_p_decides_which_images():
    X = batch(200)
    flip = RandomHorizontalFlip(p=0.5)
    once = flip(X, np.random.default_rng(1))
    twice = flip(once, np.random.default_rng(1))  # the same draws flip the same images back
    np.testing.assert_array_equal(twice, X)
    flipped = ~np.all(once == X, axis=1)
    assert 70 < flipped.sum() < 130  # about half of 200
    np.testing.assert_array_equal(flipped, np.random.default_rng(1).random(200) < 0.5)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(X, 3), X)


def test_crop_with_zero_shift_is_the_identity():
    X = batch()
    np.testing.assert_array_equal(RandomCrop(32, padding=0)(X, 5), X)
    centre = np.full(len(X), 4)
    np.testing.assert_array_equal(crop_at(X, centre, centre, 32, 4), X)


@pytest.mark.parametrize("top,left", [(0, 0), (4, 4), (8, 8), (1, 7), (6, 2)])
def test_a_shift_moves_every_pixel_exactly(top, left):
    X = batch(2)
    out = crop_at(X, np.array([top, 4]), np.array([left, 4]), 32, 4).reshape(2, 3, 32, 32)
    planes = X.reshape(2, 3, 32, 32)
    down, right = 4 - top, 4 - left  # the picture moves by (down, right)
    for c in range(3):
        for i in range(32):
            for j in range(32):
                si, sj = i - down, j - right  # where the pixel came from
                inside = 0 <= si < 32 and 0 <= sj < 32
                assert out[0, c, i, j] == (planes[0, c, si, sj] if inside else 0.0)
    np.testing.assert_array_equal(out[1], planes[1])  # the other image was not moved


def test_random_crop_draws_shifts_within_the_padding():
    X = np.ones((500, 3 * 32 * 32))
    out = RandomCrop(32, 4)(X, 0).reshape(500, 3, 32, 32)
    zero_rows = (out[:, 0, :, 16] == 0).sum(axis=1)  # rows uncovered by the vertical shift
    assert zero_rows.max() == 4 and set(np.unique(zero_rows)) == set(range(5))
    assert out.dtype == X.dtype and np.all((out == 0) | (out == 1))


def test_smaller_crop_and_other_image_shapes():
    X = batch(3, (1, 8, 8))
    out = RandomCrop(6, padding=0, image_shape=(1, 8, 8))(X, 0)
    assert out.shape == (3, 36)
    windows = np.lib.stride_tricks.sliding_window_view(X.reshape(3, 8, 8), (6, 6), axis=(1, 2))
    for k in range(3):  # each crop is one of the 9 windows of its own image
        assert any(np.array_equal(out[k], w.ravel()) for w in windows[k].reshape(-1, 6, 6))


def test_same_seed_same_result_and_the_input_is_untouched():
    X = batch(50)
    before = X.copy()
    augment = parse_augment("flip,crop")
    a, b = augment(X, np.random.default_rng(7)), augment(X, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, augment(X, np.random.default_rng(8)))
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(augment(X, 7), a)  # an int seed means default_rng(seed)
    assert a.dtype == X.dtype and augment(X.astype(np.float32), 7).dtype == np.float32


def test_compose_applies_in_order_with_one_generator():
    X = batch(20)
    flip, crop = RandomHorizontalFlip(1.0), RandomCrop(32, 4)
    rng = np.random.default_rng(3)
    expected = crop(flip(X, rng), rng)
    np.testing.assert_array_equal(Compose([flip, crop])(X, np.random.default_rng(3)), expected)


def test_parse_augment():
    assert repr(parse_augment("flip,crop")) == (
        "Compose([RandomHorizontalFlip(p=0.5), RandomCrop(size=32, padding=4)])")
    assert repr(parse_augment("crop=2, FLIP=0.25")) == (
        "Compose([RandomCrop(size=32, padding=2), RandomHorizontalFlip(p=0.25)])")
    small = parse_augment("crop", image_shape=(3, 8, 8))
    assert repr(small) == "Compose([RandomCrop(size=8, padding=1)])"
    X = batch()
    np.testing.assert_array_equal(parse_augment("none")(X, 0), X)
    np.testing.assert_array_equal(parse_augment("")(X, 0), X)


@pytest.mark.parametrize("spec,match", [
    ("rotate", "unknown augmentation 'rotate'.*flip, flip=P, crop"),
    ("flip=often", "'often' is not a float"),
    ("flip=2", r"p must lie in \[0, 1\]"),
    ("crop=-1", "padding must be an int >= 0"),
])
def test_parse_augment_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_augment(spec)


def test_wrong_batch_shape_is_explained():
    with pytest.raises(ValueError, match=r"shape \(n, 3072\).*got \(4, 192\).*image_shape"):
        RandomHorizontalFlip()(np.zeros((4, 192)), 0)
    with pytest.raises(ValueError, match="size must be an int in 1..40"):
        RandomCrop(41, 4)
