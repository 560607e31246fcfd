"""Adam, as torch.optim.Adam: momentum plus a per-parameter step size."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_scalar import Value

from ..validation import finite_number
from .base import Optimizer, in_dtype, with_weight_decay

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (as torch.optim.Adam): momentum plus a per-parameter step size.

    At step t (t = 1, 2, ...), for each parameter p with gradient g:

        g = g + weight_decay * p                 (if weight_decay != 0; L2, not AdamW)
        m = beta1 * m + (1 - beta1) * g          (average of gradients)
        v = beta2 * v + (1 - beta2) * g**2       (average of squared gradients)
        m_hat = m / (1 - beta1**t)               (bias correction: m, v start at 0)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Args:
        params: the Values to optimise.
        lr: the learning rate, > 0.
        betas: (beta1, beta2), each in [0, 1).
        eps: added to the denominator to avoid dividing by 0, > 0.
        weight_decay: L2 penalty folded into the gradient, >= 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}.")
        for k, beta in enumerate(betas):
            if finite_number(beta, f"betas[{k}]") >= 1.0:
                raise ValueError(f"betas[{k}] must be in [0, 1), got {beta!r}.")
        self.betas = (float(betas[0]), float(betas[1]))
        # eps = 0 divides 0 by 0 for a parameter whose gradients have all been 0: NaN
        self.eps = finite_number(eps, "eps", low_ok=False)
        self.weight_decay = finite_number(weight_decay, "weight_decay")
        self.step_count = 0  # t, the number of steps taken
        # m and v, one number per parameter (in the parameters' dtype from the first step)
        self.exp_avg = np.zeros(len(self.params))
        self.exp_avg_sq = np.zeros(len(self.params))

    def update(self, data: np.ndarray, grad: np.ndarray) -> None:
        """Apply one Adam step in place to `data` (see `Optimizer.update`)."""
        self._check_arrays(data, grad)
        self.step_count += 1
        t = self.step_count
        beta1, beta2 = self.betas
        eps = self.eps
        # The bias corrections are the same for every parameter: compute them once. As in
        # PyTorch, m_hat / (sqrt(v_hat) + eps) is computed as
        # (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps).
        step_size = self.lr / (1.0 - beta1**t)
        sqrt_correction2 = math.sqrt(1.0 - beta2**t)
        grads = with_weight_decay(data, grad, self.weight_decay)
        m = self.exp_avg = in_dtype(self.exp_avg, data.dtype)
        v = self.exp_avg_sq = in_dtype(self.exp_avg_sq, data.dtype)
        # In place, one operation at a time in the formulas' order (the same roundings as
        # new arrays would get), with the intermediate terms in one scratch array.
        term = self._scratch_like(data)
        m *= beta1  # m = beta1 * m + (1 - beta1) * g
        m += np.multiply(1.0 - beta1, grads, out=term)
        v *= beta2  # v = beta2 * v + ((1 - beta2) * g) * g, left to right, as in PyTorch
        np.multiply(1.0 - beta2, grads, out=term)
        v += np.multiply(term, grads, out=term)
        # np.sqrt is correctly rounded, like math.sqrt: the same floats to the last bit
        np.sqrt(v, out=term)  # p = p - step_size * (m / (sqrt(v) / sqrt_correction2 + eps))
        term /= sqrt_correction2
        term += eps
        np.divide(m, term, out=term)
        data -= np.multiply(step_size, term, out=term)

    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters, the step count and both averages, as plain floats and lists."""
        return {
            "type": "Adam",
            "lr": self.lr,
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "step": self.step_count,
            "exp_avg": self.exp_avg.tolist(),
            "exp_avg_sq": self.exp_avg_sq.tolist(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore hyperparameters and averages from `state_dict()` (same parameter count)."""
        keys = ("lr", "betas", "eps", "weight_decay", "step", "exp_avg", "exp_avg_sq")
        self._check_state(state, keys)
        exp_avg = self._check_buffer(state["exp_avg"], "exp_avg")
        exp_avg_sq = self._check_buffer(state["exp_avg_sq"], "exp_avg_sq")
        step = state["step"]
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"Adam state dict: step must be an int >= 0, got {step!r}.")
        checked = Adam(
            self.params[:1],
            lr=state["lr"] or 1.0,
            betas=tuple(state["betas"]),
            eps=state["eps"],
            weight_decay=state["weight_decay"],
        )
        self.lr = state["lr"]
        self.betas, self.eps, self.weight_decay = checked.betas, checked.eps, checked.weight_decay
        self.step_count = int(step)
        self.exp_avg, self.exp_avg_sq = exp_avg, exp_avg_sq
