"""Dropout: during training, zero each unit with probability p and scale the rest by 1/(1-p).

    y_i = x_i * m_i,   m_i = 0 with probability p, else 1/(1-p)   (so E[y_i] = x_i)

The mask m is a vector of plain numbers, drawn afresh for every sample; dy_i/dx_i = m_i, so
a dropped unit passes no gradient back. In evaluation (``training = False``) y = x.

With the compiled engine the mask must come in as data, one row per sample: a trace replays
one graph for every sample, so a mask drawn in Python while tracing would be the same for
all of them. Give the traced function the mask as an extra input array, with the same
numbers the interpreter would use, e.g. (one hidden layer of 64 units)::

    dropout = Dropout(0.5)

    def one_sample(x, mask, t):
        hidden = dropout(layer1(x), mask=mask)   # mask: 64 placeholders from the batch
        outputs = layer2(hidden)
        return outputs, softmax_cross_entropy(outputs, t)

    program = compile(one_sample, (X[0], dropout.sample_mask(64), T[0]), parameters=...)
    masks = dropout.sample_mask((len(Xb), 64))            # a new mask for every sample
    result = program(Xb, masks, Tb)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_scalar import Value

from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Randomly zero units while training (Srivastava et al., 2014), as torch.nn.Dropout.

    Args:
        p: the probability of zeroing a unit, 0 <= p < 1.
        seed: seed of the masks the module draws itself (when no mask is given).

    Attributes:
        training: True to drop units (the default); False for evaluation, where
            ``dropout(xs)`` is xs.
    """

    def __init__(self, p: float = 0.5, seed: int | None = 0) -> None:
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout(p): p is the probability of dropping a unit, a number "
                             f"with 0 <= p < 1, got {p!r}. (p = 1 would drop every unit.)")
        self.p = float(p)  # (training or not: Module.train() and eval(), as in PyTorch)
        self._rng = np.random.default_rng(seed)

    def sample_mask(self, shape: int | tuple[int, ...]) -> np.ndarray:
        """Masks of the given shape (e.g. (batch, units)): each entry 0 with probability p,
        else 1/(1-p). Draws from the module's own random generator."""
        keep = self._rng.random(shape) >= self.p
        return keep / (1.0 - self.p)

    def __call__(self, xs: Sequence[Value | float], mask: Any = None) -> list[Value | float]:
        """xs * mask while training (a mask drawn here if none is given); xs otherwise.

        mask: one number (or Value, e.g. a compiled program's input) per entry of xs.
        """
        xs = list(xs)
        if not self.training:
            return xs
        if mask is None:
            if self.p == 0.0:
                return xs
            mask = self.sample_mask(len(xs)).tolist()
        mask = mask.tolist() if isinstance(mask, np.ndarray) else list(mask)
        if len(mask) != len(xs):
            raise ValueError(f"Dropout: the mask has {len(mask)} entries for {len(xs)} units; "
                             "give one number per unit (sample_mask(units) draws one).")
        return [x * m for x, m in zip(xs, mask)]

    # -- Module: no parameters ------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        return []

    def _tensors(self) -> list[tuple[str, tuple[int, ...], list[Value]]]:
        return []

    def _config(self) -> dict[str, Any]:
        return {"p": self.p}

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
