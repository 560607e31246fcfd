"""fit(augment=...) and fit(dtype=...): fresh random changes to every batch, reproducible
from fit's seed, with both engines; float32 for the compiled engine only."""

from __future__ import annotations

import numpy as np
import pytest

from nn import MLP, SGD, evaluate, fit, softmax_cross_entropy
from nn.batch_randomness import as_augment, image_shape_of
from nn.data import RandomHorizontalFlip, parse_augment

SHAPE = (3, 4, 4)  # tiny colour images: 48 numbers per row


def images(n=16, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    X = rng.normal(size=(n, 48)) + y[:, None] * np.linspace(-1, 1, 48)
    return X, y


class Recorder:
    """An augment that remembers, per call, which image became what."""

    def __init__(self, augment):
        self.augment, self.calls = augment, []

    def __call__(self, X, rng):
        out = self.augment(X, rng)
        self.calls.append({x.tobytes(): o.copy() for x, o in zip(X, out)})
        return out


def run(augment, seed=0, engine="interpreted", epochs=2, dtype=np.float64, model_seed=0):
    X, y = images()
    model = MLP(48, [6, 2], seed=model_seed)
    history = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.05, momentum=0.9),
                  (X, y), val=(X, y), epochs=epochs, batch_size=16, seed=seed, progress=False,
                  engine=engine, augment=augment, dtype=dtype)
    return history, model


def test_augmentation_changes_every_batch_of_every_epoch_but_not_the_data():
    X, _ = images()
    kept = X.copy()
    recorder = Recorder(RandomHorizontalFlip(0.5, SHAPE))
    run(recorder, epochs=3)
    assert len(recorder.calls) == 3  # one batch of 16 per epoch
    for call in recorder.calls:
        flipped = [not np.array_equal(np.frombuffer(x), out) for x, out in call.items()]
        assert 0 < sum(flipped) < len(flipped)  # some images flipped, some not
    first, second = recorder.calls[0], recorder.calls[1]
    assert any(not np.array_equal(first[x], second[x]) for x in first)  # new draws each epoch
    np.testing.assert_array_equal(X, kept)


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b, c = (run("flip,crop", seed=s)[0] for s in (0, 0, 1))
    assert a["train_loss"] == b["train_loss"] and a["val_loss"] == b["val_loss"]
    assert a["train_loss"] != c["train_loss"]
    assert run(None)[0]["train_loss"] != a["train_loss"]  # augmentation changed the batches


def test_augmentation_does_not_change_the_shuffling_or_the_evaluation():
    """An augment that returns its batch unchanged gives exactly the run without one."""
    plain, unchanged = run(None)[0], run(lambda X, rng: X.copy())[0]
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert plain[key] == unchanged[key]


def test_both_engines_train_the_same_with_augmentation():
    (interpreted, model_i), (compiled, model_c) = (run("flip,crop=1", engine=e)
                                                   for e in ("interpreted", "compiled"))
    np.testing.assert_allclose(interpreted["train_loss"], compiled["train_loss"], rtol=1e-10)
    np.testing.assert_allclose(interpreted["val_loss"], compiled["val_loss"], rtol=1e-10)
    np.testing.assert_allclose(model_i.state_dict()["layers.0.weight"],
                               model_c.state_dict()["layers.0.weight"], rtol=1e-9, atol=1e-12)


def test_text_augment_reads_the_image_shape_from_the_row_length():
    assert image_shape_of(3072) == (3, 32, 32)
    assert image_shape_of(1024) == (1, 32, 32)  # grayscale
    assert image_shape_of(48) == (3, 4, 4)
    assert image_shape_of(64) == (1, 8, 8)
    with pytest.raises(ValueError, match="square images.*rows of 2 numbers"):
        image_shape_of(2)
    assert as_augment("none", 2) is None and as_augment(" ", 2) is None
    assert repr(as_augment("flip,crop", 192)) == repr(parse_augment("flip,crop", (3, 8, 8)))


def test_bad_augments_are_refused_with_a_reason():
    with pytest.raises(TypeError, match="augment must be a callable"):
        run(3)
    with pytest.raises(ValueError, match="unknown augmentation 'rotate'"):
        run("flip,rotate")
    with pytest.raises(ValueError, match=r"shape \(16, 48\) into \(16, 24\).*keep the shape"):
        run(lambda X, rng: X[:, :24])


def test_float32_training_stays_close_to_float64():
    (h64, m64), (h32, m32) = (run("flip", engine="compiled", dtype=d)
                              for d in (np.float64, np.float32))
    np.testing.assert_allclose(h32["train_loss"], h64["train_loss"], rtol=1e-4)
    np.testing.assert_allclose(m32.state_dict()["layers.1.weight"],
                               m64.state_dict()["layers.1.weight"], rtol=1e-3, atol=1e-5)
    X, y = images()
    loss32, _ = evaluate(m32, softmax_cross_entropy, X, y, engine="compiled", dtype=np.float32)
    loss64, _ = evaluate(m32, softmax_cross_entropy, X, y, engine="compiled")
    assert loss32 == pytest.approx(loss64, rel=1e-5) and loss32 != loss64


def test_the_interpreter_refuses_float32():
    for dtype in (np.float32, "float16", "nonsense"):
        with pytest.raises(ValueError, match="interpreted.*float64 only.*engine='compiled'"):
            run(None, dtype=dtype)
    X, y = images()
    with pytest.raises(ValueError, match="float64 only"):
        evaluate(MLP(48, [2]), softmax_cross_entropy, X, y, dtype=np.float32)
    with pytest.raises(ValueError, match="dtype must be np.float64.*or np.float32"):
        run(None, engine="compiled", dtype=np.float16)
