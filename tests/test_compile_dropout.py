"""Dropout, interpreted and compiled: the mask comes into the compiled program as data.

A trace replays one graph for every sample, so the compiled program cannot draw masks
itself: the traced function takes the mask as an extra input (one row per sample, values
0 or 1/(1-p)), and multiplies it in. With the same masks, the compiled program must compute
what the interpreter computes, sample by sample, as for every other op.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_scalar import Value, compile
from nn import SGD, Layer, softmax_cross_entropy
from nn.dropout import Dropout

HIDDEN = 8


def network(seed=0):
    first = Layer(12, HIDDEN, "relu", seed=seed)
    second = Layer(HIDDEN, 3, "linear", seed=seed + 1)
    return first, second, first.parameters() + second.parameters()


def data(n=9, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 12))
    y = rng.integers(0, 3, size=n)
    return X, y, np.eye(3)[y]


def compiled_with_dropout(dropout, first, second, parameters, X, masks, T):
    def one_sample(x, mask, t):
        outputs = second(dropout(first(x), mask=mask))
        return outputs, softmax_cross_entropy(outputs, t)

    return compile(one_sample, (X[0], masks[0], T[0]), parameters=parameters)


def test_compiled_dropout_matches_the_interpreter_sample_by_sample():
    dropout = Dropout(0.5, seed=3)
    first, second, parameters = network()
    X, y, T = data()
    masks = dropout.sample_mask((len(X), HIDDEN))
    assert len({tuple(m) for m in masks}) > 1  # different samples, different masks
    program = compiled_with_dropout(dropout, first, second, parameters, X, masks, T)

    for p in parameters:
        p.grad = 0.0
    result = program(X, masks, T)
    compiled_grads = np.array([p.grad for p in parameters])

    for p in parameters:
        p.grad = 0.0
    for i in range(len(X)):
        outputs = second(dropout(first(X[i].tolist()), mask=masks[i]))
        loss = softmax_cross_entropy(outputs, int(y[i]))
        np.testing.assert_allclose(result.outputs[i], [v.data for v in outputs], rtol=1e-12)
        assert result.losses[i] == pytest.approx(loss.data, rel=1e-12)
        (loss * (1.0 / len(X))).backward()
    interpreted_grads = np.array([p.grad for p in parameters])
    np.testing.assert_allclose(compiled_grads, interpreted_grads, rtol=1e-9, atol=1e-14)
    for i in range(len(X)):
        program.check(X[i], masks[i], T[i])


def test_a_unit_dropped_for_every_sample_passes_no_gradient():
    """dy/dx = mask: with unit 0 dropped in every sample, the second layer's weights that
    read it, and the first layer's neuron that computes it, get exactly 0; others do not."""
    dropout = Dropout(0.5)
    first, second, parameters = network()
    X, _, T = data()
    masks = np.full((len(X), HIDDEN), 2.0)
    masks[:, 0] = 0.0
    program = compiled_with_dropout(dropout, first, second, parameters, X, masks, T)
    for p in parameters:
        p.grad = 0.0
    program(X, masks, T)
    reads_unit_0 = [neuron.w[0].grad for neuron in second.neurons]
    reads_unit_1 = [neuron.w[1].grad for neuron in second.neurons]
    assert reads_unit_0 == [0.0, 0.0, 0.0]
    assert all(g != 0.0 for g in reads_unit_1)
    assert all(p.grad == 0.0 for p in first.neurons[0].parameters())  # unit 0 itself


def test_training_with_fresh_masks_every_batch_equals_interpreted_training():
    dropout = Dropout(0.25, seed=1)
    X, y, T = data(n=12)
    masks = dropout.sample_mask((len(X), HIDDEN))
    batches = [slice(0, 4), slice(4, 8), slice(8, 12)]

    first, second, interpreted = network()
    optimizer = SGD(interpreted, lr=0.1, momentum=0.9)
    for part in batches:
        optimizer.zero_grad()
        losses = [softmax_cross_entropy(second(dropout(first(x.tolist()), mask=m)), int(c))
                  for x, m, c in zip(X[part], masks[part], y[part])]
        (sum(losses, Value(0.0)) * (1.0 / len(losses))).backward()
        optimizer.step()

    first, second, compiled = network()
    program = compiled_with_dropout(dropout, first, second, compiled, X, masks, T)
    with program.training(SGD(compiled, lr=0.1, momentum=0.9)) as session:
        for part in batches:
            session.step(X[part], masks[part], T[part])
    np.testing.assert_allclose([p.data for p in compiled], [p.data for p in interpreted],
                               rtol=1e-10, atol=1e-12)


def test_masks_are_zero_or_one_over_keep_probability_and_keep_the_mean():
    dropout = Dropout(0.3, seed=0)
    masks = dropout.sample_mask((200, 500))
    assert set(np.unique(masks)) == {0.0, 1.0 / 0.7}
    assert abs(np.mean(masks == 0.0) - 0.3) < 0.01  # 100,000 draws: 7 standard deviations
    assert abs(masks.mean() - 1.0) < 0.02


def test_interpreted_dropout_multiplies_by_its_mask_and_passes_it_as_the_gradient():
    dropout = Dropout(0.5, seed=4)
    xs = [Value(float(v)) for v in range(1, 7)]
    ys = dropout(xs)
    factors = [y.data / x.data for x, y in zip(xs, ys)]
    assert set(factors) <= {0.0, 2.0} and len(set(factors)) == 2
    for y in ys:
        y.backward()
    assert [x.grad for x in xs] == factors


def test_evaluation_passes_inputs_through_and_bad_p_is_refused():
    xs = [Value(1.0), Value(2.0)]
    dropout = Dropout(0.5).eval()
    assert dropout(xs) == xs and not dropout.training
    assert dropout.train().training
    assert Dropout(0.0)(xs) == xs
    for p in (1.0, -0.1, "0.5", True):
        with pytest.raises(ValueError, match="0 <= p < 1"):
            Dropout(p)
    with pytest.raises(ValueError, match="3 entries for 2 units"):
        Dropout(0.5)(xs, mask=[1.0, 1.0, 1.0])
    assert Dropout(0.2).parameters() == []
