"""What the training loop asks of an engine: one batch at a time.

`fit` and `evaluate` run the same loop for both engines; only the batch step differs:

* `nn.interpreted.InterpretedStep` builds every sample's graph of Values and calls
  backward() (the engine as you read it);
* `nn.compiled.CompiledStep` runs one traced program on the whole batch with NumPy.

A batch step is a context manager (``with step: ...`` brackets the training) with:

* ``train(X, y, masks=None) -> BatchResult``: forward, backward and ONE optimizer update on
  the batch, except when the loss is NaN or infinite: then nothing is updated, so the loop
  can stop with the model as it was before that batch. ``masks``: the samples' dropout
  masks (rows of `MLP.sample_dropout_mask`), None without dropout;
* ``forward(X, y) -> BatchResult``: the same numbers without gradients or an update, in
  evaluation mode (no dropout);
* ``sync()``: make the model's Values hold the trained numbers now (the compiled step keeps
  them in an array while training).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["BatchResult", "BatchStep"]


@dataclass(frozen=True)
class BatchResult:
    """What one batch gave.

    Attributes:
        total_loss: the sum of the per-sample losses (the batch-mean loss times the batch
            size), so that batches of different sizes add up to an exact epoch mean.
        outputs: the model's outputs, an array (batch, number of outputs).
    """

    total_loss: float
    outputs: np.ndarray


class BatchStep(Protocol):
    def __enter__(self) -> BatchStep: ...
    def __exit__(self, *exc_info: object) -> None: ...
    def train(self, X: np.ndarray, y: np.ndarray,
              masks: np.ndarray | None = None) -> BatchResult: ...
    def forward(self, X: np.ndarray, y: np.ndarray) -> BatchResult: ...
    def sync(self) -> None: ...
