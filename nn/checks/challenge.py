"""Checks for assignment 3, "The challenge": a CIFAR-10 MLP in NumPy, without autodiff.

The student writes the layers CS231n-style, each forward returning ``(out, cache)`` and
each backward taking ``(dout, cache)``, in the lecture's notation (W is (units, inputs))::

    affine_forward(X, W, b) -> (X W^T + b, cache)      affine_backward(dout, cache) -> dX, dW, db
    relu_forward(a)         -> (max(a, 0), cache)      relu_backward(dout, cache)   -> da
    softmax_cross_entropy(scores, y) -> (L, dscores)   (L the batch mean, dscores = dL/dscores)
    loss_and_gradients(params, X, y) -> (L, {"W1", "b1", "W2", "b2"})

Every check compares with the engine (`oracle`): the layers through the gradient of
sum(out * dout), which is dout pushed back through the layer, and the whole network through
the same network built from Values (the gradient check of the assignment).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import oracle
from .arrays import compare
from .report import fail, ok, run

__all__ = [
    "check_affine_forward",
    "check_affine_backward",
    "check_relu_forward",
    "check_relu_backward",
    "check_softmax_cross_entropy",
    "check_network_gradients",
    "check_accuracy",
]


def _pair(what: str, result: object) -> tuple:
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} should return two things, (out, cache), got {type(result).__name__}.")
    return result


def _affine_problem(seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n, d, h = 4, 6, 5  # all different, so a transpose shows in the shape
    return (rng.normal(size=(n, d)), rng.normal(size=(h, d)), rng.normal(size=h),
            rng.normal(size=(n, h)))


def check_affine_forward(affine_forward: Callable, seed: int = 0) -> bool:
    """out = X W^T + b, one row per example."""
    X, W, b, dout = _affine_problem(seed)
    out, _ = _pair("affine_forward(X, W, b)", run("affine_forward", affine_forward, X, W, b))
    compare("affine_forward's out", out, oracle.affine(X, W, b, dout)["out"],
            shape_hint="(N, units) = (number of examples, rows of W)",
            mistakes={"the bias b is missing": X @ W.T})
    return ok("affine_forward")


def check_affine_backward(affine_forward: Callable, affine_backward: Callable,
                          seed: int = 0) -> bool:
    """dX = dout W, dW = dout^T X, db = sum of dout over the examples."""
    X, W, b, dout = _affine_problem(seed)
    right = oracle.affine(X, W, b, dout)
    _, cache = _pair("affine_forward(X, W, b)", run("affine_forward", affine_forward, X, W, b))
    got = run("affine_backward(dout, cache)", affine_backward, dout, cache)
    if not isinstance(got, tuple) or len(got) != 3:
        fail("affine_backward should return three arrays: dX, dW, db.")
    for name, value in zip(("dX", "dW", "db"), got):
        compare(f"affine_backward's {name}", value, right[name],
                shape_hint=f"the shape of {name[1:]}", batch_size=len(X))
    return ok("affine_backward")


def check_relu_forward(relu_forward: Callable, seed: int = 0) -> bool:
    """max(a, 0), entry by entry."""
    a = np.random.default_rng(seed).normal(size=(4, 5))
    out, _ = _pair("relu_forward(a)", run("relu_forward", relu_forward, a))
    compare("relu_forward's out", out, np.maximum(a, 0.0),
            mistakes={"this is min(a, 0); ReLU keeps the POSITIVE part": np.minimum(a, 0.0)})
    return ok("relu_forward")


def check_relu_backward(relu_forward: Callable, relu_backward: Callable, seed: int = 0) -> bool:
    """The engine's relu: dout where a > 0, else 0."""
    rng = np.random.default_rng(seed)
    a, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    nodes = oracle.values(a)
    total = sum(float(g) * v.relu() for g, v in zip(dout.ravel(), nodes.ravel()))
    total.backward()
    _, cache = _pair("relu_forward(a)", run("relu_forward", relu_forward, a))
    got = run("relu_backward(dout, cache)", relu_backward, dout, cache)
    compare("relu_backward's da", got, oracle.grads(nodes), mistakes={
        "this is the local derivative alone: multiply it by dout (the chain rule)":
            (a > 0).astype(float),
        "multiply dout by the mask (a > 0), not by the output max(a, 0)": dout * np.maximum(a, 0),
    })
    return ok("relu_backward")


def check_softmax_cross_entropy(softmax_cross_entropy: Callable, seed: int = 0) -> bool:
    """The batch-mean cross-entropy and its delta (softmax - one_hot) / N, also for huge scores."""
    rng = np.random.default_rng(seed)
    n, k = 6, 10
    scores, y = rng.normal(size=(n, k)) * 3, rng.integers(0, k, size=n)
    for what, s in (("scores", scores), ("huge scores (+1000)", scores + 1000.0)):
        right = oracle.softmax_cross_entropy(s, y)
        got = run(f"softmax_cross_entropy({what}, y)", softmax_cross_entropy, s, y)
        if not isinstance(got, tuple) or len(got) != 2:
            fail("softmax_cross_entropy should return two things: the loss and dscores.")
        p = right["p"]
        compare(f"the loss for {what}", got[0], right["L"], batch_size=n)
        compare(f"dscores for {what}", got[1], right["dscores"], batch_size=n,
                shape_hint="the shape of scores, (N, classes)", mistakes={
                    "you forgot to subtract 1 at the true class: dscores = (softmax - "
                    "one_hot(y)) / N": p / n,
                    "the sign is flipped: dscores = (softmax - one_hot(y)) / N":
                        (np.eye(k)[y] - p) / n})
    return ok("softmax_cross_entropy (loss and delta)")


def check_network_gradients(loss_and_gradients: Callable, seed: int = 0) -> bool:
    """The whole network's gradients on a small random problem, against the engine's backward."""
    rng = np.random.default_rng(seed)
    n, d, h, k = 6, 20, 8, 10
    params = dict(W1=rng.normal(size=(h, d)) * 0.3, b1=rng.normal(size=h) * 0.1,
                  W2=rng.normal(size=(k, h)) * 0.3, b2=rng.normal(size=k) * 0.1)
    X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
    right = oracle.two_layer(X, y, **params, hidden="relu", output="softmax")
    got = run("loss_and_gradients(params, X, y)", loss_and_gradients,
                {name: v.copy() for name, v in params.items()}, X, y)
    if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict):
        fail("loss_and_gradients should return (loss, grads) with grads a dict of "
             "'W1', 'b1', 'W2', 'b2'.")
    compare("the network's loss", got[0], right["L"], batch_size=n)
    for name in ("W2", "b2", "W1", "b1"):
        if name not in got[1]:
            fail(f"grads has no '{name}': return a gradient for every parameter.")
        compare(f"dL/d{name}", got[1][name], right[f"d{name}"], batch_size=n,
                shape_hint=f"the shape of {name}, {params[name].shape}")
    return ok("the whole network's gradients agree with the engine (gradient check passed)")


def check_accuracy(accuracy: float, at_least: float = 0.35) -> bool:
    """The trained network's test accuracy, a fraction in [0, 1]."""
    if not isinstance(accuracy, int | float | np.floating) or not 0 <= accuracy <= 1:
        fail(f"accuracy should be a fraction between 0 and 1, got {accuracy!r}.")
    if accuracy < at_least:
        fail(f"test accuracy {accuracy:.1%} is below {at_least:.0%}. If it stays near 10% "
             "(chance), the gradients or the update's sign are wrong; if it rises slowly, "
             "try a larger learning rate or more epochs; if the loss becomes nan, a smaller one.")
    return ok(f"test accuracy {accuracy:.1%} (at least {at_least:.0%})")
