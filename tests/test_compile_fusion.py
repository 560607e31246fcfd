"""The fused groups of a compiled MLP give the numbers of the groups they replace.

A hidden layer is one group, relu(W @ X + b); softmax cross-entropy against one-hot targets
is one group, logsumexp(z) * sum(t) - t . z; gradients that have one writer are written, not
added. Each is compared with the interpreter and with the same graph compiled unfused (an
extra output that reads the intermediate results keeps the compiler from fusing them), for
finite numbers and for the infinities, NaNs and overflows where the fused groups hand over
to the op rules.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_scalar as ag
from autograd_scalar import Value, compile
from nn import MLP, softmax_cross_entropy

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FUSED_MLP = ["dot, +, relu", "dot, +", "sum, logsumexp, dot, *, -"]


def mlp_and_data(seed=0, n=7, nin=6, hidden=5, classes=4):
    rng = np.random.default_rng(seed)
    model = MLP(nin, [hidden, classes], seed=seed)
    X = rng.normal(size=(n, nin))
    T = np.eye(classes)[rng.integers(0, classes, size=n)]
    return model, X, T


def fused_and_unfused(model):
    """The MLP's loss compiled as it is, and with its intermediate results as outputs too."""

    def fused(x, t):
        outputs = model(x)
        return outputs, softmax_cross_entropy(outputs, t)

    def unfused(x, t):
        sums = [ag.dot(n.w, x) + n.b for n in model.layers[0].neurons]
        hidden = [s.relu() for s in sums]
        logits = [ag.dot(n.w, hidden) + n.b for n in model.layers[1].neurons]
        lse, t_sum, t_dot = ag.logsumexp(logits), ag.sum(t), ag.dot(t, logits)
        loss = lse * t_sum - t_dot
        return logits + sums + [lse, t_sum, t_dot, lse * t_sum], loss

    return fused, unfused


def compiled_pair(model, X, T):
    """The fused and the unfused program of the MLP's loss, compiled on the first sample."""
    fused_fn, unfused_fn = fused_and_unfused(model)
    return [compile(fn, (X[0], T[0]), parameters=model.parameters())
            for fn in (fused_fn, unfused_fn)]


def run(program, model, X, T):
    """Outputs, per-sample losses and the batch-mean gradient of one call."""
    model.zero_grad()
    result = program(X, T)
    grads = np.array([p.grad for p in model.parameters()])
    model.zero_grad()
    return result, grads


def interpreted(model, X, T):
    """The interpreter, sample by sample: losses and the batch-mean gradient."""
    model.zero_grad()
    losses = [softmax_cross_entropy(model(x.tolist()), t.tolist()) for x, t in zip(X, T)]
    (ag.sum(losses) / len(X)).backward()
    grads = np.array([p.grad for p in model.parameters()])
    model.zero_grad()
    return np.array([v.data for v in losses]), grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_mlp_compiles_to_three_groups_with_the_unfused_numbers(dtype):
    model, X, T = mlp_and_data()
    fused_fn, unfused_fn = fused_and_unfused(model)
    fused = compile(fused_fn, (X[0], T[0]), parameters=model.parameters(), dtype=dtype)
    unfused = compile(unfused_fn, (X[0], T[0]), parameters=model.parameters(), dtype=dtype)
    assert [g.op for g in fused.groups] == FUSED_MLP
    assert [g.size for g in fused.groups] == [15, 8, 5]  # every scalar node is counted
    assert not {"dot, +, relu", "sum, logsumexp, dot, *, -"} & {g.op for g in unfused.groups}
    assert "softmax cross-entropy of 4 scores" in str(fused)

    got, got_grads = run(fused, model, X, T)
    want, want_grads = run(unfused, model, X, T)
    # Forward is the same arithmetic in the same order: the same numbers to the last bit.
    np.testing.assert_array_equal(got.outputs, want.outputs[:, :4])
    np.testing.assert_array_equal(got.losses, want.losses)
    # Backward sums the two paths into z in another order: equal to rounding.
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got_grads, want_grads, rtol=rtol, atol=rtol * 1e-3)
    losses, grads = interpreted(model, X, T)
    rtol = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(got.losses, losses, rtol=rtol)
    np.testing.assert_allclose(got_grads, grads, rtol=rtol, atol=rtol * 1e-2)


def test_non_finite_scores_and_targets_give_the_rules_numbers():
    """An infinite or NaN score or target: the fused loss hands over to the five rules, so
    every NaN and infinity is where the unfused program (and the interpreter) puts it."""
    model, X, T = mlp_and_data(seed=1)
    fused, unfused = compiled_pair(model, X, T)
    T = T.copy()
    T[1, 0], T[2, 3], T[4, 1] = np.inf, np.nan, -np.inf
    X = X.copy()
    X[5, 2] = np.inf  # an infinite input: infinite scores
    got, got_grads = run(fused, model, X, T)
    want, want_grads = run(unfused, model, X, T)
    np.testing.assert_array_equal(got.losses, want.losses)  # (NaN where NaN)
    np.testing.assert_array_equal(got.outputs, want.outputs[:, :4])
    np.testing.assert_array_equal(np.isnan(got_grads), np.isnan(want_grads))
    finite = np.isfinite(want_grads)
    np.testing.assert_allclose(got_grads[finite], want_grads[finite], rtol=1e-12)
    for b in (0, 3, 6):  # the finite samples still match the interpreter one by one
        losses, _ = interpreted(model, X[b : b + 1], T[b : b + 1])
        np.testing.assert_allclose(got.losses[b], losses[0], rtol=1e-12)


def test_an_overflowing_target_sum_raises_the_interpreters_error():
    model, X, T = mlp_and_data(seed=2)
    fused_fn, _ = fused_and_unfused(model)
    fused = compile(fused_fn, (X[0], T[0]), parameters=model.parameters())
    T = T.copy()
    T[3] = 1e308  # finite targets whose sum is not
    with pytest.raises(OverflowError, match=r"^sum overflows.*\(sample 3 of the batch\)"):
        fused(X, T)
    with pytest.raises(OverflowError, match=r"^sum overflows"):
        softmax_cross_entropy(model(X[3].tolist()), T[3].tolist())


def test_targets_that_need_gradients_get_them():
    """Soft targets computed from parameters (distillation): dL/dt = logsumexp(z) - z."""
    rng = np.random.default_rng(3)
    scores = [Value(float(v)) for v in rng.normal(size=4)]
    target_logits = [Value(float(v)) for v in rng.normal(size=4)]
    parameters = scores + target_logits

    def loss(x):
        z = [s * xi for s, xi in zip(scores, x)]
        return softmax_cross_entropy(z, ag.softmax(target_logits))

    X = rng.normal(size=(5, 4))
    program = compile(loss, X[0], parameters=parameters)
    assert "sum, logsumexp, dot, *, -" in [g.op for g in program.groups]
    for x in X:
        program.check(x)  # loss and every gradient against the interpreter


def test_a_relu_layer_passes_nan_and_infinity_like_the_interpreter():
    """NaN and infinite pre-activations: the fused layer's outputs are the unfused program's
    (relu(NaN) is NaN, relu(inf) inf, relu(-inf) 0), its gradients NaN where theirs are."""
    model, X, T = mlp_and_data(seed=4)
    fused, unfused = compiled_pair(model, X, T)
    X = X.copy()
    X[0, 0], X[1, 1], X[2, 2] = np.nan, np.inf, -np.inf
    got, got_grads = run(fused, model, X, T)
    want, want_grads = run(unfused, model, X, T)
    np.testing.assert_array_equal(got.outputs, want.outputs[:, :4])
    np.testing.assert_array_equal(np.isnan(got_grads), np.isnan(want_grads))


def test_a_zero_upstream_gradient_meets_no_infinite_derivative():
    """A loss multiplied by 0: its upstream gradient is 0, and where a target is infinite the
    local derivatives are not finite. The interpreter skips nodes whose gradient is 0 (no
    0 * inf = NaN); so must the fused loss, through the rules' chain."""
    model, X, T = mlp_and_data(seed=6)

    def fn(x, t):
        outputs = model(x)
        return outputs, 0.0 * softmax_cross_entropy(outputs, t) + ag.sum(outputs)

    program = compile(fn, (X[0], T[0]), parameters=model.parameters())
    assert "sum, logsumexp, dot, *, -" in [g.op for g in program.groups]
    T = T.copy()
    T[2, 1] = np.inf
    _, grads = run(program, model, X, T)
    assert np.isfinite(grads).all()
    model.zero_grad()
    losses = [fn(x.tolist(), t.tolist())[1] for x, t in zip(X, T)]
    (ag.sum(losses) / len(X)).backward()
    expected = np.array([p.grad for p in model.parameters()])
    model.zero_grad()
    np.testing.assert_allclose(grads, expected, rtol=1e-12, atol=1e-15)


def test_a_bias_used_twice_adds_both_gradients():
    """A gradient with two writers is added up (the single-writer shortcut must not apply):
    one bias shared by two layers, and a hidden vector read by two layers."""
    rng = np.random.default_rng(5)
    W1 = [[Value(float(v)) for v in rng.normal(size=3)] for _ in range(4)]
    W2 = [[Value(float(v)) for v in rng.normal(size=4)] for _ in range(2)]
    W3 = [[Value(float(v)) for v in rng.normal(size=4)] for _ in range(2)]
    shared = Value(0.3)
    parameters = [w for row in W1 + W2 + W3 for w in row] + [shared]

    def fn(x, t):
        h = [(ag.dot(row, x) + shared).relu() for row in W1]
        z = [ag.dot(row, h) + shared for row in W2]
        side = [ag.dot(row, h) for row in W3]  # h has two readers
        return z, softmax_cross_entropy(z, t) + ag.sum(side) * 0.1

    X = rng.normal(size=(6, 3))
    T = np.eye(2)[rng.integers(0, 2, size=6)]
    program = compile(fn, (X[0], T[0]), parameters=parameters)
    for x, t in zip(X, T):
        program.check(x, t)
    for p in parameters:
        p.grad = 0.0
    program(X, T)
    batch = np.array([p.grad for p in parameters])
    expected = np.zeros(len(parameters))
    for x, t in zip(X, T):
        for p in parameters:
            p.grad = 0.0
        fn([Value(v) for v in x], t.tolist())[1].backward()
        expected += np.array([p.grad for p in parameters]) / len(X)
    np.testing.assert_allclose(batch, expected, rtol=1e-12)
