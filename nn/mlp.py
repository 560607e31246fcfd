"""Multi-layer perceptrons (MLPs): a chain of layers of neurons (see `nn.layers`).

An MLP applies its layers one after the other, with optional dropout after each hidden
layer while training. Every weight and bias is a leaf `Value`, so after ``loss.backward()``
each one holds d(loss)/d(parameter) in ``.grad``. What they share (parameters, state dicts,
files) is in `nn.module.Module`.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence

import numpy as np

from autograd_scalar import CompiledProgram, Value, compile, is_grad_enabled, no_grad

from .dropout import Dropout
from .layers import ACTIVATIONS, Layer, Neuron, as_input, check_activation, format_count
from .modes import evaluation_mode
from .module import Module
from .validation import finite_inputs, positive_int

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Neuron"]  # (Layer, Neuron: from nn.layers)


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
        dropout: the probability p of dropping each hidden unit while training, 0 <= p < 1:
            a `Dropout` after every hidden layer's activation (0, the default: none). It
            only acts in training mode (``model.train()``, what `fit` uses); in evaluation
            mode (``model.eval()``, what `evaluate` and `predict` use) the network is the
            same as without dropout.

    Attributes:
        layers: the list of Layers.
        dropouts: the Dropout after each hidden layer ([] when dropout is 0).
        nin, sizes, activation, output_activation, dropout: as given (sizes as a list).
        nout: the number of outputs, sizes[-1].
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: int | None = 0,
        dropout: float = 0.0,
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
        self.activation = check_activation(activation)
        self.output_activation = check_activation(output_activation, "output_activation")
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
        self.dropout = Dropout(dropout).p  # (checks 0 <= p < 1)
        # Drawn after the weights, so that a dropout does not change the initial weights.
        self.dropouts = [Dropout(self.dropout, seed=int(rng.integers(2**32)))
                         for _ in self.sizes[:-1]] if self.dropout > 0 else []

    @property
    def nout(self) -> int:
        return self.sizes[-1]

    def __call__(self, x: Sequence[float | Value] | np.ndarray,
                 dropout_mask: Sequence[float | Value] | np.ndarray | None = None
                 ) -> list[Value]:
        """The network's outputs (a list of nout Values, even if nout == 1) for one sample.

        dropout_mask: while training with dropout, the mask of this sample: one number per
            hidden unit, layer after layer (`dropout_units` numbers, 0 or 1/(1-p); made by
            `sample_dropout_mask`). None: each Dropout draws its own. Ignored in evaluation
            mode. `fit` passes it, so that both engines drop the same units.
        """
        x = as_input(x, self.nin, self)
        masks = self._split_mask(dropout_mask)
        for k, layer in enumerate(self.layers):
            x = layer._forward(x)
            if k < len(self.dropouts):
                x = self.dropouts[k](x, mask=masks[k])
        return x

    @property
    def dropout_units(self) -> int:
        """How many numbers a sample's dropout mask has: every hidden unit, or 0 without
        dropout."""
        return sum(self.sizes[:-1]) if self.dropouts else 0

    def sample_dropout_mask(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Dropout masks for n samples, an array (n, dropout_units) drawn from `rng`: each
        number 0 with probability p, else 1/(1-p) (see `nn.dropout`)."""
        keep = rng.random((n, self.dropout_units)) >= self.dropout
        return keep / (1.0 - self.dropout)

    def _split_mask(self, mask: Sequence | np.ndarray | None) -> list:
        """One slice of the mask per hidden layer (None for each when no mask is given)."""
        if mask is None:
            return [None] * len(self.dropouts)
        mask = list(mask)
        if len(mask) != self.dropout_units:
            raise ValueError(
                f"dropout_mask has {len(mask)} numbers; {self!r} needs one per hidden unit "
                f"with dropout ({self.dropout_units}): use model.sample_dropout_mask."
            )
        ends = np.cumsum(self.sizes[:-1]).tolist()
        return [mask[end - size:end] for end, size in zip(ends, self.sizes[:-1])]

    def train(self, mode: bool = True) -> MLP:
        """Training mode (dropout drops units) or, with mode False, evaluation mode."""
        super().train(mode)
        for dropout in self.dropouts:
            dropout.train(mode)
        return self

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
        traced). Always in evaluation mode (no dropout); the model's mode is kept.

        Args:
            X: an array (N, nin); a single sample (nin,) is treated as N = 1.
        """
        X = self._check_batch(X)
        with evaluation_mode(self):
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
                     output_activation: str = "linear",
                     dropout: float = 0.0) -> dict[str, tuple[int, ...]]:
        Dropout(dropout)  # (checks p; dropout has no parameters, so no arrays)
        nin = positive_int(nin, "nin (the number of inputs)")
        sizes = [positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        check_activation(activation)
        check_activation(output_activation, "output_activation")
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

    def _config(self) -> dict[str, int | list[int] | str | float]:
        config = {
            "nin": self.nin,
            "sizes": list(self.sizes),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }
        if self.dropout:  # (only then, so files of models without dropout stay the same)
            config["dropout"] = self.dropout
        return config

    def num_parameters(self) -> int:
        fan_ins = [self.nin, *self.sizes[:-1]]
        return sum((fan_in + 1) * size for fan_in, size in zip(fan_ins, self.sizes))

    def __repr__(self) -> str:
        steps = " -> ".join(f"{layer.nout} {layer.activation}" for layer in self.layers)
        dropout = f", dropout {self.dropout:g}" if self.dropout else ""
        return f"MLP({self.nin} -> {steps}{dropout}, {format_count(self.num_parameters())})"
