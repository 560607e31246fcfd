"""The runtime groups: one NumPy call computes many nodes of the graph for a whole batch.

A group holds nodes of one level with the same op. Its `forward` applies the op's rule from
`ops` (with the array arithmetic `ARRAY`) to all of them and all samples at once, and writes
rows out.start..out.stop of the value table V; its `backward` passes ``upstream * local
derivative`` back to the rows and parameters it read (the chain rule for the whole group).

* `Elementwise`: unary and binary ops, out = rule(a, b).
* `Reduction`: sum, logsumexp and dot of the same number n of inputs, reduced over n.
* `MatrixProduct`: a layer's neurons, dot nodes of parameters with a shared input vector:
  W @ X.
* `AffineProduct`: a matrix product and the addition of its results to something (a layer's
  biases), W @ X + b, as one group (made by `fuse`).
* `ReluAffineProduct`: a hidden layer, relu(W @ X + b), as one group (made by `fuse`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from .array_math import ARRAY, any_infinite, in_sample
from .operands import Operand, Tables

__all__ = ["Group", "Elementwise", "Reduction", "MatrixProduct", "AffineProduct",
           "ReluAffineProduct", "chain"]


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

    def forward(self, tables: Tables) -> Any:
        raise NotImplementedError

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
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


class MatrixProduct(Group):
    """dot nodes that share one input vector x (a layer's neurons), with parameters w_j:
    out_j = w_j . x for every j at once: W @ X with W the stacked weights (one row per
    node) and X the shared vector for every sample (one column per sample).

    Backward: dW = dOut @ X^T (summed over the batch by the product) and dX = W^T @ dOut.
    If nothing else reads these weights (`assigns_grad`, set by the plan), dW is written
    straight into the gradient array by the product itself: no temporary, no second pass.
    """

    def __init__(self, size: int, shared: Operand, weights: np.ndarray) -> None:
        self.op, self.size, self.shared = ops.DOT, size, shared
        self.operands = [shared]
        self.weight_index = weights  # (size, n) parameter numbers
        self.shape = weights.shape
        self.weights_unique = len(np.unique(weights)) == weights.size
        # (a view of shared weights would add their gradients wrongly: gather those instead)
        self.strides = affine_strides(weights) if self.weights_unique else None
        self.needs_grad = True
        self.assigns_grad = False
        self._views: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _matrix(self, theta: np.ndarray) -> np.ndarray:
        """W: the weights as a (size, n) matrix, a view of theta (or grad) where possible."""
        if self.strides is None:
            return theta[self.weight_index]
        # The same arrays come back at every step (the session's parameters and gradient):
        # keep their views instead of making new ones (as_strided costs more than a product
        # of a small layer). The array is kept with its view, so its id is not reused.
        cached = self._views.get(id(theta))
        if cached is not None and cached[0] is theta:
            return cached[1]
        view = strided_view(theta, self.strides, self.shape)
        if len(self._views) > 8:  # (a cache, not a leak: at most a few arrays)
            self._views.clear()
        self._views[id(theta)] = (theta, view)
        return view

    def forward(self, tables: Tables) -> Any:
        out = tables.V[self.out]
        X, W = self._product(tables, out)
        if any_infinite(out):  # the overflow rule: one cheap check, the details if it fails
            check_product_overflow(out, W, X)
        return X, W

    def _product(self, tables: Tables, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """out = W @ X; returns (X, W) for backward."""
        X = self.shared.gather(tables)
        if X.shape[1] != out.shape[1]:  # a vector of parameters: the same for every sample
            X = np.broadcast_to(X, (self.shape[1], out.shape[1]))
        W = self._matrix(tables.theta)
        np.matmul(W, X, out=out)
        return X, W

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
        self._product_backward(G[self.out], G, grad, saved)

    def _product_backward(self, upstream: np.ndarray, G: np.ndarray, grad: np.ndarray,
                          saved: Any) -> None:
        """dW = upstream @ X^T into grad, dX = W^T @ upstream into G (the shared rows)."""
        X, W = saved
        if self.assigns_grad:  # (the plan zeroed no entry of these weights for us)
            np.matmul(upstream, X.T, out=self._matrix(grad))
        elif self.strides is not None:
            self._matrix(grad)[...] += upstream @ X.T
        elif self.weights_unique:
            grad[self.weight_index] += upstream @ X.T
        else:
            np.add.at(grad, self.weight_index, upstream @ X.T)
        if self.shared.needs_grad:
            rows = self.shared.grad_view(G)  # (X's only gradient: the product writes it)
            if rows is not None:
                np.matmul(W.T, upstream, out=rows)
            else:
                self.shared.scatter(W.T @ upstream, G, grad)

    def describe(self) -> str:
        rows, columns = self.shape
        return f"{rows:>6} x dot of {columns} inputs -> one matrix product ({rows} x {columns}) @ X"


class AffineProduct(MatrixProduct):
    """A matrix product followed by an addition that only it feeds: out = W @ X + B, where B
    is a layer's biases (or any rows, one per neuron). One group instead of two: W @ X is
    written straight into the rows of the sum and B added in place, and backward hands the
    sum's upstream gradient to both (d(a + b)/da = d(a + b)/db = 1) with no rows for W @ X
    in between. `fuse.fuse_additions` makes it where the addition is the product's only
    reader.
    """

    def __init__(self, product: MatrixProduct, addition: Elementwise, added: Operand) -> None:
        self.__dict__.update(product.__dict__)  # the product's weights, views and flags
        self.added = added  # the operand of the addition that is not the product: B
        self.operands = [product.shared, added]
        self.size = product.size + addition.size  # the scalar nodes it computes
        self.out = addition.out  # (the product's own rows in V are no longer used)

    def forward(self, tables: Tables) -> Any:
        out = tables.V[self.out]
        X, W = self._product(tables, out)
        added = self.added.gather(tables)  # (size, 1) biases broadcast over the batch
        out += added
        # The overflow rule for both ops with one check: if every sum is finite, no product
        # was infinite either (inf + finite is inf, inf - inf is NaN). Else look closer.
        if not math.isfinite(np.add.reduce(out, axis=None)):
            product = W @ X
            check_product_overflow(product, W, X)
            check_sum_overflow(out, product, added)
        return X, W

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
        self._affine_backward(G[self.out], G, grad, saved)

    def _affine_backward(self, upstream: np.ndarray, G: np.ndarray, grad: np.ndarray,
                         saved: Any) -> None:
        """dB = upstream (summed over the batch for biases), then the product's dW and dX."""
        if self.added.needs_grad:
            self.added.scatter(upstream, G, grad)
        self._product_backward(upstream, G, grad, saved)

    @property
    def op_names(self) -> str:
        return "dot, +"

    def describe(self) -> str:
        rows, columns = self.shape
        addend = "b" if self.added.source == "params" else "B"
        return (f"{rows:>6} x dot of {columns} inputs, {rows} x + -> one matrix product "
                f"({rows} x {columns}) @ X + {addend}")


class ReluAffineProduct(AffineProduct):
    """A hidden layer, relu(W @ X + B), as one group: an `AffineProduct` whose results only a
    ReLU reads (made by `fuse.fuse_activations`).

    Forward writes W @ X + B into the ReLU's rows of V and applies the ReLU there, in place:
    max(a, 0), which keeps a NaN (as `ops.relu_rule` does). Its local derivative is 1 where
    the result is not 0 (a > 0, or NaN) and 0 elsewhere, so backward reads it off the result:
    no mask is stored, and the pre-activations need no rows of their own.
    """

    def __init__(self, affine: AffineProduct, relu: Elementwise) -> None:
        self.__dict__.update(affine.__dict__)  # the layer's weights, biases, views, flags
        self.size = affine.size + relu.size
        self.out = relu.out  # (the affine's own rows in V are no longer used)

    def forward(self, tables: Tables) -> Any:
        saved = super().forward(tables)  # W @ X + B into our rows, overflow rule checked
        out = tables.V[self.out]
        np.maximum(out, 0.0, out=out)
        out += 0.0  # -0.0 becomes 0.0, as relu(-0.0) is in the interpreter
        return saved, out

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
        affine_saved, out = saved
        upstream = G[self.out]  # (our rows of G: read by nobody after us, so reused)
        np.multiply(upstream, out != 0.0, out=upstream)  # relu' (bounded: no 0 * inf)
        self._affine_backward(upstream, G, grad, affine_saved)

    @property
    def op_names(self) -> str:
        return "dot, +, relu"

    def describe(self) -> str:
        rows, columns = self.shape
        addend = "b" if self.added.source == "params" else "B"
        return (f"{rows:>6} x dot of {columns} inputs, + {addend}, relu -> "
                f"relu(one matrix product ({rows} x {columns}) @ X + {addend})")


def check_product_overflow(product: np.ndarray, W: np.ndarray, X: np.ndarray) -> None:
    """The overflow rule for W @ X: an infinite entry whose row of W and column of X are
    finite raises OverflowError naming dot and the first such sample."""
    finite = np.isfinite(W).all(axis=1)[:, None] & np.isfinite(X).all(axis=0)[None, :]
    _raise_first(np.isinf(product) & finite, "dot")


def check_sum_overflow(out: np.ndarray, product: np.ndarray, added: np.ndarray) -> None:
    """The overflow rule for (W @ X) + B: an infinite sum of finite terms."""
    _raise_first(np.isinf(out) & np.isfinite(product) & np.isfinite(added), "+")


def _raise_first(overflowed: np.ndarray, op: str) -> None:
    if overflowed.any():
        first = np.unravel_index(np.argmax(overflowed), overflowed.shape)
        raise in_sample(ops.overflow_error(op, ()), first)


def strided_view(array: np.ndarray, strides: tuple[int, int, int], shape: tuple[int, int],
                 ) -> np.ndarray:
    """The entries start + i*row + j*column of a 1-d array as a (rows, columns) view: the
    weights of a layer sit in the parameter vector at regular steps (a model's parameters in
    order), so they are read, and written, in place."""
    start, row_step, column_step = strides
    item = array.itemsize
    return np.lib.stride_tricks.as_strided(
        array[start:], shape=shape, strides=(row_step * item, column_step * item),
        writeable=array.flags.writeable)


def affine_strides(index: np.ndarray) -> tuple[int, int, int] | None:
    """(start, row step, column step) if index[i, j] = start + i*row + j*column, else None."""
    rows, columns = index.shape
    start = int(index[0, 0])
    row_step = int(index[1, 0] - start) if rows > 1 else 0
    column_step = int(index[0, 1] - start) if columns > 1 else 0
    if row_step < 0 or column_step < 0:
        return None
    expected = start + np.arange(rows)[:, None] * row_step + np.arange(columns) * column_step
    return (start, row_step, column_step) if np.array_equal(index, expected) else None
