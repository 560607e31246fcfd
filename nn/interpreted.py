"""The interpreted batch step: every sample's graph built from Values, then backward().

One step of mini-batch gradient descent on a batch B of examples:

    L(theta) = 1/|B| * sum_{i in B} loss(model(x_i; theta), y_i)     (the batch-mean loss)
    theta   <- theta - lr * dL/dtheta                                  (optimizer.step())
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_scalar import Value, no_grad

from .batch_step import BatchResult
from .modes import evaluation_mode

__all__ = ["InterpretedStep"]


class InterpretedStep:
    """A batch step (see `nn.batch_step`) that calls the model on each sample.

    Args:
        model: called on one example, returns a list of output Values.
        loss: ``loss(outputs, targets)`` -> the batch-mean loss as a Value.
        optimizer: has ``zero_grad()`` and ``step()``; None when only evaluating.
    """

    def __init__(self, model: Any, loss: Callable, optimizer: Any = None) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer

    def __enter__(self) -> InterpretedStep:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass  # the Values are the model's own: nothing to write back

    def sync(self) -> None:
        pass

    def train(self, X: np.ndarray, y: np.ndarray, masks: np.ndarray | None = None
              ) -> BatchResult:
        self.optimizer.zero_grad()  # gradients accumulate: clear the last batch's
        if masks is None:
            outputs = [self.model(x) for x in X]
        else:  # dropout: the masks fit drew, the same the compiled engine gets
            outputs = [self.model(x, dropout_mask=m) for x, m in zip(X, masks)]
        batch_loss = self.loss(outputs, y.tolist())
        if math.isfinite(batch_loss.data):  # (a NaN step would poison every parameter)
            batch_loss.backward()
            self.optimizer.step()
        return BatchResult(batch_loss.data * len(X), _numbers(outputs))

    def forward(self, X: np.ndarray, y: np.ndarray) -> BatchResult:
        with no_grad(), evaluation_mode(self.model):
            outputs = [self.model(x) for x in X]
            batch_loss = self.loss(outputs, y.tolist())
        return BatchResult(batch_loss.data * len(X), _numbers(outputs))


def _numbers(outputs: list[list[Value]]) -> np.ndarray:
    return np.array([[v.data for v in out] for out in outputs], dtype=float)
