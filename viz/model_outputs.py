"""Reading a model's outputs duck-typed: ``model.predict(X)``, or one call per sample.

viz never imports nn: any object with ``predict(X) -> (N, nout)``, or callable on one
sample and returning Values or numbers, can be plotted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_scalar import no_grad

__all__ = ["classes_from_outputs", "model_outputs"]


def model_outputs(model: Any, X: np.ndarray) -> np.ndarray:
    """The model's outputs for every row of X, as a float array of shape (N, nout).

    The model is duck-typed. If it has ``predict(X) -> array (N, nout)`` that is used (one
    vectorised call). Otherwise it is called on one sample at a time, ``model([x0, x1])``,
    returning a list of Values (or numbers), inside ``no_grad()`` since no graph is needed.
    """
    X = np.asarray(X, dtype=float)
    if hasattr(model, "predict"):
        outputs = np.asarray(model.predict(X), dtype=float)
    elif callable(model):
        with no_grad():
            outputs = np.array([_output_numbers(model([float(v) for v in row])) for row in X])
    else:
        raise TypeError(
            f"model must have a predict(X) method or be callable on one sample, got "
            f"{type(model).__name__}."
        )
    if outputs.ndim == 1:  # predict returned one number per sample: one output
        outputs = outputs[:, None]
    if outputs.ndim != 2 or len(outputs) != len(X):
        raise ValueError(
            f"the model returned outputs of shape {outputs.shape} for {len(X)} samples; "
            f"expected ({len(X)}, nout)."
        )
    return outputs


def _output_numbers(output: Any) -> list[float]:
    """A model's output for one sample (a Value, a number, or a list of them) as floats."""
    if not isinstance(output, (list, tuple, np.ndarray)):
        output = [output]
    return [float(getattr(o, "data", o)) for o in output]


def classes_from_outputs(outputs: np.ndarray) -> np.ndarray:
    """Predicted classes: ``1 if output > 0 else 0`` for one output, else the argmax."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        return (outputs.reshape(len(outputs)) > 0).astype(np.int64)
    return np.argmax(outputs, axis=1).astype(np.int64)
