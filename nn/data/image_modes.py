"""Turn a Pillow image of any mode into 8-bit RGB, the loader's convention (uint8 0..255).

Pillow's own ``convert("RGB")`` is right for 8-bit modes but not for deeper ones: it clips a
16-bit value (0..65,535) to 255, so a 16-bit PNG comes out almost white, and it reads a
float image as if 1.0 were a dark grey. The rules here, mode by mode:

====================  =========================================================================
mode                  8-bit value
====================  =========================================================================
L, P, RGB, CMYK, ...  Pillow's conversion (palette looked up; CMYK: R = (255-C)(255-K)/255)
LA, PA, RGBA          the colour as stored, alpha dropped (torchvision's ImageFolder does too)
I;16, I;16B, I;16L    ``round(v / 257)``: 0..65,535 onto 0..255 exactly (65,535 / 257 = 255)
I (32-bit int)        the same rule as 16-bit, after clipping to 0..65,535: Pillow opens
                      16-bit PNG and TIFF files in this mode, so that is the range they hold
F (32-bit float)      ``round(255 * v)`` after clipping to [0, 1], the usual range of float
                      images (matplotlib, scikit-image); NaN becomes 0
====================  =========================================================================

A single-channel result is repeated on R, G and B, as for an 8-bit grayscale image.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
FLOAT_MODES = ("F",)


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[..., None], 3, axis=2)


def sixteen_bit_to_uint8(values: np.ndarray) -> np.ndarray:
    """0..65,535 -> 0..255 by ``round(v / 257)``; values outside are clipped first."""
    clipped = np.clip(values.astype(np.float64), 0, 65535)
    return np.rint(clipped / 257.0).astype(np.uint8)


def float_to_uint8(values: np.ndarray) -> np.ndarray:
    """[0, 1] -> 0..255 by ``round(255 v)``; values outside are clipped, NaN becomes 0."""
    clipped = np.clip(np.nan_to_num(values.astype(np.float64), nan=0.0), 0.0, 1.0)
    return np.rint(clipped * 255.0).astype(np.uint8)


def pil_to_rgb(image: Image.Image) -> np.ndarray:
    """Decode `image` (any mode) into uint8 (H, W, 3) by the rules of this module's table.

    Raises:
        ValueError: Pillow cannot convert this mode to RGB.
        OSError: The file behind `image` is truncated or damaged.
    """
    if image.mode in SIXTEEN_BIT_MODES:
        return _gray_to_rgb(sixteen_bit_to_uint8(np.asarray(image)))
    if image.mode in FLOAT_MODES:
        return _gray_to_rgb(float_to_uint8(np.asarray(image)))
    if image.mode in ("P", "PA"):  # via RGBA: a palette may carry transparency
        image = image.convert("RGBA")
    return np.asarray(image.convert("RGB"), dtype=np.uint8)
