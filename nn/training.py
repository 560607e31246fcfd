"""Mini-batch gradient descent: the training loop, evaluation and predictions.

One step of mini-batch gradient descent on a batch B of examples:

    L(theta) = 1/|B| * sum_{i in B} loss(model(x_i; theta), y_i)     (the batch-mean loss)
    theta   <- theta - lr * dL/dtheta                                  (optimizer.step())

`fit` repeats it over shuffled batches for a number of epochs and records a history of the
loss and accuracy per epoch, for training and validation data. There is ONE epoch loop
(history, schedule, divergence, progress bar); the engine only chooses the batch step that
runs inside it (see `nn.batch_step`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from autograd_scalar import Value

from .batch_randomness import Augment, BatchRandomness
from .batch_step import BatchStep
from .compiled import CompiledStep
from .data import iterate_minibatches
from .interpreted import InterpretedStep
from .modes import evaluation_mode, training_mode
from .predictions import classes_from_outputs, predict_classes

__all__ = ["fit", "evaluate", "predict_classes", "TrainingDiverged", "ENGINES"]

ENGINES = ("interpreted", "compiled")

#: Examples per batch when evaluating (no gradients: only memory limits the size).
EVAL_BATCH_SIZE = 256

HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds")

Loss = Callable[[list[list[Value]], Sequence[int]], Value]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is usually too large."""


def fit(
    model: Any,
    loss: Loss,
    optimizer: Any,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray] | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    seed: int = 0,
    scheduler: Any = None,
    progress: bool = True,
    on_epoch_end: Callable[[dict[str, list]], None] | None = None,
    engine: str = "interpreted",
    augment: str | Augment | None = None,
    dtype: Any = np.float64,
) -> dict[str, list]:
    """Train `model` with mini-batch gradient descent and return the history.

    The model is in training mode (``model.train()``: dropout drops units) for the epochs
    and in evaluation mode (``model.eval()``) when fit returns, also after an error; the
    validation figures after every epoch are computed in evaluation mode (no dropout).

    Args:
        model: called on one example, returns a list of output Values (e.g. an `MLP`).
        loss: ``loss(outputs, targets)`` -> the batch-mean loss as a Value, where outputs is
            a list of the model's output lists (e.g. `softmax_cross_entropy`).
        optimizer: has ``zero_grad()`` and ``step()`` (e.g. `optim.SGD`).
        train: ``(X, y)``: inputs (N, D) and integer class labels (N,).
        val: optional ``(X, y)`` evaluated after every epoch (without recording a graph).
        epochs, batch_size: how long and in what steps; the last batch may be smaller.
        seed: the shuffling order (a different shuffle every epoch, the same every run),
            the augmentation and the dropout masks (with an `MLP` with dropout: a new mask
            for every sample, the same for both engines).
        scheduler: optional learning-rate schedule, ``scheduler.step()`` after each epoch.
        progress: show a tqdm progress bar per epoch.
        on_epoch_end: called with the history after each epoch (for live plots, logging).
        engine: "interpreted" builds the graph of every sample with Values and runs
            backward() (the engine as you read it); "compiled" traces one sample's graph
            once and runs it on whole batches with NumPy (`autograd_scalar.compile`): the
            same maths, hundreds of times faster. The compiled engine gives the target to
            the loss as a one-hot vector (a single number for one output), so the loss must
            accept that (softmax_cross_entropy, hinge, mse, binary_cross_entropy do).
        augment: random changes made afresh to every training batch of every epoch:
            None; a text such as "flip,crop" (`nn.data.parse_augment`; rows read as square
            images, 3 channels if they fit, else 1); or a callable ``augment(X, rng)``
            returning a batch of the same shape. Drawn from a generator seeded by (seed,
            epoch): the same seed gives the same run.
        dtype: the compiled engine computes in np.float64 (the default) or np.float32
            (faster, about 7 significant digits); the interpreter's Values are Python
            floats, float64 only.

    Returns:
        ``{"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}``, one entry
        per epoch; the training figures are averages over the epoch's batches, as the
        model changed during it. ``val_*`` hold None without validation data.

    Raises:
        TrainingDiverged: if the loss becomes NaN or infinite (before that step is applied).
    """
    X, y = _check_data(train, "train")
    if val is not None:
        val = _check_data(val, "val")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}.")
    history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
    randomness = BatchRandomness(model, augment, seed, X.shape[1])
    # Training mode for the epochs (set before tracing: the compiled graph must have the
    # dropout), evaluation mode when leaving, also after an error.
    with training_mode(model), _batch_step(engine, model, loss, optimizer, X, y, dtype,
                                           randomness.mask_units) as step:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            # The order of epoch e comes from (seed, e): reproducible, and new every epoch;
            # so do the augmentation and the dropout masks of its batches.
            batches = randomness.batches(
                iterate_minibatches(X, y, batch_size, shuffle=True, seed=seed,
                                    epoch=epoch - 1), epoch - 1)
            where = f"epoch {epoch}/{epochs}"
            bar = tqdm(batches, total=math.ceil(len(X) / batch_size), leave=False, desc=where,
                       disable=not progress, unit="batch")
            with bar:
                train_loss, train_acc = _train_one_epoch(step, bar, where, optimizer)
            seconds = time.perf_counter() - start
            val_loss, val_acc = _evaluate(step, *val) if val is not None else (None, None)
            if scheduler is not None:
                scheduler.step()
            for key, value in zip(HISTORY_KEYS, (epoch, train_loss, train_acc, val_loss,
                                                 val_acc, seconds)):
                history[key].append(value)
            if on_epoch_end is not None:
                step.sync()  # the callback may look at the model
                on_epoch_end(history)
    return history


def _train_one_epoch(step: BatchStep, bar: tqdm, where: str,
                     optimizer: Any) -> tuple[float, float]:
    """One gradient step per batch of `bar`; returns the epoch's mean loss and accuracy."""
    total_loss = correct = seen = 0.0
    for number, (xb, yb, masks) in enumerate(bar, start=1):
        try:
            result = step.train(xb, yb, masks)
        except OverflowError as error:  # an op overflowed: the weights have blown up
            raise TrainingDiverged(f"{error} ({where}, batch {number}). "
                                   f"{_lr_hint(optimizer)}") from error
        if not math.isfinite(result.total_loss):
            raise TrainingDiverged(
                f"the loss became {result.total_loss / len(xb)} in {where}, batch "
                f"{number}. Training stopped before applying that step. {_lr_hint(optimizer)}"
            )
        total_loss += result.total_loss
        correct += int(np.sum(classes_from_outputs(result.outputs) == yb))
        seen += len(xb)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
    return total_loss / seen, correct / seen


def _lr_hint(optimizer: Any) -> str:
    lr = getattr(optimizer, "lr", None)
    current = f" (it is {lr:g})" if isinstance(lr, (int, float)) else ""
    return f"Try a lower learning rate{current}, e.g. ten times smaller."


def evaluate(
    model: Any, loss: Loss, X: np.ndarray, y: np.ndarray, batch_size: int = EVAL_BATCH_SIZE,
    engine: str = "interpreted", dtype: Any = np.float64,
) -> tuple[float, float]:
    """The mean loss and the accuracy of `model` on (X, y), without recording a graph, in
    evaluation mode (no dropout; the model's mode is restored afterwards).

    engine="compiled" computes the same numbers with a compiled program (see `fit`), in a
    fraction of the time for big inputs, in `dtype` (np.float64 or np.float32).
    """
    X, y = _check_data((X, y), "evaluation")
    with evaluation_mode(model), _batch_step(engine, model, loss, None, X, y, dtype) as step:
        return _evaluate(step, X, y, batch_size)


def _evaluate(step: BatchStep, X: np.ndarray, y: np.ndarray,
              batch_size: int = EVAL_BATCH_SIZE) -> tuple[float, float]:
    """Mean loss and accuracy on (X, y) with the step's current parameters."""
    total_loss = correct = 0.0
    for start in range(0, len(X), batch_size):
        part = slice(start, start + batch_size)
        result = step.forward(X[part], y[part])
        total_loss += result.total_loss
        correct += int(np.sum(classes_from_outputs(result.outputs) == y[part]))
    return total_loss / len(X), correct / len(X)


def _batch_step(engine: str, model: Any, loss: Loss, optimizer: Any, X: np.ndarray,
                y: np.ndarray, dtype: Any = np.float64, mask_units: int = 0) -> BatchStep:
    if engine == "interpreted":
        _check_interpreter_dtype(dtype)
        return InterpretedStep(model, loss, optimizer)
    if engine == "compiled":
        return CompiledStep(model, loss, optimizer, X, y, mask_units, dtype)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}.")


def _check_interpreter_dtype(dtype: Any) -> None:
    """The interpreter's Values are Python floats: refuse any other dtype than float64."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = f"{dtype!r:.60}"
    if name != "float64":
        raise ValueError(
            f"engine='interpreted' computes in float64 only (its Values are Python floats), "
            f"got dtype {name}; use engine='compiled' for float32, or leave dtype at "
            "np.float64.")


def _check_data(data: tuple[np.ndarray, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(f"{name} data must be a pair (X, y) of arrays.") from None
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2:
        raise ValueError(
            f"{name} X must be 2-D (examples, features), got shape {X.shape}; "
            "flatten images first (nn.data.flatten)."
        )
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"{name} data needs as many labels as examples (at least one), "
            f"got {len(X)} examples and {len(y)} labels."
        )
    return X, y.astype(np.int64)
