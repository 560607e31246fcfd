"""Tests of nn.interop: MLP <-> torch nn.Sequential, same outputs and same gradients."""

from __future__ import annotations

import numpy as np
import pytest

from nn.interop import (
    from_torch_state_dict,
    load_torch_state_dict,
    to_torch_sequential,
    to_torch_state_dict,
)
from nn.mlp import ACTIVATIONS, MLP


def our_grads(model: MLP) -> dict[str, np.ndarray]:
    """The parameters' gradients under nn.Sequential's keys."""
    out = {}
    for k, layer in enumerate(model.layers):
        out[f"{2 * k}.weight"] = np.array([[w.grad for w in n.w] for n in layer.neurons])
        out[f"{2 * k}.bias"] = np.array([n.b.grad for n in layer.neurons])
    return out


def test_state_dict_keys_and_shapes():
    model = MLP(3, [4, 5, 2], seed=0)
    state = to_torch_state_dict(model)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert state["2.weight"].shape == (5, 4) and state["4.bias"].shape == (2,)
    np.testing.assert_array_equal(state["2.weight"], model.state_dict()["layers.1.weight"])


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_same_outputs_and_gradients_as_torch(torch, activation):
    model = MLP(4, [5, 3, 2], activation=activation, output_activation="sigmoid", seed=1)
    for layer in model.layers:  # non-zero biases
        for j, n in enumerate(layer.neurons):
            n.b.data = 0.1 * j - 0.15
    seq = to_torch_sequential(model)
    assert isinstance(seq[0], torch.nn.Linear) and isinstance(seq[2], torch.nn.Linear)
    assert seq[0].weight.dtype == torch.float64
    X = np.random.default_rng(0).normal(size=(6, 4))
    coef = np.random.default_rng(1).normal(size=2)

    # outputs
    expected = seq(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-12, atol=1e-14)
    ours = np.array([[o.data for o in model(x)] for x in X])
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)

    # gradients of sum over samples of coef . outputs
    model.zero_grad()
    for x in X:
        out = model(x)
        (out[0] * coef[0] + out[1] * coef[1]).backward()
    (seq(torch.from_numpy(X)) @ torch.from_numpy(coef)).sum().backward()
    theirs = {name: p.grad.numpy() for name, p in seq.named_parameters()}
    mine = our_grads(model)
    assert set(theirs) == set(mine)
    for name, grad in theirs.items():
        np.testing.assert_allclose(mine[name], grad, rtol=1e-11, atol=1e-13)


def test_output_activation_is_appended_only_when_not_linear(torch):
    seq = to_torch_sequential(MLP(2, [3, 1], activation="tanh"))
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear"]
    seq = to_torch_sequential(MLP(2, [3, 1], activation="linear", output_activation="relu"))
    assert [type(m).__name__ for m in seq] == ["Linear", "Identity", "Linear", "ReLU"]


def test_from_torch_state_dict_rebuilds_a_torch_model(torch):
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(3, 6),
        torch.nn.Tanh(),
        torch.nn.Linear(6, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2),
    ).double()
    model = from_torch_state_dict(seq.state_dict(), activation="tanh")
    assert (model.nin, model.sizes, model.activation) == (3, [6, 4, 2], "tanh")
    X = np.random.default_rng(2).normal(size=(5, 3))
    expected = seq(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-12, atol=1e-14)
    # tensors that require grad, and float32 ones, are accepted too
    floats = {k: v.float().requires_grad_() for k, v in seq.state_dict().items()}
    model32 = from_torch_state_dict(floats, activation="tanh")
    np.testing.assert_allclose(model32.predict(X), expected, rtol=1e-5, atol=1e-6)


def test_round_trip_through_numpy_state_dict():
    model = MLP(3, [4, 2], activation="sigmoid", seed=4)
    copy = from_torch_state_dict(to_torch_state_dict(model), activation="sigmoid")
    assert [p.data for p in copy.parameters()] == [p.data for p in model.parameters()]
    other = MLP(3, [4, 2], activation="sigmoid", seed=5)
    load_torch_state_dict(other, to_torch_state_dict(model))
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


def test_as_tensors(torch):
    state = to_torch_state_dict(MLP(2, [2]), as_tensors=True)
    assert all(isinstance(v, torch.Tensor) and v.dtype == torch.float64 for v in state.values())


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"0.weight": np.zeros((2, 3))}, r"no '0.bias'"),
        ({"layer.weight": np.zeros((2, 3))}, r"unexpected key 'layer.weight'"),
        ({"0.weight": np.zeros((2, 3)), "0.bias": np.zeros(3)}, r"got \(2, 3\) and \(3,\)"),
        (
            {
                "0.weight": np.zeros((2, 3)),
                "0.bias": np.zeros(2),
                "2.weight": np.zeros((1, 5)),
                "2.bias": np.zeros(1),
            },
            r"module 2 takes 5 inputs but the previous Linear gives 2",
        ),
        ({}, r"empty"),
    ],
)
def test_bad_state_dicts(state, message):
    with pytest.raises(ValueError, match=message):
        from_torch_state_dict(state)


def test_load_into_a_model_of_other_sizes_fails_and_changes_nothing():
    model = MLP(3, [4, 2], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"has shape \(5, 3\), expected \(4, 3\)"):
        load_torch_state_dict(model, to_torch_state_dict(MLP(3, [5, 2])))
    with pytest.raises(ValueError, match="has 3 Linear layers but"):
        load_torch_state_dict(model, to_torch_state_dict(MLP(3, [4, 4, 2])))
    assert [p.data for p in model.parameters()] == before
