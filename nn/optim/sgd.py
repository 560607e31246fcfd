"""Stochastic gradient descent with momentum, as torch.optim.SGD."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_scalar import Value

from ..validation import finite_number
from .base import Optimizer, in_dtype, with_weight_decay

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (as torch.optim.SGD).

    For each parameter p with gradient g, one step is:

        g = g + weight_decay * p                     (if weight_decay != 0)
        b = g                                        (first step)
        b = momentum * b + (1 - dampening) * g       (later steps)
        g = g + momentum * b  if nesterov, else  g = b    (if momentum != 0)
        p = p - lr * g

    Args:
        params: the Values to optimise.
        lr: the learning rate, > 0.
        momentum: the momentum factor, >= 0 (0: plain gradient descent).
        dampening: scales the new gradient in the momentum buffer (PyTorch's option).
        weight_decay: L2 penalty folded into the gradient, >= 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening == 0).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = finite_number(momentum, "momentum")
        self.dampening = finite_number(dampening, "dampening")
        self.weight_decay = finite_number(weight_decay, "weight_decay")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening == 0, got "
                f"momentum={momentum!r}, dampening={dampening!r}."
            )
        # One number per parameter, in the parameters' dtype, made at the first step.
        self.momentum_buffer: np.ndarray | None = None

    def update(self, data: np.ndarray, grad: np.ndarray) -> None:
        """Apply one SGD step in place to `data` (see `Optimizer.update`)."""
        self._check_arrays(data, grad)
        lr, mu = self.lr, self.momentum
        # Each line works on all parameters at once, in the order of the formulas above.
        grads = with_weight_decay(data, grad, self.weight_decay)
        if mu != 0.0:
            if self.momentum_buffer is None:
                # First step: the buffer is the gradient itself. A copy, because `grads` may
                # be the caller's array, which the caller will overwrite at the next step.
                buffer = grads.copy()
            else:  # b = mu * b + (1 - dampening) * g, in place (no new 200k-entry arrays)
                buffer = in_dtype(self.momentum_buffer, data.dtype)
                buffer *= mu
                buffer += grads if self.dampening == 0.0 else (1.0 - self.dampening) * grads
            self.momentum_buffer = buffer
            grads = grads + mu * buffer if self.nesterov else buffer
        # p = p - lr * g, with lr * g in the scratch array (the same rounding, no new array)
        data -= np.multiply(lr, grads, out=self._scratch_like(data))

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters and the momentum buffer, as plain floats and lists."""
        return {
            "type": "SGD",
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
            "momentum_buffer": (
                None if self.momentum_buffer is None else self.momentum_buffer.tolist()
            ),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore hyperparameters and buffer from `state_dict()` (same parameter count)."""
        keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "momentum_buffer")
        self._check_state(state, keys)
        buffer = state["momentum_buffer"]
        buffer = None if buffer is None else self._check_buffer(buffer, "momentum_buffer")
        checked = SGD(  # validates the hyperparameters before anything is changed
            self.params[:1],
            lr=state["lr"] or 1.0,
            momentum=state["momentum"],
            weight_decay=state["weight_decay"],
            nesterov=state["nesterov"],
            dampening=state["dampening"],
        )
        self.lr = state["lr"]
        self.momentum, self.dampening = checked.momentum, checked.dampening
        self.weight_decay, self.nesterov = checked.weight_decay, checked.nesterov
        self.momentum_buffer = buffer
