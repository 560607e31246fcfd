"""The layers: a matrix product W @ X, and the groups `fuse` makes of it.

* `MatrixProduct`: dot nodes of parameters that share one input vector (a layer's neurons):
  out_j = w_j . x for every j at once, W @ X.
* `AffineProduct`: W @ X + B, a product and the addition that only it feeds (a layer's
  biases), as one group.
* `ReluAffineProduct`: relu(W @ X + B), a hidden layer, as one group.

All three run through the same `MatrixProduct.bind`: the product, then + B if there is an
addend, then the ReLU if there is one; backward goes the other way round. For a layer of m
neurons with n inputs each, W is m x n and a batch X is n x batch (one column per sample):

    forward:   A = W @ X + B              H = relu(A)
    backward:  dA = dH * (H != 0)          (the ReLU's slope, read off its result)
               dB = sum of dA over the batch
               dW = dA @ X^T               (the product sums over the batch)
               dX = W^T @ dA               (only if X needs a gradient)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .. import ops
from .array_math import any_infinite, in_sample
from .groups import Elementwise, Group, Step, forward_only
from .operands import Operand, Tables

__all__ = ["MatrixProduct", "AffineProduct", "ReluAffineProduct", "strided_view",
           "affine_strides"]


class MatrixProduct(Group):
    """dot nodes that share one input vector x (a layer's neurons), with parameters w_j:
    out_j = w_j . x for every j at once: W @ X with W the stacked weights (one row per
    node) and X the shared vector for every sample (one column per sample).

    Backward: dW = dOut @ X^T (summed over the batch by the product) and dX = W^T @ dOut.
    If nothing else reads these weights (`assigns_grad`, set by the plan), dW is written
    straight into the gradient array by the product itself: no temporary, no second pass.
    """

    added: Operand | None = None  # B of W @ X + B (`AffineProduct`)
    relu = False  # relu(W @ X + B) (`ReluAffineProduct`)

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

    def bind(self, tables: Tables, G: np.ndarray, grad: np.ndarray | None,
             ) -> tuple[Step, Step]:
        """Forward and backward of the layer (see the module's docstring), with the views of
        its rows, weights and biases made once."""
        out, saved = tables.V[self.out], []  # (saved: X and W of the last forward)
        forward = self._forward(tables, out, saved)
        if grad is None:
            return forward, forward_only
        return forward, self._backward(G, grad, out, saved)

    def _forward(self, tables: Tables, out: np.ndarray, saved: list) -> Step:
        """out = W @ X (+ B) (then relu), with the overflow rule checked."""
        inputs, weights = self.shared.reader(tables), self._weights(tables.theta)
        addend = None if self.added is None else self.added.reader(tables)
        relu, n_inputs = self.relu, self.shape[1]

        def forward() -> None:
            X, W = inputs(), weights()
            if X.shape[1] != out.shape[1]:  # a vector of parameters: the same for every sample
                X = np.broadcast_to(X, (n_inputs, out.shape[1]))
            np.matmul(W, X, out=out)
            if addend is None:
                if any_infinite(out):  # the overflow rule: one cheap check, details if it fails
                    check_product_overflow(out, W, X)
            else:
                B = addend()
                np.add(out, B, out=out)  # (in place: `out += B` would make out a local name)
                # One check for both ops: if every sum is finite, no product was infinite
                # either (inf + finite is inf, inf - inf is NaN). Else look closer.
                if not math.isfinite(np.add.reduce(out, axis=None)):
                    check_affine_overflow(out, W, X, B)
            if relu:
                np.maximum(out, 0.0, out=out)  # (keeps a NaN, as relu_rule does)
                np.add(out, 0.0, out=out)  # -0.0 becomes 0.0, as relu(-0.0) is in the interpreter
            saved[:] = X, W
        return forward

    def _backward(self, G: np.ndarray, grad: np.ndarray, out: np.ndarray, saved: list,
                  ) -> Step:
        """The gradient in our rows of G back through the ReLU (if any), to B (if it needs
        one), to the weights and to X (if it needs one)."""
        upstream, relu = G[self.out], self.relu
        to_addend = self.added if self.added is not None and self.added.needs_grad else None
        # a layer's biases: their gradient is the upstream summed over the batch, written
        bias_grad = None if to_addend is None else to_addend.param_grad_view(grad)
        to_weights = self._weight_gradient(grad)
        to_inputs = self._input_gradient(G, grad)

        def backward() -> None:
            X, W = saved
            if relu:  # relu' = 1 where the result is not 0 (a > 0, or NaN): bounded, no 0 * inf
                np.multiply(upstream, out != 0.0, out=upstream)  # (our rows: nobody reads them)
            if bias_grad is not None:  # d(a + b)/db = 1, summed over the batch
                np.add.reduce(upstream, axis=1, out=bias_grad)
            elif to_addend is not None:
                to_addend.scatter(upstream, G, grad)
            to_weights(upstream, X)
            if to_inputs is not None:
                to_inputs(upstream, W)
        return backward

    def _weights(self, theta: np.ndarray) -> Callable[[], np.ndarray]:
        """A function giving W, (size, n): a view of theta made now, where the weights sit at
        regular steps (a model's parameters in order); else gathered at every call."""
        if self.strides is None:
            index = self.weight_index
            return lambda: theta[index]
        view = strided_view(theta, self.strides, self.shape)
        return lambda: view

    def _weight_gradient(self, grad: np.ndarray) -> Callable[[np.ndarray, np.ndarray], None]:
        """A function passing dW = upstream @ X^T to the weights' entries of grad."""
        if self.strides is not None:
            view = strided_view(grad, self.strides, self.shape)
            if self.assigns_grad:  # (the plan zeroed no entry of these weights for us)
                return lambda upstream, X: np.matmul(upstream, X.T, out=view)
            return lambda upstream, X: np.add(view, upstream @ X.T, out=view)
        index = self.weight_index
        if self.weights_unique:
            def add_to_weights(upstream: np.ndarray, X: np.ndarray) -> None:
                grad[index] += upstream @ X.T
            return add_to_weights
        # tied weights: add.at adds every place a parameter is used
        return lambda upstream, X: np.add.at(grad, index, upstream @ X.T)

    def _input_gradient(self, G: np.ndarray, grad: np.ndarray,
                        ) -> Callable[[np.ndarray, np.ndarray], None] | None:
        """A function passing dX = W^T @ upstream to X's rows (None if X needs none)."""
        shared = self.shared
        if not shared.needs_grad:
            return None
        rows = shared.grad_view(G)  # (X's only gradient: the product writes it)
        if rows is not None:
            return lambda upstream, W: np.matmul(W.T, upstream, out=rows)
        return lambda upstream, W: shared.scatter(W.T @ upstream, G, grad)

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
        self.__dict__.update(product.__dict__)  # the product's weights and flags
        self.added = added  # the operand of the addition that is not the product: B
        self.operands = [product.shared, added]
        self.size = product.size + addition.size  # the scalar nodes it computes
        self.out = addition.out  # (the product's own rows in V are no longer used)

    @property
    def op_names(self) -> str:
        return "dot, +"

    def describe(self) -> str:
        rows, columns = self.shape
        return (f"{rows:>6} x dot of {columns} inputs, {rows} x + -> one matrix product "
                f"({rows} x {columns}) @ X + {self._addend_name()}")

    def _addend_name(self) -> str:
        return "b" if self.added.source == "params" else "B"


class ReluAffineProduct(AffineProduct):
    """A hidden layer, relu(W @ X + B), as one group: an `AffineProduct` whose results only a
    ReLU reads (made by `fuse.fuse_activations`).

    Forward writes W @ X + B into the ReLU's rows of V and applies the ReLU there, in place:
    max(a, 0), which keeps a NaN (as `ops.relu_rule` does). Its local derivative is 1 where
    the result is not 0 (a > 0, or NaN) and 0 elsewhere, so backward reads it off the result:
    no mask is stored, and the pre-activations need no rows of their own.
    """

    relu = True

    def __init__(self, affine: AffineProduct, relu: Elementwise) -> None:
        self.__dict__.update(affine.__dict__)  # the layer's weights, biases and flags
        self.size = affine.size + relu.size
        self.out = relu.out  # (the affine's own rows in V are no longer used)

    @property
    def op_names(self) -> str:
        return "dot, +, relu"

    def describe(self) -> str:
        rows, columns = self.shape
        addend = self._addend_name()
        return (f"{rows:>6} x dot of {columns} inputs, + {addend}, relu -> "
                f"relu(one matrix product ({rows} x {columns}) @ X + {addend})")


def check_product_overflow(product: np.ndarray, W: np.ndarray, X: np.ndarray) -> None:
    """The overflow rule for W @ X: an infinite entry whose row of W and column of X are
    finite raises OverflowError naming dot and the first such sample."""
    finite = np.isfinite(W).all(axis=1)[:, None] & np.isfinite(X).all(axis=0)[None, :]
    _raise_first(np.isinf(product) & finite, "dot")


def check_affine_overflow(out: np.ndarray, W: np.ndarray, X: np.ndarray, added: np.ndarray,
                          ) -> None:
    """The overflow rule for both ops of W @ X + B, in the order they ran: the product, then
    the sum (an infinite sum of finite terms)."""
    product = W @ X
    check_product_overflow(product, W, X)
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
