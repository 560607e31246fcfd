"""An oracle that needs no PyTorch: the same function in 50-digit arithmetic (mpmath).

The function is evaluated again with mpmath numbers and differentiated by central
differences, one input at a time:

    df/dx_i ~ (f(..., x_i + h, ...) - f(..., x_i - h, ...)) / (2 h)

The truncation error is about h**2/6 * |f'''| and the rounding error about
10**-DIGITS * |f| / h. With 50 digits and h = 1e-15 both are near 1e-30, fourteen orders of
magnitude below float64's resolution (1e-16): against our float64 engine the oracle is, in
effect, exact. (The gradcheck the students use works in float64 and cannot be that sure.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

mpmath = pytest.importorskip("mpmath")

DIGITS = 50
STEP = "1e-15"


def value_and_gradient(
    f: Callable[[list], object], points: Sequence[float]
) -> tuple[float, list[float]]:
    """f(points) and its gradient by central differences, both at DIGITS digits.

    Args:
        f: a function of a list of mpmath numbers, written with operators and mpmath
            functions, returning one mpmath number.
        points: where to evaluate (floats; converted exactly).

    Returns:
        The value and the gradient, rounded to floats at the end.
    """
    with mpmath.workdps(DIGITS):
        h = mpmath.mpf(STEP)
        xs = [mpmath.mpf(x) for x in points]  # a float converts exactly
        gradient = []
        for i in range(len(xs)):
            up, down = list(xs), list(xs)
            up[i] += h
            down[i] -= h
            gradient.append(float((f(up) - f(down)) / (2 * h)))
        return float(f(xs)), gradient
