"""Tests of nn.module: Neuron, Layer, MLP, parameters, state dicts and model files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar import Value, gradcheck
from nn.mlp import MLP, Layer, Neuron
from nn.module import Module


def numpy_forward(model: MLP, x: np.ndarray) -> np.ndarray:
    """The MLP's function written independently with NumPy, from its Values."""
    out = np.asarray(x, dtype=np.float64)
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        z = W @ out + b
        out = {
            "relu": np.maximum(z, 0.0),
            "tanh": np.tanh(z),
            "sigmoid": 1.0 / (1.0 + np.exp(-z)),
            "linear": z,
        }[layer.activation]
    return out


# -- construction and forward ------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_neuron_computes_activation_of_dot_plus_bias(activation):
    n = Neuron(3, activation, seed=1)
    n.b.data = 0.25
    x = [0.5, -1.0, 2.0]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25
    expected = {
        "relu": max(z, 0.0),
        "tanh": math.tanh(z),
        "sigmoid": 1 / (1 + math.exp(-z)),
        "linear": z,
    }
    out = n(x)
    assert out.data == pytest.approx(expected[activation], rel=1e-14)
    assert [w.label for w in n.w] == ["w0", "w1", "w2"] and n.b.label == "b"
    assert n.nin == 3 and n.activation == activation


def test_neuron_graph_is_one_dot_one_add_one_activation():
    n = Neuron(1000, "tanh")
    out = n(np.linspace(-1, 1, 1000))
    assert out.op == "tanh"
    add = out.parents[0]
    assert add.op == "+" and add.parents[1] is n.b
    d = add.parents[0]
    assert d.op == "dot" and d.parents == tuple(n.w)  # inputs are constants, not nodes


def test_layer_always_returns_a_list():
    layer = Layer(3, 1, "linear")
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    # micrograd fails on this architecture because of a bare Value from a 1-neuron layer
    model = MLP(2, [16, 1, 1])
    out = model([0.3, -0.7])
    assert isinstance(out, list) and len(out) == 1
    assert out[0].data == pytest.approx(numpy_forward(model, [0.3, -0.7])[0], rel=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_mlp_forward_matches_numpy(activation):
    model = MLP(5, [7, 4, 3], activation=activation, seed=3)
    for layer in model.layers:  # non-zero biases, so that they are tested too
        for n in layer.neurons:
            n.b.data = 0.1 * len(n.w) % 0.7 - 0.3
    x = np.random.default_rng(0).normal(size=5)
    out = model(x)
    assert [o.data for o in out] == pytest.approx(numpy_forward(model, x), rel=1e-12, abs=1e-14)
    assert model.layers[-1].activation == "linear"
    assert [la.activation for la in model.layers[:-1]] == [activation] * 2


def test_mlp_attributes_and_inputs_of_several_types():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=5)
    assert (model.nin, model.sizes, model.nout) == (3, [4, 2], 2)
    assert [(la.nin, la.nout) for la in model.layers] == [(3, 4), (4, 2)]
    assert model.layers[-1].activation == "sigmoid"
    x = [0.1, 0.2, -0.3]
    ref = [o.data for o in model(x)]
    assert [o.data for o in model(tuple(x))] == ref
    assert [o.data for o in model(np.array(x))] == ref
    assert [o.data for o in model([Value(v) for v in x])] == pytest.approx(ref, rel=1e-15)


def test_wrong_input_length_names_expected_and_got():
    model = MLP(3, [2])
    with pytest.raises(ValueError, match="expects an input of 3 numbers, got 4"):
        model([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="expects an input of 3 numbers, got 2"):
        model.layers[0]([1.0, 2.0])
    with pytest.raises(ValueError, match="expects an input of 3 numbers, got 1"):
        model.layers[0].neurons[0]([1.0])
    with pytest.raises(ValueError, match=r"ONE sample.*shape \(2, 3\).*predict"):
        model(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="one sample as a list"):
        model(3.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(2, [4], activation="relux"), r"unknown activation 'relux'.*'relu', 'tanh'"),
        (lambda: MLP(2, [4], output_activation="softmax"), r"output_activation 'softmax'"),
        (lambda: MLP(0, [4]), r"nin .* at least 1, got 0"),
        (lambda: MLP(2, []), r"at least one layer size"),
        (lambda: MLP(2, [4, 0]), r"sizes\[1\] must be at least 1, got 0"),
        (lambda: Layer(2, 0), r"nout .* at least 1"),
        (lambda: Neuron(-1), r"nin .* at least 1, got -1"),
        (lambda: Neuron(2, "Tanh"), r"unknown activation 'Tanh'"),
    ],
)
def test_bad_arguments_raise_value_errors_listing_choices(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "make",
    [lambda: MLP(2.5, [4]), lambda: MLP(2, 4), lambda: Layer(2, "3"), lambda: MLP(2, [True])],
)
def test_bad_argument_types_raise_type_errors(make):
    with pytest.raises(TypeError):
        make()


# -- initialisation ----------------------------------------------------------------------


def test_initialisation_is_reproducible_from_seed():
    a, b, c = MLP(4, [5, 3], seed=7), MLP(4, [5, 3], seed=7), MLP(4, [5, 3], seed=8)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]
    rng = np.random.default_rng(3)
    n1, n2 = Neuron(4, rng=rng), Neuron(4, rng=rng)  # a shared generator: different draws
    assert [w.data for w in n1.w] != [w.data for w in n2.w]


def test_he_and_glorot_standard_deviations_and_zero_biases():
    relu = Layer(400, 300, "relu", seed=0)
    w = np.array([p.data for p in relu.weights()])
    assert w.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)  # 120,000 draws
    assert abs(w.mean()) < 0.003
    for activation in ("tanh", "sigmoid", "linear"):
        layer = Layer(400, 300, activation, seed=1)
        w = np.array([p.data for p in layer.weights()])
        assert w.std() == pytest.approx(math.sqrt(2 / 700), rel=0.02)
    assert all(b.data == 0.0 for b in relu.biases())


# -- parameters and names ----------------------------------------------------------------


def test_parameters_and_names_order():
    model = MLP(2, [3, 1])
    named = model.named_parameters()
    params = model.parameters()
    assert len(params) == model.num_parameters() == (2 + 1) * 3 + (3 + 1) * 1 == 13
    assert [p for _, p in named] == params  # the same Values, same order
    assert all(a is b for (_, a), b in zip(named, params))
    names = [name for name, _ in named]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names)
    assert params[0] is model.layers[0].neurons[0].w[0]
    assert params[-1] is model.layers[1].neurons[0].b
    assert Layer(2, 2).named_parameters()[2][0] == "neurons.0.b"
    assert Neuron(2).named_parameters()[1][0] == "w.1"
    assert len(model.weights()) == 2 * 3 + 3 and len(model.biases()) == 4
    assert set(map(id, model.weights())) | set(map(id, model.biases())) == set(map(id, params))


def test_backward_matches_central_differences_and_zero_grad_clears():
    model = MLP(3, [4, 2], activation="tanh", seed=2)
    x = [0.3, -0.2, 0.9]

    model.zero_grad()
    out = model(x)
    loss = out[0] * 2.0 - out[1]
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert any(g != 0.0 for g in grads)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    # central differences on each parameter
    eps = 1e-6
    for p, g in zip(model.parameters(), grads):
        old = p.data
        p.data = old + eps
        up = model(x)
        p.data = old - eps
        down = model(x)
        p.data = old
        numeric = ((up[0].data * 2 - up[1].data) - (down[0].data * 2 - down[1].data)) / (2 * eps)
        assert g == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_input_gradients_with_engine_gradcheck():
    model = MLP(3, [3, 1], activation="sigmoid", seed=4)
    report = gradcheck(lambda a, b, c: model([a, b, c])[0], [0.2, -0.4, 1.1])
    assert report.ok


# -- predict -----------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_predict_matches_calling_the_model(activation):
    model = MLP(4, [6, 3], activation=activation, output_activation=activation, seed=1)
    X = np.random.default_rng(2).normal(scale=3.0, size=(9, 4))
    expected = np.array([[o.data for o in model(x)] for x in X])
    fast = model.predict(X)
    assert fast.shape == (9, 3) and fast.dtype == np.float64
    np.testing.assert_allclose(fast, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(model.predict(X, use_engine=True), expected)
    np.testing.assert_allclose(model.predict(X[0]), expected[:1], rtol=1e-12, atol=1e-14)


def test_predict_builds_no_graph_and_checks_shape():
    model = MLP(2, [3, 1])
    out = model.predict([[0.0, 1.0], [1.0, 0.0]], use_engine=True)
    assert out.shape == (2, 1)
    with pytest.raises(ValueError, match=r"shape \(N, 2\), got \(2, 3\)"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        MLP(1, [2]).predict(np.zeros(5))


# -- repr --------------------------------------------------------------------------------


def test_repr_is_short_and_counts_parameters():
    model = MLP(3072, [32, 10], seed=0)
    assert repr(model) == "MLP(3072 -> 32 relu -> 10 linear, 98,666 parameters)"
    assert model.num_parameters() == len(model.parameters()) == 3072 * 32 + 32 + 33 * 10
    assert repr(MLP(2, [1])) == "MLP(2 -> 1 linear, 3 parameters)"
    assert repr(Layer(3, 4, "tanh")) == "Layer(3 -> 4 tanh, 16 parameters)"
    assert repr(Neuron(3, "relu")) == "ReLUNeuron(3)"
    assert repr(Neuron(2, "linear")) == "LinearNeuron(2)"


# -- state dicts -------------------------------------------------------------------------


def test_state_dict_layout():
    model = MLP(3, [4, 2], seed=0)
    state = model.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert state["layers.0.weight"].shape == (4, 3) and state["layers.0.bias"].shape == (4,)
    assert state["layers.1.weight"].dtype == np.float64
    assert state["layers.0.weight"][2, 1] == model.layers[0].neurons[2].w[1].data
    state["layers.0.weight"][0, 0] = 123.0  # a copy: the model is unchanged
    assert model.layers[0].neurons[0].w[0].data != 123.0
    n_state = Neuron(3).state_dict()
    assert n_state["weight"].shape == (3,) and n_state["bias"].shape == ()
    assert list(Layer(2, 3).state_dict()) == ["weight", "bias"]


def test_load_state_dict_round_trip_keeps_the_same_values():
    a, b = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=1)
    params_before = b.parameters()
    b.load_state_dict(a.state_dict())
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert all(x is y for x, y in zip(params_before, b.parameters()))  # same Value objects
    n = Neuron(2)
    n.load_state_dict({"weight": [1.0, 2.0], "bias": 3.0})  # a plain float for a scalar
    assert n([1.0, 1.0]).data == 6.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("layers.1.bias"), r"missing 'layers.1.bias' \(expected shape \(2,\)\)"),
        (lambda s: s.update(extra=np.zeros(2)), r"unexpected 'extra'"),
        (
            lambda s: s.update({"layers.0.weight": np.zeros((3, 4))}),
            r"'layers.0.weight' has shape \(3, 4\), expected \(4, 3\)",
        ),
        (lambda s: s.update({"layers.0.bias": ["a"] * 4}), r"'layers.0.bias' is not an array"),
        (lambda s: s.update({"layers.1.bias": [np.nan, 0.0]}), r"NaN or infinite"),
    ],
)
def test_bad_state_dict_raises_and_changes_nothing(change, message):
    model, other = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=9)
    before = [p.data for p in model.parameters()]
    state = other.state_dict()
    change(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == before


# -- files -------------------------------------------------------------------------------


def test_save_and_load_rebuild_the_same_model(tmp_path):
    model = MLP(3, [5, 2], activation="tanh", output_activation="sigmoid", seed=3)
    path = model.save(tmp_path / "model.npz")
    assert path == tmp_path / "model.npz" and path.exists()
    loaded = MLP.load(path)
    assert isinstance(loaded, MLP)
    assert (loaded.nin, loaded.sizes, loaded.activation, loaded.output_activation) == (
        3,
        [5, 2],
        "tanh",
        "sigmoid",
    )
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
    assert isinstance(Module.load(path), MLP)  # the base class dispatches on the file
    # the file holds no pickled object: NumPy can read every entry with allow_pickle=False
    with np.load(path, allow_pickle=False) as archive:
        assert str(archive["config.class"]) == "MLP"
        assert archive["layers.0.weight"].shape == (5, 3)


def test_save_writes_exactly_the_given_path(tmp_path):
    layer = Layer(2, 3, "sigmoid", seed=1)
    path = layer.save(tmp_path / "layer.weights")
    assert path.name == "layer.weights"
    loaded = Layer.load(path)
    assert loaded.state_dict()["weight"].tolist() == layer.state_dict()["weight"].tolist()
    assert loaded.activation == "sigmoid"


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at .*missing.npz"):
        MLP.load(tmp_path / "missing.npz")
    MLP(2, [1]).save(tmp_path / "m.npz")
    with pytest.raises(FileNotFoundError, match="did you mean m.npz"):
        MLP.load(tmp_path / "m")
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ValueError, match="cannot read .*corrupt.npz as a model file"):
        MLP.load(bad)
    good = (tmp_path / "m.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="truncated.npz"):
        MLP.load(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match="other.npz is an .npz archive but not a model"):
        MLP.load(other)
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="array.npy .*single .npy array"):
        MLP.load(npy)
    with pytest.raises(TypeError, match="holds a MLP, not a Layer"):
        Layer.load(tmp_path / "m.npz")


def test_load_rejects_a_file_with_wrong_shapes(tmp_path):
    path = tmp_path / "m.npz"
    MLP(2, [3, 1]).save(path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["layers.0.weight"] = np.zeros((2, 3))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"m.npz does not hold a valid MLP.*\(3, 2\)"):
        MLP.load(path)


@settings(max_examples=25, deadline=None)
@given(
    nin=st.integers(1, 4),
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_state_dict_round_trip_property(nin, sizes, activation, seed):
    model = MLP(nin, sizes, activation=activation, seed=seed)
    copy = MLP(nin, sizes, activation=activation, seed=seed + 1)
    copy.load_state_dict(model.state_dict())
    x = np.linspace(-1.0, 1.0, nin)
    assert [o.data for o in copy(x)] == [o.data for o in model(x)]
    assert len(model.parameters()) == model.num_parameters()


def test_parameters_are_named_parameters_in_the_same_order_without_the_names():
    """parameters() walks the parts without building 200,000 names; same Values, same order."""
    model = MLP(5, [4, 3, 2], dropout=0.2, seed=1)
    named = [p for _, p in model.named_parameters()]
    n = 5 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2  # weights and biases of the three layers
    assert len(model.parameters()) == len(named) == model.num_parameters() == n
    assert all(a is b for a, b in zip(model.parameters(), named))
    layer = model.layers[0]
    assert all(a is b for a, b in zip(layer.parameters(), [p for _, p in layer.named_parameters()]))
