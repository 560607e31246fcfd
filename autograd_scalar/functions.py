"""Operations on many Values at once: sum, dot, maximum/minimum, logsumexp, softmax.

`sum` and `dot` are *single* nodes with many parents. A neuron with 3,072 inputs is then
one `dot` node, not a chain of 3,072 additions: the graph stays small, backward has fewer
steps, and a diagram of it stays readable.

Plain numbers given to `sum`, `dot` and `logsumexp` are constants folded into the node: they
change its value but are not parents. This is what keeps a neuron's input pixels from
becoming thousands of graph nodes per image.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import ops
from .conversion import to_float
from .engine import Value, _apply2, _as_value
from .ops import SCALAR

__all__ = ["sum", "dot", "maximum", "minimum", "logsumexp", "softmax", "log_softmax"]


def _as_sequence(items: Iterable) -> list | tuple:
    """The items as a list or tuple (kept as they are, not copied); NumPy arrays become
    Python numbers in one fast call."""
    if hasattr(items, "tolist"):
        items = items.tolist()
    return items if isinstance(items, (list, tuple)) else list(items)


def _numbers(items: list) -> list[float]:
    """Validate that every item is a real number (raising a clear TypeError) as floats."""
    return [to_float(x) for x in items]


def _split(items: list) -> tuple[list[Value], list[float]]:
    """The Values in `items`, and the plain numbers, each as its own list."""
    values = [x for x in items if isinstance(x, Value)]
    numbers = _numbers([x for x in items if not isinstance(x, Value)])
    return values, numbers


def sum(values: Iterable[Value | float]) -> Value:  # (shadows builtins.sum, as users expect)
    """s = x_1 + x_2 + ... + x_n, one node;  ds/dx_i = 1.

    The total is correctly rounded (math.fsum), whatever the order of the terms.
    """
    nodes, constants = _split(_as_sequence(values))
    data, local_grads = ops.sum_rule(SCALAR, [v.data for v in nodes] + constants)
    return Value(data, parents=tuple(nodes), op=ops.with_constants(ops.SUM, tuple(constants)),
                 local_grads=local_grads[: len(nodes)])


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
    data, (d_dx, d_dy) = _dot_or_none(x_data, y_data)
    if type(data) is not float:  # a side was not all floats: validate it, and convert
        x_data, x_nodes = _data_and_nodes(xs, check=True)
        y_data, y_nodes = _data_and_nodes(ys, check=True)
        data, (d_dx, d_dy) = ops.dot_rule(SCALAR, x_data, y_data)
        data = float(data)
    # tuple() of a tuple is the tuple itself: a layer's neurons can share one input tuple.
    if x_nodes and y_nodes:  # two vectors of Values: parents x_1..x_n, y_1..y_n
        parents, local_grads, op = x_nodes + y_nodes, tuple(d_dx) + tuple(d_dy), ops.DOT
    elif x_nodes:  # Values dotted with numbers: the numbers are the local gradients
        parents, local_grads, op = x_nodes, tuple(d_dx), ops.DOT_CONSTANT
    elif y_nodes:
        parents, local_grads, op = y_nodes, tuple(d_dy), ops.DOT_CONSTANT
    else:  # numbers only: a constant
        parents, local_grads, op = (), (), ops.DOT
    return Value(data, parents=parents, op=op, local_grads=local_grads)


def _dot_or_none(a: list, b: list) -> tuple[object, tuple]:
    """The dot rule's result; anything but a float (or a TypeError) means bad input."""
    try:
        return ops.dot_rule(SCALAR, a, b)
    except TypeError:
        return None, (None, None)


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
    return _apply2(ops.MAX, _as_value(a), _as_value(b))


def minimum(a: Value | float, b: Value | float) -> Value:
    """min(a, b);  the gradient goes to the smaller one; split 1/2 each at a tie."""
    return _apply2(ops.MIN, _as_value(a), _as_value(b))


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
    out, softmax = ops.logsumexp_rule(SCALAR, data)
    return Value(out, parents=tuple(nodes), op=ops.with_constants(ops.LOGSUMEXP, tuple(constants)),
                 local_grads=softmax[: len(nodes)])


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
