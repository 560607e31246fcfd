"""From a model's outputs to predicted classes.

A classifier with C > 1 outputs predicts the class of its largest output (the argmax of the
logits). A classifier with ONE output gives a score (a logit) for class 1: it predicts 1
where the score is positive, that is where sigmoid(score) > 0.5, and 0 elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["classes_from_outputs", "predict_classes"]


def classes_from_outputs(outputs: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Predicted class per row of `outputs` (N, C) as int64: the argmax for C > 1, and
    ``output > 0`` for C == 1 (a 1-D array counts as one output per sample)."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        return (outputs.reshape(len(outputs)) > 0).astype(np.int64)
    return np.argmax(outputs, axis=1).astype(np.int64)


def predict_classes(model: Any, X: np.ndarray) -> np.ndarray:
    """Predicted class per row of X (``model.predict`` gives the outputs): the argmax of the
    outputs, or ``output > 0`` for a model with one output."""
    return classes_from_outputs(model.predict(X))
