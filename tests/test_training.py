"""fit / evaluate: the mini-batch gradient-descent loop, checked step by step."""

from __future__ import annotations

import math
import os
import signal

import numpy as np
import pytest

from autograd_scalar import CompileMismatchError, is_grad_enabled
from nn import (
    MLP,
    SGD,
    TrainingDiverged,
    TrainingInterrupted,
    binary_cross_entropy,
    evaluate,
    fit,
    hinge,
    predict_classes,
    softmax_cross_entropy,
    to_torch_sequential,
)
from nn.data import iterate_minibatches, load_toy

KEYS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"]


def small_moons(n: int = 60, seed: int = 0):
    return load_toy("moons", n_samples=n, seed=seed)


def test_fit_learns_moons_and_reports_a_complete_history():
    X, y = small_moons(100)
    Xv, yv = small_moons(100, seed=1)
    model = MLP(2, [8, 8, 2], seed=0)
    history = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1, momentum=0.9),
                  (X, y), val=(Xv, yv), epochs=15, batch_size=10, progress=False)
    assert list(history) == KEYS
    assert history["epoch"] == list(range(1, 16))
    assert all(len(values) == 15 for values in history.values())
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert history["train_acc"][-1] >= 0.95 and history["val_acc"][-1] >= 0.9
    assert all(s > 0 for s in history["seconds"])
    # The recorded validation figures are those evaluate() gives for the final model.
    assert (history["val_loss"][-1], history["val_acc"][-1]) == pytest.approx(
        evaluate(model, softmax_cross_entropy, Xv, yv))


def test_without_validation_data_the_val_entries_are_none():
    X, y = small_moons(20)
    model = MLP(2, [4, 2], seed=0)
    history = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (X, y),
                  epochs=2, batch_size=8, progress=False)
    assert history["val_loss"] == [None, None] and history["val_acc"] == [None, None]


def test_same_seed_same_history():
    X, y = small_moons(40)
    untrained = [p.data for p in MLP(2, [6, 2], seed=3).parameters()]

    def run():
        model = MLP(2, [6, 2], seed=3)
        h = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.05, momentum=0.9),
                (X, y), epochs=3, batch_size=7, seed=11, progress=False)
        return h["train_loss"], [p.data for p in model.parameters()]

    losses, trained = run()
    assert run() == (losses, trained)
    # and it learned (a fit that did nothing would be deterministic too): the parameters
    # moved, and the trained model's loss is below the untrained model's
    assert trained != untrained and losses[-1] < losses[0]
    before = MLP(2, [6, 2], seed=3)
    after = MLP(2, [6, 2], seed=3)
    for p, value in zip(after.parameters(), trained):
        p.data = value
    assert evaluate(after, softmax_cross_entropy, X, y)[0] < evaluate(
        before, softmax_cross_entropy, X, y)[0]


def test_one_epoch_equals_pytorch_sgd_on_the_same_batches(torch):
    """fit = for each batch: zero_grad, batch-mean loss, backward, step (PyTorch's rules)."""
    X, y = small_moons(50)
    model = MLP(2, [5, 4, 2], activation="tanh", seed=1)
    reference = to_torch_sequential(model)
    reference_opt = torch.optim.SGD(reference.parameters(), lr=0.2, momentum=0.9)
    batch_size, seed = 8, 5

    fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.2, momentum=0.9), (X, y),
        epochs=2, batch_size=batch_size, seed=seed, progress=False)

    for epoch in range(2):  # the same batches, in the same order, as fit documents
        for xb, yb in iterate_minibatches(X, y, batch_size, seed=seed, epoch=epoch):
            reference_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(reference(torch.tensor(xb)),
                                                     torch.tensor(yb))
            loss.backward()
            reference_opt.step()
    ours = model.state_dict()
    for k, layer in enumerate(reference[::2]):
        np.testing.assert_allclose(ours[f"layers.{k}.weight"], layer.weight.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours[f"layers.{k}.bias"], layer.bias.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)


def test_a_diverging_loss_stops_training_before_the_bad_step():
    X, y = small_moons(40)
    X = X * 1e150  # logits overflow at once
    model = MLP(2, [4, 2], seed=0)
    optimizer = SGD(model.parameters(), lr=10.0)
    with pytest.raises(TrainingDiverged,
                       match=r"\(learning rate 10, momentum 0, weight decay 0\): lower the"):
        fit(model, softmax_cross_entropy, optimizer, (X, y), epochs=3, batch_size=40,
            progress=False)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_evaluate_records_no_graph_and_matches_predictions():
    X, y = small_moons(30)
    model = MLP(2, [4, 2], seed=0)
    seen = []

    def loss(outputs, targets):
        seen.append((is_grad_enabled(), outputs[0][0].parents))
        return softmax_cross_entropy(outputs, targets)

    _, accuracy = evaluate(model, loss, X, y, batch_size=7)
    assert seen and all(enabled is False and parents == () for enabled, parents in seen)
    assert accuracy == pytest.approx(np.mean(predict_classes(model, X) == y))
    assert all(p.grad == 0.0 for p in model.parameters())


def test_predict_classes_one_output_is_the_sign():
    class Fixed:
        def predict(self, X):
            return np.asarray(X)[:, :1] - 0.5

    assert predict_classes(Fixed(), np.array([[0.0], [1.0], [0.4], [0.6]])).tolist() == [
        0, 1, 0, 1]


@pytest.mark.parametrize(
    "train, message",
    [
        ((np.zeros((3, 2)), np.zeros(2)), "as many labels as examples"),
        ((np.zeros((3, 2, 2)), np.zeros(3)), "must be 2-D"),
        ((np.zeros((0, 2)), np.zeros(0)), "at least one"),
        ("not a pair", "pair"),
    ],
)
def test_bad_training_data_is_refused_clearly(train, message):
    model = MLP(2, [2], seed=0)
    with pytest.raises((ValueError, TypeError), match=message):
        fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), train,
            epochs=1, progress=False)


# ---------------------------------------------------------------------------------------
# engine="compiled": the same training, run by a compiled program
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nout, loss", [(3, softmax_cross_entropy), (3, hinge), (1, binary_cross_entropy)])
def test_compiled_fit_takes_the_same_steps_as_the_interpreter(nout, loss):
    """Same batches, same updates: histories and final weights agree to rounding."""
    X, y = small_moons(30)
    Xv, yv = small_moons(20, seed=1)
    if nout == 3:
        y, yv = y + (X[:, 0] > 1.5), yv + (Xv[:, 0] > 1.5)  # a third class

    def run(engine):
        model = MLP(2, [5, nout], seed=2)
        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        history = fit(model, loss, opt, (X, y), val=(Xv, yv), epochs=3, batch_size=7,
                      progress=False, engine=engine)  # 30 = 4 * 7 + 2: a last batch of 2
        return model, history

    interpreted, h_int = run("interpreted")
    compiled, h_comp = run("compiled")
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert h_comp[key] == pytest.approx(h_int[key], rel=1e-10), key
    for a, b in zip(compiled.parameters(), interpreted.parameters()):
        assert a.data == pytest.approx(b.data, rel=1e-10, abs=1e-13)


def test_compiled_fit_calls_on_epoch_end_with_the_model_up_to_date():
    X, y = small_moons(20)
    model = MLP(2, [4, 2], seed=0)
    seen = []
    fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (X, y), epochs=2,
        batch_size=8, progress=False, engine="compiled",
        on_epoch_end=lambda history: seen.append(model.parameters()[0].data))
    start = MLP(2, [4, 2], seed=0).parameters()[0].data
    assert seen[0] != start and seen[1] != seen[0]
    assert model.parameters()[0].data == seen[1]


def test_compiled_fit_refuses_a_loss_it_cannot_trace_and_an_unknown_engine():
    X, y = small_moons(10)
    model = MLP(2, [3, 2], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="engine must be one of interpreted, compiled"):
        fit(model, softmax_cross_entropy, opt, (X, y), engine="fast", progress=False)

    def by_int_labels(outputs, targets):  # int() of a one-hot target: not traceable
        return softmax_cross_entropy(outputs, [int(t) for t in targets])

    with pytest.raises(ValueError, match="one-hot target"):
        fit(model, by_int_labels, opt, (X, y), engine="compiled", progress=False)

    def by_data(outputs, targets):  # the label read from the data: a trace of one class
        labels = [max(range(len(t)), key=lambda j: t[j].data) for t in targets]
        return softmax_cross_entropy(outputs, labels)

    with pytest.raises(CompileMismatchError):
        fit(model, by_data, opt, (X, y), engine="compiled", progress=False)


def test_compiled_fit_stops_before_a_diverging_step():
    X, y = small_moons(20)
    X = np.abs(X) + 1.0  # positive inputs: w . x overflows to inf with these weights
    model = MLP(2, [4, 2], seed=0)
    for p in model.parameters():
        p.data = 1e308  # the loss of the first batch is inf - inf = NaN
    before = [p.data for p in model.parameters()]
    with pytest.raises(TrainingDiverged, match="batch 1"):
        fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (X, y), epochs=1,
            batch_size=8, progress=False, engine="compiled")
    assert [p.data for p in model.parameters()] == before


def test_evaluate_gives_the_same_numbers_with_either_engine():
    X, y = small_moons(23)
    model = MLP(2, [5, 2], seed=4)
    interpreted = evaluate(model, softmax_cross_entropy, X, y, batch_size=5)
    compiled = evaluate(model, softmax_cross_entropy, X, y, batch_size=5, engine="compiled")
    assert compiled == pytest.approx(interpreted, rel=1e-12)
    with pytest.raises(ValueError, match="engine must be one of"):
        evaluate(model, softmax_cross_entropy, X, y, engine="jit")


def test_fit_with_a_progress_bar_prints_the_final_figures(capsys):
    X, y = small_moons(40)
    model = MLP(2, [4, 2], seed=0)
    history = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (X, y),
                  val=(X, y), epochs=2, batch_size=8, progress=True)
    out, _ = capsys.readouterr()
    assert out.startswith("trained 2 epochs in ")
    assert (f"last epoch: train loss {history['train_loss'][-1]:.4f} acc "
            f"{history['train_acc'][-1]:.1%}, val loss {history['val_loss'][-1]:.4f} acc "
            f"{history['val_acc'][-1]:.1%}") in out
    fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), (X, y), epochs=1,
        progress=False)
    assert capsys.readouterr().out == ""  # quiet without the bar


def test_ctrl_c_inside_fit_stops_after_the_batch_and_keeps_the_history():
    X, y = small_moons(40)
    model = MLP(2, [4, 2], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    epochs_seen = []

    def press_ctrl_c(history):
        epochs_seen.append(history["epoch"][-1])
        if history["epoch"][-1] == 2:
            os.kill(os.getpid(), signal.SIGINT)  # between epochs: epoch 3 does not start

    with pytest.raises(TrainingInterrupted) as stopped:
        fit(model, softmax_cross_entropy, optimizer, (X, y), epochs=10, batch_size=8,
            progress=False, on_epoch_end=press_ctrl_c)
    assert isinstance(stopped.value, KeyboardInterrupt)
    assert stopped.value.epoch == 3 and stopped.value.batches == 0
    assert stopped.value.history["epoch"] == [1, 2] == epochs_seen
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_ctrl_c_during_a_batch_stops_after_that_batch(monkeypatch):
    X, y = small_moons(40)
    model = MLP(2, [4, 2], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    steps = []
    real_step = optimizer.step

    def step_then_ctrl_c():
        real_step()
        steps.append(1)
        if len(steps) == 7:  # epoch 2 (5 batches of 8 per epoch), its second batch
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(optimizer, "step", step_then_ctrl_c)
    with pytest.raises(TrainingInterrupted, match="epoch 2 after 2 batches") as stopped:
        fit(model, softmax_cross_entropy, optimizer, (X, y), epochs=10, batch_size=8,
            progress=False)
    assert len(steps) == 7 and stopped.value.history["epoch"] == [1]
