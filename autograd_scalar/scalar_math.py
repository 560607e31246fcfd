"""`SCALAR`: the arithmetic on Python floats that the rules of `ops` use in the interpreter.

A rule in ops.py is written once, ``rule(m, *inputs)``, against an arithmetic ``m``. This
file is the interpreter's ``m``: each name (``m.exp``, ``m.where``, ``m.total``, ...) does
its job on single floats, with the errors of op_errors.py where an op leaves its domain or
overflows. The compiler's ``m``, `ARRAY`, does the same jobs on NumPy arrays
(compiler/array_math.py); the two have the same names so that one rule serves both.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from typing import Any

from .op_errors import (
    exp_overflow_error,
    negative_to_fractional_power_error,
    overflow_error,
    power_overflow_error,
    zero_to_negative_power_error,
)

__all__ = ["SCALAR", "ScalarMath"]


class ScalarMath:
    """Arithmetic on Python floats, for the engine's one-node-at-a-time interpreter."""

    sqrt = staticmethod(math.sqrt)
    tanh = staticmethod(math.tanh)
    log = staticmethod(math.log)
    raw_exp = staticmethod(math.exp)  # for arguments known to be <= 0 (no overflow)
    isinf = staticmethod(math.isinf)

    @staticmethod
    def maximum(a: float, b: float) -> float:
        """max(a, b), NaN if either is NaN (as NumPy and PyTorch; the built-in max is not)."""
        return a + b if a != a or b != b else builtins.max(a, b)

    @staticmethod
    def minimum(a: float, b: float) -> float:
        return a + b if a != a or b != b else builtins.min(a, b)

    @staticmethod
    def no_overflow(out: float, op: str, inputs: tuple) -> float:
        """`out`, unless finite inputs gave an infinite result: then OverflowError.

        The one overflow rule of every op. An infinity (or NaN) that came in as an input
        passes through as IEEE arithmetic says; one that an op creates from finite numbers is
        an overflow, reported where it happens instead of turning into NaN gradients later.
        """
        if math.isinf(out) and all(map(_all_finite, inputs)):
            raise overflow_error(op, inputs)
        return out

    @staticmethod
    def where(condition: bool, if_true: Any, if_false: Any) -> Any:
        """if_true where the condition holds, else if_false (also for tuples of grads)."""
        return if_true if condition else if_false

    where_each = where  # (one node's choice, for each of its many inputs)

    @staticmethod
    def require(ok: bool, error: Callable[..., Exception], *inputs: float) -> None:
        """Raise error(*inputs) unless ok: the check of an op's domain."""
        if not ok:
            raise error(*inputs)

    @staticmethod
    def exp(a: float) -> float:
        try:
            return math.exp(a)
        except OverflowError:
            raise exp_overflow_error(a) from None

    @staticmethod
    def power(a: float, b: float) -> float:
        try:
            out = a**b
        except ZeroDivisionError:
            raise zero_to_negative_power_error(a, b) from None
        except OverflowError:
            raise power_overflow_error(a, b) from None
        if isinstance(out, complex):
            raise negative_to_fractional_power_error(a, b)
        return out

    @staticmethod
    def sign(a: float) -> float:
        return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0

    @staticmethod
    def is_not(condition: bool) -> bool:
        return not condition

    @staticmethod
    def power_slope(a: float, b: float) -> float:
        """b * a**(b-1) as a float: +-inf where a**(b-1) overflows (tiny a, b < 0)."""
        try:
            return b * a ** (b - 1.0)
        except OverflowError:  # a**b is finite but a**(b-1) is not: b * a**b / a is +-inf
            return b * (a**b) / a

    # n-ary ops: the inputs are a list of floats.
    @staticmethod
    def total(xs: list[float]) -> float:
        """The correctly rounded sum (math.fsum), whatever the order of the terms."""
        try:
            return math.fsum(xs)
        except (OverflowError, ValueError):  # fsum raises where a plain sum gives inf or nan
            return builtins.sum(xs)

    @staticmethod
    def sumprod(xs: list[float], ys: list[float]) -> float:
        return _sumprod(xs, ys)

    @staticmethod
    def largest(xs: list[float]) -> float:
        """The largest x, NaN if any x is NaN (the built-in max may skip a NaN)."""
        top = builtins.max(xs)
        return math.nan if any(x != x for x in xs) else top

    @staticmethod
    def exp_each(xs: list[float], shift: float) -> tuple[float, ...]:
        """e**(x - shift) for each x; inf where that overflows (only when shift is not the
        largest x, as in logsumexp of a list holding +inf)."""
        return tuple(_exp_or_inf(x - shift) for x in xs)

    @staticmethod
    def divide_each(xs: tuple[float, ...], by: float) -> tuple[float, ...]:
        return tuple(x / by for x in xs)

    @staticmethod
    def ones(xs: list[float]) -> tuple[float, ...]:
        return (1.0,) * len(xs)


def _exp_or_inf(z: float) -> float:
    try:
        return math.exp(z)
    except OverflowError:
        return math.inf


def _all_finite(x: Any) -> bool:
    """True if the number x, or every number in the list x, is finite."""
    if isinstance(x, (list, tuple)):
        return all(map(math.isfinite, x))
    return math.isfinite(x)


# The hot loop of every neuron. math.sumprod (Python 3.12+) is faster and more accurate;
# before it, sum(map(mul, ...)) is the fastest pure-Python form.
_sumprod = getattr(math, "sumprod", lambda a, b: builtins.sum(map(operator.mul, a, b)))


SCALAR = ScalarMath()
