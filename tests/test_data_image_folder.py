"""load_image_folder: root/<class>/*.png|jpg|... -> ImageDataset."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nn.data import CIFAR10_CLASSES, ImageFolderError, load_cifar10, load_image_folder


def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    pixels = {}
    for cls, names in {"zebra": ["b.png", "a.PNG"], "ant": ["x.png"]}.items():
        for name in names:
            pixels[(cls, name)] = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
            save(tmp_path / cls / name, pixels[(cls, name)])
    (tmp_path / "ant" / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden").mkdir()
    return tmp_path, pixels


def test_classes_sorted_files_sorted_pixels_exact(folder):
    root, pixels = folder
    data = load_image_folder(root)
    assert data.class_names == ["ant", "zebra"]
    np.testing.assert_array_equal(data.labels, [0, 1, 1])
    assert data.images.shape == (3, 6, 5, 3) and data.images.dtype == np.uint8
    np.testing.assert_array_equal(data.images[0], pixels[("ant", "x.png")])
    np.testing.assert_array_equal(data.images[1], pixels[("zebra", "a.PNG")])  # a before b
    np.testing.assert_array_equal(data.images[2], pixels[("zebra", "b.png")])


def test_grayscale_and_rgba_files_become_rgb(tmp_path):
    save(tmp_path / "c" / "gray.png", np.full((4, 4), 77, np.uint8))
    save(tmp_path / "c" / "rgba.png", np.full((4, 4, 4), 200, np.uint8))
    data = load_image_folder(tmp_path)
    assert data.images.shape == (2, 4, 4, 3)
    assert (data.images[0] == 77).all() and (data.images[1] == 200).all()


def test_image_size_resizes_mixed_sizes(tmp_path):
    save(tmp_path / "a" / "big.png", np.full((16, 16, 3), 10, np.uint8))
    save(tmp_path / "b" / "small.jpg", np.full((8, 12, 3), 250, np.uint8))
    with pytest.raises(ImageFolderError, match="image_size"):
        load_image_folder(tmp_path)
    data = load_image_folder(tmp_path, image_size=4)
    assert data.images.shape == (2, 4, 4, 3)
    assert (data.images[0] == 10).all() and np.abs(data.images[1].astype(int) - 250).max() <= 3


def test_undecodable_image_is_named(tmp_path):
    save(tmp_path / "a" / "ok.png", np.zeros((4, 4, 3), np.uint8))
    broken = tmp_path / "a" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 this is not a jpeg")
    with pytest.raises(ImageFolderError, match="broken.jpg"):
        load_image_folder(tmp_path)


def test_missing_empty_and_classless_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_image_folder(tmp_path / "nowhere")
    with pytest.raises(ImageFolderError, match="no class sub-folders"):
        load_image_folder(tmp_path)
    (tmp_path / "cat").mkdir()
    with pytest.raises(ImageFolderError, match="cat holds no images"):
        load_image_folder(tmp_path)


def test_real_jpeg_folder_matches_the_balanced_test_subset(shared_data, cifar_dir):
    data = load_image_folder(shared_data / "cifar10-test-jpg")
    assert data.images.shape == (1000, 32, 32, 3)
    assert data.class_names == list(CIFAR10_CLASSES)
    np.testing.assert_array_equal(data.class_counts(), np.full(10, 100))
    # JPEG k of class c is the k-th test image of class c (the same decoded pixels)
    test = load_cifar10(cifar_dir, split="test", size=1000, balanced=True)
    np.testing.assert_array_equal(data.labels, test.labels)
    assert np.abs(data.images.astype(int) - test.images).mean() < 1.0
