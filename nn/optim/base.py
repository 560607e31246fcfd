"""What SGD and Adam share: the parameters, the learning rate, zero_grad() and step()."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_scalar import Value

from ..validation import finite_number

__all__ = ["Optimizer", "with_weight_decay", "in_dtype"]

# The dtypes update() computes in: float64 (bitwise PyTorch's float64), float32 (a float32
# compiled program's parameters, updated in place as torch updates a float32 tensor).
UPDATE_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class Optimizer:
    """What SGD and Adam share: the parameters, the learning rate and zero_grad().

    Args:
        params: the Values to optimise, e.g. ``model.parameters()`` (a non-empty iterable
            of distinct Values).
        lr: the learning rate, > 0. It may be changed between steps (``opt.lr = 0.01``), as
            the schedules do; a schedule may bring it down to 0.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = finite_number(lr, "lr (the learning rate)", low_ok=False)
        self._scratch: np.ndarray | None = None  # see _scratch_like

    @property
    def lr(self) -> float:
        """The learning rate used by the next step()."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = finite_number(value, "lr (the learning rate)")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter Value once from its current gradient.

        The Values are copied into two arrays, `update` does the maths on them, and the new
        values are copied back: three quick loops instead of one slow loop per formula.
        """
        params = self.params
        # One list comprehension per array: a Python loop over the Values is unavoidable,
        # and np.array with the dtype given converts the list in one call.
        data = np.array([p.data for p in params], dtype=np.float64)
        grad = np.array([p.grad for p in params], dtype=np.float64)
        self.update(data, grad)
        for p, value in zip(params, data.tolist()):  # tolist(): Python floats, not np.float64
            p.data = value

    def update(self, data: np.ndarray, grad: np.ndarray) -> None:
        """Apply one optimizer step in place to `data`, given the gradients `grad`.

        This is step() without the Values: it reads and writes no Value, only the arrays and
        the optimizer's own state (which it advances exactly as step() does).

        Args:
            data: float64 (or float32) array of shape (len(self.params),), every parameter's
                value, in the order of `self.params`. Changed in place.
            grad: an array of the same shape and dtype, d(loss)/d(parameter) for each
                parameter. Not changed.

        The arithmetic is done in the arrays' dtype, and so is the optimizer's state (its
        momentum or averages), as PyTorch's optimizers keep the dtype of the parameter: a
        float32 compiled program is updated in place, with no float64 copy.

        Raises:
            ValueError: if an array does not have shape (len(self.params),), or `data` is
                read-only. Nothing is changed then.
            TypeError: if an argument is not a float64 or float32 NumPy array, or the two
                dtypes differ.
        """
        raise NotImplementedError

    def _check_arrays(self, data: object, grad: object) -> None:
        """Refuse arrays that update() could not use, before any state is changed."""
        size = len(self.params)
        for name, array in (("data", data), ("grad", grad)):
            if not isinstance(array, np.ndarray):
                raise TypeError(
                    f"update() takes NumPy arrays, but {name} is a {type(array).__name__}: "
                    f"convert it with np.asarray({name}, dtype=np.float64)."
                )
            if array.shape != (size,):
                raise ValueError(
                    f"update(): {name} must have shape ({size},), one entry per parameter of "
                    f"this {type(self).__name__}, got shape {array.shape}."
                )
            if array.dtype not in UPDATE_DTYPES:
                raise TypeError(
                    f"update(): {name} must be a float64 (or float32) array, got dtype "
                    f"{array.dtype}; use {name}.astype(np.float64) (and keep it float64 "
                    "between steps)."
                )
        if data.dtype != grad.dtype:
            raise TypeError(
                f"update(): data is {data.dtype} but grad is {grad.dtype}: give both in the "
                "same dtype (the optimizer computes, and keeps its state, in that dtype)."
            )
        if not data.flags.writeable:
            raise ValueError("update(): data is read-only, but it is updated in place.")

    def _scratch_like(self, array: np.ndarray) -> np.ndarray:
        """A parameter-sized array kept between steps for intermediate results, so that a
        step makes no new parameter-sized array (for 200,000 parameters, allocating and
        filling fresh memory costs about as much as the arithmetic itself)."""
        scratch = self._scratch
        if scratch is None or scratch.shape != array.shape or scratch.dtype != array.dtype:
            scratch = self._scratch = np.empty_like(array)
        return scratch

    def state_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def load_state_dict(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def _check_state(self, state: dict[str, Any], keys: tuple[str, ...]) -> None:
        name = type(self).__name__
        if not isinstance(state, dict) or state.get("type") != name:
            got = state.get("type") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"not a {name} state dict (its type is {got!r}).")
        missing = [key for key in keys if key not in state]
        if missing:
            raise ValueError(f"{name} state dict misses {', '.join(missing)}.")

    def _check_buffer(self, buffer: object, name: str) -> np.ndarray:
        if not isinstance(buffer, list) or len(buffer) != len(self.params):
            size = len(buffer) if isinstance(buffer, list) else type(buffer).__name__
            raise ValueError(
                f"{type(self).__name__} state dict: {name} must be a list of "
                f"{len(self.params)} floats (one per parameter), got {size}."
            )
        return np.array([float(x) for x in buffer], dtype=np.float64)


def _check_params(params: Iterable[Value]) -> list[Value]:
    if isinstance(params, Value) or hasattr(params, "parameters"):
        raise TypeError("an optimizer takes a list of parameter Values: pass model.parameters().")
    params = list(params)
    if not params:
        raise ValueError("the optimizer got an empty list of parameters; nothing to optimise.")
    seen: set[int] = set()
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"parameters must be Values, item {i} is {type(p).__name__}: {p!r}.")
        if id(p) in seen:
            raise ValueError(
                f"parameter {i} ({p!r}) appears twice; it would be updated twice per step."
            )
        seen.add(id(p))
    return params


def with_weight_decay(data: np.ndarray, grad: np.ndarray, weight_decay: float) -> np.ndarray:
    """The gradients plus weight_decay * p (L2 regularisation) if it is not 0.

    With weight_decay == 0 this is `grad` itself (no copy): the caller must not change it.
    """
    if weight_decay == 0.0:
        return grad
    return grad + weight_decay * data


def in_dtype(state: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """An optimizer's state array in the parameters' dtype (converted once, the first time
    the dtype changes, e.g. a state dict loaded as float64 for float32 parameters)."""
    return state if state.dtype == dtype else state.astype(dtype)
