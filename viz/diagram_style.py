"""How the diagrams look: the colour of each kind of node, the font, and the numbers.

`draw_dot`, `animate_backward` and `draw_mlp` share these, so a parameter is the same blue
and a number is written the same way in every picture of the course.
"""

from __future__ import annotations

import math

__all__ = ["format_number"]

# Fill colours, chosen to stay readable with black text and when printed in grey.
PARAMETER_COLOR = "#c5dcff"  # light blue
LEAF_COLOR = "#fff1b8"  # light yellow
INTERMEDIATE_COLOR = "#ffffff"
OUTPUT_COLOR = "#c3f0ca"  # light green
OP_COLOR = "#ececec"  # light grey
# Gradient colours (color_by_grad): white for 0, towards these for the largest |grad|.
POSITIVE_GRAD_COLOR = (255, 107, 107)  # red
NEGATIVE_GRAD_COLOR = (77, 171, 247)  # blue

FONT = "Helvetica"
FONT_SIZE = 12


# Fixed decimals hide the digits of a number this large or, relative to `digits`, this small;
# there (and only there) format_number switches to scientific notation.
SCIENTIFIC_FROM = 1e4


def format_number(x: float, digits: int = 4) -> str:
    """`x` with exactly `digits` decimals, so every number of a diagram reads alike.

    Fixed point, 2.0000, -0.7071, 0.5000, 0.0000, while that shows at least two significant
    digits and |x| < 10,000: ``10**(1 - digits) <= |x| < 1e4``. Outside that, scientific
    notation with the same `digits` decimals: 1.5000e-05, 1.2346e+04. nan, inf and -inf
    are written as such.
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        x = 0.0  # no "-0.0000"
    fixed = f"{x:.{digits}f}"
    shown = abs(float(fixed))  # decided on the rounded value: 9999.99999 is 1.0000e+04
    if x == 0.0 or 10.0 ** (1 - digits) <= shown < SCIENTIFIC_FROM:
        return fixed
    return f"{x:.{digits}e}"


def text_width(text: str) -> float:
    """A generous estimate of the width in points of `text` in the diagrams' font."""
    return 0.62 * FONT_SIZE * len(text)


def grad_color(grad: float, largest: float) -> str:
    """White for 0, red for the largest positive gradient, blue for the largest negative."""
    if largest == 0.0 or not math.isfinite(grad):
        return "#ffffff"
    # The square root lifts small gradients enough to be seen next to a large one.
    t = 0.9 * math.sqrt(min(abs(grad) / largest, 1.0))
    rgb = POSITIVE_GRAD_COLOR if grad > 0 else NEGATIVE_GRAD_COLOR
    mixed = [round(255 * (1 - t) + c * t) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)
