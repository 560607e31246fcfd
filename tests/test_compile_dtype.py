"""The compiled program in float32, and what makes it fast: buffers reused between runs,
and weight gradients written straight into the gradient array.

float32 keeps about 7 significant digits. The tolerances below are what it meets against
the float64 program (which agrees with the interpreter to 1e-9, see test_compile.py) on an
MLP 300-32-10: outputs and loss to 1e-5 relative, every parameter gradient to 1e-5 of the
largest gradient, and after five SGD steps the weights differ from float64's by less than
1e-5 of how far the steps moved them. (Measured: 5e-7, 5e-7 and 3e-7: a margin of 20.)
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_scalar import Value, compile
from nn import MLP, SGD, mse, softmax_cross_entropy

GRADIENT_RTOL = 1e-5  # of the largest |gradient|: float32 against float64
OUTPUT_RTOL = 1e-5


def mlp_program(dtype, nin=300, sizes=(32, 10), seed=0):
    model = MLP(nin, list(sizes), seed=seed)

    def one_sample(x, t):
        outputs = model(x)
        return outputs, softmax_cross_entropy(outputs, t)

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, nin))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=len(X))]
    program = compile(one_sample, (X[0], T[0]), parameters=model.parameters(), dtype=dtype)
    return model, program, X, T


def gradients(model, program, X, T):
    for p in model.parameters():
        p.grad = 0.0
    result = program(X, T)
    return result, np.array([p.grad for p in model.parameters()])


def test_float32_meets_its_tolerance_against_float64_on_an_mlp():
    model64, program64, X, T = mlp_program(np.float64)
    model32, program32, _, _ = mlp_program(np.float32)
    result64, grad64 = gradients(model64, program64, X, T)
    result32, grad32 = gradients(model32, program32, X, T)

    assert result32.outputs.dtype == result32.losses.dtype == np.float32
    assert result64.outputs.dtype == np.float64
    np.testing.assert_allclose(result32.outputs, result64.outputs, rtol=OUTPUT_RTOL,
                               atol=OUTPUT_RTOL * np.abs(result64.outputs).max())
    assert result32.loss == pytest.approx(result64.loss, rel=OUTPUT_RTOL)
    scale = np.abs(grad64).max()
    assert np.abs(grad32 - grad64).max() <= GRADIENT_RTOL * scale
    # ... and it really is float32: the results differ from float64 beyond its rounding.
    assert np.abs(grad32 - grad64).max() > 1e-12 * scale


def test_float32_program_checks_itself_with_its_own_tolerance():
    _, program32, X, T = mlp_program(np.float32)
    program32.check(X[3], T[3])  # the default rtol for float32 (1e-3)
    with pytest.raises(AssertionError, match="disagree"):
        program32.check(X[3], T[3], rtol=1e-12)


def test_float32_training_session_keeps_float32_and_follows_float64():
    weights = {}
    for dtype in (np.float64, np.float32):
        model, program, X, T = mlp_program(dtype)
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        with program.training(optimizer) as session:
            assert session.data.dtype == session.grad.dtype == dtype
            for start in range(0, 40, 8):
                result = session.step(X[start : start + 8], T[start : start + 8])
                assert result.losses.dtype == dtype
        weights[dtype] = np.array([p.data for p in model.parameters()])
    initial = np.array([p.data for p in MLP(300, [32, 10], seed=0).parameters()])
    moved = np.abs(weights[np.float64] - initial).max()
    assert moved > 1e-3  # the steps did something
    assert np.abs(weights[np.float32] - weights[np.float64]).max() <= 1e-5 * moved


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex", "not a type"])
def test_other_dtypes_are_refused_clearly(dtype):
    w = Value(1.0)
    with pytest.raises(ValueError, match="np.float64 .* or np.float32"):
        compile(lambda x: w * x[0], np.ones(1), parameters=[w], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_runs_of_different_batch_sizes_do_not_disturb_each_other(dtype):
    """The value and gradient tables are kept per batch size between runs: a batch of 5
    between two batches of 3 must leave the second result equal to the first."""
    model, program, X, T = mlp_program(dtype, nin=12, sizes=(6, 3))
    first, grad_first = gradients(model, program, X[:3], T[:3])
    gradients(model, program, X[3:8], T[3:8])
    again, grad_again = gradients(model, program, X[:3], T[:3])
    np.testing.assert_array_equal(first.outputs, again.outputs)
    np.testing.assert_array_equal(grad_first, grad_again)


def test_weights_read_twice_get_both_gradients():
    """A layer's weights also in a penalty (sum of w**2): its matrix product cannot write
    their gradient alone; the plan must add both contributions, as the interpreter does."""
    model = MLP(5, [4, 2], seed=1)
    weights = model.parameters()[:6]  # the first neuron's weights and bias, and one more

    def one_sample(x, t):
        outputs = model(x)
        penalty = sum((w * w for w in weights), Value(0.0))
        return outputs, mse(outputs, t) + 0.1 * penalty

    rng = np.random.default_rng(2)
    X, T = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
    program = compile(one_sample, (X[0], T[0]), parameters=model.parameters())
    for i in range(len(X)):
        program.check(X[i], T[i])
    for p in model.parameters():
        p.grad = 0.0
    program(X, T)
    compiled = np.array([p.grad for p in model.parameters()])
    for p in model.parameters():
        p.grad = 0.0
    for x, t in zip(X, T):
        outputs = model(list(map(Value, x)))
        ((mse(outputs, list(t)) + 0.1 * sum((w * w for w in weights), Value(0.0)))
         * (1 / len(X))).backward()
    interpreted = np.array([p.grad for p in model.parameters()])
    np.testing.assert_allclose(compiled, interpreted, rtol=1e-9, atol=1e-12)


class PlainSGD:
    """p <- p - lr * g on arrays of any float dtype; remembers the dtypes it was given."""

    def __init__(self, params, lr):
        self.params, self.lr, self.seen = params, lr, []

    def update(self, data, grad):
        self.seen.append((data.dtype, grad.dtype))
        data -= self.lr * grad


def test_an_optimizer_that_takes_float32_updates_the_float32_parameters_directly():
    model, program, X, T = mlp_program(np.float32, nin=12, sizes=(6, 3))
    optimizer = PlainSGD(model.parameters(), lr=0.1)
    with program.training(optimizer) as session:
        for start in (0, 8):
            session.step(X[start : start + 8], T[start : start + 8])
        trained = session.data.copy()
    assert optimizer.seen == [(np.float32, np.float32)] * 2
    assert [p.data for p in model.parameters()] == trained.tolist()


def test_nn_optimizers_update_the_float32_parameters_directly():
    """nn's SGD computes in the arrays' dtype (as torch's optimizers do): the session hands
    it the float32 arrays, and the Values get exactly the float32 update of the float32
    program's gradients, p - lr * g computed in float32."""
    model, program, X, T = mlp_program(np.float32, nin=12, sizes=(6, 3))
    start = np.array([p.data for p in model.parameters()], dtype=np.float32)
    optimizer = SGD(model.parameters(), lr=0.1)
    with program.training(optimizer) as session:
        session.step(X[:8], T[:8])
        gradient = session.grad.copy()
        assert session.data.dtype == np.float32
    np.testing.assert_array_equal([p.data for p in model.parameters()],
                                  start - np.float32(0.1) * gradient)


class Float64OnlySGD(SGD):
    """An optimizer that refuses float32 arrays (as nn's did before they took float32)."""

    def update(self, data, grad):
        if data.dtype != np.float64:
            raise TypeError("float64 arrays only")
        super().update(data, grad)


def test_an_optimizer_that_refuses_float32_gets_float64_master_weights():
    """The session updates a float64 copy instead, and the Values get its numbers, equal to
    SGD on float64 with the float32 program's gradients."""
    model, program, X, T = mlp_program(np.float32, nin=12, sizes=(6, 3))
    start = np.array([p.data for p in model.parameters()])
    with program.training(Float64OnlySGD(model.parameters(), lr=0.1)) as session:
        session.step(X[:8], T[:8])
        gradient = session.grad.astype(np.float64)
    assert session.data.dtype == np.float32
    np.testing.assert_array_equal([p.data for p in model.parameters()], start - 0.1 * gradient)


def test_float32_overflow_names_float32_and_what_to_do():
    w = Value(1.0)
    program = compile(lambda x: (w * x[0]).exp(), np.zeros(1), parameters=[w],
                      dtype=np.float32)
    assert program(np.array([[80.0]])).loss == pytest.approx(np.exp(80.0), rel=1e-6)
    with pytest.raises(OverflowError, match=r"float32 .*88\.72.*dtype=np.float64.*sample 1"):
        program(np.array([[80.0], [90.0]]))
    compile(lambda x: (w * x[0]).exp(), np.zeros(1), parameters=[w])(np.array([[90.0]]))
