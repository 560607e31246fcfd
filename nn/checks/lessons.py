"""Checks for the "your turn" exercises of lessons 01-04: "OK", or what is wrong in words.

Each check computes the right answer itself, with `autograd_scalar` (build the expression
from Values, call `backward()`), on the student's inputs or on inputs of its own, and
compares it with the student's answer (`arrays.compare`: the shape, the relative error, and
the typical mistakes by name)::

    lesson 01   check_mean_bce(scores, labels, answer)         the loss computed by hand
                check_softmax_gradient(logits, labels, answer) dL/da of the mean cross-entropy
    lesson 02   check_sigmoid_derivative(d_sigmoid)            an op's local derivative
                check_used_twice(grad_f)                       the accumulation rule
    lesson 03   check_weight_gradients(weight_gradients)       dW, db of a layer from its delta
                check_relu_delta(hidden_delta)                 the delta through a ReLU layer
    lesson 04   check_stable_learning_rate(largest_stable_lr)  epsilon < 2 / lambda
                check_learning_rate_sweep(lrs, losses, ...)    a learning-rate sweep

A check that takes a function calls it on inputs the student does not see, so an answer
copied from the lesson's printout cannot pass.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Sequence

import numpy as np

from autograd_scalar import Value

from . import oracle
from .arrays import compare
from .report import fail, ok, run

__all__ = [
    "check_mean_bce", "check_softmax_gradient", "check_sigmoid_derivative", "check_used_twice",
    "check_weight_gradients", "check_relu_delta", "check_stable_learning_rate",
    "check_learning_rate_sweep",
]


def _quietly(check: Callable, *args, **kwargs) -> bool:
    """Run one part of a check without its OK line: the whole check prints one OK at the end.
    A failure still raises, with its message."""
    with contextlib.redirect_stdout(io.StringIO()):
        return check(*args, **kwargs)


def _number(what: str, value: object) -> float:
    """The student's `value` as a float, or a message saying why it is not one number."""
    if value is None:
        fail(f"{what} returned None. Did you forget to `return` it?")
    try:
        return float(value)
    except (TypeError, ValueError):
        fail(f"{what} should return one number, got {type(value).__name__}.")


# -- lesson 01: losses ---------------------------------------------------------------------


def check_mean_bce(scores: Sequence[float], labels: Sequence[float], answer: float) -> bool:
    """The mean binary cross-entropy L = 1/m sum_i [log(1 + e^a_i) - y_i a_i], by hand."""
    a, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=float)
    nodes = [Value(float(s)) for s in a]
    per_example = [-(t * s.sigmoid().log() + (1 - t) * (1 - s.sigmoid()).log())
                   for s, t in zip(nodes, y)]
    expected = sum(per_example) / len(nodes)
    p = 1 / (1 + np.exp(-a))
    wrong = {
        "this is the SUM of the per-example losses; the loss is their MEAN (divide by m)":
            expected.data * len(a),
        "the sign is wrong: the loss is MINUS the log-likelihood, so it is positive":
            -expected.data,
        "the labels are swapped: y = 1 goes with log(y_hat), y = 0 with log(1 - y_hat)":
            np.mean(-(1 - y) * np.log(p) - y * np.log(1 - p)),
    }
    if np.shape(answer) == a.shape:
        fail(f"the mean binary cross-entropy L has one number per example, shape {a.shape}: "
             "those are the per-example losses L^(i); L is one number, their mean (np.mean).")
    return compare("the mean binary cross-entropy L", answer, np.float64(expected.data),
                   batch_size=len(a), mistakes=wrong)


def check_softmax_gradient(logits, labels, answer) -> bool:
    """dL/da for L the mean cross-entropy of softmax(a): (softmax(a) - onehot(y)) / m."""
    A, y = np.asarray(logits, dtype=float), np.asarray(labels, dtype=int)
    expected = oracle.softmax_cross_entropy(A, y)
    m = len(A)
    T = np.eye(A.shape[1])[y]
    wrong = {
        "the one-hot target is missing: the delta is softmax(a) MINUS onehot(y), over m":
            expected["p"] / m,
        "the sign is wrong: it is y_hat - t (prediction minus target), not t - y_hat":
            -expected["dscores"],
        "this is the gradient of one example's loss: the loss is a MEAN, so divide by m":
            expected["p"] - T,
    }
    return compare("dL/da", answer, expected["dscores"], batch_size=m, mistakes=wrong,
                   shape_hint="the shape of the logits, (m, K): one row per example")


# -- lesson 02: local derivatives and the accumulation rule ------------------------------

_POINTS = (-2.0, -0.7, 0.0, 0.3, 1.5)  # where the derivatives are checked


def check_sigmoid_derivative(d_sigmoid: Callable[[float], float]) -> bool:
    """d_sigmoid(x) must be the local derivative of sigmoid(x) = 1 / (1 + e^-x),
    d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))."""
    yours, expected = [], []
    for x in _POINTS:
        node = Value(x)
        node.sigmoid().backward()
        expected.append(node.grad)
        yours.append(_number(f"d_sigmoid({x})", run(f"d_sigmoid({x})", d_sigmoid, x)))
    x = np.array(_POINTS)
    s = 1 / (1 + np.exp(-x))
    wrong = {
        "this is sigmoid(x) itself, not its derivative": s,
        "1 - sigmoid(x)**2 is the rule of tanh (1 - tanh**2), not of the sigmoid": 1 - s**2,
        "sigmoid(x) * (1 - x) uses the input; the rule uses the OUTPUT twice: s * (1 - s)":
            s * (1 - x),
        "the sign is wrong: the sigmoid is increasing, so its derivative is positive": -s * (1 - s),
    }
    return compare(f"d_sigmoid(x) at x = {list(_POINTS)}", yours, np.array(expected),
                   mistakes=wrong)


def check_used_twice(grad_f: Callable[[float, float], tuple[float, float]]) -> bool:
    """grad_f(x, y) must return (df/dx, df/dy) for f(x, y) = (x + y) * x."""
    for x0, y0 in ((2.0, -4.0), (-1.5, 0.5), (0.7, 3.0)):
        x, y = Value(x0), Value(y0)
        ((x + y) * x).backward()
        answer = run(f"grad_f({x0}, {y0})", grad_f, x0, y0)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            fail(f"grad_f({x0}, {y0}) should return two numbers (df/dx, df/dy), "
                 f"got {answer!r}.")
        one_path = {
            "df/dx keeps only the path through (x + y): x is used TWICE, so the "
            "contributions of both uses add up (x + y) + x": x0,
            "df/dx keeps only the path where x multiplies: x is used TWICE, so the "
            "contributions of both uses add up (x + y) + x": x0 + y0,
        }
        _quietly(compare, f"df/dx at x = {x0}, y = {y0}", answer[0], np.float64(x.grad),
                 mistakes=one_path)
        _quietly(compare, f"df/dy at x = {x0}, y = {y0}", answer[1], np.float64(y.grad))
    return ok("grad_f adds the contributions of both uses of x")


# -- lesson 03: gradients of a layer from its delta --------------------------------------


def _batch(seed: int) -> dict[str, np.ndarray]:
    """A random batch of m = 5 examples through a 4-3-2 network: X, Y and the weights."""
    rng = np.random.default_rng(seed)
    return dict(X=rng.normal(size=(5, 4)), Y=rng.permutation(np.arange(5) % 2),
                W1=rng.normal(size=(3, 4)), b1=rng.normal(size=3) * 0.5,
                W2=rng.normal(size=(2, 3)), b2=rng.normal(size=2) * 0.1)


def check_weight_gradients(weight_gradients: Callable) -> bool:
    """weight_gradients(Delta, inputs) -> (dW, db) of a layer A = inputs W^T + b."""
    p = _batch(seed=3)
    Delta = np.random.default_rng(4).normal(size=(5, 3))
    expected = oracle.affine(p["X"], p["W1"], p["b1"], Delta)  # backward() of sum(A * Delta)
    answer = run("weight_gradients(Delta, inputs)", weight_gradients, Delta, p["X"])
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        fail(f"weight_gradients should return two arrays (dW, db), got {type(answer).__name__}.")
    dW, db = answer
    _quietly(compare, "dW", dW, expected["dW"], batch_size=5,
             mistakes={"dW must be summed over the examples, not averaged: the 1/m is "
                       "already inside the delta": expected["dW"] / 5},
             shape_hint="the shape of W, (units, inputs)")
    _quietly(compare, "db", db, expected["db"], batch_size=5,
             mistakes={"db is the SUM of the deltas over the examples (axis=0), "
                       "not their mean": Delta.mean(axis=0)},
             shape_hint="the shape of b, (units,)")
    return ok("dW = Delta^T inputs and db = the sum of the deltas over the batch")


def check_relu_delta(hidden_delta: Callable) -> bool:
    """hidden_delta(Delta2, W2, A1) -> Delta1 = (Delta2 W2) * relu'(A1), relu'(a) = [a > 0]."""
    p = _batch(seed=5)
    right = oracle.two_layer(p["X"], p["Y"], p["W1"], p["b1"], p["W2"], p["b2"],
                             hidden="relu", output="softmax")
    Delta2, A1 = right["delta2"], right["a1"]
    answer = run("hidden_delta(Delta2, W2, A1)", hidden_delta, Delta2, p["W2"], A1)
    back = Delta2 @ p["W2"]
    wrong = {
        "the ReLU's derivative is missing: multiply Delta2 @ W2 by (A1 > 0)": back,
        "this multiplies by relu(A1) itself; the derivative of relu is (A1 > 0), 0 or 1":
            back * np.maximum(A1, 0),
        "this uses tanh's derivative 1 - tanh(a)**2; the hidden layer here is a ReLU":
            back * (1 - np.tanh(A1) ** 2),
    }
    return compare("Delta1", answer, right["delta1"], batch_size=5, mistakes=wrong,
                   shape_hint="the shape of A1, (m, hidden)")


# -- lesson 04: the learning rate --------------------------------------------------------


def check_stable_learning_rate(largest_stable_lr: Callable[[float], float]) -> bool:
    """largest_stable_lr(curvature) must be 2 / curvature: gradient descent on
    L(w) = curvature/2 w**2 multiplies w by (1 - lr * curvature) each step."""
    curvatures = np.array([0.5, 3.0, 10.0, 3072.0])
    yours = [_number(f"largest_stable_lr({c})", run(f"largest_stable_lr({c})",
                                                    largest_stable_lr, float(c)))
             for c in curvatures]
    wrong = {
        "1 / curvature is the rate that lands on the minimum in ONE step; larger rates "
        "still converge (zig-zagging) as long as |1 - lr * curvature| < 1": 1 / curvatures,
        "it should shrink as the curvature grows: lr < 2 / curvature": 2 * curvatures,
    }
    return compare(f"largest_stable_lr at curvatures {curvatures.tolist()}", yours,
                   2 / curvatures, mistakes=wrong)


def descend_losses(lr: float, steps: int, curvature: float, w0: float) -> list[float]:
    """The loss curvature/2 * w**2 before each of `steps` gradient-descent steps from w0."""
    w, losses = Value(w0), []
    for _ in range(steps):
        loss = curvature / 2 * w**2
        losses.append(loss.data)
        w.grad = 0.0
        loss.backward()
        w.data -= lr * w.grad
    return losses


def check_learning_rate_sweep(lrs: Sequence[float], final_losses: Sequence[float], *,
                              steps: int, curvature: float, w0: float) -> bool:
    """final_losses[k]: the loss after `steps` steps with lrs[k] (the loss at w_steps)."""
    if not isinstance(final_losses, (list, tuple, np.ndarray)):
        fail(f"final_losses should be a list of numbers, got {type(final_losses).__name__}.")
    if len(final_losses) != len(lrs):
        fail(f"final_losses has {len(final_losses)} numbers for {len(lrs)} learning "
             "rates: append one final loss per learning rate.")
    for lr, answer in zip(lrs, final_losses):
        # One comparison per rate: the losses span many powers of ten, and one relative
        # error over them all would hide a wrong small loss behind a diverging one.
        losses = descend_losses(lr, steps + 1, curvature, w0)
        _quietly(compare, f"the final loss for lr = {lr}", answer, np.float64(losses[-1]),
                 mistakes={f"this is the loss after {steps - 1} steps: record the loss "
                           f"AFTER the last step (at w_{steps}), not before it": losses[-2]})
    return ok(f"the final losses of all {len(lrs)} learning rates")
