"""How a check talks to a student: "OK", or what is wrong in words, never a bare assert.

A check that passes prints one line starting with ``OK``. A check that fails raises
`CheckFailed`, whose message names the quantity, how far off it is and a hint. It is an
`AssertionError`, so nbgrader counts the test cell as failed and pytest reports it as a
failure; in Jupyter it is shown as its message alone, without a traceback into this module
(the traceback would point at the checker, not at the student's mistake).

The numbers are compared with the relative error of CS231n's gradient checks, taken over
a whole array so that entries near zero do not blow it up::

    rel_error(a, e) = ||a - e|| / max(||a||, ||e||)        (0 when both are zero)

Around 1e-7 or less means "the same up to rounding"; 1e-2 or more means a real mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["CheckFailed", "ok", "fail", "run", "rel_error", "TOLERANCE"]

TOLERANCE = 1e-6  # the largest relative error a correct float64 answer should show


class CheckFailed(AssertionError):
    """A check found a mistake; the message says which, and what to look at."""

    def __str__(self) -> str:
        return "WRONG: " + super().__str__()

    def _render_traceback_(self) -> list[str]:
        # IPython (and so nbgrader's feedback) shows these lines instead of a traceback:
        # the student needs the message, not the checker's inner workings.
        return str(self).splitlines()


def ok(what: str) -> bool:
    """Print that `what` is right and return True."""
    print(f"OK: {what}")
    return True


def fail(message: str) -> None:
    """Stop the check with a message for the student (raises `CheckFailed`)."""
    raise CheckFailed(message)


def run(what: str, function: Callable, *args: Any) -> Any:
    """Call the student's `function(*args)`; an exception becomes a message naming `what`.

    A RecursionError passes through: a check that provokes one on purpose explains it.
    """
    try:
        return function(*args)
    except NotImplementedError:
        fail(f"{what}: not written yet (it raises NotImplementedError).")
    except RecursionError:
        raise
    except Exception as error:  # the student's code may raise anything: say what and where
        fail(f"{what} raised {type(error).__name__}: {error}")


def rel_error(actual: Any, expected: Any) -> float:
    """||actual - expected|| / max(||actual||, ||expected||), over whole arrays (0 if both 0)."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    scale = max(np.linalg.norm(a), np.linalg.norm(e))
    return float(np.linalg.norm(a - e) / scale) if scale > 0 else 0.0
