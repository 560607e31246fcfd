"""The compiler's arithmetic: the rules of `ops` applied to NumPy arrays, a whole batch at once.

`ops` writes each rule once, ``rule(m, *inputs)``, for an arithmetic ``m``. The interpreter
passes `ops.SCALAR` (Python floats, one node at a time); the compiled program passes `ARRAY`
(defined here), whose functions take arrays holding one number per sample. So the two
engines compute every derivative with the same lines of code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops

__all__ = ["ARRAY", "ArrayMath"]


class ArrayMath:
    """Arithmetic on NumPy arrays (one column per sample), for the compiled program.

    Unary and binary inputs have shape (nodes, batch); the inputs of n-ary ops (sum, dot,
    logsumexp) have shape (nodes, n, batch) and are reduced over axis 1. Domain errors name
    the first offending sample, like the interpreter would have.
    """

    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    maximum = staticmethod(np.maximum)  # NaN propagates, as in the interpreter
    minimum = staticmethod(np.minimum)

    @staticmethod
    def isinf(a: np.ndarray) -> np.ndarray | bool:
        """Where a is infinite; plain False if nowhere (the usual case), so that `where`
        and `where_each` can return their other branch without a NumPy call."""
        return np.isinf(a) if any_infinite(a) else False

    @staticmethod
    def no_overflow(out: Any, op: str, inputs: tuple) -> Any:
        """The interpreter's overflow rule (`scalar_math.ScalarMath.no_overflow`), for every
        sample: finite inputs with an infinite result raise OverflowError naming the op."""
        if not any_infinite(out):  # the usual case: one check for the whole group
            return out
        overflowed = np.isinf(out)
        for x in inputs:
            finite = np.isfinite(x)
            if finite.ndim > np.ndim(out):  # the inputs of an n-ary op: (nodes, n, batch)
                finite = finite.all(axis=1)
            overflowed = overflowed & finite
        first = np.unravel_index(np.argmax(overflowed), np.shape(overflowed))
        if overflowed[first]:
            raise in_sample(ops.overflow_error(op, ()), first)
        return out

    @staticmethod
    def where(condition: np.ndarray | bool, if_true: Any, if_false: Any) -> Any:
        if condition is False:  # (from isinf: nowhere)
            return if_false
        if isinstance(if_true, tuple):  # a choice between tuples of local gradients
            if if_true == (1.0,) and if_false == (0.0,):  # (relu) the condition is the slope
                return (condition,)  # (a boolean array multiplies as 1 and 0: no new array)
            return tuple(np.where(condition, t, f) for t, f in zip(if_true, if_false))
        return np.where(condition, if_true, if_false)

    @staticmethod
    def where_each(condition: np.ndarray, if_true: Any, if_false: Any) -> np.ndarray:
        """A choice per node and sample, (nodes, batch), for an n-ary op's (nodes, n, batch)
        local gradients: the same for each of the node's inputs."""
        if condition is False:  # (from isinf: nowhere)
            return if_false
        return np.where(condition[:, None, :], if_true, if_false)

    @staticmethod
    def require(ok: np.ndarray, error: Callable[..., Exception], *inputs: np.ndarray) -> None:
        if not np.all(ok):
            ok = np.asarray(ok)
            first = np.unravel_index(np.argmin(ok), ok.shape)  # the first False
            values = [float(np.broadcast_to(x, ok.shape)[first]) for x in inputs]
            raise in_sample(error(*values), first)

    log = staticmethod(np.log)
    raw_exp = staticmethod(np.exp)  # for arguments known to be <= 0 (no overflow)

    @staticmethod
    def exp(a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            out = np.exp(a)
        overflowed = np.isinf(out) & np.isfinite(a)
        error = float32_exp_overflow if out.dtype == np.float32 else ops.exp_overflow_error
        ArrayMath.require(~overflowed, error, a)
        return out

    @staticmethod
    def power(a: np.ndarray, b: Any) -> np.ndarray:
        ArrayMath.require(~((a == 0.0) & (b < 0.0)), ops.zero_to_negative_power_error, a, b)
        fractional = np.not_equal(np.floor(b), b) & np.isfinite(b)
        ArrayMath.require(~((a < 0.0) & fractional), ops.negative_to_fractional_power_error, a, b)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            out = np.power(a, b)
        overflowed = np.isinf(out) & np.isfinite(a) & np.isfinite(b)
        ArrayMath.require(~overflowed, ops.power_overflow_error, a, b)
        return out

    @staticmethod
    def sign(a: np.ndarray) -> np.ndarray:
        return np.sign(a)

    is_not = staticmethod(np.logical_not)

    @staticmethod
    def power_slope(a: np.ndarray, b: Any) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return b * np.power(a, b - 1.0)

    @staticmethod
    def total(xs: np.ndarray) -> np.ndarray:
        return np.add.reduce(xs, axis=1)  # (xs.sum(axis=1), without its Python layers)

    @staticmethod
    def sumprod(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        # x_1 y_1 + x_2 y_2 + ... for every node and sample (np.einsum does the same, but
        # through several Python calls that cost more than the arithmetic of a small group)
        return np.add.reduce(xs * ys, axis=1)

    @staticmethod
    def largest(xs: np.ndarray) -> np.ndarray:
        return np.maximum.reduce(xs, axis=1)  # (xs.max(axis=1), the same way)

    @staticmethod
    def exp_each(xs: np.ndarray, shift: np.ndarray) -> np.ndarray:
        # (inf - inf = NaN, see logsumexp_rule: Plan.run silences NumPy's warning for it)
        return np.exp(xs - shift[:, None, :])

    @staticmethod
    def divide_each(xs: np.ndarray, by: np.ndarray) -> np.ndarray:
        return xs / by[:, None, :]

    @staticmethod
    def ones(xs: np.ndarray) -> float:
        return 1.0  # broadcasts


def any_infinite(a: np.ndarray) -> bool:
    """Whether some entry of `a` is +-inf. The usual answer, no, costs one C loop and no
    new array: a sum is finite only if every entry is. If it is not (an inf, a NaN, or a
    sum too large for the dtype), the entries are looked at one by one."""
    if math.isfinite(np.add.reduce(a, axis=None)):
        return False
    return bool(np.isinf(a).any())


def float32_exp_overflow(a: float) -> OverflowError:
    """exp overflows much sooner in float32 (the interpreter's message gives float64's)."""
    return OverflowError(
        f"exp overflows in float32 for {a!r}: the result is larger than the largest float32 "
        "(about 3.4e38, reached at 88.72). Compile with dtype=np.float64, scale your inputs "
        "down, or use logsumexp/softmax, which are computed without overflow.")


def in_sample(error: Exception, index: tuple) -> Exception:
    """Add "(sample k of the batch)" to an error raised by the compiled program."""
    sample = index[-1] if index else 0
    return type(error)(f"{error} (sample {sample} of the batch)")


ARRAY = ArrayMath()
