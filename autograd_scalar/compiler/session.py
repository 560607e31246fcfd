"""The training session: parameters kept in NumPy arrays between compiled training steps.

See `CompiledProgram.training`. Reading and writing every parameter Value is a Python loop
(for 200,000 parameters, ~30 ms, ten times the NumPy work of a step), so inside a session
the program holds the parameters in one array, the optimizer updates that array with its
``update(data, grad)``, and the Values get the trained numbers only when the session ends.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from .plan import CompiledResult

if TYPE_CHECKING:
    from .program import CompiledProgram

__all__ = ["TrainingSession"]


class TrainingSession:
    """See `CompiledProgram.training`.

    Attributes:
        data: the parameters, in the program's dtype (what every step computes with).
        grad: the last batch's gradient, in the program's dtype.

    For a float32 program the optimizer updates the float32 arrays if it takes them (the
    optimizers of `nn` do, computing in float32 as PyTorch's do). If it refuses them
    (TypeError, raised before it changes anything), the session keeps a float64 copy of the
    parameters for it
    (the "master weights" of mixed precision training: small updates are not lost to float32
    rounding) and rounds it into `data` after every update, at the cost of two more passes
    over the parameters per step.
    """

    def __init__(self, program: CompiledProgram, optimizer: Any) -> None:
        params = getattr(optimizer, "params", None)
        if (not hasattr(optimizer, "update") or params is None
                or len(params) != len(program.parameters)
                or not all(map(operator.is_, params, program.parameters))):
            raise ValueError(
                "program.training(optimizer) needs an optimizer (with update(data, grad)) over "
                "exactly the program's parameters, in the same order: compile with "
                "parameters=model.parameters() and make the optimizer from the same list.")
        if not program.has_loss:
            raise ValueError("this program has no loss to train on: return (outputs, loss) "
                             "or a loss Value from the compiled function.")
        self.program, self.optimizer = program, optimizer
        self.data = self.grad = None
        self._master: tuple[np.ndarray, np.ndarray] | None = None  # float64 data and grad

    def __enter__(self) -> TrainingSession:
        if self.program._training is not None:
            raise RuntimeError("program.training(...) is already active for this program.")
        self.data = self.program._parameter_data()
        self.grad = np.zeros_like(self.data)
        self._master = None
        self.program._training = self
        return self

    def step(self, *batch: Any) -> CompiledResult:
        """Forward, backward and one optimizer update on a batch. If the loss is NaN or
        infinite, nothing is updated (check ``result.loss``)."""
        result = self.program._plan.run(self.program._columns(batch), self.data, self.grad)
        if math.isfinite(result.loss):
            self._update()
        return result

    def _update(self) -> None:
        """The optimizer's step on the parameters, through the float64 copy if there is one."""
        if self._master is None:
            try:
                self.optimizer.update(self.data, self.grad)
                return
            except TypeError:
                if self.data.dtype == np.float64:
                    raise
            # An optimizer of float64 only: from now on it updates float64 master weights.
            master = np.array([p.data for p in self.program.parameters], dtype=np.float64)
            self._master = master, np.zeros_like(master)
        master, master_grad = self._master
        master_grad[...] = self.grad
        self.optimizer.update(master, master_grad)
        self.data[...] = master  # (rounded to the program's dtype)

    def forward(self, *batch: Any) -> CompiledResult:
        """Outputs and losses with the current (trained) parameters, without gradients."""
        return self.program.forward(*batch)

    def sync(self) -> None:
        """Write the current parameters (and last gradients) into the Values now."""
        data = self.data if self._master is None else self._master[0]
        for p, value, g in zip(self.program.parameters, data.tolist(), self.grad.tolist()):
            p.data, p.grad = value, g

    def __exit__(self, *exc_info: object) -> None:
        self.sync()
        self.program._training = None
