"""Checking a compiled program against the interpreter, on one sample.

A trace records the path the function took for the example sample. If the function's graph
depends on the data (a Python ``if`` on a Value's data, indexing with a label), the compiled
program computes a different function for other samples. `CompiledProgram.check` runs the
ordinary engine on a real sample and compares: these are its pieces.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..engine import Value
from .errors import CompileMismatchError
from .trace import placeholders, split_result

__all__ = ["interpret", "compare"]


def interpret(fn: Callable, sample: list[np.ndarray], parameters: list[Value],
               ) -> tuple[np.ndarray, float | None, np.ndarray]:
    """The ordinary engine on one sample: outputs, loss and parameter gradients, leaving
    the parameters' .grad as they were."""
    arguments = [placeholders(a, i)[0] for i, a in enumerate(sample)]
    outputs, loss = split_result(fn(*arguments))
    values = np.array([v.data for v in outputs])
    if loss is None:
        return values, None, np.zeros(len(parameters))
    saved = [p.grad for p in parameters]
    try:
        for p in parameters:
            p.grad = 0.0
        loss.backward()
        grads = np.array([p.grad for p in parameters])
    finally:
        for p, g in zip(parameters, saved):
            p.grad = g
    return values, loss.data, grads


def compare(what: str, got: np.ndarray, expected: np.ndarray, rtol: float,
             parameters: list[Value] | None = None) -> None:
    """Raise CompileMismatchError unless got equals expected to rtol (NaN equals NaN)."""
    if got.shape != expected.shape:
        _mismatch(what, f"{got.size} numbers against the interpreter's {expected.size}")
    scale = float(np.max(np.abs(expected[np.isfinite(expected)]), initial=1.0))
    same_nan = np.isnan(got) & np.isnan(expected)
    close = (np.isclose(got, expected, rtol=rtol, atol=rtol * scale * 1e-3) | same_nan
             | (got == expected))
    if not close.all():
        i = int(np.argmin(close))
        name = f" ({parameters[i]!r})" if parameters else ""
        _mismatch(what, f"entry {i}{name}: compiled {float(got[i])!r}, interpreter "
                        f"{float(expected[i])!r}")


def _mismatch(what: str, detail: str) -> None:
    raise CompileMismatchError(
        f"the compiled program and the interpreter disagree on the {what} for this sample "
        f"({detail}). The function probably takes a different path for different data "
        "(Python `if` on a Value's data, or indexing with a label): the trace recorded one "
        "path only. Express the choice with ops (relu, maximum, a one-hot target), or use "
        "the interpreter for this function.")
