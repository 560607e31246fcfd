"""Tests of nn.losses: values and gradients against PyTorch (float64) and the maths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar import Value, topological_order
from nn.losses import binary_cross_entropy, hinge, l2_penalty, mse, softmax_cross_entropy
from nn.mlp import MLP


def values(rows):
    """Nested lists of numbers -> nested lists of leaf Values."""
    if isinstance(rows, np.ndarray):
        rows = rows.tolist()
    if isinstance(rows, list):
        return [values(r) for r in rows]
    return Value(rows)


def grads(rows):
    if isinstance(rows, list):
        return [grads(r) for r in rows]
    return rows.grad


def torch_value_and_grad(torch, fn, x, *args, **kwargs):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(t, *args, **kwargs)
    out.backward()
    return out.item(), t.grad.numpy()


RNG = np.random.default_rng(0)


# -- softmax cross-entropy ---------------------------------------------------------------


def test_cross_entropy_one_sample_gradient_is_softmax_minus_onehot():
    z = [2.0, -1.0, 0.5, 3.0]
    logits = values(z)
    loss = softmax_cross_entropy(logits, 2)
    loss.backward()
    p = np.exp(z) / np.exp(z).sum()
    assert loss.data == pytest.approx(-math.log(p[2]), rel=1e-14)
    np.testing.assert_allclose(grads(logits), p - np.eye(4)[2], rtol=1e-13, atol=1e-15)


def test_cross_entropy_batch_is_mean_with_delta_over_b(torch):
    z = RNG.normal(scale=3.0, size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    logits = values(z)
    loss = softmax_cross_entropy(logits, y)
    loss.backward()
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grads(logits), (p - np.eye(4)[y]) / 5, rtol=1e-12, atol=1e-15)
    ref, ref_grad = torch_value_and_grad(
        torch, torch.nn.functional.cross_entropy, z, torch.tensor(y)
    )
    assert loss.data == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(grads(logits), ref_grad, rtol=1e-12, atol=1e-15)
    # a list of ints is the same as an array
    assert softmax_cross_entropy(values(z), y.tolist()).data == loss.data


def test_cross_entropy_is_stable_for_huge_logits(torch):
    z = [1000.0, -1000.0, 999.0]
    logits = values(z)
    loss = softmax_cross_entropy(logits, 2)
    loss.backward()
    ref, ref_grad = torch_value_and_grad(
        torch, torch.nn.functional.cross_entropy, [z], torch.tensor([2])
    )
    assert loss.data == pytest.approx(ref, rel=1e-14)
    np.testing.assert_allclose(grads(logits), ref_grad[0], rtol=1e-12, atol=1e-300)


def test_cross_entropy_on_model_outputs():
    model = MLP(3, [4, 3], seed=0)
    X = RNG.normal(size=(4, 3))
    y = [0, 2, 1, 2]
    loss = softmax_cross_entropy([model(x) for x in X], y)
    expected = np.mean(
        [
            math.log(sum(math.exp(v) for v in out)) - out[t]
            for out, t in zip(model.predict(X).tolist(), y)
        ]
    )
    assert loss.data == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("logits", "target", "error", "message"),
    [
        ([[1.0, 2.0]], 2, ValueError, r"single target"),
        ([1.0, 2.0, 3.0], 3, ValueError, r"class 3 is out of range for 3 scores; valid .*0 .. 2"),
        ([1.0, 2.0], -1, ValueError, r"class -1 is out of range"),
        ([1.0, 2.0], 1.0, TypeError, r"class index \(an int\), got float"),
        ([[1.0, 2.0], [0.0, 1.0]], [0], ValueError, r"2 outputs but 1 targets"),
        ([[1.0, 2.0], [0.0, 1.0]], [0, 5], ValueError, r"class 5 .*sample 1 of the batch"),
        ([], [], ValueError, r"batch is empty"),
        (Value(1.0), 0, TypeError, r"binary_cross_entropy"),
    ],
)
def test_cross_entropy_bad_targets(logits, target, error, message):
    with pytest.raises(error, match=message):
        softmax_cross_entropy(values(logits) if isinstance(logits, list) else logits, target)


# -- softmax cross-entropy with class probabilities (one-hot) as targets ------------------


def torch_loss_and_grads(torch, fn, x, target):
    """fn(x, target) in float64, its value, and its gradients w.r.t. x and target."""
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(target, dtype=torch.float64, requires_grad=True)
    out = fn(tx, tt)
    out.backward()
    return out.item(), tx.grad.numpy(), tt.grad.numpy()


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)


# total 1 (a distribution), and 1.7: PyTorch does not require rows that sum to 1, nor do we
@pytest.mark.parametrize("total", [1.0, 1.7])
@pytest.mark.parametrize("as_values", [True, False])
def test_cross_entropy_probability_target_one_sample_matches_torch(torch, total, as_values):
    z = RNG.normal(scale=3.0, size=5)
    t = RNG.dirichlet(np.ones(5)) * total
    logits = values(z)
    target = values(t) if as_values else t.tolist()
    loss = softmax_cross_entropy(logits, target)
    loss.backward()
    ref, ref_dz, ref_dt = torch_loss_and_grads(torch, torch.nn.functional.cross_entropy, z, t)
    assert loss.data == pytest.approx(ref, rel=1e-12)
    assert_close(grads(logits), ref_dz)
    p = np.exp(z) / np.exp(z).sum()
    assert_close(grads(logits), p * t.sum() - t)  # softmax(z) * sum(t) - t
    if as_values:
        assert_close(grads(target), ref_dt)  # = -log softmax(z)


@pytest.mark.parametrize("as_values", [True, False])
def test_cross_entropy_probability_targets_batch_matches_torch(torch, as_values):
    z = RNG.normal(scale=3.0, size=(4, 3))
    t = RNG.dirichlet(np.ones(3), size=4)
    logits = values(z)
    target = values(t) if as_values else t  # rows of Values, or a float array (B, C)
    loss = softmax_cross_entropy(logits, target)
    loss.backward()
    ref, ref_dz, ref_dt = torch_loss_and_grads(torch, torch.nn.functional.cross_entropy, z, t)
    assert loss.data == pytest.approx(ref, rel=1e-12)
    assert_close(grads(logits), ref_dz)
    if as_values:
        assert_close(grads(target), ref_dt)
    # a list of lists of floats is the same as the array
    assert softmax_cross_entropy(values(z), t.tolist()).data == loss.data


def test_cross_entropy_onehot_equals_index_form_exactly_in_a_batch():
    z = RNG.normal(scale=4.0, size=(6, 4))
    y = np.array([0, 3, 1, 1, 2, 3])
    by_index, by_onehot, by_values = values(z), values(z), values(z)
    loss_index = softmax_cross_entropy(by_index, y)
    loss_onehot = softmax_cross_entropy(by_onehot, np.eye(4)[y])
    onehot_values = values(np.eye(4)[y])
    loss_values = softmax_cross_entropy(by_values, onehot_values)
    for loss in (loss_index, loss_onehot, loss_values):
        loss.backward()
    assert loss_onehot.data == loss_index.data and loss_values.data == loss_index.data
    assert grads(by_onehot) == grads(by_index) and grads(by_values) == grads(by_index)
    # the one-hot Values get dL/dt_j = -log softmax(z)_j / B
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(grads(onehot_values), -log_p / 6, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    z=st.lists(st.floats(-800, 800), min_size=1, max_size=5),
    y=st.integers(0, 4),
    as_values=st.booleans(),
)
def test_cross_entropy_onehot_equals_index_form_exactly(z, y, as_values):
    y = y % len(z)
    by_index, by_onehot = values(z), values(z)
    onehot = [1.0 if j == y else 0.0 for j in range(len(z))]
    loss_index = softmax_cross_entropy(by_index, y)
    loss_onehot = softmax_cross_entropy(by_onehot, values(onehot) if as_values else onehot)
    loss_index.backward()
    loss_onehot.backward()
    assert loss_onehot.data == loss_index.data
    assert grads(by_onehot) == grads(by_index)


def test_cross_entropy_onehot_placeholders_give_one_graph_for_every_class():
    """What a tracer needs: the graph's shape does not depend on which class is hot, and
    every target Value is in it (a parent), not read once as a number."""
    traces = []
    for y in range(3):
        z = values([0.5, -1.0, 2.0])
        t = [Value(1.0 if j == y else 0.0) for j in range(3)]
        loss = softmax_cross_entropy(z, t)
        nodes = topological_order(loss)
        assert all(any(v is n for n in nodes) for v in z + t)
        traces.append([(n.op, len(n.parents)) for n in nodes])
    assert traces[0] == traces[1] == traces[2]


@pytest.mark.parametrize(
    ("logits", "target", "error", "message"),
    [
        ([1.0, 2.0, 3.0], [0.0, 1.0], ValueError, r"target has 2 entries, expected 3"),
        (
            [[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]],
            [[0.0, 1.0, 0.0], [1.0, 0.0]],
            ValueError,
            r"target \(sample 1 of the batch\) has 2 entries, expected 3",
        ),
        ([[1.0, 2.0], [0.0, 1.0]], [[0.0, 1.0]], ValueError, r"2 outputs but 1 targets"),
        ([1.0, 2.0], [0.5, "0.5"], TypeError, r"numbers or Values, entry 1 is str"),
        ([1.0, 2.0], [True, False], TypeError, r"entry 0 is bool"),
        # a one-sample row with a list of ints: class indices meant for a batch
        ([1.0, 2.0, 3.0], [0, 2, 1], TypeError, r"list of ints.*ONE sample \(3 classes\)"),
        ([[1.0, 2.0], [0.0, 1.0]], np.eye(2, dtype=int), TypeError, r"sample 0.*list of ints"),
    ],
)
def test_cross_entropy_bad_probability_targets(logits, target, error, message):
    with pytest.raises(error, match=message):
        softmax_cross_entropy(values(logits), target)


# -- mse ---------------------------------------------------------------------------------


def test_mse_matches_torch_mean_over_all_elements(torch):
    out = RNG.normal(size=(4, 3))
    target = RNG.normal(size=(4, 3))
    outputs = values(out)
    loss = mse(outputs, target)
    loss.backward()
    ref, ref_grad = torch_value_and_grad(
        torch, torch.nn.functional.mse_loss, out, torch.tensor(target)
    )
    assert loss.data == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(grads(outputs), ref_grad, rtol=1e-12)


def test_mse_one_sample_and_one_output_forms():
    a, b = Value(3.0), Value(-1.0)
    loss = mse([a, b], [1.0, 1.0])  # one sample, two outputs: ((2)**2 + (-2)**2) / 2
    assert loss.data == 4.0
    loss.backward()
    assert (a.grad, b.grad) == (2.0, -2.0)
    assert mse(Value(2.0), 0.5).data == 2.25  # one output as a bare Value and a number
    assert mse([Value(2.0)], 0.5).data == 2.25  # a model's output list and a number
    batch = [[Value(1.0)], [Value(2.0)], [Value(4.0)]]  # one-output model, targets (B,)
    assert mse(batch, np.array([0.0, 0.0, 1.0])).data == pytest.approx((1 + 4 + 9) / 3)


def test_mse_bad_shapes():
    with pytest.raises(ValueError, match="2 outputs but 3 targets"):
        mse([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"sample 1 of the batch\) has 1 outputs but 2"):
        mse([[Value(1.0)], [Value(2.0)]], [[1.0], [2.0, 3.0]])
    with pytest.raises(ValueError, match="2 outputs but 1 targets"):
        mse([[Value(1.0)], [Value(2.0)]], [[1.0]])


def test_mse_with_value_targets_matches_torch(torch):
    out = RNG.normal(size=(3, 2))
    target = RNG.normal(size=(3, 2))
    outputs, targets = values(out), values(target)
    loss = mse(outputs, targets)
    loss.backward()
    ref, ref_dout, ref_dtarget = torch_loss_and_grads(
        torch, torch.nn.functional.mse_loss, out, target
    )
    assert loss.data == pytest.approx(ref, rel=1e-13)
    assert_close(grads(outputs), ref_dout)
    assert_close(grads(targets), ref_dtarget)


def test_mse_value_target_one_sample_forms():
    out, target = Value(2.0), Value(0.5)
    loss = mse(out, target)  # (2 - 0.5)**2
    loss.backward()
    assert (loss.data, out.grad, target.grad) == (2.25, 3.0, -3.0)
    a, b, t = Value(3.0), Value(-1.0), Value(1.0)
    loss = mse([a, b], [t, 1.0])  # a Value and a number side by side
    loss.backward()
    assert (loss.data, a.grad, b.grad, t.grad) == (4.0, 2.0, -2.0, -2.0)


# -- binary cross-entropy ----------------------------------------------------------------


def test_binary_cross_entropy_matches_torch_with_logits(torch):
    z = np.array([-3.0, -0.5, 0.0, 0.0, 0.7, 4.0, 35.0, -40.0])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    logits = values(z)
    loss = binary_cross_entropy(logits, y)
    loss.backward()
    ref, ref_grad = torch_value_and_grad(
        torch,
        torch.nn.functional.binary_cross_entropy_with_logits,
        z,
        torch.tensor(y),
    )
    assert loss.data == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(grads(logits), ref_grad, rtol=1e-12, atol=1e-17)
    # gradient = (sigmoid(z) - y) / B, exactly 0.5 - y at z = 0
    sig = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(grads(logits), (sig - y) / len(z), rtol=1e-12, atol=1e-17)
    assert logits[2].grad == 0.5 / len(z) and logits[3].grad == -0.5 / len(z)


@pytest.mark.parametrize(("z", "y"), [(800.0, 0), (800.0, 1), (-800.0, 0), (-800.0, 1)])
def test_binary_cross_entropy_is_stable_for_huge_logits(torch, z, y):
    logit = Value(z)
    loss = binary_cross_entropy(logit, y)
    loss.backward()
    ref, ref_grad = torch_value_and_grad(
        torch,
        torch.nn.functional.binary_cross_entropy_with_logits,
        z,
        torch.tensor(float(y)),
    )
    assert math.isfinite(loss.data) and loss.data == pytest.approx(ref, abs=1e-12)
    assert logit.grad == pytest.approx(ref_grad.item(), abs=1e-12)


def test_binary_cross_entropy_accepts_model_output_lists():
    model = MLP(2, [3, 1], seed=1)
    X = RNG.normal(size=(3, 2))
    y = [1, 0, 1]
    batch = binary_cross_entropy([model(x) for x in X], y)
    zs = model.predict(X)[:, 0]
    expected = np.mean([math.log1p(math.exp(z)) - t * z for z, t in zip(zs, y)])
    assert batch.data == pytest.approx(expected, rel=1e-12)
    single = binary_cross_entropy(model(X[0]), 1)
    assert single.data == pytest.approx(math.log1p(math.exp(zs[0])) - zs[0], rel=1e-12)


def test_binary_cross_entropy_bad_targets():
    with pytest.raises(ValueError, match=r"0 or 1 .*got 2"):
        binary_cross_entropy(Value(0.0), 2)
    with pytest.raises(ValueError, match=r"sample 1 of the batch.*got -1"):
        binary_cross_entropy([Value(0.0), Value(1.0)], [1, -1])
    with pytest.raises(ValueError, match="ONE score per sample"):
        binary_cross_entropy([Value(0.0), Value(1.0)], 1)
    with pytest.raises(ValueError, match="2 outputs but 3 targets"):
        binary_cross_entropy([Value(0.0), Value(1.0)], [1, 0, 1])


def test_binary_cross_entropy_with_value_targets_matches_torch(torch):
    z = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    y = np.array([0.0, 1.0, 0.3, 1.0, 0.8])
    logits, targets = values(z), values(y)
    loss = binary_cross_entropy(logits, targets)
    loss.backward()
    ref, ref_dz, ref_dy = torch_loss_and_grads(
        torch, torch.nn.functional.binary_cross_entropy_with_logits, z, y
    )
    assert loss.data == pytest.approx(ref, rel=1e-13)
    assert_close(grads(logits), ref_dz)
    assert_close(grads(targets), ref_dy)  # dL/dy = -z / B


def test_binary_cross_entropy_value_target_one_sample():
    z, y = Value(0.7), Value(1.0)
    loss = binary_cross_entropy([z], y)  # the model's output list and a Value target
    loss.backward()
    assert loss.data == binary_cross_entropy(Value(0.7), 1).data
    assert y.grad == -0.7
    assert z.grad == pytest.approx(1.0 / (1.0 + math.exp(-0.7)) - 1.0, rel=1e-14)


# -- hinge -------------------------------------------------------------------------------


def test_hinge_one_sample_by_hand():
    s = values([3.2, 5.1, -1.7])  # CS231n's cat example: true class 0
    loss = hinge(s, 0)
    assert loss.data == pytest.approx(max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1))  # 2.9
    loss.backward()
    assert grads(s) == [-1.0, 1.0, 0.0]


@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_hinge_matches_torch_multi_margin_loss_times_classes(torch, margin):
    scores = RNG.normal(size=(6, 4))
    y = np.array([0, 1, 2, 3, 0, 2])
    rows = values(scores)
    loss = hinge(rows, y, margin=margin)
    loss.backward()
    ref, ref_grad = torch_value_and_grad(
        torch,
        torch.nn.functional.multi_margin_loss,
        scores,
        torch.tensor(y),
        p=1,
        margin=margin,
    )
    num_classes = 4  # torch divides each sample's sum by the number of classes
    assert loss.data == pytest.approx(ref * num_classes, rel=1e-13)
    np.testing.assert_allclose(grads(rows), ref_grad * num_classes, rtol=1e-12)


def test_hinge_with_one_hot_targets_is_the_index_form_exactly():
    """The one-hot form (what a compiled program can trace) gives the very same numbers."""
    scores = RNG.normal(size=(5, 4))
    y = np.array([3, 0, 1, 1, 2])
    by_index, one_hot = values(scores), values(scores)
    loss_index, loss_one_hot = hinge(by_index, y), hinge(one_hot, np.eye(4)[y])
    loss_index.backward()
    loss_one_hot.backward()
    assert loss_one_hot.data == loss_index.data
    assert grads(one_hot) == grads(by_index)
    single = values(scores[0])
    assert hinge(single, np.eye(4)[3]).data == hinge(values(scores[0]), 3).data


def test_hinge_bad_arguments():
    with pytest.raises(ValueError, match="out of range for 2 scores"):
        hinge(values([1.0, 2.0]), 2)
    with pytest.raises(ValueError, match="margin must be a finite number"):
        hinge(values([1.0, 2.0]), 0, margin=float("nan"))
    with pytest.raises(ValueError, match="has 3 entries, expected 2"):
        hinge(values([1.0, 2.0]), [0.0, 1.0, 0.0])


# -- l2 penalty --------------------------------------------------------------------------


def test_l2_penalty_value_and_gradient():
    ws = values([1.0, -2.0, 0.5])
    penalty = l2_penalty(ws, 0.1)
    assert penalty.data == pytest.approx(0.1 * (1 + 4 + 0.25), rel=1e-15)
    penalty.backward()
    assert grads(ws) == pytest.approx([0.2, -0.4, 0.1], rel=1e-15)


def test_l2_penalty_with_or_without_biases():
    model = MLP(2, [3, 1], seed=0)
    for b in model.biases():
        b.data = 1.0
    w2 = sum(w.data**2 for w in model.weights())
    assert l2_penalty(model.weights(), 1.0).data == pytest.approx(w2, rel=1e-14)
    assert l2_penalty(model.parameters(), 1.0).data == pytest.approx(w2 + 4.0, rel=1e-14)
    with pytest.raises(TypeError, match="model.parameters"):
        l2_penalty(model, 1.0)
    with pytest.raises(ValueError, match=">= 0"):
        l2_penalty(model.weights(), -1.0)
    with pytest.raises(TypeError, match="item 1 is float"):
        l2_penalty([Value(1.0), 2.0], 1.0)


# -- property: every batch loss is the mean of the one-sample losses ----------------------


@settings(max_examples=30, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.lists(st.floats(-50, 50), min_size=3, max_size=3),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_batch_losses_are_means_of_sample_losses(data):
    rows = [r for r, _ in data]
    ys = [t for _, t in data]
    for loss in (softmax_cross_entropy, hinge):
        batch = loss(values(rows), ys).data
        singles = [loss(values(r), t).data for r, t in data]
        assert batch == pytest.approx(sum(singles) / len(singles), rel=1e-12, abs=1e-12)
    zs = [r[0] for r in rows]
    bs = [t % 2 for t in ys]
    batch = binary_cross_entropy(values(zs), bs).data
    singles = [binary_cross_entropy(Value(z), b).data for z, b in zip(zs, bs)]
    assert batch == pytest.approx(sum(singles) / len(singles), rel=1e-12, abs=1e-12)
