"""nn.checks on its own: the relative error, the wording of every hint, and the checks'
handling of unfinished or broken student code (the wrong-answer fixtures of the assignments
are in test_checks_mistakes.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from assignment_mistakes import solution_namespace

from autograd_scalar import Value as EngineValue
from nn.checks import CheckFailed, backprop, challenge, micrograd, rel_error
from nn.checks.arrays import compare


def failure(action) -> str:
    """The message of the CheckFailed that `action()` raises."""
    with pytest.raises(CheckFailed) as caught:
        action()
    return str(caught.value)


# -- report ------------------------------------------------------------------------------


def test_rel_error_is_the_norm_of_the_difference_over_the_larger_norm() -> None:
    assert rel_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert rel_error([3.0, 4.0], [0.0, 0.0]) == 1.0
    assert rel_error(0.0, 0.0) == 0.0
    assert rel_error([1.0, 0.0], [0.0, 2.0]) == pytest.approx(math.sqrt(5) / 2)
    assert rel_error([[1.0, 2.0]], [[1.0, 2.0 + 1e-9]]) == pytest.approx(1e-9 / math.sqrt(5))


def test_a_failed_check_is_an_assertion_that_renders_as_its_message_alone() -> None:
    error = CheckFailed("dW1 is wrong.\nHint: transpose.")
    assert isinstance(error, AssertionError)
    assert str(error) == "WRONG: dW1 is wrong.\nHint: transpose."
    assert error._render_traceback_() == ["WRONG: dW1 is wrong.", "Hint: transpose."]


# -- arrays.compare: one hint per typical mistake -----------------------------------------

W = np.arange(6.0).reshape(2, 3) + 1.0


def test_compare_prints_ok_with_the_relative_error(capsys) -> None:
    assert compare("dW", W + 1e-12, W) is True
    assert capsys.readouterr().out.startswith("OK: dW matches (relative error ")


@pytest.mark.parametrize("answer, words", [
    (None, "is None. Did you forget to `return` it?"),
    ("abc", "should be a NumPy array of numbers, got str"),
    (W * np.nan, "contains NaN or infinity"),
    (W.T, "has shape (3, 2) but should have shape (2, 3), the shape of W. It is transposed"),
    (np.stack([W, W]), "It has one row per example"),
    (W.ravel(), "It has the right numbers of entries"),
    (-W, "It has the wrong sign"),
    (4 * W, "It is 4 times too large: the loss is a MEAN"),
    (W / 4, "It is 4 times too small: you divided by N = 4 twice"),
    (2 * W, "It is twice the right value"),
    (0.5 * W, "It is half the right value"),
    (3.5 * W, "It is the right answer times 3.5"),
    (W + np.eye(2, 3), "The largest difference is at [0, 0]: yours 2, expected 1."),
])
def test_compare_names_the_mistake(answer, words: str) -> None:
    message = failure(lambda: compare("dW", answer, W, batch_size=4, shape_hint="the shape of W"))
    assert message.startswith("WRONG: dW") and words in message


def test_compare_prefers_a_listed_mistake_and_says_square_transposes() -> None:
    square = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert "It is the transpose" in failure(lambda: compare("A", square.T, square))
    listed = failure(lambda: compare("A", -square, square, mistakes={"sign of y_hat - y": -square}))
    assert "A: sign of y_hat - y (relative error 2.0e+00)" in listed


# -- micrograd: unfinished and broken classes ---------------------------------------------


@pytest.fixture
def Value() -> type:
    """A fresh copy of the solution's class, to break one method of (its operations make
    Values of this very class, so a patched method is used throughout the graph)."""
    return solution_namespace("a1_micrograd")["Value"]


def test_the_engine_itself_passes_the_graph_checks() -> None:
    # autograd_scalar.Value has the same public behaviour: the oracle agrees with itself.
    assert micrograd.check_forward(EngineValue)
    assert micrograd.check_random_graphs(EngineValue, graphs=50, seed=3)
    assert micrograd.check_deep_chain(EngineValue)


def test_an_unwritten_operation_is_reported_as_not_written_yet(Value) -> None:
    def tanh(self):
        raise NotImplementedError()

    Value.tanh = tanh
    assert "x.tanh() with x = 1.5, y = -0.5: not written yet" in failure(
        lambda: micrograd.check_forward(Value))


def test_an_operation_returning_a_number_is_reported(Value) -> None:
    Value.exp = lambda self: math.exp(self.data)
    assert "x.exp() should return a Value, got float" in failure(
        lambda: micrograd.check_forward(Value))


def test_a_node_visited_twice_is_named(Value) -> None:
    def backward(self):
        self.grad = 1.0
        stack = [self]
        while stack:  # depth-first without a visited set: shared nodes run twice
            node = stack.pop()
            node._backward()
            stack.extend(node._prev)

    Value.backward = backward
    assert "a node's _backward ran more than once" in failure(
        lambda: micrograd.check_backward(Value))


def test_a_new_value_must_start_with_zero_gradient(Value) -> None:
    right_init = Value.__init__

    def __init__(self, data, _children=(), _op=""):
        right_init(self, data, _children, _op)
        self.grad = 1.0

    Value.__init__ = __init__
    assert "a new Value should start with grad 0.0, got 1.0" in failure(
        lambda: micrograd.check_local_gradients(Value))


def test_the_random_graph_message_lists_the_expression(Value) -> None:
    right_exp = Value.exp

    def exp(self):
        out = right_exp(self)
        out._backward = lambda: None  # forgets to pass the gradient on
        return out

    Value.exp = exp
    message = failure(lambda: micrograd.check_random_graphs(Value, graphs=200, seed=0))
    assert "x0 = Value(" in message and ".exp()" in message and ".backward()" in message


# -- backprop and challenge ----------------------------------------------------------------


def test_backprop_problem_has_the_lecture_shapes() -> None:
    p = backprop.make_problem("softmax", seed=1)
    assert p["X"].shape == (5, 4) and p["W1"].shape == (3, 4) and p["W2"].shape == (3, 3)
    assert p["Y"].dtype.kind == "i" and set(p["Y"]) <= {0, 1, 2}
    with pytest.raises(ValueError, match="output is one of"):
        backprop.make_problem("sigmoid")


def test_backprop_names_a_softmax_over_the_wrong_axis_and_a_missing_key() -> None:
    forward = solution_namespace("a2_backprop")["forward"]

    def columns(X, W1, b1, W2, b2, output):
        values = forward(X, W1, b1, W2, b2, output)
        e = np.exp(values["a2"])
        return {**values, "y_hat": e / e.sum(axis=0, keepdims=True)}

    assert "the softmax is taken over the wrong axis" in failure(
        lambda: backprop.check_forward(columns, "softmax"))
    assert "returned no ['db1']" in failure(lambda: backprop.check_backward(
        lambda *args: {k: 0 for k in ("delta2", "delta1", "dW2", "db2", "dW1")}))


def test_challenge_softmax_without_the_max_shift_overflows_on_huge_scores() -> None:
    def naive(scores, y):
        p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        n = len(scores)
        onehot = np.eye(scores.shape[1])[y]
        return -np.log(p[np.arange(n), y]).mean(), (p - onehot) / n

    with np.errstate(all="ignore"):
        message = failure(lambda: challenge.check_softmax_cross_entropy(naive))
    assert "for huge scores (+1000) contains NaN" in message
    assert "subtract the row maximum" in message


@pytest.mark.parametrize("accuracy, words", [
    (0.12, "test accuracy 12.0% is below 35%"),
    (39.0, "accuracy should be a fraction between 0 and 1"),
    ("high", "accuracy should be a fraction"),
])
def test_challenge_accuracy_messages(accuracy, words: str) -> None:
    assert words in failure(lambda: challenge.check_accuracy(accuracy))


def test_challenge_accuracy_ok(capsys) -> None:
    assert challenge.check_accuracy(0.386)
    assert capsys.readouterr().out == "OK: test accuracy 38.6% (at least 35%)\n"


# -- properties: the teacher's solutions pass on any random input the checks may draw --------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402  (after the importorskip above)
from hypothesis import strategies as st  # noqa: E402

SOLUTION_VALUE = solution_namespace("a1_micrograd")["Value"]
SOLUTION_BACKWARD = solution_namespace("a2_backprop")["backward"]
SOLUTION_NETWORK = solution_namespace("a3_challenge")["loss_and_gradients"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_solution_value_agrees_with_the_engine_on_random_graphs(seed: int) -> None:
    assert micrograd.check_random_graphs(SOLUTION_VALUE, graphs=10, seed=seed)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), output=st.sampled_from(backprop.OUTPUTS))
def test_solution_backprop_agrees_with_the_engine_on_random_batches(seed, output) -> None:
    assert backprop.check_backward(SOLUTION_BACKWARD, output, seed=seed)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_solution_network_agrees_with_the_engine_on_random_networks(seed: int) -> None:
    assert challenge.check_network_gradients(SOLUTION_NETWORK, seed=seed)
