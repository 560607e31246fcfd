"""Turning what a user passes into a float, with errors that say what went wrong."""

from __future__ import annotations

import numbers

__all__ = ["to_float"]


def to_float(x: object) -> float:
    """Convert a real number (int, float, bool, NumPy scalar) to float, or raise TypeError."""
    if isinstance(x, numbers.Real) or _is_numpy_bool(x):
        try:
            return float(x)
        except OverflowError:  # only an int can be too large for a float
            raise OverflowError(
                f"a Value holds a float, and this integer (about 10**{_digits(x) - 1}) is "
                "larger than the largest float (about 1.8e308). Scale it down first."
            ) from None
    if isinstance(x, numbers.Complex):
        raise TypeError(
            f"Value holds a real number, got the complex number {x!r}. "
            "Use its real part (x.real) or its magnitude (abs(x)) instead."
        )
    raise TypeError(
        f"Value holds a real number (int or float), got {type(x).__name__}: {x!r}. "
        + (
            "Convert the string first, for example Value(float(s))."
            if isinstance(x, str)
            else "Make one Value per number, for example [Value(v) for v in values]."
            if hasattr(x, "__len__")
            else "Pass a number instead."
        )
    )


def _is_numpy_bool(x: object) -> bool:
    """NumPy's bool is not a numbers.Real (Python's bool is): accept it alike, as NumPy does,
    without importing NumPy here."""
    return type(x).__module__ == "numpy" and type(x).__name__ in ("bool", "bool_")


def _digits(n: object) -> int:
    """How many decimal digits a (huge) int has, without printing it."""
    return int(abs(int(n)).bit_length() * 0.30103) + 1
