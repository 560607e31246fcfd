"""Checks for assignment 2, "Backprop by hand": the two-layer network's gradients in NumPy.

The student writes, for a batch, in the lecture's notation (see `oracle`)::

    forward(X, W1, b1, W2, b2, output)   -> {"a1", "h", "a2", "y_hat"}   (f1 = tanh)
    loss(y_hat, Y, output)               -> L, the mean over the batch
    backward(X, Y, W1, b1, W2, b2, output)
                                         -> {"delta2", "delta1", "dW2", "db2", "dW1", "db1"}

with output "linear" (mean squared error with a 1/2) or "softmax" (cross-entropy). Each
check draws a small random batch, runs the same network built from Values with
`backward()`, and compares every quantity (relative error, CS231n style), naming the
typical mistakes: a missing transpose, a wrong sign, a forgotten mean or f1'(a1), a
softmax delta without the one-hot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import oracle
from .arrays import compare
from .report import fail, ok, run

__all__ = ["make_problem", "check_forward", "check_loss", "check_backward", "OUTPUTS"]

OUTPUTS = ("linear", "softmax")
SIZES = dict(N=5, D=4, H=3, K=3)  # all different from each other, so shapes tell apart
SHAPES = dict(a1="(N, H)", h="(N, H)", a2="(N, K)", y_hat="(N, K)", delta1="(N, H)",
              delta2="(N, K)", dW1="the shape of W1, (H, D)", db1="the shape of b1, (H,)",
              dW2="the shape of W2, (K, H)", db2="the shape of b2, (K,)")


def make_problem(output: str, seed: int = 0) -> dict[str, np.ndarray]:
    """A random batch and weights: X (N, D), Y, W1 (H, D), b1 (H,), W2 (K, H), b2 (K,)."""
    _check_output(output)
    rng = np.random.default_rng(seed)
    n, d, h, k = SIZES.values()
    Y = rng.normal(size=(n, k)) if output == "linear" else rng.permutation(np.arange(n) % k)
    return dict(X=rng.normal(size=(n, d)), Y=Y, W1=rng.normal(size=(h, d)) * 0.7,
                b1=rng.normal(size=h) * 0.1, W2=rng.normal(size=(k, h)) * 0.7,
                b2=rng.normal(size=k) * 0.1)


def _check_output(output: str) -> None:
    if output not in OUTPUTS:
        raise ValueError(f"output is one of {OUTPUTS}, got {output!r}")


def _results(what: str, result: object, keys: tuple[str, ...]) -> dict:
    if not isinstance(result, dict):
        fail(f"{what} should return a dict with keys {list(keys)}, got {type(result).__name__}.")
    missing = [k for k in keys if k not in result]
    if missing:
        fail(f"{what} returned no {missing}: return a dict with keys {list(keys)}.")
    return result


def _mistakes(name: str, p: dict, right: dict, output: str) -> dict[str, np.ndarray]:
    """Typical wrong answers for `name`, computed from the right intermediate values."""
    n = len(p["X"])
    one_hot = np.eye(p["W2"].shape[0])[p["Y"]] if output == "softmax" else None
    table = {
        "y_hat": {"the softmax is taken over the wrong axis: each ROW (one example) sums "
                  "to 1, so use axis=1": _softmax(right["a2"], axis=0)},
        "delta2": {"you forgot to subtract the one-hot target: the delta of softmax with "
                   "cross-entropy is (y_hat - one_hot(y)) / N": right["y_hat"] / n}
        if output == "softmax" else {},
        "delta1": {
            "the factor f1'(a1) is missing: delta1 = (delta2 @ W2) * (1 - h**2)":
                right["delta2"] @ p["W2"],
            "f1'(a1) is 1 - tanh(a1)**2 = 1 - h**2, not 1 - a1**2":
                (right["delta2"] @ p["W2"]) * (1 - right["a1"] ** 2),
        },
    }
    if output == "softmax":
        table["delta2"]["the sign is flipped: the delta is y_hat - one_hot(y), not the "
                        "other way round"] = (one_hot - right["y_hat"]) / n
    return table.get(name, {})


def _softmax(a: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_forward(forward: Callable, output: str = "linear", seed: int = 0) -> bool:
    """forward() gives a1, h, a2 and y_hat of the engine's network on a random batch."""
    p = make_problem(output, seed)
    right = oracle.two_layer(**p, output=output)
    args = (p["X"], p["W1"], p["b1"], p["W2"], p["b2"], output)
    keys = ("a1", "h", "a2", "y_hat")
    got = _results("forward(...)", run("forward(...)", forward, *args), keys)
    for name in keys:
        compare(f"{name} ({output})", got[name], right[name], shape_hint=SHAPES[name],
                mistakes=_mistakes(name, p, right, output))
    return ok(f"forward pass ({output} output)")


def check_loss(loss: Callable, output: str = "linear", seed: int = 0) -> bool:
    """loss(y_hat, Y, output) is the engine's batch-mean loss."""
    p = make_problem(output, seed)
    right = oracle.two_layer(**p, output=output)
    got = run("loss(...)", loss, right["y_hat"], p["Y"], output)
    n = len(p["X"])
    compare(f"the {output} loss L", got, right["L"], batch_size=n, mistakes={
        "it is the SUM over the batch; the loss is the MEAN (divide by N)": right["L"] * n,
    })
    return ok(f"loss ({output} output)")


def check_backward(backward: Callable, output: str = "linear", seed: int = 0) -> bool:
    """backward() gives the deltas and the four parameter gradients of the engine."""
    p = make_problem(output, seed)
    right = oracle.two_layer(**p, output=output)
    args = (p["X"], p["Y"], p["W1"], p["b1"], p["W2"], p["b2"], output)
    keys = ("delta2", "delta1", "dW2", "db2", "dW1", "db1")
    got = _results("backward(...)", run("backward(...)", backward, *args), keys)
    for name in keys:  # in the order backprop computes them: the first mistake is the cause
        label = name if name.startswith("delta") else f"dL/d{name[1:]}"
        compare(f"{label} ({output})", got[name], right[name], batch_size=len(p["X"]),
                shape_hint=SHAPES[name], mistakes=_mistakes(name, p, right, output))
    return ok(f"every gradient ({output} output) agrees with the engine's backward()")
