"""The maths of every operation, written once: for single numbers and for whole batches.

Each operation is a *rule*: a function ``rule(m, *inputs) -> (out, local_grads)`` that
computes the result and the local derivatives d(out)/d(input), one per input. The argument
``m`` is the arithmetic to use:

* `SCALAR` works on Python floats (scalar_math.py). The engine (`Value`) calls the rules
  with it, one node at a time; this is the interpreter.
* `ARRAY` works on NumPy arrays holding one number per sample of a batch. The compiler
  (`autograd_scalar.compile`) calls the *same* rules with it, on a whole batch at once. It
  lives in the compiler's wing (`compiler/array_math.py`): this file needs no NumPy.

Because both use this one definition, the interpreter and the compiled program cannot
drift apart: a fix to a derivative here fixes both.

Every operation has an `Op`: its name (an ``str``, which is what diagrams show and what
``node.op`` compares equal to) together with its rule and what kind of inputs it takes.

The table of derivatives (a, b are the inputs, out the result):

=============  ===================  ==============================================
op             out                  d(out)/d(input)
=============  ===================  ==============================================
``+``          a + b                1, 1
``-``          a - b                1, -1
``*``          a * b                b, a
``/``          a / b                1/b, -a/b**2
``neg``        -a                   -1
``**c``        a**c  (c a number)   c a**(c-1)
``**``         a**b  (b a Value)    b a**(b-1),  a**b ln(a)
``exp``        e**a                 e**a
``log``        ln(a)                1/a
``sqrt``       sqrt(a)              1 / (2 sqrt(a))
``tanh``       tanh(a)              1 - tanh(a)**2
``sigmoid``    1 / (1 + e**-a)      sigmoid(a) (1 - sigmoid(a))
``relu``       max(0, a)            1 if a > 0 else 0
``abs``        abs(a)               sign(a)
``max``        max(a, b)            (1, 0) if a > b, (0, 1) if a < b, (1/2, 1/2)
``min``        min(a, b)            the same with the roles swapped
``sum``        x_1 + ... + x_n      1 for every x_i
``dot``        x_1 y_1 + ...        y_i for x_i,  x_i for y_i
``logsumexp``  ln(e**x_1 + ...)     softmax(x)_i = e**x_i / sum_j e**x_j
=============  ===================  ==============================================
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

# The rules raise some of these errors; SCALAR (scalar_math.py) and the compiler's ARRAY raise
# the rest, the same ones, and the compiler finds them all here (hence re-exported).
from .op_errors import (  # noqa: F401
    division_by_zero_error,
    exp_overflow_error,
    log_of_non_positive_error,
    negative_to_fractional_power_error,
    overflow_error,
    power_overflow_error,
    sqrt_of_negative_error,
    zero_to_negative_power_error,
)
from .scalar_math import SCALAR

__all__ = ["Op", "SCALAR", "OPS"]


# ---------------------------------------------------------------------------------------
# Op: the name of an operation, plus its maths
# ---------------------------------------------------------------------------------------


class Op(str):
    """The name of an operation (a ``str``: ``node.op == "+"`` holds) that knows its maths.

    Attributes:
        rule: ``rule(m, *inputs) -> (out, local_grads)``, see the module docstring.
        kind: how the node's parents map to the rule's inputs:
            "unary"/"binary": one/two parents, one input each;
            "sum", "logsumexp": many parents, one list of inputs (plus `constants`);
            "dot": 2n parents, the two halves are the two vectors;
            "dot_constant": n parents, dotted with the numbers in the node's local_grads.
        constants: numbers folded into the node (for sum, logsumexp), or the exponent of
            ``x ** c``.
    """

    rule: Callable[..., tuple[Any, tuple]]
    kind: str
    constants: tuple[float, ...]

    def __new__(
        cls, name: str, rule: Callable, kind: str, constants: tuple[float, ...] = ()
    ) -> Op:
        op = super().__new__(cls, name)
        op.rule, op.kind, op.constants = rule, kind, constants
        return op

    # An Op never changes: copies of a graph share it (and pickle rebuilds it).
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict) -> Op:
        return self

    def __reduce__(self) -> tuple:
        return (Op, (str(self), self.rule, self.kind, self.constants))


# ---------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------

# Shared tuples for the most common local derivatives: one object for the whole program
# instead of one per node (a tuple costs 48 bytes; a chain has a million nodes).
ONE = (1.0,)
ZERO = (0.0,)
MINUS_ONE = (-1.0,)
ONE_ONE = (1.0, 1.0)
ONE_MINUS_ONE = (1.0, -1.0)
FIRST, SECOND, HALF_HALF = (1.0, 0.0), (0.0, 1.0), (0.5, 0.5)


def add_rule(m: Any, a: Any, b: Any) -> tuple:
    return m.no_overflow(a + b, "+", (a, b)), ONE_ONE


def sub_rule(m: Any, a: Any, b: Any) -> tuple:
    return m.no_overflow(a - b, "-", (a, b)), ONE_MINUS_ONE


def mul_rule(m: Any, a: Any, b: Any) -> tuple:
    return m.no_overflow(a * b, "*", (a, b)), (b, a)


def div_rule(m: Any, a: Any, b: Any) -> tuple:
    m.require(b != 0.0, division_by_zero_error, a, b)
    return m.no_overflow(a / b, "/", (a, b)), (1.0 / b, -a / (b * b))


def neg_rule(m: Any, a: Any) -> tuple:
    return -a, MINUS_ONE


def power_rule(m: Any, a: Any, b: Any) -> tuple:
    """a ** b with both a Value.  As in PyTorch, d/db is 0 where a == 0 and b >= 0, and NaN
    where a < 0 (ln a is not real there)."""
    out = m.power(a, b)
    return out, (_power_grad_base(m, a, b), _power_grad_exponent(m, a, out))


def _power_constant_rule(m: Any, a: Any, *, exponent: float) -> tuple:
    return m.power(a, exponent), (_power_grad_base(m, a, exponent),)


def _power_grad_base(m: Any, a: Any, b: Any) -> Any:
    """d(a**b)/da = b * a**(b-1); at a = 0 that is 0 (b > 1), b (b = 1), inf (0 < b < 1).

    Where a**(b-1) overflows although a**b does not (tiny a, b < 0), the float value of
    b * a**(b-1) is +-inf, as in PyTorch, and that is what we return (not an error).
    """
    zero_base = a == 0.0
    general = m.power_slope(m.where(zero_base, 1.0, a), b)  # (never 0 to a negative power)
    at_zero = m.where(b > 1.0, 0.0, m.where(b == 1.0, 1.0, m.where(b > 0.0, math.inf, math.nan)))
    return m.where(b == 0.0, 0.0, m.where(zero_base, at_zero, general))


def _power_grad_exponent(m: Any, a: Any, out: Any) -> Any:
    """d(a**b)/db = a**b * ln(a); 0 where a = 0, NaN where a < 0 (as PyTorch)."""
    positive = a > 0.0
    log_a = m.log(m.where(positive, a, 1.0))
    return m.where(positive, out * log_a, m.where(a == 0.0, 0.0, math.nan))


def exp_rule(m: Any, a: Any) -> tuple:
    out = m.exp(a)
    return out, (out,)


def log_rule(m: Any, a: Any) -> tuple:
    m.require(a > 0.0, log_of_non_positive_error, a)
    return m.log(a), (1.0 / a,)


def sqrt_rule(m: Any, a: Any) -> tuple:
    """d/da = 1 / (2 sqrt(a)), infinite at a = 0."""
    m.require(m.is_not(a < 0.0), sqrt_of_negative_error, a)  # (NaN passes, as in math.sqrt)
    out = m.sqrt(a)
    positive = out > 0.0
    return out, (m.where(positive, 0.5 / m.where(positive, out, 1.0), math.inf),)


def tanh_rule(m: Any, a: Any) -> tuple:
    t = m.tanh(a)
    return t, (1.0 - t * t,)


def sigmoid_rule(m: Any, a: Any) -> tuple:
    """Two forms of the same function, 1/(1 + e**-a) for a >= 0 and e**a/(1 + e**a) for
    a < 0: each takes exp() of a number <= 0, so nothing overflows."""
    e = m.raw_exp(-abs(a))
    s = m.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, (s * (1.0 - s),)


def relu_rule(m: Any, a: Any) -> tuple:
    """d/da = 1 for a > 0, else 0 (also at a = 0, as in PyTorch).

    NaN passes through with derivative 1, as in PyTorch: a ReLU must not hide a NaN.
    """
    kept = m.is_not(a <= 0.0)  # a > 0, or NaN
    return m.where(kept, a, 0.0), m.where(kept, ONE, ZERO)


def abs_rule(m: Any, a: Any) -> tuple:
    """d/da = sign(a), taken as 0 at a = 0 (as in PyTorch)."""
    return abs(a), (m.sign(a),)


def maximum_rule(m: Any, a: Any, b: Any) -> tuple:
    """The gradient goes to the larger input; at a tie it is split 1/2 each (as PyTorch).
    A NaN input makes the result NaN, with derivative 1 for both (as PyTorch)."""
    return m.maximum(a, b), m.where(a > b, FIRST, m.where(a < b, SECOND, _tie_or_nan(m, a, b)))


def minimum_rule(m: Any, a: Any, b: Any) -> tuple:
    return m.minimum(a, b), m.where(a < b, FIRST, m.where(a > b, SECOND, _tie_or_nan(m, a, b)))


def _tie_or_nan(m: Any, a: Any, b: Any) -> Any:
    """max/min where neither a > b nor a < b: a tie (1/2 each) or a NaN (1 each)."""
    return m.where(a == b, HALF_HALF, ONE_ONE)


def sum_rule(m: Any, xs: Any) -> tuple:
    return m.no_overflow(m.total(xs), "sum", (xs,)), m.ones(xs)


def dot_rule(m: Any, xs: Any, ys: Any) -> tuple:
    """x . y; the local gradients are (y, x): d/dx_i = y_i, d/dy_i = x_i."""
    return m.no_overflow(m.sumprod(xs, ys), "dot", (xs, ys)), (ys, xs)


def logsumexp_rule(m: Any, xs: Any) -> tuple:
    """L = M + ln(sum_j e**(x_j - M)) with M = max_j x_j; dL/dx_i = e**(x_i - L) = softmax_i.

    Every exponent is <= 0, so nothing overflows, and the largest term is exactly 1, so the
    sum never underflows to 0. Infinities follow PyTorch: if M is +-inf it is not subtracted
    (inf - inf would be NaN), so L = M, and the derivative e**(x_i - L) is NaN where x_i = M.
    """
    top = m.largest(xs)
    infinite = m.isinf(top)
    shift = m.where(infinite, 0.0, top)
    exps = m.exp_each(xs, shift)
    total = m.where(infinite, 1.0, m.total(exps))  # (1: no log of, or division by, 0)
    out = m.where(infinite, top, shift + m.log(total))
    # e**(x_i - M) / total is the accurate form (1 - 6e-16 stays below 1); it is NaN-free
    # only for a finite M, so an infinite M takes e**(x_i - L) as PyTorch does.
    return out, m.where_each(infinite, m.exp_each(xs, out), m.divide_each(exps, total))


ADD = Op("+", add_rule, "binary")
SUB = Op("-", sub_rule, "binary")
MUL = Op("*", mul_rule, "binary")
DIV = Op("/", div_rule, "binary")
NEG = Op("neg", neg_rule, "unary")
POW = Op("**", power_rule, "binary")
EXP = Op("exp", exp_rule, "unary")
LOG = Op("log", log_rule, "unary")
SQRT = Op("sqrt", sqrt_rule, "unary")
TANH = Op("tanh", tanh_rule, "unary")
SIGMOID = Op("sigmoid", sigmoid_rule, "unary")
RELU = Op("relu", relu_rule, "unary")
ABS = Op("abs", abs_rule, "unary")
MAX = Op("max", maximum_rule, "binary")
MIN = Op("min", minimum_rule, "binary")
SUM = Op("sum", sum_rule, "sum")
DOT = Op("dot", dot_rule, "dot")
DOT_CONSTANT = Op("dot", dot_rule, "dot_constant")
LOGSUMEXP = Op("logsumexp", logsumexp_rule, "logsumexp")

OPS = [ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, SQRT, TANH, SIGMOID, RELU, ABS, MAX, MIN, SUM,
       DOT, LOGSUMEXP]

_power_ops: dict[tuple[float, str], Op] = {}


def power_constant(exponent: float, name: str) -> Op:
    """The op ``x ** c`` for a number c (one per exponent, shared by all its nodes)."""
    op = _power_ops.get((exponent, name))
    if op is None:
        # A partial of a module-level function, not a local one, so that pickle can save it.
        rule = functools.partial(_power_constant_rule, exponent=exponent)
        op = Op(name, rule, "unary", (exponent,))
        if len(_power_ops) < 1000:  # a cache, not a leak: programs rarely use many exponents
            _power_ops[exponent, name] = op
    return op


def with_constants(op: Op, constants: tuple[float, ...]) -> Op:
    """`op` (sum or logsumexp) for a node that has plain numbers folded into it."""
    return op if not constants else Op(str(op), op.rule, op.kind, constants)
