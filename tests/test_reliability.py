"""Bad inputs to fit, evaluate and predict are refused up front, the same in both engines."""

from __future__ import annotations

import numpy as np
import pytest

from nn import MLP, SGD, binary_cross_entropy, evaluate, fit, predict_classes, softmax_cross_entropy
from nn.data import load_toy

ENGINES = ("interpreted", "compiled")


def moons(n: int = 20):
    return load_toy("moons", n_samples=n, seed=0)


def train(model, X, y, engine, loss=softmax_cross_entropy):
    return fit(model, loss, SGD(model.parameters(), lr=0.1), (X, y), epochs=1, batch_size=8,
               progress=False, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_and_evaluate_refuse_nan_or_infinite_inputs_naming_sample_and_feature(engine, bad):
    X, y = moons()
    X[7, 1] = bad
    model = MLP(2, [4, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=rf"train X holds {bad} at sample 7, feature 1"):
        train(model, X, y, engine)
    with pytest.raises(ValueError, match="evaluation X holds .* sample 7, feature 1"):
        evaluate(model, softmax_cross_entropy, X, y, engine=engine)
    clean, _ = moons()
    with pytest.raises(ValueError, match="val X holds .* sample 7, feature 1"):
        fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (clean, y),
            val=(X, y), epochs=1, progress=False, engine=engine)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # nothing trained


def test_predict_refuses_nan_inputs():
    model = MLP(3, [2], seed=0)
    X = np.zeros((4, 3))
    X[2, 0] = np.nan
    with pytest.raises(ValueError, match="holds nan at sample 2, feature 0"):
        model.predict(X)
    with pytest.raises(ValueError, match="sample 2, feature 0"):
        predict_classes(model, X)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "labels, error, message",
    [
        (lambda y: y + 0.5, ValueError, r"whole numbers \(class indices\), label 0 is [01]\.5"),
        (lambda y: np.where(y == 1, 1.9, 0.0), ValueError, "label .* is 1.9"),
        (lambda y: y.astype(bool), TypeError, "got boolean labels"),
        (lambda y: y.astype(str), TypeError, "got text labels such as '[01]'"),
        (lambda y: y * 2, ValueError, r"class indices 0 \.\. 1 for a model with 2 outputs"),
        (lambda y: y - 1, ValueError, r"for a model with 2 outputs; label \d+ is -1"),
    ],
)
def test_bad_labels_get_the_same_error_in_both_engines(engine, labels, error, message):
    X, y = moons()
    y = labels(y)
    model = MLP(2, [4, 2], seed=0)
    with pytest.raises(error, match=message):
        train(model, X, y, engine)
    with pytest.raises(error, match=message):
        evaluate(model, softmax_cross_entropy, X, y, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_whole_float_labels_train_as_their_integers(engine):
    X, y = moons()
    as_int = train(MLP(2, [4, 2], seed=0), X, y, engine)
    as_float = train(MLP(2, [4, 2], seed=0), X, y.astype(float), engine)
    assert as_float["train_loss"] == as_int["train_loss"]


@pytest.mark.parametrize("engine", ENGINES)
def test_binary_cross_entropy_refuses_labels_outside_0_1_in_both_engines(engine):
    X, y = moons()
    y = y.copy()
    y[3] = 2
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"0 or 1 for a model with one output .*; label 3 is 2"):
        train(model, X, y, engine, loss=binary_cross_entropy)
