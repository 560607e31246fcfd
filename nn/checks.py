"""Argument checks shared by the nn package, with errors that name the argument.

Every count in the package (layer sizes, batch sizes, epochs, schedule steps, image counts)
goes through `positive_int`, so they are all refused the same way with the same words.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["NotAWholeNumberError", "finite_number", "positive_int"]


class NotAWholeNumberError(TypeError, ValueError):
    """A count that is not a whole number (2.5, "3", True).

    Both a TypeError (the wrong kind of object) and a ValueError (a bad argument value), as
    NumPy's AxisError is both a ValueError and an IndexError: callers that catch either keep
    working.
    """


def positive_int(value: object, name: str) -> int:
    """`value` as a Python int if it is a whole number >= 1 (a Python or NumPy int).

    Raises:
        NotAWholeNumberError: for anything that is not an int (bool included: True is not
            a count, even though Python treats it as 1).
        ValueError: for an int below 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise NotAWholeNumberError(
            f"{name} must be a whole number >= 1, got {type(value).__name__}: {value!r}."
        )
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}.")
    return int(value)


def finite_number(x: object, name: str, *, low: float = 0.0, low_ok: bool = True) -> float:
    """A finite real number >= low (or > low when low_ok is False), as a float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}.")
    if x < low or (x == low and not low_ok):
        relation = ">=" if low_ok else ">"
        raise ValueError(f"{name} must be {relation} {low}, got {x!r}.")
    return float(x)
