"""`fit(engine="compiled")`: the same training loop, on a compiled program.

The model's graph for one sample is traced once (`autograd_scalar.compile`) and run on whole
mini-batches with NumPy. During training the parameters live in one NumPy array that the
optimizer updates with its `update(data, grad)`; the model's Values get the trained numbers
back after every epoch that has an `on_epoch_end` callback, and at the end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from autograd_scalar import CompiledProgram, CompileError, compile, no_grad

from .data import iterate_minibatches
from .training import TrainingDiverged, _classes, _lr_hint

__all__ = ["compile_training", "evaluate_compiled", "fit_compiled", "targets_for"]


def targets_for(y: np.ndarray, n_outputs: int) -> np.ndarray:
    """The targets as numbers a traced loss can read: one-hot rows (N, C) for C > 1 outputs
    (class index -> one-hot, the traceable form of indexing), the labels (N, 1) for one."""
    y = np.asarray(y, dtype=np.int64)
    if n_outputs == 1:
        return y.astype(float)[:, None]
    if y.min(initial=0) < 0 or y.max(initial=0) >= n_outputs:
        raise ValueError(f"labels must be class indices in 0 .. {n_outputs - 1} for a model "
                         f"with {n_outputs} outputs, got labels from {y.min()} to {y.max()}.")
    return np.eye(n_outputs)[y]


def compile_training(model: Any, loss: Callable, parameters: list, X: np.ndarray,
                     y: np.ndarray) -> tuple[CompiledProgram, int]:
    """Compile ``outputs = model(x); loss([outputs], [target])`` for one sample.

    Returns the program and the model's number of outputs. The program is checked against
    the interpreter on the first sample and on a sample of another class (if any).
    """
    with no_grad():
        n_outputs = len(model(X[0]))
    T = targets_for(y[:1], n_outputs)

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
        program.check(X[i], targets_for(y[i : i + 1], n_outputs)[0])
    return program, n_outputs


def fit_compiled(model: Any, loss: Callable, optimizer: Any, train: tuple, val: tuple | None,
                 epochs: int, batch_size: int, seed: int, scheduler: Any, progress: bool,
                 on_epoch_end: Callable | None, history: dict[str, list]) -> dict[str, list]:
    """`fit` with engine="compiled" (the arguments were checked by `fit`)."""
    X, y = train
    program, n_outputs = compile_training(model, loss, list(optimizer.params), X, y)
    T = targets_for(y, n_outputs)
    indices = np.arange(len(X))
    with program.training(optimizer) as session:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            batches = iterate_minibatches(X, indices, batch_size, shuffle=True, seed=seed,
                                          epoch=epoch - 1)
            bar = tqdm(batches, total=math.ceil(len(X) / batch_size), disable=not progress,
                       desc=f"epoch {epoch}/{epochs}", leave=False, unit="batch")
            total_loss = correct = 0.0
            for step, (xb, ib) in enumerate(bar, start=1):
                try:
                    result = session.step(xb, T[ib])
                except OverflowError as error:  # an op overflowed: the weights blew up
                    bar.close()
                    raise TrainingDiverged(f"{error} (epoch {epoch}/{epochs}, batch {step}). "
                                           f"{_lr_hint(optimizer)}") from error
                if not math.isfinite(result.loss):
                    bar.close()
                    raise TrainingDiverged(
                        f"the loss became {result.loss} in epoch {epoch}/{epochs}, batch "
                        f"{step}. Training stopped before applying that step. "
                        f"{_lr_hint(optimizer)}")
                total_loss += result.loss * len(xb)
                correct += int(np.sum(_classes(result.outputs) == y[ib]))
            bar.close()
            seconds = time.perf_counter() - start
            val_loss, val_acc = (_evaluate(session, *val, n_outputs) if val is not None
                                 else (None, None))
            if scheduler is not None:
                scheduler.step()
            row = (epoch, total_loss / len(X), correct / len(X), val_loss, val_acc, seconds)
            for key, value in zip(history, row):
                history[key].append(value)
            if on_epoch_end is not None:
                session.sync()  # the callback may look at the model
                on_epoch_end(history)
    return history


def evaluate_compiled(model: Any, loss: Callable, X: np.ndarray, y: np.ndarray,
                      batch_size: int = 512) -> tuple[float, float]:
    """`evaluate(engine="compiled")`: mean loss and accuracy with a compiled program."""
    program, n_outputs = compile_training(model, loss, model.parameters(), X, y)
    return _evaluate(program, X, y, n_outputs, batch_size)


def _evaluate(runner: Any, X: np.ndarray, y: np.ndarray, n_outputs: int,
              batch_size: int = 512) -> tuple[float, float]:
    """Mean loss and accuracy on (X, y), from runner.forward (a program or a training
    session, whose parameters are the ones being trained)."""
    T = targets_for(y, n_outputs)
    total_loss = correct = 0.0
    for start in range(0, len(X), batch_size):
        part = slice(start, start + batch_size)
        result = runner.forward(X[part], T[part])
        total_loss += float(np.sum(result.losses))
        correct += int(np.sum(_classes(result.outputs) == y[part]))
    return total_loss / len(X), correct / len(X)
