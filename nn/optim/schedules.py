"""Learning-rate schedules: call scheduler.step() once per epoch (or per batch: your choice).

Each sets ``optimizer.lr = base_lr * factor(t)`` after its t-th step(), as PyTorch's do.
"""

from __future__ import annotations

from typing import Any

from ..validation import finite_number, positive_int
from .base import Optimizer

__all__ = ["LinearDecay", "StepLR"]


class _Schedule:
    """Sets optimizer.lr = base_lr * factor(t) after the t-th call of step()."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"a schedule needs an optimizer (SGD or Adam), got {type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr  # the learning rate when the schedule was made
        self.last_step = 0  # how many times step() was called

    def factor(self, t: int) -> float:
        raise NotImplementedError

    def step(self) -> float:
        """Advance the schedule by one and set the optimizer's lr; return the new lr."""
        self.last_step += 1
        self.optimizer.lr = self.base_lr * self.factor(self.last_step)
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        return {"base_lr": self.base_lr, "last_step": self.last_step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.base_lr = finite_number(state["base_lr"], "base_lr")
        self.last_step = int(state["last_step"])


class StepLR(_Schedule):
    """Multiply the learning rate by `gamma` every `step_size` steps (torch's StepLR).

        lr(t) = base_lr * gamma ** (t // step_size)

    Args:
        optimizer: the optimizer whose lr to set.
        step_size: how many step() calls between two decays, >= 1.
        gamma: the decay factor, > 0 (e.g. 0.1).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = positive_int(step_size, "step_size")
        self.gamma = finite_number(gamma, "gamma", low_ok=False)

    def factor(self, t: int) -> float:
        return self.gamma ** (t // self.step_size)


class LinearDecay(_Schedule):
    """Decrease the learning rate linearly to final_factor * base_lr over total_steps steps.

        lr(t) = base_lr * (1 + (final_factor - 1) * min(t, total_steps) / total_steps)

    and constant after that. This is torch's LinearLR(optimizer, start_factor=1.0,
    end_factor=final_factor, total_iters=total_steps).

    Args:
        optimizer: the optimizer whose lr to set.
        total_steps: the number of step() calls to reach the final learning rate, >= 1.
        final_factor: the final learning rate as a fraction of the first, in [0, 1].
    """

    def __init__(self, optimizer: Optimizer, total_steps: int, final_factor: float = 0.0) -> None:
        super().__init__(optimizer)
        self.total_steps = positive_int(total_steps, "total_steps")
        self.final_factor = finite_number(final_factor, "final_factor")
        if self.final_factor > 1.0:
            raise ValueError(f"final_factor must be in [0, 1], got {final_factor!r}.")

    def factor(self, t: int) -> float:
        return 1.0 + (self.final_factor - 1.0) * min(t, self.total_steps) / self.total_steps
