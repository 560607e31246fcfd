"""The runtime groups: one NumPy call computes many nodes of the graph for a whole batch.

A group holds nodes of one level with the same op. Its forward applies the op's rule from
`ops` (with the array arithmetic `ARRAY`) to all of them and all samples at once, and writes
rows out.start..out.stop of the value table V; its backward passes ``upstream * local
derivative`` back to the rows and parameters it read (the chain rule for the whole group).

A plan runs its groups through `Group.bind`: for one batch size and one set of arrays (V, G,
the parameters and their gradient), each group gives two functions without arguments, its
forward and its backward, with every view of those arrays made once. A training session
runs the same arrays step after step, so the Python work between the NumPy calls is done
once instead of at every step.

* `Elementwise`: unary and binary ops, out = rule(a, b).
* `Reduction`: sum, logsumexp and dot of the same number n of inputs, reduced over n.
* The layers (in `products`): a matrix product W @ X, W @ X + b and relu(W @ X + b).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops
from .array_math import ARRAY
from .operands import Operand, Tables

__all__ = ["Group", "Elementwise", "Reduction", "chain", "Step", "forward_only"]

# A group's forward or backward, bound to its arrays: call it to run it (see Group.bind).
Step = Callable[[], None]


def forward_only() -> None:
    """The backward of a group bound without a gradient array (a forward-only run)."""
    raise RuntimeError("this group was bound without a gradient array: forward only.")


# Ops whose local derivatives are bounded numbers (relu: 0 or 1, tanh: 1 - t**2, softmax for
# logsumexp, ...): upstream * local can be infinite or NaN only where upstream is, never
# 0 * inf, so `chain` need not look for it.
BOUNDED_SLOPES = frozenset({"relu", "tanh", "sigmoid", "abs", "max", "min", "logsumexp"})


def chain(upstream: np.ndarray, local: Any, bounded: bool = False,
          out: np.ndarray | None = None) -> np.ndarray:
    """upstream * local, and 0 wherever upstream is 0 (written into `out` if given).

    The interpreter skips nodes whose gradient is exactly 0, so an infinite local derivative
    (sqrt at 0) behind a dead ReLU passes 0, not 0 * inf = NaN. We do the same (nothing to
    do if the local derivative is `bounded`).
    """
    if type(local) is float and local == 1.0:
        product = upstream
    else:  # (0 * inf warns nothing: Plan.run silences "invalid")
        product = np.multiply(upstream, local, out=out)
        if type(local) is not float and not bounded and not np.isfinite(product).all():
            product = np.where(upstream == 0.0, 0.0, product)
    if out is not None and product is not out:
        np.copyto(out, product)
    return product


class Group:
    """Nodes of one level with the same op, computed together into rows out.start..out.stop."""

    op: ops.Op
    size: int
    out: slice
    operands: list[Operand]
    needs_grad: bool

    def bind(self, tables: Tables, G: np.ndarray, grad: np.ndarray | None,
             ) -> tuple[Step, Step]:
        """This group's forward and backward on these arrays, as two functions to call.

        Args:
            tables: the inputs (replaced before each run: ``tables.arguments``), V and the
                parameters theta, the same arrays at every run.
            G: the gradient table, d(loss)/d(row of V), one column per sample.
            grad: the parameters' gradient (None: the backward will not be called).

        Here: forward calls `forward(tables)` and keeps what it returns (the local
        derivatives) for backward. The layers bind their own, with their views made now.
        """
        saved = []

        def run_forward() -> None:
            saved[:] = [self.forward(tables)]

        def run_backward() -> None:
            self.backward(G, grad, saved[0])
        return run_forward, run_backward

    def forward(self, tables: Tables) -> Any:
        """Compute the group's rows of V; returns what backward needs (local derivatives)."""
        raise NotImplementedError

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
        """Pass the gradient in the group's rows of G back to the rows and parameters it read."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    @property
    def op_names(self) -> str:
        """The op of its nodes, as `CompiledProgram.groups` lists it ("dot", "+", ...)."""
        return str(self.op)


class Elementwise(Group):
    """Unary and binary ops: out = rule(a, b) for every node and sample."""

    def __init__(self, op: ops.Op, size: int, operands: list[Operand]) -> None:
        self.op, self.size, self.operands = op, size, operands
        self.needs_grad = any(o.needs_grad for o in operands)
        self.bounded = str(op) in BOUNDED_SLOPES

    def forward(self, tables: Tables) -> Any:
        out, local = self.op.rule(ARRAY, *[o.gather(tables) for o in self.operands])
        tables.V[self.out] = out
        return local

    def backward(self, G: np.ndarray, grad: np.ndarray, local: Any) -> None:
        upstream = G[self.out]
        for operand, d in zip(self.operands, local):
            if operand.needs_grad:
                rows = operand.grad_view(G)  # (its rows' only gradient: computed in place)
                contribution = chain(upstream, d, self.bounded, out=rows)
                if rows is None:
                    operand.scatter(contribution, G, grad)

    def describe(self) -> str:
        return f"{self.size:>6} x {self.op}"


class Reduction(Group):
    """n-ary ops (sum, logsumexp, dot) of nodes with the same number n of inputs.

    The inputs are gathered as a (nodes, n, batch) array and the rule reduces over n.
    Numbers folded into the nodes (constants) are extra inputs that receive no gradient.
    """

    def __init__(self, op: ops.Op, size: int, operands: list[Operand], n: int,
                 constants: np.ndarray | None) -> None:
        self.op, self.size, self.operands, self.n = op, size, operands, n
        self.constants = constants  # (size, c) numbers appended to the inputs, or None
        self.needs_grad = any(o.needs_grad for o in operands)
        self.bounded = str(op) in BOUNDED_SLOPES

    def _inputs(self, tables: Tables) -> list[np.ndarray]:
        inputs = [o.gather(tables).reshape(self.size, self.n, -1) for o in self.operands]
        if self.constants is not None and self.op.kind != "dot_constant":  # more inputs
            batch = tables.V.shape[1]
            inputs[0] = np.broadcast_to(inputs[0], (self.size, self.n, batch))
            extra = np.broadcast_to(self.constants[:, :, None], (*self.constants.shape, batch))
            inputs[0] = np.concatenate((inputs[0], extra), axis=1)
        return inputs

    def forward(self, tables: Tables) -> Any:
        inputs = self._inputs(tables)
        if self.op.kind == "dot_constant":  # the other vector: the numbers
            inputs.append(self.constants[:, :, None])
        out, local = self.op.rule(ARRAY, *inputs)
        tables.V[self.out] = out
        if self.op.kind in ("sum", "logsumexp"):
            local = (local,)
        return local

    def backward(self, G: np.ndarray, grad: np.ndarray, local: Any) -> None:
        upstream = G[self.out][:, None, :]
        batch = G.shape[1]
        for operand, d in zip(self.operands, local):
            if not operand.needs_grad:
                continue
            if type(d) is not float:
                d = d[:, : self.n]  # not the folded constants
            contribution = chain(upstream, d, self.bounded)
            if contribution.shape[1] != self.n:  # (a number d: one column for all n inputs)
                contribution = np.broadcast_to(contribution, (self.size, self.n, batch))
            operand.scatter(contribution.reshape(self.size * self.n, batch), G, grad)

    def describe(self) -> str:
        folded = "" if self.constants is None or self.op.kind == "dot_constant" else \
            f" (+{self.constants.shape[1]} numbers)"
        return f"{self.size:>6} x {self.op} of {self.n} inputs{folded}"
