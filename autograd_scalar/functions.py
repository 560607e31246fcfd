"""Operations on many Values at once: sum, dot, maximum/minimum, logsumexp, softmax.

`sum` and `dot` are *single* nodes with many parents. A neuron with 3,072 inputs is then
one `dot` node, not a chain of 3,072 additions: the graph stays small, backward has fewer
steps, and a diagram of it stays readable.

Plain numbers given to `sum`, `dot` and `logsumexp` are constants folded into the node: they
change its value but are not parents. This is what keeps a neuron's input pixels from
becoming thousands of graph nodes per image.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Iterable, Sequence

from .engine import Value, _as_value, _to_float

__all__ = ["sum", "dot", "maximum", "minimum", "logsumexp", "softmax", "log_softmax"]


def _as_sequence(items: Iterable) -> list | tuple:
    """The items as a list or tuple (kept as they are, not copied); NumPy arrays become
    Python numbers in one fast call."""
    if hasattr(items, "tolist"):
        items = items.tolist()
    return items if isinstance(items, (list, tuple)) else list(items)


def _numbers(items: list) -> list[float]:
    """Validate that every item is a real number (raising a clear TypeError) as floats."""
    return [_to_float(x) for x in items]


def _split(items: list) -> tuple[list[Value], list[float]]:
    """The Values in `items`, and the plain numbers, each as its own list."""
    values = [x for x in items if isinstance(x, Value)]
    numbers = _numbers([x for x in items if not isinstance(x, Value)])
    return values, numbers


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 (the name users expect)
    """s = x_1 + x_2 + ... + x_n, one node;  ds/dx_i = 1.

    The total is correctly rounded (math.fsum), whatever the order of the terms.
    """
    nodes, constants = _split(_as_sequence(values))
    terms = [v.data for v in nodes] + constants
    try:
        data = math.fsum(terms)
    except (OverflowError, ValueError):  # fsum raises where a plain sum gives inf or nan
        data = builtins.sum(terms)
    return Value(data, parents=tuple(nodes), op="sum", local_grads=(1.0,) * len(nodes))


def dot(xs: Sequence[Value | float], ys: Sequence[Value | float]) -> Value:
    """d = x_1 y_1 + ... + x_n y_n, one node;  dd/dx_i = y_i,  dd/dy_i = x_i.

    Either side may hold Values or plain numbers (a neuron: weights are Values, the input
    pixels numbers). Raises ValueError if the lengths differ.
    """
    xs, ys = _as_sequence(xs), _as_sequence(ys)
    if len(xs) != len(ys):
        raise ValueError(
            f"dot needs two sequences of the same length, got {len(xs)} and {len(ys)}. "
            "Check that the layer's number of inputs matches the data."
        )
    x_data, x_nodes = _data_and_nodes(xs)
    y_data, y_nodes = _data_and_nodes(ys)
    data = _sum_of_products(x_data, y_data)
    if type(data) is not float:  # a side was not all floats: validate it, and convert
        x_data, x_nodes = _data_and_nodes(xs, check=True)
        y_data, y_nodes = _data_and_nodes(ys, check=True)
        data = float(_sum_of_products(x_data, y_data))
    parents: tuple[Value, ...] = ()
    local_grads: tuple[float, ...] = ()
    # tuple() of a tuple is the tuple itself: a layer's neurons can share one input tuple.
    if x_nodes:  # d/dx_i = y_i
        parents, local_grads = x_nodes, tuple(y_data)
    if y_nodes:  # d/dy_i = x_i
        parents, local_grads = parents + y_nodes, local_grads + tuple(x_data)
    return Value(data, parents=parents, op="dot", local_grads=local_grads)


def _sum_of_products(a: list, b: list) -> object:
    """sum(a_i * b_i); whatever that gives (not a float, or a TypeError) means bad input."""
    try:
        return _sumprod(a, b)
    except TypeError:
        return None


# The hot loop of every neuron. math.sumprod (Python 3.12+) is faster and more accurate;
# before it, sum(map(mul, ...)) is the fastest pure-Python form.
_sumprod = getattr(math, "sumprod", lambda a, b: builtins.sum(map(operator.mul, a, b)))


def _data_and_nodes(items: list, check: bool = False) -> tuple[list, tuple[Value, ...]]:
    """The numbers on one side of a dot product, and the Values among them (if any).

    The fast path trusts a list without Values to hold numbers: a non-number makes the sum
    of products fail or come out as something other than a float, and `dot` then calls
    again with check=True, which converts every item or raises a clear TypeError.
    """
    if not check:
        try:  # the common case, all Values (a neuron's weights): one fast pass
            return [v.data for v in items], tuple(items)
        except AttributeError:  # the other common case: input numbers, used as they are
            return items, ()
    # Checked path: test the type (NumPy scalars have a `.data` attribute too).
    if any(isinstance(x, Value) for x in items):  # a mix: numbers become constant leaves
        nodes = tuple(_as_value(x) for x in items)
        return [v.data for v in nodes], nodes
    return _numbers(items), ()


def maximum(a: Value | float, b: Value | float) -> Value:
    """max(a, b);  the gradient goes to the larger one: d/da = 1 if a > b else 0.

    At a tie (a == b) the gradient is split evenly, 1/2 to each, as in PyTorch: a valid
    subgradient, and symmetric in a and b.
    """
    a, b = _as_value(a), _as_value(b)
    return Value(max(a.data, b.data), parents=(a, b), op="max", local_grads=_route(a.data, b.data))


def minimum(a: Value | float, b: Value | float) -> Value:
    """min(a, b);  the gradient goes to the smaller one; split 1/2 each at a tie."""
    a, b = _as_value(a), _as_value(b)
    return Value(min(a.data, b.data), parents=(a, b), op="min", local_grads=_route(b.data, a.data))


def _route(winner_if_larger: float, other: float) -> tuple[float, float]:
    if winner_if_larger > other:
        return (1.0, 0.0)
    if winner_if_larger < other:
        return (0.0, 1.0)
    return (0.5, 0.5)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """L = log(e**x_1 + ... + e**x_n), one node;  dL/dx_i = e**x_i / sum_j e**x_j = softmax_i.

    Computed as m + log(sum_j e**(x_j - m)) with m = max_j x_j: every exponent is <= 0, so
    nothing overflows for any finite input, and the largest term is exactly 1, so the sum
    never underflows to 0.
    """
    nodes, constants = _split(_as_sequence(values))
    data = [v.data for v in nodes] + constants
    if not data:
        raise ValueError("logsumexp needs at least one value, got an empty sequence.")
    m = max(data)
    exps = [math.exp(x - m) for x in data]
    total = math.fsum(exps)
    out = m + math.log(total)
    softmax_of_nodes = tuple(e / total for e in exps[: len(nodes)])
    return Value(out, parents=tuple(nodes), op="logsumexp", local_grads=softmax_of_nodes)


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log p_i = x_i - logsumexp(x): log-probabilities, without overflow or log(0)."""
    values = _as_sequence(values)
    lse = logsumexp(values)
    return [x - lse for x in values]


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """p_i = e**x_i / sum_j e**x_j, computed as exp(x_i - logsumexp(x)).

    Each exponent is <= 0, so no overflow. Built from logsumexp, subtraction and exp, whose
    derivatives give dp_i/dx_j = p_i (delta_ij - p_j) without extra code.
    """
    return [v.exp() for v in log_softmax(values)]
