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

from autograd_scalar import Value, no_grad

from .batch_step import BatchStep
from .compiled import CompiledStep
from .data import iterate_minibatches
from .interpreted import InterpretedStep
from .interrupt import StopRequest
from .predictions import classes_from_outputs, predict_classes
from .validation import class_labels, finite_inputs, labels_fit_outputs, positive_int

__all__ = [
    "ENGINES",
    "TrainingDiverged",
    "TrainingInterrupted",
    "evaluate",
    "fit",
    "predict_classes",
    "summary",
]

ENGINES = ("interpreted", "compiled")

#: Examples per batch when evaluating (no gradients: only memory limits the size).
EVAL_BATCH_SIZE = 256

HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds")

Loss = Callable[[list[list[Value]], Sequence[int]], Value]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the steps were too large (learning rate, momentum
    or weight decay)."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped `fit` cleanly, after a whole batch.

    A KeyboardInterrupt, so a script that does not catch it stops as Ctrl-C always does;
    a caller that does catch it finds what was trained:

    Attributes:
        history: the history of the epochs that finished (as `fit` returns it).
        epoch: the epoch that was running when training stopped (1, 2, ...).
        batches: how many of its batches were trained (the model holds their updates).
    """

    def __init__(self, message: str, history: dict[str, list], epoch: int,
                 batches: int) -> None:
        super().__init__(message)
        self.history, self.epoch, self.batches = history, epoch, batches


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
) -> dict[str, list]:
    """Train `model` with mini-batch gradient descent and return the history.

    Args:
        model: called on one example, returns a list of output Values (e.g. an `MLP`).
        loss: ``loss(outputs, targets)`` -> the batch-mean loss as a Value, where outputs is
            a list of the model's output lists (e.g. `softmax_cross_entropy`).
        optimizer: has ``zero_grad()`` and ``step()`` (e.g. `optim.SGD`).
        train: ``(X, y)``: inputs (N, D), finite, and whole-number class labels (N,): 0 ..
            C-1 for a model with C outputs, 0 or 1 for one output.
        val: optional ``(X, y)`` evaluated after every epoch (without recording a graph).
        epochs, batch_size: how long and in what steps; the last batch may be smaller.
        seed: the shuffling order (a different shuffle every epoch, the same every run).
        scheduler: optional learning-rate schedule, ``scheduler.step()`` after each epoch.
        progress: show a tqdm progress bar per epoch, and print the final figures when
            training ends (unless `on_epoch_end` is given: it reports on its own).
        on_epoch_end: called with the history after each epoch (for live plots, logging).
        engine: "interpreted" builds the graph of every sample with Values and runs
            backward() (the engine as you read it); "compiled" traces one sample's graph
            once and runs it on whole batches with NumPy (`autograd_scalar.compile`): the
            same maths, hundreds of times faster. The compiled engine gives the target to
            the loss as a one-hot vector (a single number for one output), so the loss must
            accept that (softmax_cross_entropy, hinge, mse, binary_cross_entropy do).

    Returns:
        ``{"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}``, one entry
        per epoch; the training figures are averages over the epoch's batches, as the
        model changed during it. ``val_*`` hold None without validation data.

    Raises:
        ValueError, TypeError: inputs with NaN or infinities, labels that are not classes
            of the model (checked before anything is trained, the same for both engines).
        TrainingDiverged: if the loss becomes NaN or infinite (before that step is applied).
        TrainingInterrupted: on Ctrl-C, after the current batch; it carries the history
            (the model keeps what was trained). A second Ctrl-C interrupts at once; a
            Ctrl-C after the last batch lets fit finish its last epoch and return.
    """
    X, y = _check_data(train, "train", model)
    if val is not None:
        val = _check_data(val, "val", model)
    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    history: dict[str, list] = {key: [] for key in HISTORY_KEYS}
    start = time.perf_counter()
    with StopRequest() as stop, _training_step(engine, model, loss, optimizer, X, y) as step:
        for epoch in range(1, epochs + 1):
            if stop.requested:  # (Ctrl-C while the last epoch was being evaluated)
                raise _interrupted(history, epoch, 0)
            epoch_start = time.perf_counter()
            # The order of epoch e comes from (seed, e): reproducible, and new every epoch.
            batches = iterate_minibatches(X, y, batch_size, shuffle=True, seed=seed,
                                          epoch=epoch - 1)
            where = f"epoch {epoch}/{epochs}"
            bar = tqdm(batches, total=math.ceil(len(X) / batch_size), leave=False, desc=where,
                       disable=not progress, unit="batch")
            with bar:
                done, train_loss, train_acc = _train_one_epoch(step, bar, where, optimizer, stop)
            if stop.requested:
                raise _interrupted(history, epoch, done)
            seconds = time.perf_counter() - epoch_start
            val_loss, val_acc = _evaluate(step, *val) if val is not None else (None, None)
            if scheduler is not None:
                scheduler.step()
            for key, value in zip(HISTORY_KEYS, (epoch, train_loss, train_acc, val_loss,
                                                 val_acc, seconds)):
                history[key].append(value)
            if on_epoch_end is not None:
                step.sync()  # the callback may look at the model
                on_epoch_end(history)
    if progress and on_epoch_end is None:  # the bars are gone: say where training ended
        tqdm.write(summary(history, time.perf_counter() - start))
    return history


def _interrupted(history: dict[str, list], epoch: int, batches: int) -> TrainingInterrupted:
    return TrainingInterrupted(
        f"training stopped by Ctrl-C in epoch {epoch} after {batches} batches; the history "
        f"holds the {epoch - 1} finished epochs", history, epoch, batches)


def summary(history: dict[str, list], seconds: float) -> str:
    """One line with the figures of the last epoch of a history."""
    last = {key: values[-1] for key, values in history.items()}
    line = (f"trained {last['epoch']} epochs in {seconds:.1f} s; last epoch: train loss "
            f"{last['train_loss']:.4f} acc {last['train_acc']:.1%}")
    if last["val_loss"] is not None:
        line += f", val loss {last['val_loss']:.4f} acc {last['val_acc']:.1%}"
    return line


def _train_one_epoch(step: BatchStep, bar: tqdm, where: str, optimizer: Any,
                     stop: StopRequest) -> tuple[int, float, float]:
    """One gradient step per batch of `bar` until the end or a stop request; returns the
    number of batches trained and their mean loss and accuracy."""
    total_loss = correct = seen = 0.0
    number = 0
    for number, (xb, yb) in enumerate(bar, start=1):
        try:
            result = step.train(xb, yb)
        except OverflowError as error:  # an op overflowed: the weights have blown up
            raise TrainingDiverged(f"{error} ({where}, batch {number}). "
                                   f"{divergence_hint(optimizer)}") from error
        if not math.isfinite(result.total_loss):
            raise TrainingDiverged(
                f"the loss became {result.total_loss / len(xb)} in {where}, batch "
                f"{number}. Training stopped before applying that step. "
                f"{divergence_hint(optimizer)}"
            )
        total_loss += result.total_loss
        correct += int(np.sum(classes_from_outputs(result.outputs) == yb))
        seen += len(xb)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
        if stop.requested:
            break
    return number, total_loss / max(seen, 1), correct / max(seen, 1)


def divergence_hint(optimizer: Any) -> str:
    """What makes the steps too large, with the optimizer's current settings."""
    knobs = [(name, getattr(optimizer, attribute, None)) for name, attribute in
             (("learning rate", "lr"), ("momentum", "momentum"),
              ("weight decay", "weight_decay"))]
    settings = ", ".join(f"{name} {value:g}" for name, value in knobs
                         if isinstance(value, (int, float)))
    return (f"The steps grew too large ({settings}): lower the learning rate (e.g. ten times "
            "smaller), the momentum or the weight decay.")


def evaluate(
    model: Any, loss: Loss, X: np.ndarray, y: np.ndarray, batch_size: int = EVAL_BATCH_SIZE,
    engine: str = "interpreted",
) -> tuple[float, float]:
    """The mean loss and the accuracy of `model` on (X, y), without recording a graph.

    engine="compiled" computes the same numbers with a compiled program (see `fit`), in a
    fraction of the time for big inputs.
    """
    X, y = _check_data((X, y), "evaluation", model)
    with _batch_step(engine, model, loss, None, X, y) as step:
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


def _training_step(engine: str, model: Any, loss: Loss, optimizer: Any, X: np.ndarray,
                   y: np.ndarray) -> BatchStep:
    """`_batch_step` for fit: compiling runs the first sample, where weights that have
    already blown up overflow; that is a diverged training, reported as one."""
    try:
        return _batch_step(engine, model, loss, optimizer, X, y)
    except OverflowError as error:
        raise TrainingDiverged(f"{error} (on the first sample, before batch 1). "
                               f"{divergence_hint(optimizer)}") from error


def _batch_step(engine: str, model: Any, loss: Loss, optimizer: Any, X: np.ndarray,
                y: np.ndarray) -> BatchStep:
    if engine == "interpreted":
        return InterpretedStep(model, loss, optimizer)
    if engine == "compiled":
        return CompiledStep(model, loss, optimizer, X, y)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}.")


def _check_data(data: tuple[np.ndarray, np.ndarray], name: str,
                model: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) as float64 inputs and int64 labels, refused with a clear error if X holds NaN or
    infinities, or y anything but the classes of the model (the same for both engines)."""
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(f"{name} data must be a pair (X, y) of arrays.") from None
    X, y = finite_inputs(X, f"{name} X"), class_labels(y, name)
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
    labels_fit_outputs(y, _n_outputs(model, X[0]), name)
    return X, y


def _n_outputs(model: Any, x: np.ndarray) -> int:
    """How many outputs the model has: its last layer's size, or (any other model) the
    length of its output for one sample."""
    layers = getattr(model, "layers", None)
    if layers and isinstance(getattr(layers[-1], "nout", None), int):
        return layers[-1].nout
    with no_grad():
        return len(model(x))
