"""Neurons, layers and multi-layer perceptrons (MLPs) made of autograd_scalar Values.

A neuron computes ``activation(w . x + b)``: one `dot` node (however many inputs), one ``+``
node for the bias, and one activation node. A layer is a list of neurons that all read the
same input; an MLP is a chain of layers. Every weight and bias is a leaf `Value`, so after
``loss.backward()`` each one holds d(loss)/d(parameter) in ``.grad``.

Naming schemes (both deterministic, in the order ``parameters()`` lists the Values):

* ``named_parameters()`` names each scalar by where it lives, with dotted paths::

      layers.0.neurons.3.w.17     # weight 17 of neuron 3 of layer 0
      layers.0.neurons.3.b        # bias of that neuron

  A Layer on its own drops the ``layers.K.`` prefix, a Neuron the ``neurons.J.`` too.
  Order: layer by layer, neuron by neuron, the weights w.0 .. w.(nin-1) then the bias.

* ``state_dict()`` groups the numbers of a layer into arrays, as PyTorch does::

      layers.0.weight   float64 array (nout, nin), row j = weights of neuron j
      layers.0.bias     float64 array (nout,)

  (a Layer alone: ``weight``/``bias``; a Neuron alone: ``weight`` (nin,) and ``bias`` of
  shape (), a 0-d array). This is what `save` writes and `load_state_dict` reads.

Files written by `save` are ``.npz`` archives (NumPy's zip of arrays) holding the state dict
plus the architecture under ``config.*`` keys; they are read without pickle, so loading a
model file can never run code.
"""

from __future__ import annotations

import math
import numbers
import zipfile
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from autograd_scalar import Value, dot, no_grad

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron"]

#: The activation functions a neuron can apply to ``w . x + b``.
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")

# How a neuron applies its activation to a Value (None: "linear" leaves z as it is).
_APPLY: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

# Class-name prefix for repr, in micrograd's style: ReLUNeuron(3), LinearNeuron(4), ...
_REPR_NAME = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}

_FORMAT = "autograd_scalar.nn/1"  # written into every saved file, checked on load

PathType = str | PathLike


# ---------------------------------------------------------------------------------------
# Argument checks, with errors that say what was wrong and what to do
# ---------------------------------------------------------------------------------------


def _check_activation(activation: object, what: str = "activation") -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown {what} {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}."
        )
    return activation  # type: ignore[return-value]


def _check_count(n: object, what: str) -> int:
    """A positive int (Python or NumPy), returned as a Python int."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r}.")
    if n < 1:
        raise ValueError(f"{what} must be at least 1, got {n!r}.")
    return int(n)


def _make_rng(seed: int | None, rng: np.random.Generator | None) -> np.random.Generator:
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}."
            )
        return rng
    return np.random.default_rng(seed)


def _as_input(x: object, nin: int, who: object) -> tuple:
    """One sample as a Python tuple of nin items (a NumPy row is converted in one call).

    `who` is the module being called; its repr is only computed for an error message.
    """
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(
                f"{who!r} takes ONE sample, a 1-D sequence of {nin} numbers; got an array of "
                f"shape {x.shape}. For many samples use model.predict(X) or call the model "
                "on each row."
            )
        x = tuple(x.tolist())  # NumPy floats -> Python floats in one fast call
    elif isinstance(x, list):
        # A tuple, because dot() keeps a tuple of inputs as it is: every neuron of the first
        # layer then shares this one tuple as its local gradients, instead of a copy each.
        x = tuple(x)
    elif not isinstance(x, tuple):
        raise TypeError(
            f"{who!r} takes one sample as a list, tuple or 1-D NumPy array of {nin} numbers, "
            f"got {type(x).__name__}: {x!r}."
        )
    if len(x) != nin:
        raise ValueError(f"{who!r} expects an input of {nin} numbers, got {len(x)}.")
    return x


def _init_std(activation: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of the initial weights, chosen to fit the activation.

    ReLU: He/Kaiming normal, std = sqrt(2 / fan_in): ReLU zeroes half of its inputs, the
    factor 2 makes up for it so the signal's variance stays about the same layer to layer.
    tanh, sigmoid, linear: Glorot/Xavier normal, std = sqrt(2 / (fan_in + fan_out)), which
    keeps the variance of both the forward signal and the backward gradients steady.
    """
    if activation == "relu":
        return math.sqrt(2.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


def _format_count(n: int) -> str:
    return f"{n:,} parameter" + ("" if n == 1 else "s")


# ---------------------------------------------------------------------------------------
# Module: what every model part has in common
# ---------------------------------------------------------------------------------------


class Module:
    """Base class: parameters, gradients, state dicts and files.

    A subclass provides `named_parameters`, `_tensors` (its parameters grouped into
    arrays for `state_dict`) and `_config` (the constructor arguments that rebuild it).
    """

    # Subclasses register here by name, so that Module.load can rebuild any of them.
    _registry: ClassVar[dict[str, type[Module]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module._registry[cls.__name__] = cls

    # -- parameters -----------------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name (see the module docstring), in order."""
        raise NotImplementedError(f"{type(self).__name__} must define named_parameters()")

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases) as a list of Values, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (do this before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    # -- state dicts ----------------------------------------------------------------------

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        """(name, shape, Values in row-major order) for each array of the state dict."""
        raise NotImplementedError(f"{type(self).__name__} must define _tensors()")

    def _config(self) -> dict[str, int | list[int] | str]:
        """Constructor arguments that rebuild this module's architecture."""
        raise NotImplementedError(f"{type(self).__name__} must define _config()")

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of the parameters as float64 arrays, e.g. {"layers.0.weight": (nout, nin)}.

        The arrays are copies: changing them does not change the model.
        """
        return {
            name: np.array([v.data for v in values], dtype=np.float64).reshape(shape)
            for name, shape, values in self._tensors()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy numbers from `state` (as made by `state_dict`) into the parameters.

        The names must be exactly those of `state_dict()` and each array must have the same
        shape; anything else raises ValueError naming every problem and the expected shape.
        Everything is checked before anything is written, so a failed load leaves the model
        as it was. The parameter Values themselves are kept (only their ``data`` changes), so
        an optimizer built on ``model.parameters()`` keeps working.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict expects a dict of name -> array, got {type(state).__name__}."
            )
        tensors = self._tensors()
        expected = {name: shape for name, shape, _ in tensors}
        problems = [
            f"missing {name!r} (expected shape {shape})"
            for name, shape in expected.items()
            if name not in state
        ]
        problems += [f"unexpected {name!r}" for name in state if name not in expected]
        arrays: dict[str, np.ndarray] = {}
        for name, shape in expected.items():
            if name not in state:
                continue
            try:
                array = np.asarray(state[name], dtype=np.float64)
            except (TypeError, ValueError) as error:
                problems.append(f"{name!r} is not an array of numbers ({error})")
                continue
            if array.shape != shape:
                problems.append(f"{name!r} has shape {array.shape}, expected {shape}")
            elif not np.all(np.isfinite(array)):
                problems.append(f"{name!r} holds NaN or infinite numbers")
            else:
                arrays[name] = array
        if problems:
            raise ValueError(
                f"cannot load this state dict into {self!r}: " + "; ".join(problems) + ". "
                f"Expected names: {', '.join(expected)}."
            )
        for name, _, values in tensors:  # all checked: now write
            for value, number in zip(values, arrays[name].ravel().tolist()):
                value.data = number

    # -- files ------------------------------------------------------------------------------

    def save(self, path: PathType) -> Path:
        """Write the architecture and the parameters to `path` as an .npz archive (no pickle).

        The file is written exactly at `path` (use the .npz extension by convention) and
        read back with ``type(model).load(path)`` (or ``Module.load(path)``).
        """
        arrays: dict[str, np.ndarray] = {
            "config.format": np.array(_FORMAT),
            "config.class": np.array(type(self).__name__),
        }
        for key, value in self._config().items():
            arrays[f"config.{key}"] = np.array(value)
        arrays.update(self.state_dict())
        path = Path(path)
        with open(path, "wb") as file:  # a file object: NumPy does not append ".npz"
            np.savez(file, **arrays)
        return path

    @classmethod
    def load(cls, path: PathType) -> Self:
        """Rebuild a module saved with `save`: ``model = MLP.load("model.npz")``.

        Raises FileNotFoundError if there is no such file, and ValueError naming the file if
        it is not an archive written by `save` (corrupt, another format, missing entries),
        or TypeError if it holds another kind of module than the class asked for.
        """
        path = Path(path)
        arrays = _read_npz(path)
        if str(arrays.get("config.format", "")) != _FORMAT or "config.class" not in arrays:
            raise ValueError(
                f"{path} is an .npz archive but not a model saved by Module.save() "
                f"(no 'config.format' = {_FORMAT!r} entry)."
            )
        class_name = str(arrays["config.class"])
        if class_name not in Module._registry:
            raise ValueError(f"{path} holds an unknown kind of module: {class_name!r}.")
        saved_cls = Module._registry[class_name]
        if not issubclass(saved_cls, cls):
            raise TypeError(
                f"{path} holds a {class_name}, not a {cls.__name__}; "
                f"use {class_name}.load() or Module.load()."
            )
        config = {
            key[len("config.") :]: _from_array(value)
            for key, value in arrays.items()
            if key.startswith("config.") and key not in ("config.format", "config.class")
        }
        state = {key: value for key, value in arrays.items() if not key.startswith("config.")}
        try:
            module = saved_cls(**config)
            module.load_state_dict(state)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} does not hold a valid {class_name}: {error}") from None
        return module


def _read_npz(path: Path) -> dict[str, Any]:
    """Every array of an .npz file, read without pickle; clear errors naming the file."""
    if not path.exists():
        hint = ""
        if path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
            hint = f" (did you mean {path.name}.npz?)"
        raise FileNotFoundError(f"no model file at {path}{hint}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"cannot read {path} as a model file (an .npz archive written by "
            f"Module.save()): {error}"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(  # noqa: TRY004 (a bad file, not a bad argument type)
            f"cannot read {path} as a model file: it holds a single .npy array, not an .npz "
            "archive written by Module.save()."
        )
    try:
        with archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"cannot read {path} as a model file: a corrupt entry ({error})") from None


def _from_array(array: np.ndarray) -> int | list[int] | str:
    """A config entry back as the Python value `save` stored."""
    if array.dtype.kind == "U":
        return str(array)
    if array.dtype.kind in "iu":
        return int(array) if array.ndim == 0 else [int(n) for n in array.tolist()]
    raise ValueError(f"unexpected config entry of dtype {array.dtype}")


# ---------------------------------------------------------------------------------------
# Neuron, Layer, MLP
# ---------------------------------------------------------------------------------------


class Neuron(Module):
    """One neuron: ``out = activation(w . x + b)``.

    Args:
        nin: number of inputs.
        activation: "relu", "tanh", "sigmoid" or "linear" (no activation).
        seed: seed of the random initial weights (reproducible); ignored if `rng` is given.
        rng: a NumPy Generator to draw the weights from (a Layer passes its own).
        fan_out: number of neurons in the layer, used by the Glorot initialisation.

    Weights are drawn from N(0, std**2) with He std = sqrt(2/nin) for ReLU and Glorot std =
    sqrt(2/(nin + fan_out)) otherwise; the bias starts at 0.

    Attributes:
        w: the weights, a list of nin Values labelled "w0", "w1", ...
        b: the bias, a Value labelled "b".
        activation: the activation's name.
        nin: the number of inputs.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
        fan_out: int = 1,
    ) -> None:
        self.nin = _check_count(nin, "nin (the number of inputs)")
        self.activation = _check_activation(activation)
        fan_out = _check_count(fan_out, "fan_out")
        std = _init_std(self.activation, self.nin, fan_out)
        weights = _make_rng(seed, rng).normal(0.0, std, size=self.nin).tolist()
        self.w = [Value(wi, f"w{i}") for i, wi in enumerate(weights)]
        self.b = Value(0.0, "b")

    def __call__(self, x: Sequence[float | Value] | np.ndarray) -> Value:
        """The neuron's output for one input `x` (nin numbers or Values)."""
        return self._forward(_as_input(x, self.nin, self))

    def _forward(self, x: list) -> Value:
        # One dot node for w . x (the inputs are constants, not graph nodes, when they are
        # plain numbers), one + node for the bias, one node for the activation.
        z = dot(self.w, x) + self.b
        apply = _APPLY[self.activation]
        return z if apply is None else apply(z)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", wi) for i, wi in enumerate(self.w)] + [("b", self.b)]

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def weights(self) -> list[Value]:
        """The weights only (no bias), e.g. for an L2 penalty that spares biases."""
        return list(self.w)

    def biases(self) -> list[Value]:
        """The bias, as a one-item list."""
        return [self.b]

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        return [("weight", (self.nin,), self.w), ("bias", (), [self.b])]

    def _config(self) -> dict[str, int | list[int] | str]:
        return {"nin": self.nin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"{_REPR_NAME[self.activation]}Neuron({self.nin})"


class Layer(Module):
    """A layer of `nout` neurons that all read the same `nin` inputs.

    Calling a layer ALWAYS returns a list of nout Values, even when nout == 1 (micrograd
    returns a bare Value then, and the next layer cannot iterate over it).

    Args:
        nin: number of inputs.
        nout: number of neurons (= number of outputs).
        activation: the activation of every neuron (see `ACTIVATIONS`).
        seed: seed of the random initial weights; ignored if `rng` is given.
        rng: a NumPy Generator to draw the weights from (an MLP passes its own).

    Attributes:
        neurons: the list of Neurons.
        nin, nout, activation: as given.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.nin = _check_count(nin, "nin (the number of inputs)")
        self.nout = _check_count(nout, "nout (the number of neurons)")
        self.activation = _check_activation(activation)
        rng = _make_rng(seed, rng)
        self.neurons = [
            Neuron(self.nin, self.activation, rng=rng, fan_out=self.nout) for _ in range(self.nout)
        ]

    def __call__(self, x: Sequence[float | Value] | np.ndarray) -> list[Value]:
        """The layer's nout outputs (a list of Values) for one input `x` of nin numbers."""
        return self._forward(_as_input(x, self.nin, self))

    def _forward(self, x: list) -> list[Value]:
        return [neuron._forward(x) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{j}.{name}", p)
            for j, neuron in enumerate(self.neurons)
            for name, p in neuron.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        params: list[Value] = []
        for neuron in self.neurons:
            params += neuron.w
            params.append(neuron.b)
        return params

    def weights(self) -> list[Value]:
        """All weights of the layer (no biases), neuron by neuron."""
        return [wi for neuron in self.neurons for wi in neuron.w]

    def biases(self) -> list[Value]:
        """The biases of the layer, one per neuron."""
        return [neuron.b for neuron in self.neurons]

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        return [
            ("weight", (self.nout, self.nin), self.weights()),
            ("bias", (self.nout,), self.biases()),
        ]

    def _config(self) -> dict[str, int | list[int] | str]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def __repr__(self) -> str:
        count = _format_count(self.nout * (self.nin + 1))
        return f"Layer({self.nin} -> {self.nout} {self.activation}, {count})"


class MLP(Module):
    """A multi-layer perceptron: layers applied one after the other.

    ``MLP(3072, [32, 10])`` has a hidden layer of 32 ReLU neurons and an output layer of 10
    linear neurons (logits, ready for `softmax_cross_entropy`).

    Args:
        nin: number of inputs (e.g. 3072 = 32 * 32 * 3 for a flattened CIFAR-10 image).
        sizes: the number of neurons of each layer; the last one is the number of outputs.
        activation: activation of the hidden layers (see `ACTIVATIONS`).
        output_activation: activation of the last layer; "linear" by default, because losses
            such as softmax_cross_entropy and binary_cross_entropy take raw scores (logits).
        seed: seed of the random initial weights; the same seed gives the same network.

    Attributes:
        layers: the list of Layers.
        nin, sizes, activation, output_activation: as given (sizes as a list of ints).
        nout: the number of outputs, sizes[-1].
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: int | None = 0,
    ) -> None:
        self.nin = _check_count(nin, "nin (the number of inputs)")
        if isinstance(sizes, numbers.Integral) or not isinstance(sizes, Sequence | np.ndarray):
            raise TypeError(f"sizes must be a list of layer sizes such as [16, 1], got {sizes!r}.")
        if len(sizes) == 0:
            raise ValueError(
                "sizes must list at least one layer size (the last is the number of "
                "outputs), e.g. MLP(2, [16, 16, 1]); got []."
            )
        self.sizes = [_check_count(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation, "output_activation")
        rng = np.random.default_rng(seed)
        fan_ins = [self.nin, *self.sizes[:-1]]
        last = len(self.sizes) - 1
        self.layers = [
            Layer(
                fan_in,
                size,
                self.output_activation if k == last else self.activation,
                rng=rng,
            )
            for k, (fan_in, size) in enumerate(zip(fan_ins, self.sizes))
        ]

    @property
    def nout(self) -> int:
        return self.sizes[-1]

    def __call__(self, x: Sequence[float | Value] | np.ndarray) -> list[Value]:
        """The network's outputs (a list of nout Values, even if nout == 1) for one sample."""
        x = _as_input(x, self.nin, self)
        for layer in self.layers:
            x = layer._forward(x)
        return x

    def predict(
        self, X: np.ndarray | Sequence[Sequence[float]], *, use_engine: bool = False
    ) -> np.ndarray:
        """The outputs for many samples at once, as a float64 array (N, nout).

        No graph is built. By default the same function is computed with NumPy matrix
        products on the current weights (read from the Values once per call), which is
        hundreds of times faster than calling the model sample by sample; it agrees with
        ``model(x)`` to rounding (about 1e-12). ``use_engine=True`` calls the model on each
        row under `no_grad` instead.

        Args:
            X: an array (N, nin); a single sample (nin,) is treated as N = 1.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and X.shape[0] == self.nin:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.nin:
            raise ValueError(
                f"predict expects an array of shape (N, {self.nin}), got {X.shape}. "
                "Flatten images first, e.g. X.reshape(len(X), -1)"
                + (", or X.reshape(-1, 1) for one input per sample." if self.nin == 1 else ".")
            )
        if use_engine:
            with no_grad():
                return np.array(
                    [[v.data for v in self(row)] for row in X], dtype=np.float64
                ).reshape(len(X), self.nout)
        out = X
        for layer in self.layers:
            state = layer.state_dict()
            out = _numpy_activation(out @ state["weight"].T + state["bias"], layer.activation)
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{k}.{name}", p)
            for k, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        params: list[Value] = []
        for layer in self.layers:
            params += layer.parameters()
        return params

    def weights(self) -> list[Value]:
        """All weights (no biases), layer by layer: pass to l2_penalty to spare the biases."""
        return [wi for layer in self.layers for wi in layer.weights()]

    def biases(self) -> list[Value]:
        """All biases, layer by layer."""
        return [bi for layer in self.layers for bi in layer.biases()]

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        return [
            (f"layers.{k}.{name}", shape, values)
            for k, layer in enumerate(self.layers)
            for name, shape, values in layer._tensors()
        ]

    def _config(self) -> dict[str, int | list[int] | str]:
        return {
            "nin": self.nin,
            "sizes": list(self.sizes),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def num_parameters(self) -> int:
        fan_ins = [self.nin, *self.sizes[:-1]]
        return sum((fan_in + 1) * size for fan_in, size in zip(fan_ins, self.sizes))

    def __repr__(self) -> str:
        steps = " -> ".join(f"{layer.nout} {layer.activation}" for layer in self.layers)
        return f"MLP({self.nin} -> {steps}, {_format_count(self.num_parameters())})"


def _numpy_activation(z: np.ndarray, activation: str) -> np.ndarray:
    """The activations of `Value` for arrays, with the same formulas (same rounding)."""
    if activation == "relu":
        return np.where(z > 0.0, z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    if activation == "sigmoid":  # the engine's two overflow-free forms
        e = np.exp(-np.abs(z))
        return np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return z
