"""Model files under stress: a hostile config, a failed write, NaN weights."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest

from nn import MLP, Layer, Module, Neuron


@pytest.mark.parametrize(
    "module", [MLP(3, [4, 2], seed=0), Layer(3, 2), Neuron(4, "tanh")], ids=repr
)
def test_state_shapes_are_those_of_the_state_dict(module):
    shapes = type(module).state_shapes(**module._config())
    assert shapes == {name: array.shape for name, array in module.state_dict().items()}


def test_a_small_file_asking_for_a_billion_neurons_fails_fast_without_allocating(tmp_path):
    path = tmp_path / "bomb.npz"
    MLP(2, [3, 1]).save(path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["config.sizes"] = np.array([10**9, 1])
    np.savez(path, **arrays)
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"bomb.npz does not hold a valid MLP: its "
                           r"architecture needs 4,000,000,001 parameters.*needs \(1000000000, 2\)"):
            MLP.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # building it would take hundreds of GB


def test_a_failed_write_keeps_the_previous_model(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    good = MLP(2, [3, 2], seed=0)
    good.save(path)
    before = path.read_bytes()

    def disk_full(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left"):
        MLP(2, [3, 2], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind
    monkeypatch.undo()
    loaded = MLP.load(path)
    assert all(np.array_equal(loaded.state_dict()[k], v) for k, v in good.state_dict().items())


def test_save_replaces_a_file_and_keeps_the_usual_permissions(tmp_path):
    path = tmp_path / "model.npz"
    MLP(2, [2], seed=0).save(path)
    MLP(2, [2], seed=1).save(path)
    assert np.array_equal(Module.load(path).state_dict()["layers.0.weight"],
                          MLP(2, [2], seed=1).state_dict()["layers.0.weight"])
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_save_refuses_nan_or_infinite_weights_and_writes_nothing(tmp_path, bad):
    model = MLP(2, [3, 2], seed=0)
    model.layers[1].neurons[1].w[2].data = bad
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match=rf"layers.1.weight holds {bad} at \(1, 2\).*diverged"):
        model.save(path)
    assert not path.exists()
