"""Lowering: turn one group of traced nodes into the runtime group that computes them.

Unary and binary ops become an `Elementwise` group; sum, logsumexp and dot a `Reduction`
over their n inputs. Dot nodes whose weights are all parameters and whose other vector is
shared by the whole group (a layer's neurons) become one `MatrixProduct`, W @ X.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import ops
from ..engine import Value
from .groups import Elementwise, Group, Reduction
from .operands import Operand
from .products import MatrixProduct

__all__ = ["lower", "vectors"]


def lower(nodes: list[Value], ref: dict[int, int], needs_grad: np.ndarray, starts: list[int],
          is_parameter: Callable[[Value], bool], dtype: np.dtype) -> Group:
    """The group that computes `nodes` (all with the same op and number of parents); numbers
    folded into the nodes are stored in `dtype`, the program's."""
    op: ops.Op = nodes[0].op
    n = len(nodes[0].parents)
    if op.kind in ("unary", "binary"):
        operands = [Operand([ref[id(v.parents[k])] for v in nodes], needs_grad, starts)
                    for k in range(n)]
        return Elementwise(op, len(nodes), operands)
    if op.kind == "dot":
        half = n // 2
        weights = np.array([[ref[id(p)] for p in vectors(v, is_parameter)[0]] for v in nodes])
        shared = [ref[key] for key in vectors(nodes[0], is_parameter)[1]]
        if (weights < 0).all():  # parameters dotted with a shared vector: W @ X
            shared_operand = Operand(shared, needs_grad, starts)
            return MatrixProduct(len(nodes), shared_operand, ~weights)
        first = Operand(weights.ravel(), needs_grad, starts)
        second = Operand([ref[key] for v in nodes for key in vectors(v, is_parameter)[1]],
                          needs_grad, starts)
        return Reduction(op, len(nodes), [first, second], half, None)
    operand = Operand([ref[id(p)] for v in nodes for p in v.parents], needs_grad, starts)
    if op.kind == "dot_constant":
        numbers = np.array([v.local_grads for v in nodes], dtype=dtype)
        return Reduction(op, len(nodes), [operand], n, numbers)
    numbers = np.array([v.op.constants for v in nodes], dtype=dtype) if op.constants else None
    return Reduction(op, len(nodes), [operand], n, numbers)


def vectors(node: Value, is_parameter: Callable[[Value], bool]) -> tuple[tuple, tuple]:
    """A dot node's two vectors as (weights, shared): the shared one is the vector that is
    not all parameters (a layer's input), so that a layer's dot nodes share it."""
    half = len(node.parents) // 2
    first, second = node.parents[:half], node.parents[half:]
    if all(map(is_parameter, second)) and not all(map(is_parameter, first)):
        first, second = second, first
    return first, tuple(id(p) for p in second)
