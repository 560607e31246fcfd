"""Neurons and layers made of autograd_scalar Values (an MLP, in mlp.py, chains layers).

A neuron computes ``activation(w . x + b)``: one `dot` node (however many inputs), one ``+``
node for the bias, and one activation node. A layer is a list of neurons that all read the
same input. Every weight and bias is a leaf `Value`, so after ``loss.backward()`` each one
holds d(loss)/d(parameter) in ``.grad``. What they share (parameters, state dicts, files) is
in `nn.module.Module`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from autograd_scalar import Value, dot

from .module import Module
from .validation import positive_int

__all__ = ["ACTIVATIONS", "Layer", "Neuron", "as_input", "check_activation", "format_count",
           "make_rng"]

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


def check_activation(activation: object, what: str = "activation") -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown {what} {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}."
        )
    return activation  # type: ignore[return-value]


def make_rng(seed: int | None, rng: np.random.Generator | None) -> np.random.Generator:
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}."
            )
        return rng
    return np.random.default_rng(seed)


def as_input(x: object, nin: int, who: object) -> tuple:
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


def format_count(n: int) -> str:
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
        self.activation = check_activation(activation)
        fan_out = positive_int(fan_out, "fan_out")
        std = _init_std(self.activation, self.nin, fan_out)
        weights = make_rng(seed, rng).normal(0.0, std, size=self.nin).tolist()
        self.w = [Value(wi, f"w{i}") for i, wi in enumerate(weights)]
        self.b = Value(0.0, "b")

    def __call__(self, x: Sequence[float | Value] | np.ndarray) -> Value:
        """The neuron's output for one input `x` (nin numbers or Values)."""
        return self._forward(as_input(x, self.nin, self))

    def _forward(self, x: list) -> Value:
        # One dot node for w . x (the inputs are constants, not graph nodes, when they are
        # plain numbers), one + node for the bias, one node for the activation.
        z = dot(self.w, x) + self.b
        apply = _APPLY[self.activation]
        return z if apply is None else apply(z)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", wi) for i, wi in enumerate(self.w)] + [("b", self.b)]

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]  # the order of named_parameters

    def weights(self) -> list[Value]:
        """The weights only (no bias), e.g. for an L2 penalty that spares biases."""
        return list(self.w)

    def biases(self) -> list[Value]:
        """The bias, as a one-item list."""
        return [self.b]

    @classmethod
    def state_shapes(cls, nin: int, activation: str = "relu") -> dict[str, tuple[int, ...]]:
        nin = positive_int(nin, "nin (the number of inputs)")
        check_activation(activation)
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
        self.activation = check_activation(activation)
        rng = make_rng(seed, rng)
        self.neurons = [
            Neuron(self.nin, self.activation, rng=rng, fan_out=self.nout) for _ in range(self.nout)
        ]

    def __call__(self, x: Sequence[float | Value] | np.ndarray) -> list[Value]:
        """The layer's nout outputs (a list of Values) for one input `x` of nin numbers."""
        return self._forward(as_input(x, self.nin, self))

    def _forward(self, x: list) -> list[Value]:
        return [neuron._forward(x) for neuron in self.neurons]

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{j}", neuron) for j, neuron in enumerate(self.neurons)]

    @classmethod
    def state_shapes(cls, nin: int, nout: int,
                     activation: str = "relu") -> dict[str, tuple[int, ...]]:
        nin = positive_int(nin, "nin (the number of inputs)")
        nout = positive_int(nout, "nout (the number of neurons)")
        check_activation(activation)
        return {"weight": (nout, nin), "bias": (nout,)}

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        return [
            ("weight", (self.nout, self.nin), self.weights()),
            ("bias", (self.nout,), self.biases()),
        ]

    def _config(self) -> dict[str, int | list[int] | str]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def __repr__(self) -> str:
        count = format_count(self.nout * (self.nin + 1))
        return f"Layer({self.nin} -> {self.nout} {self.activation}, {count})"


