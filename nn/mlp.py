"""Neurons, layers and multi-layer perceptrons (MLPs) made of autograd_scalar Values.

A neuron computes ``activation(w . x + b)``: one `dot` node (however many inputs), one ``+``
node for the bias, and one activation node. A layer is a list of neurons that all read the
same input; an MLP is a chain of layers. Every weight and bias is a leaf `Value`, so after
``loss.backward()`` each one holds d(loss)/d(parameter) in ``.grad``. What they share
(parameters, state dicts, files) is in `nn.module.Module`.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Sequence

import numpy as np

from autograd_scalar import CompiledProgram, Value, compile, dot, is_grad_enabled, no_grad

from .module import Module
from .validation import finite_inputs, positive_int

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Neuron"]

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


# ---------------------------------------------------------------------------------------
# Argument checks, with errors that say what was wrong and what to do
# ---------------------------------------------------------------------------------------


def _check_activation(activation: object, what: str = "activation") -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown {what} {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}."
        )
    return activation  # type: ignore[return-value]


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
        self.nin = positive_int(nin, "nin (the number of inputs)")
        self.activation = _check_activation(activation)
        fan_out = positive_int(fan_out, "fan_out")
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

    def weights(self) -> list[Value]:
        """The weights only (no bias), e.g. for an L2 penalty that spares biases."""
        return list(self.w)

    def biases(self) -> list[Value]:
        """The bias, as a one-item list."""
        return [self.b]

    @classmethod
    def state_shapes(cls, nin: int, activation: str = "relu") -> dict[str, tuple[int, ...]]:
        nin = positive_int(nin, "nin (the number of inputs)")
        _check_activation(activation)
        return {"weight": (nin,), "bias": ()}

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
        self.nin = positive_int(nin, "nin (the number of inputs)")
        self.nout = positive_int(nout, "nout (the number of neurons)")
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

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{j}", neuron) for j, neuron in enumerate(self.neurons)]

    @classmethod
    def state_shapes(cls, nin: int, nout: int,
                     activation: str = "relu") -> dict[str, tuple[int, ...]]:
        nin = positive_int(nin, "nin (the number of inputs)")
        nout = positive_int(nout, "nout (the number of neurons)")
        _check_activation(activation)
        return {"weight": (nout, nin), "bias": (nout,)}

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
        self.nin = positive_int(nin, "nin (the number of inputs)")
        if isinstance(sizes, numbers.Integral) or not isinstance(sizes, Sequence | np.ndarray):
            raise TypeError(f"sizes must be a list of layer sizes such as [16, 1], got {sizes!r}.")
        if len(sizes) == 0:
            raise ValueError(
                "sizes must list at least one layer size (the last is the number of "
                "outputs), e.g. MLP(2, [16, 16, 1]); got []."
            )
        self.sizes = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation, "output_activation")
        self._program: CompiledProgram | None = None  # predict's, traced on first use
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

        No graph is built for the samples. By default the model's graph for one sample is
        traced once (`autograd_scalar.compile`, kept for later calls) and run on all of X
        with NumPy, on the current weights: hundreds of times faster than calling the model
        sample by sample, with the engine's own rules, so it agrees with ``model(x)`` to
        rounding (about 1e-12). ``use_engine=True`` calls the model on each row under
        `no_grad` instead (so does the first call inside `no_grad`, where nothing can be
        traced).

        Args:
            X: an array (N, nin); a single sample (nin,) is treated as N = 1.
        """
        X = self._check_batch(X)
        program = None if use_engine else self._forward_program()
        if program is None:
            with no_grad():
                return np.array(
                    [[v.data for v in self(row)] for row in X], dtype=np.float64
                ).reshape(len(X), self.nout)
        return program.forward(X).outputs

    def _check_batch(self, X: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        X = finite_inputs(X, "predict's X")
        if X.ndim == 1 and X.shape[0] == self.nin:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.nin:
            raise ValueError(
                f"predict expects an array of shape (N, {self.nin}), got {X.shape}. "
                "Flatten images first, e.g. X.reshape(len(X), -1)"
                + (", or X.reshape(-1, 1) for one input per sample." if self.nin == 1 else ".")
            )
        return X

    def _forward_program(self) -> CompiledProgram | None:
        """The compiled forward pass, traced on first use. The program reads the parameter
        Values at every run, so it stays right while they are trained or loaded; it is traced
        again if a parameter Value was replaced by another one."""
        parameters = self.parameters()
        program = self._program
        if (program is not None and len(program.parameters) == len(parameters)
                and all(map(operator.is_, program.parameters, parameters))):
            return program
        if not is_grad_enabled():  # tracing records a graph: not possible in here
            return None
        self._program = compile(self, (np.zeros(self.nin),), parameters=parameters)
        return self._program

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{k}", layer) for k, layer in enumerate(self.layers)]

    @classmethod
    def state_shapes(cls, nin: int, sizes: Sequence[int], activation: str = "relu",
                     output_activation: str = "linear") -> dict[str, tuple[int, ...]]:
        nin = positive_int(nin, "nin (the number of inputs)")
        sizes = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        _check_activation(activation)
        _check_activation(output_activation, "output_activation")
        shapes: dict[str, tuple[int, ...]] = {}
        for k, (fan_in, size) in enumerate(zip([nin, *sizes[:-1]], sizes)):
            shapes[f"layers.{k}.weight"], shapes[f"layers.{k}.bias"] = (size, fan_in), (size,)
        return shapes

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
