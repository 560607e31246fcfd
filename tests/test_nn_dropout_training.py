"""Dropout in models: train()/eval() modes, MLP(dropout=p), and fit feeding the masks.

Evaluation never drops; fit draws one mask per sample from its seed and gives the same
masks to both engines, so they train the same network to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_scalar import no_grad
from nn import MLP, SGD, evaluate, fit, softmax_cross_entropy
from nn.compiled import compile_training, targets_for
from nn.dropout import Dropout


def blobs(n=24, d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    X = rng.normal(size=(n, d)) + 2.0 * np.eye(3, d)[y]
    return X, y


def outputs(model, x, **kwargs):
    with no_grad():
        return [v.data for v in model(x, **kwargs)]


def train(model, engine, epochs=3, **kwargs):
    X, y = blobs()
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, softmax_cross_entropy, optimizer, (X, y), val=(X, y), epochs=epochs,
                  batch_size=8, progress=False, engine=engine, **kwargs)
    return history


# -- modes ------------------------------------------------------------------------------


def test_train_and_eval_reach_every_part_and_return_the_model():
    model = MLP(4, [5, 3, 2], dropout=0.5)
    parts = [model, *model.layers, *model.layers[0].neurons, *model.dropouts]
    assert all(part.training for part in parts)  # a new module trains, as in PyTorch
    assert model.eval() is model
    assert not any(part.training for part in parts)
    assert model.train() is model and all(part.training for part in parts)
    model.train(False)
    assert not any(part.training for part in parts)


def test_eval_mode_output_equals_the_dropout_free_model_exactly():
    """Dropout's generators are drawn after the weights: the same seed, the same weights."""
    plain, dropped = MLP(6, [16, 8, 3], seed=4), MLP(6, [16, 8, 3], seed=4, dropout=0.5)
    x = np.linspace(-1.0, 1.0, 6)
    training_outputs = outputs(dropped, x)
    assert training_outputs != outputs(plain, x)  # 24 units at p = 0.5: some are dropped
    dropped.eval()
    for _ in range(3):  # evaluation has no randomness: the same numbers every call
        assert outputs(dropped, x) == outputs(plain, x)
    assert outputs(dropped, x, dropout_mask=np.zeros(24)) == outputs(plain, x)  # ignored


def test_a_mask_of_ones_keeps_every_unit_and_a_mask_drops_exactly_its_zeros():
    model = MLP(3, [4, 2], seed=1, dropout=0.5)
    x = [0.5, -1.0, 2.0]
    hidden = [v.data for v in model.layers[0](x)]
    assert outputs(model, x, dropout_mask=np.ones(4)) == outputs(MLP(3, [4, 2], seed=1), x)
    mask = np.array([2.0, 0.0, 2.0, 0.0])  # units 1 and 3 dropped, 0 and 2 doubled
    expected = [sum(w.data * 2.0 * hidden[j] for j, w in enumerate(neuron.w) if j in (0, 2))
                + neuron.b.data for neuron in model.layers[1].neurons]
    np.testing.assert_allclose(outputs(model, x, dropout_mask=mask), expected, rtol=1e-14)


def test_dropout_masks_cover_every_hidden_layer_with_zeros_at_rate_p():
    model = MLP(3, [40, 60, 2], dropout=0.25)
    masks = model.sample_dropout_mask(500, np.random.default_rng(0))
    assert masks.shape == (500, 100) and model.dropout_units == 100
    assert set(np.unique(masks)) == {0.0, 1.0 / 0.75}
    assert abs(np.mean(masks == 0.0) - 0.25) < 0.01  # 50,000 draws: 5 standard deviations
    assert MLP(3, [40, 2]).dropout_units == 0 and MLP(3, [40, 2], dropout=0.0).dropouts == []


def test_bad_dropout_arguments_are_refused_with_a_reason():
    for p in (1.0, -0.1, "0.3", True):
        with pytest.raises(ValueError, match="0 <= p < 1"):
            MLP(3, [4, 2], dropout=p)
    with pytest.raises(ValueError, match="dropout_mask has 3 numbers.*needs one per hidden "
                                         "unit with dropout \\(4\\)"):
        MLP(3, [4, 2], dropout=0.5)([1.0, 2.0, 3.0], dropout_mask=[1.0, 1.0, 1.0])


def test_a_saved_model_keeps_its_dropout(tmp_path):
    model = MLP(3, [4, 2], seed=2, dropout=0.3)
    loaded = MLP.load(model.save(tmp_path / "m.npz"))
    assert loaded.dropout == 0.3 and len(loaded.dropouts) == 1
    assert repr(loaded) == repr(model) == "MLP(3 -> 4 relu -> 2 linear, dropout 0.3, 26 parameters)"
    assert "dropout" not in MLP(3, [4, 2])._config()  # files without dropout are unchanged


# -- evaluation never drops ----------------------------------------------------------------


@pytest.mark.parametrize("engine", ["interpreted", "compiled"])
def test_evaluate_and_predict_never_drop_and_keep_the_callers_mode(engine):
    X, y = blobs()
    plain, dropped = MLP(6, [32, 3], seed=5), MLP(6, [32, 3], seed=5, dropout=0.6)
    assert dropped.training
    expected = evaluate(plain, softmax_cross_entropy, X, y, engine=engine)
    assert evaluate(dropped, softmax_cross_entropy, X, y, engine=engine) == expected
    np.testing.assert_array_equal(dropped.predict(X), plain.predict(X))
    np.testing.assert_array_equal(dropped.predict(X, use_engine=True),
                                  plain.predict(X, use_engine=True))
    assert dropped.training  # restored


# -- fit with dropout: masks from the seed, the same for both engines -------------------------


def test_both_engines_compute_the_same_numbers_sample_by_sample_with_the_same_masks():
    X, y = blobs(n=10)
    model = MLP(6, [7, 5, 3], seed=3, dropout=0.4)
    masks = model.sample_dropout_mask(len(X), np.random.default_rng(1))
    program, _ = compile_training(model, softmax_cross_entropy, model.parameters(), X, y,
                                  mask_units=model.dropout_units)
    result = program.forward(X, masks, targets_for(y, 3))
    for i in range(len(X)):
        with no_grad():
            out = model(X[i], dropout_mask=masks[i])
            loss = softmax_cross_entropy(out, int(y[i]))
        np.testing.assert_allclose(result.outputs[i], [v.data for v in out], rtol=1e-12)
        assert result.losses[i] == pytest.approx(loss.data, rel=1e-12)
        program.check(X[i], masks[i], targets_for(y, 3)[i])  # gradients too


def test_fit_with_dropout_trains_the_same_network_with_either_engine():
    models = {engine: MLP(6, [8, 3], seed=0, dropout=0.3)
              for engine in ("interpreted", "compiled")}
    histories = {engine: train(model, engine) for engine, model in models.items()}
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        np.testing.assert_allclose(histories["interpreted"][key], histories["compiled"][key],
                                   rtol=1e-10)
    for name, array in models["interpreted"].state_dict().items():
        np.testing.assert_allclose(models["compiled"].state_dict()[name], array, rtol=1e-9,
                                   atol=1e-12)
    assert not any(model.training for model in models.values())  # fit ends in eval mode


def test_fit_with_dropout_draws_its_masks_from_its_seed():
    def losses(seed, dropout=0.3):
        model = MLP(6, [8, 3], seed=0, dropout=dropout)
        X, y = blobs()
        return fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (X, y),
                   epochs=2, batch_size=8, seed=seed, progress=False)["train_loss"]

    assert losses(0) == losses(0)
    assert losses(0) != losses(1)
    assert losses(0) != losses(0, dropout=0.0)


@pytest.mark.parametrize("engine", ["interpreted", "compiled"])
def test_dropout_zero_equals_no_dropout_exactly(engine):
    a, b = MLP(6, [8, 3], dropout=0.0), MLP(6, [8, 3])
    history_a, history_b = train(a, engine), train(b, engine)
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert history_a[key] == history_b[key]
    for name, array in a.state_dict().items():
        np.testing.assert_array_equal(array, b.state_dict()[name])


def test_validation_during_fit_is_in_evaluation_mode():
    """The val figures fit records after its last epoch are evaluate's, in eval mode."""
    for engine in ("interpreted", "compiled"):
        model = MLP(6, [16, 3], seed=0, dropout=0.5)
        history = train(model, engine, epochs=2)
        X, y = blobs()
        val_loss, val_acc = evaluate(model, softmax_cross_entropy, X, y, engine=engine)
        assert history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-12)
        assert history["val_acc"][-1] == val_acc


def test_fit_leaves_evaluation_mode_after_an_error_too():
    from nn import TrainingDiverged

    model = MLP(6, [8, 3], dropout=0.3)
    X, y = blobs()
    with pytest.raises(TrainingDiverged):
        fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=1e200), (X, y),
            progress=False)
    assert not model.training


def test_a_dropout_module_alone_follows_the_modes_of_module():
    dropout = Dropout(0.5)
    assert dropout.eval() is dropout and not dropout.training
