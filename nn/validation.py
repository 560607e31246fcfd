"""Argument validation shared by the nn package, with errors that name the argument.

Every count in the package (layer sizes, batch sizes, epochs, schedule steps, image counts)
goes through `positive_int`, so they are all refused the same way with the same words.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "NotAWholeNumberError",
    "class_labels",
    "finite_inputs",
    "finite_number",
    "labels_fit_outputs",
    "positive_int",
]


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


def finite_inputs(X: object, name: str) -> np.ndarray:
    """`X` as a float64 array, refused if it holds NaN or an infinity.

    Such a number poisons training silently: ReLU turns NaN into 0 in the interpreter, and
    the error names the first bad number (sample and feature) so that it can be found.
    """
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must hold numbers only ({error}).") from None
    bad = ~np.isfinite(X)
    if bad.any():
        where = np.unravel_index(int(np.argmax(bad)), X.shape)
        place = f"sample {where[0]}, feature {where[1]}" if X.ndim == 2 else f"index {where}"
        raise ValueError(
            f"{name} holds {X[where]} at {place} ({int(bad.sum())} such numbers in all). "
            "Remove or fill in missing values before training or predicting."
        )
    return X


def class_labels(y: object, name: str) -> np.ndarray:
    """`y` as int64 class labels, refused unless every label is a whole number.

    Whole floats (1.0) are accepted, as NumPy reads them from CSV files; 0.5 or 1.9 would
    be truncated, booleans and strings converted, silently: they are refused instead.
    """
    y = np.asarray(y)
    if y.dtype == bool or y.dtype.kind not in "iuf":
        kind = {"b": "boolean", "U": "text", "S": "text"}.get(y.dtype.kind, str(y.dtype))
        example = f" such as {y.flat[0].item()!r}" if y.size else ""
        raise TypeError(
            f"{name} labels must be whole numbers (class indices), got {kind} "
            f"labels{example}. Map them to 0, 1, 2, ... first (booleans: y.astype(int))."
        )
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name} labels must be whole numbers (class indices), "
                f"label {i} is {y[i].item()!r}."
            )
    return y.astype(np.int64)


def labels_fit_outputs(y: np.ndarray, n_outputs: int, name: str) -> None:
    """Refuse labels that are not classes of a model with `n_outputs` outputs: 0 .. C-1 for
    C > 1 outputs, 0 or 1 for one output (a logit for class 1)."""
    n_classes = max(n_outputs, 2)
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        i = int(np.argmax(bad))
        what = ("0 or 1 for a model with one output (a score for class 1)" if n_outputs == 1
                else f"class indices 0 .. {n_outputs - 1} for a model with {n_outputs} outputs")
        raise ValueError(f"{name} labels must be {what}; label {i} is {y[i]}.")
