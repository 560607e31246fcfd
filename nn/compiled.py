"""The compiled batch step: one sample's graph traced once, run on whole batches with NumPy.

The model's graph for one sample is traced once (`autograd_scalar.compile`) and run on whole
mini-batches. During training the parameters live in one NumPy array that the optimizer
updates with its `update(data, grad)`; `sync()` gives the model's Values the trained numbers
(the training loop calls it before an `on_epoch_end` callback, and leaving the ``with``
block does it at the end).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_scalar import CompiledProgram, CompileError, compile, no_grad

from .batch_step import BatchResult
from .validation import class_labels, labels_fit_outputs

__all__ = ["CompiledStep", "compile_training", "targets_for"]


def targets_for(y: np.ndarray, n_outputs: int) -> np.ndarray:
    """The targets as numbers a traced loss can read: one-hot rows (N, C) for C > 1 outputs
    (class index -> one-hot, the traceable form of indexing), the labels (N, 1) for one."""
    y = class_labels(y, "the")
    labels_fit_outputs(y, n_outputs, "the")
    if n_outputs == 1:
        return y.astype(float)[:, None]
    return np.eye(n_outputs)[y]


def compile_training(model: Any, loss: Callable, parameters: list, X: np.ndarray,
                     y: np.ndarray) -> tuple[CompiledProgram, int]:
    """Compile ``outputs = model(x); loss([outputs], [target])`` for one sample.

    Returns the program and the model's number of outputs. The program is checked against
    the interpreter on the first sample and on a sample of another class (if any).
    """
    with no_grad():
        n_outputs = len(model(X[0]))
    T = targets_for(y, n_outputs)  # (checks every label once, up front)

    def one_sample(x: list, t: list) -> tuple:
        outputs = model(x)
        target = t if n_outputs > 1 else t[0]
        return outputs, loss([outputs], [target])

    try:
        program = compile(one_sample, (X[0], T[0]), parameters=parameters)
    except CompileError:  # (its message already says what cannot be compiled)
        raise
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"engine='compiled' could not trace the loss with a one-hot target ({error}). "
            "Use a loss that accepts one-hot targets (softmax_cross_entropy, hinge, mse, "
            "binary_cross_entropy), or engine='interpreted'.") from error
    other = np.flatnonzero(y != y[0])
    if len(other):
        i = int(other[0])
        program.check(X[i], T[i])
    return program, n_outputs


class CompiledStep:
    """A batch step (see `nn.batch_step`) that runs a compiled program on the whole batch.

    Args:
        model, loss: as for `fit`.
        optimizer: has ``params`` and ``update(data, grad)`` (`nn.optim`); None when only
            evaluating.
        X, y: the data the program is traced and checked on (its first samples).
    """

    def __init__(self, model: Any, loss: Callable, optimizer: Any, X: np.ndarray,
                 y: np.ndarray) -> None:
        parameters = model.parameters() if optimizer is None else list(optimizer.params)
        self.program, self.n_outputs = compile_training(model, loss, parameters, X, y)
        self.optimizer = optimizer
        self._session: Any = None  # the program's training session, inside `with`

    def __enter__(self) -> CompiledStep:
        if self.optimizer is not None:
            self._session = self.program.training(self.optimizer).__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._session is not None:
            self._session.__exit__(*exc_info)  # writes the trained numbers into the Values
            self._session = None

    def sync(self) -> None:
        if self._session is not None:
            self._session.sync()

    def train(self, X: np.ndarray, y: np.ndarray) -> BatchResult:
        # session.step updates nothing when the loss is NaN or infinite
        result = self._session.step(X, targets_for(y, self.n_outputs))
        return BatchResult(result.loss * len(X), result.outputs)

    def forward(self, X: np.ndarray, y: np.ndarray) -> BatchResult:
        runner = self._session if self._session is not None else self.program
        result = runner.forward(X, targets_for(y, self.n_outputs))
        return BatchResult(float(np.sum(result.losses)), result.outputs)
