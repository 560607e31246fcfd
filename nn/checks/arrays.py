"""Compare a student's array with the right one, and say what is wrong in words.

`compare` checks, in this order, the things a student can act on: that there is an
answer at all, that it holds numbers, its shape (a transpose, a missing sum over the
batch), its values (relative error, see `report.rel_error`), and finally whether it
matches one of the typical wrong answers the caller lists, so the message can name the
mistake instead of just the number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .report import TOLERANCE, fail, ok, rel_error

__all__ = ["compare", "as_array"]

# Factors by which a right answer can be off: a forgotten mean over N, a forgotten 1/2.
_SCALE_WORDS = {
    2.0: "twice the right value (a factor 2: the 1/2 of the loss, or a term counted twice?)",
    0.5: "half the right value (a factor 1/2 too many?)",
}


def as_array(name: str, value: Any) -> np.ndarray:
    """`value` as a float array, or a `CheckFailed` saying why it is not one."""
    if value is None:
        fail(f"{name} is None. Did you forget to `return` it?")
    if value is NotImplemented or value is Ellipsis:
        fail(f"{name} is not computed yet: replace the placeholder with your code.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(f"{name} should be a NumPy array of numbers, got {type(value).__name__}.")
    if not np.all(np.isfinite(array)):
        fail(f"{name} contains NaN or infinity. Look for a division by zero, or a log or "
             "exp of a huge number (subtract the row maximum before exp in a softmax).")
    return array


def compare(
    name: str,
    actual: Any,
    expected: np.ndarray,
    *,
    batch_size: int | None = None,
    mistakes: Mapping[str, np.ndarray] | None = None,
    shape_hint: str = "",
    tolerance: float = TOLERANCE,
) -> bool:
    """Print "OK: name ..." if `actual` equals `expected`, else raise `CheckFailed`.

    Args:
        name: what the student calls it, e.g. "dL/dW1".
        actual, expected: the student's answer and the right one.
        batch_size: N, so that "off by a factor N" (the mean of the loss) can be named.
        mistakes: typical wrong answers computed on the same input, each keyed by the
            message to show when the student's answer equals it.
        shape_hint: why `expected` has its shape, e.g. "the shape of W1, (hidden, inputs)".
        tolerance: the largest relative error accepted.
    """
    expected = np.asarray(expected, dtype=float)
    actual = as_array(name, actual)
    if actual.shape != expected.shape:
        fail(_shape_message(name, actual, expected, shape_hint))
    error = rel_error(actual, expected)
    if error <= tolerance:
        return ok(f"{name} matches (relative error {error:.1e})")
    for message, wrong in (mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape == actual.shape and rel_error(actual, wrong) <= tolerance:
            fail(f"{name}: {message} (relative error {error:.1e})")
    fail(f"{name} is wrong: relative error {error:.1e} (a right answer is below "
         f"{tolerance:.0e}). {_value_hint(actual, expected, batch_size)}")


def _shape_message(name: str, actual: np.ndarray, expected: np.ndarray, hint: str) -> str:
    """Say how the shapes differ and the usual reason."""
    why = f", {hint}" if hint else ""
    text = f"{name} has shape {actual.shape} but should have shape {expected.shape}{why}."
    if actual.ndim == 2 and actual.shape == expected.shape[::-1]:
        return text + " It is transposed: check which side of the product needs `.T`."
    if actual.ndim == expected.ndim + 1 and actual.shape[1:] == expected.shape:
        return text + (" It has one row per example: a parameter's gradient is summed "
                       "over the examples of the batch (`.sum(axis=0)`).")
    if actual.size == expected.size:
        return text + " It has the right numbers of entries: reshape or check the axes."
    return text


def _value_hint(actual: np.ndarray, expected: np.ndarray, batch_size: int | None) -> str:
    """A guess at the mistake from how `actual` relates to `expected`."""
    if rel_error(actual, -expected) <= TOLERANCE:
        return "It has the wrong sign: every entry is minus the right one."
    if actual.ndim == 2 and actual.shape[0] == actual.shape[1]:
        if rel_error(actual, expected.T) <= TOLERANCE:
            return "It is the transpose of the right answer (a square matrix: `.T` missing?)."
    if not np.any(expected):
        return "It should be zero everywhere."
    scale = float(np.vdot(actual, expected) / np.vdot(expected, expected))
    if scale != 0 and rel_error(actual, scale * expected) <= TOLERANCE:
        if batch_size and np.isclose(scale, batch_size):
            return (f"It is {batch_size} times too large: the loss is a MEAN over the "
                    f"N = {batch_size} examples, so divide by N once.")
        if batch_size and np.isclose(scale, 1 / batch_size):
            return (f"It is {batch_size} times too small: you divided by N = {batch_size} "
                    "twice (once in the delta is enough).")
        for factor, words in _SCALE_WORDS.items():
            if np.isclose(scale, factor):
                return f"It is {words}."
        return f"It is the right answer times {scale:.3g}: look for a missing or extra factor."
    index = np.unravel_index(np.argmax(np.abs(actual - expected)), expected.shape)
    where = f"[{', '.join(map(str, index))}]" if index else ""
    return (f"The largest difference is at {where or 'the value'}: yours "
            f"{actual[index]:.6g}, expected {expected[index]:.6g}.")
