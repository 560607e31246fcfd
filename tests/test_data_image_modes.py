"""Every Pillow mode an image folder may hold becomes the right 8-bit RGB values."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nn.data import ImageFolderError, load_image_folder
from nn.data.image_modes import pil_to_rgb


def load_one(tmp_path, image: Image.Image, name: str) -> np.ndarray:
    """Save `image` as the only file of a one-class folder and load it back."""
    (tmp_path / "c").mkdir(parents=True, exist_ok=True)
    image.save(tmp_path / "c" / name)
    return load_image_folder(tmp_path).images[0]


def gray3(values) -> np.ndarray:
    return np.repeat(np.asarray(values, np.uint8)[..., None], 3, axis=-1)


SIXTEEN = np.array([[0, 1, 128, 129, 257, 1000], [32767, 32768, 65000, 65278, 65279, 65535]])


def rounded_div_257(values) -> np.ndarray:
    """round(v / 257) in integers (never a tie: 257 is odd)."""
    return (2 * np.asarray(values, np.int64) + 257) // 514


def test_16_bit_png_is_scaled_not_clipped(tmp_path):
    image = Image.fromarray(SIXTEEN.astype(np.uint16))
    assert image.mode == "I;16"
    out = load_one(tmp_path, image, "deep.png")
    assert Image.open(tmp_path / "c" / "deep.png").mode == "I;16"  # really a 16-bit file
    np.testing.assert_array_equal(out, gray3(rounded_div_257(SIXTEEN)))
    assert out[1, 5, 0] == 255 and out[0, 4, 0] == 1 and out[1, 1, 0] == 128


def test_32_bit_int_is_read_as_16_bit_and_clipped(tmp_path):
    values = np.array([[-5, 0, 257, 65535, 70000, 1 << 30]], np.int32)
    image = Image.fromarray(values)
    assert image.mode == "I"
    out = load_one(tmp_path, image, "int.tif")
    np.testing.assert_array_equal(out, gray3([[0, 0, 1, 255, 255, 255]]))


def test_float_image_is_read_as_0_to_1(tmp_path):
    values = np.array([[-0.5, 0.0, 0.25, 0.5, 1.0, 2.0, np.nan]], np.float32)
    out = load_one(tmp_path, Image.fromarray(values), "float.tif")
    # 0.25 * 255 = 63.75 -> 64; 0.5 * 255 = 127.5 -> 128 (round half to even)
    np.testing.assert_array_equal(out, gray3([[0, 0, 64, 128, 255, 255, 0]]))


def test_8_bit_modes(tmp_path):
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (4, 5, 4), dtype=np.uint8)
    gray_alpha = rgba[..., :2]
    cmyk = rgba
    palette = rng.integers(0, 256, (256, 3), dtype=np.uint8)
    index = rng.integers(0, 256, (4, 5), dtype=np.uint8)
    paletted = Image.fromarray(index, "P")
    paletted.putpalette(palette.ravel().tolist())
    cases = {
        "L": (Image.fromarray(rgba[..., 0], "L"), gray3(rgba[..., 0])),
        "LA": (Image.fromarray(gray_alpha, "LA"), gray3(gray_alpha[..., 0])),
        "RGBA": (Image.fromarray(rgba, "RGBA"), rgba[..., :3]),
        "P": (paletted, palette[index]),
        "CMYK": (Image.fromarray(cmyk, "CMYK"), np.rint(
            (255 - cmyk[..., :3].astype(float)) * (255 - cmyk[..., 3:].astype(float)) / 255)),
    }
    for mode, (image, expected) in cases.items():
        assert image.mode == mode
        np.testing.assert_array_equal(pil_to_rgb(image), expected, err_msg=mode)
    # and through files: PNG keeps L, LA, RGBA, P; TIFF keeps CMYK
    for mode, suffix in [("L", "png"), ("LA", "png"), ("RGBA", "png"), ("P", "png"),
                         ("CMYK", "tif")]:
        folder = tmp_path / mode
        out = load_one(folder, cases[mode][0], f"image.{suffix}")
        np.testing.assert_array_equal(out, cases[mode][1], err_msg=mode)


def test_a_decompression_bomb_names_the_file(tmp_path, monkeypatch):
    (tmp_path / "c").mkdir()
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "c" / "huge.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 4,096 pixels > 2 x 1,000
    with pytest.raises(ImageFolderError, match=r"refused image .*huge\.png.*decompression bomb"):
        load_image_folder(tmp_path)
