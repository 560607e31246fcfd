"""Training and evaluation modes, switched for the length of a ``with`` block.

A `Module` has a ``training`` flag (``model.train()``, ``model.eval()``, as in PyTorch):
only some parts care (`Dropout` drops units while training). `nn.evaluate` and ``predict``
must never drop, whatever mode the caller left the model in, so they run inside
`evaluation_mode`, which gives the model its previous mode back afterwards. `fit` trains
inside `training_mode`, which leaves the model in evaluation mode, ready to be used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["evaluation_mode", "training_mode"]


@contextmanager
def evaluation_mode(model: Any) -> Iterator[Any]:
    """``with evaluation_mode(model):`` runs the block in evaluation mode, then restores the
    model's previous mode (also after an error). A model without modes (a plain function)
    is left alone."""
    if not hasattr(model, "train") or not hasattr(model, "training"):
        yield model
        return
    was_training = model.training
    model.train(False)
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def training_mode(model: Any) -> Iterator[Any]:
    """``with training_mode(model):`` runs the block in training mode, then puts the model
    in evaluation mode (also after an error): what `fit` does with its epochs."""
    if not hasattr(model, "train") or not hasattr(model, "training"):
        yield model
        return
    model.train(True)
    try:
        yield model
    finally:
        model.train(False)
