"""Preprocessing: scaling, resizing, grayscale, per-channel standardisation, flattening."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from nn.data import (
    ChannelStandardizer,
    ImageDataset,
    flatten,
    prepare_images,
    resize,
    to_float,
    to_grayscale,
)

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
TEST_IMAGES = RNG.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)


def test_to_float_maps_0_255_to_0_1():
    out = to_float(np.array([0, 51, 255], np.uint8))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [0.0, 0.2, 1.0])


def test_to_float_refuses_floats():
    with pytest.raises(TypeError, match="uint8"):
        to_float(np.zeros(3))


def test_resize_32_to_8_is_the_4x4_block_mean():
    out = resize(IMAGES, 8)
    assert out.shape == (6, 8, 8, 3) and out.dtype == np.uint8
    block_mean = IMAGES.reshape(6, 8, 4, 8, 4, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(out, block_mean, atol=1.0)  # pillow rounds to integers


def test_resize_non_square_and_single_channel():
    gray = to_grayscale(IMAGES)
    out = resize(gray, (16, 8))
    assert out.shape == (6, 16, 8, 1)
    np.testing.assert_allclose(out, gray.reshape(6, 16, 2, 8, 4, 1).mean(axis=(2, 4)), atol=1.0)


@pytest.mark.parametrize("size", [0, -3, (8,), "8"])
def test_resize_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="size"):
        resize(IMAGES, size)


def test_grayscale_is_bt601_luma_and_keeps_a_channel_axis():
    as_float = to_float(IMAGES)
    gray = to_grayscale(as_float)
    assert gray.shape == (6, 32, 32, 1)
    expected = 0.299 * as_float[..., 0] + 0.587 * as_float[..., 1] + 0.114 * as_float[..., 2]
    np.testing.assert_allclose(gray[..., 0], expected)


def test_grayscale_uint8_matches_pillow_within_rounding():
    ours = to_grayscale(IMAGES)[0, ..., 0].astype(int)
    pillow = np.asarray(Image.fromarray(IMAGES[0]).convert("L")).astype(int)
    assert np.abs(ours - pillow).max() <= 1


def test_flatten_chw_is_channel_major_like_cifar_rows():
    flat = flatten(IMAGES)
    assert flat.shape == (6, 3072)
    np.testing.assert_array_equal(flat[2].reshape(3, 32, 32), IMAGES[2].transpose(2, 0, 1))
    # pixel (row 1, col 2) of the green plane sits at 1024 + 1 * 32 + 2
    assert flat[2, 1024 + 32 + 2] == IMAGES[2, 1, 2, 1]


def test_flatten_hwc_keeps_pixels_together():
    np.testing.assert_array_equal(flatten(IMAGES, "hwc")[1].reshape(32, 32, 3), IMAGES[1])
    with pytest.raises(ValueError, match="order"):
        flatten(IMAGES, "whc")


def test_standardizer_fits_on_train_and_reuses_train_statistics_on_test():
    train, test = to_float(IMAGES), to_float(TEST_IMAGES)
    scaler = ChannelStandardizer().fit(train)
    z_train = scaler.transform(train)
    np.testing.assert_allclose(z_train.mean(axis=(0, 1, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(z_train.std(axis=(0, 1, 2)), 1.0)
    mean, std = train.mean(axis=(0, 1, 2)), train.std(axis=(0, 1, 2))
    np.testing.assert_allclose(scaler.transform(test), (test - mean) / std)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test)


def test_standardizer_state_round_trips_through_json():
    scaler = ChannelStandardizer().fit(to_float(IMAGES))
    state = json.loads(json.dumps({k: v.tolist() for k, v in scaler.state.items()}))
    again = ChannelStandardizer.from_state(state)
    np.testing.assert_array_equal(again.transform(TEST_IMAGES), scaler.transform(TEST_IMAGES))


def test_standardizer_constant_channel_gets_std_one():
    images = np.zeros((2, 4, 4, 2))
    images[..., 1] = np.arange(32).reshape(2, 4, 4)
    scaler = ChannelStandardizer().fit(images)
    assert scaler.std[0] == 1.0
    assert np.isfinite(scaler.transform(images)).all()


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="fit"):
        ChannelStandardizer().transform(IMAGES)
    scaler = ChannelStandardizer().fit(IMAGES)
    with pytest.raises(ValueError, match="3 channels"):
        scaler.transform(to_grayscale(IMAGES))


def test_prepare_images_pipeline():
    X_train, X_test = prepare_images(IMAGES, TEST_IMAGES, image_size=8)
    assert X_train.shape == (6, 192) and X_test.shape == (4, 192)
    assert X_train.dtype == np.float64
    per_channel = X_train.reshape(6, 3, 64)
    np.testing.assert_allclose(per_channel.mean(axis=(0, 2)), 0.0, atol=1e-12)
    # test set uses the training statistics, so it is not exactly centred
    assert np.abs(X_test.reshape(4, 3, 64).mean(axis=(0, 2))).max() > 1e-3
    small = to_float(resize(IMAGES, 8))
    expected = (small - small.mean(axis=(0, 1, 2))) / small.std(axis=(0, 1, 2))
    np.testing.assert_allclose(X_train, flatten(expected))


def test_prepare_images_grayscale_unstandardised_dataset_input():
    train = ImageDataset(IMAGES, np.zeros(6, np.int64), ["only"])
    X_train, X_test = prepare_images(train, None, grayscale=True, standardize=False)
    assert X_test is None and X_train.shape == (6, 1024)
    np.testing.assert_allclose(X_train, flatten(to_grayscale(to_float(IMAGES))))
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
