"""nn.checks.lessons: every exercise check of lessons 01-04 passes the right answer and
fails each typical wrong answer with the words meant for it (the notebooks' own cells are
run in test_lesson_exercises.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn.checks import CheckFailed
from nn.checks import lessons as check


def failure(action) -> str:
    """The message of the CheckFailed that `action()` raises."""
    with pytest.raises(CheckFailed) as caught:
        action()
    return str(caught.value)


def not_written(*args):
    raise NotImplementedError()  # what nbgrader's stub does


# -- lesson 01 ---------------------------------------------------------------------------

A_BIN, Y_BIN = np.array([1.0, -2.0, 0.3, 2.5]), np.array([1, 1, 0, 0])
P_BIN = 1 / (1 + np.exp(-A_BIN))
BCE_EACH = -(Y_BIN * np.log(P_BIN) + (1 - Y_BIN) * np.log(1 - P_BIN))


def test_mean_bce_passes_the_formula_and_equals_log1p_exp_minus_ya(capsys) -> None:
    assert check.check_mean_bce(A_BIN, Y_BIN, BCE_EACH.mean())
    assert capsys.readouterr().out.startswith("OK: the mean binary cross-entropy L")
    # the other form of the same loss, log(1 + e^a) - y a, is just as right
    assert check.check_mean_bce(A_BIN, Y_BIN, np.mean(np.logaddexp(0, A_BIN) - Y_BIN * A_BIN))


@pytest.mark.parametrize("answer, words", [
    (BCE_EACH.sum(), "this is the SUM of the per-example losses"),
    (-BCE_EACH.mean(), "the sign is wrong"),
    (np.mean(-(1 - Y_BIN) * np.log(P_BIN) - Y_BIN * np.log(1 - P_BIN)), "labels are swapped"),
    (BCE_EACH, "those are the per-example losses L^(i)"),
    (..., "not computed yet: replace the placeholder"),
    (BCE_EACH.mean() + 0.01, "is wrong: relative error"),
])
def test_mean_bce_names_the_mistake(answer, words: str) -> None:
    message = failure(lambda: check.check_mean_bce(A_BIN, Y_BIN, answer))
    assert message.startswith("WRONG: the mean binary cross-entropy L") and words in message


A = np.array([[1.0, 0.0, -1.0, 0.5], [0.2, 0.2, 0.2, 0.2], [-1.0, 3.0, 0.0, 1.0]])
Y = np.array([3, 0, 1])
P = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)
T = np.eye(4)[Y]


def test_softmax_gradient_passes_softmax_minus_onehot_over_m() -> None:
    assert check.check_softmax_gradient(A, Y, (P - T) / 3)


@pytest.mark.parametrize("answer, words", [
    (P / 3, "the one-hot target is missing"),
    ((T - P) / 3, "the sign is wrong"),
    (P - T, "the loss is a MEAN, so divide by m"),
    (((P - T) / 3).T, "should have shape (3, 4), the shape of the logits"),
    ((P - T) / 3 + 0.01, "is wrong: relative error"),
])
def test_softmax_gradient_names_the_mistake(answer, words: str) -> None:
    message = failure(lambda: check.check_softmax_gradient(A, Y, answer))
    assert message.startswith("WRONG: dL/da") and words in message


# -- lesson 02 ---------------------------------------------------------------------------


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_sigmoid_derivative_passes_s_times_one_minus_s() -> None:
    assert check.check_sigmoid_derivative(lambda x: sigmoid(x) * (1 - sigmoid(x)))
    # the same number written another way: e^-x / (1 + e^-x)^2
    assert check.check_sigmoid_derivative(lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2)


@pytest.mark.parametrize("d_sigmoid, words", [
    (sigmoid, "this is sigmoid(x) itself"),
    (lambda x: 1 - sigmoid(x) ** 2, "is the rule of tanh"),
    (lambda x: sigmoid(x) * (1 - x), "uses the input; the rule uses the OUTPUT"),
    (lambda x: -sigmoid(x) * (1 - sigmoid(x)), "the sign is wrong"),
    (not_written, "d_sigmoid(-2.0): not written yet"),
    (lambda x: None, "d_sigmoid(-2.0) returned None. Did you forget to `return` it?"),
    (lambda x: [x], "d_sigmoid(-2.0) should return one number, got list"),
])
def test_sigmoid_derivative_names_the_mistake(d_sigmoid, words: str) -> None:
    message = failure(lambda: check.check_sigmoid_derivative(d_sigmoid))
    assert message.startswith("WRONG: d_sigmoid") and words in message


def test_used_twice_passes_the_sum_of_both_paths(capsys) -> None:
    assert check.check_used_twice(lambda x, y: (2 * x + y, x))
    assert capsys.readouterr().out == "OK: grad_f adds the contributions of both uses of x\n"


@pytest.mark.parametrize("grad_f, words", [
    (lambda x, y: (x, x), "df/dx keeps only the path through (x + y)"),
    (lambda x, y: (x + y, x), "df/dx keeps only the path where x multiplies"),
    (lambda x, y: (2 * x + y, y), "WRONG: df/dy at x = 2.0, y = -4.0 is wrong"),
    (lambda x, y: 2 * x + y, "should return two numbers (df/dx, df/dy)"),
    (not_written, "grad_f(2.0, -4.0): not written yet"),
])
def test_used_twice_names_the_mistake(grad_f, words: str) -> None:
    assert words in failure(lambda: check.check_used_twice(grad_f))


# -- lesson 03 ---------------------------------------------------------------------------


def test_weight_gradients_passes_delta_transpose_inputs_and_the_row_sum(capsys) -> None:
    assert check.check_weight_gradients(lambda D, X: (D.T @ X, D.sum(axis=0)))
    assert capsys.readouterr().out.count("OK") == 1  # one line, not one per quantity


@pytest.mark.parametrize("weight_gradients, words", [
    (lambda D, X: (X.T @ D, D.sum(axis=0)), "dW has shape (4, 3) but should have shape (3, 4)"),
    (lambda D, X: (D.T @ X / 5, D.sum(axis=0)), "dW must be summed over the examples"),
    (lambda D, X: (D.T @ X, D.mean(axis=0)), "db is the SUM of the deltas"),
    (lambda D, X: (D.T @ X, D), "It has one row per example"),
    (lambda D, X: (-D.T @ X, D.sum(axis=0)), "It has the wrong sign"),
    (lambda D, X: D.T @ X, "should return two arrays (dW, db)"),
    (not_written, "not written yet"),
])
def test_weight_gradients_names_the_mistake(weight_gradients, words: str) -> None:
    assert words in failure(lambda: check.check_weight_gradients(weight_gradients))


def test_relu_delta_passes_the_step_function() -> None:
    assert check.check_relu_delta(lambda D2, W2, A1: (D2 @ W2) * (A1 > 0))


@pytest.mark.parametrize("hidden_delta, words", [
    (lambda D2, W2, A1: D2 @ W2, "the ReLU's derivative is missing"),
    (lambda D2, W2, A1: (D2 @ W2) * np.maximum(A1, 0), "multiplies by relu(A1) itself"),
    (lambda D2, W2, A1: (D2 @ W2) * (1 - np.tanh(A1) ** 2), "uses tanh's derivative"),
    (lambda D2, W2, A1: (D2 @ W2.T) * (A1 > 0), "hidden_delta(Delta2, W2, A1) raised ValueError"),
    (lambda D2, W2, A1: ((D2 @ W2) * (A1 > 0)).T, "should have shape (5, 3)"),
])
def test_relu_delta_names_the_mistake(hidden_delta, words: str) -> None:
    message = failure(lambda: check.check_relu_delta(hidden_delta))
    assert message.startswith("WRONG: ") and words in message


# -- lesson 04 ---------------------------------------------------------------------------


def test_stable_learning_rate_passes_two_over_the_curvature() -> None:
    assert check.check_stable_learning_rate(lambda curvature: 2 / curvature)


@pytest.mark.parametrize("largest_stable_lr, words", [
    (lambda c: 1 / c, "1 / curvature is the rate that lands on the minimum in ONE step"),
    (lambda c: 2 * c, "it should shrink as the curvature grows"),
    (lambda c: 0.01, "is wrong: relative error"),
    (lambda c: None, "largest_stable_lr(0.5) returned None"),
    (not_written, "not written yet"),
])
def test_stable_learning_rate_names_the_mistake(largest_stable_lr, words: str) -> None:
    assert words in failure(lambda: check.check_stable_learning_rate(largest_stable_lr))


LRS = [0.1, 0.3, 0.5, 0.65, 0.7]


def closed_form_loss(lr: float, steps: int, curvature: float = 3.0, w0: float = 1.0) -> float:
    """w_t = (1 - lr curvature)^t w0, so the loss after t steps is curvature/2 w_t^2."""
    return curvature / 2 * ((1 - lr * curvature) ** steps * w0) ** 2


def test_descend_losses_follows_the_closed_form() -> None:
    for lr in LRS:
        losses = check.descend_losses(lr, 11, curvature=3.0, w0=1.0)
        expected = [closed_form_loss(lr, t) for t in range(11)]
        assert np.allclose(losses, expected, rtol=1e-12, atol=1e-300)


def test_learning_rate_sweep_passes_the_losses_after_the_last_step(capsys) -> None:
    answer = [closed_form_loss(lr, 10) for lr in LRS]
    assert check.check_learning_rate_sweep(LRS, answer, steps=10, curvature=3.0, w0=1.0)
    assert capsys.readouterr().out == "OK: the final losses of all 5 learning rates\n"


@pytest.mark.parametrize("answer, words", [
    ([closed_form_loss(lr, 9) for lr in LRS], "the final loss for lr = 0.1: this is the loss "
                                              "after 9 steps: record the loss AFTER"),
    ([closed_form_loss(lr, 10) for lr in LRS[:-1]], "final_losses has 4 numbers for 5"),
    ([], "final_losses has 0 numbers for 5"),
    # a wrong SMALL loss next to a diverging one is still caught, rate by rate
    ([closed_form_loss(lr, 10) * (2 if lr == 0.3 else 1) for lr in LRS],
     "the final loss for lr = 0.3 is wrong"),
    (None, "final_losses should be a list of numbers"),
])
def test_learning_rate_sweep_names_the_mistake(answer, words: str) -> None:
    message = failure(lambda: check.check_learning_rate_sweep(LRS, answer, steps=10,
                                                              curvature=3.0, w0=1.0))
    assert words in message
