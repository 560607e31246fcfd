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


class Exact:
    """An mpmath number with the methods of a Value (``a.exp()``, ``a.relu()``, ...), so that
    code written for Values (``lambda a, b: (a * b).tanh()``) runs on it unchanged."""

    __slots__ = ("x",)

    def __init__(self, x) -> None:
        self.x = x.x if isinstance(x, Exact) else mpmath.mpf(x)

    @staticmethod
    def _x(other):
        return other.x if isinstance(other, Exact) else mpmath.mpf(other)

    def __add__(self, other):
        return Exact(self.x + self._x(other))

    def __radd__(self, other):  # other + self
        return Exact(self._x(other) + self.x)

    def __sub__(self, other):
        return Exact(self.x - self._x(other))

    def __rsub__(self, other):  # other - self
        return Exact(self._x(other) - self.x)

    def __mul__(self, other):
        return Exact(self.x * self._x(other))

    def __rmul__(self, other):  # other * self
        return Exact(self._x(other) * self.x)

    def __truediv__(self, other):
        return Exact(self.x / self._x(other))

    def __rtruediv__(self, other):  # other / self
        return Exact(self._x(other) / self.x)

    def __pow__(self, other):
        return Exact(self.x ** self._x(other))

    def __rpow__(self, other):  # other ** self
        return Exact(self._x(other) ** self.x)

    def __neg__(self):
        return Exact(-self.x)

    def __abs__(self):
        return Exact(abs(self.x))

    def abs(self):
        return abs(self)

    def exp(self):
        return Exact(mpmath.exp(self.x))

    def log(self):
        return Exact(mpmath.log(self.x))

    def sqrt(self):
        return Exact(mpmath.sqrt(self.x))

    def tanh(self):
        return Exact(mpmath.tanh(self.x))

    def sigmoid(self):
        return Exact(1 / (1 + mpmath.exp(-self.x)))

    def relu(self):
        return Exact(self.x if self.x > 0 else 0)


def exactly(f: Callable) -> Callable[[list], object]:
    """f written for Values, as a function of a list of mpmath numbers (for
    `value_and_gradient`)."""
    return lambda xs: f(*[Exact(x) for x in xs]).x
