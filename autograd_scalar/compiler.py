"""Compile a function of scalar Values into vectorised NumPy that runs a whole batch at once.

This is how real frameworks go fast, in three steps you can watch (``print(program)``):

1. **Trace.** Call your function once, on placeholder Values that hold one example sample.
   The engine records the graph it builds, as always: every node with its op and parents.
2. **Lower.** Every scalar node becomes a *row* of numbers, one per sample of a batch. Nodes
   are put in *levels* (a node's level is one more than its deepest parent's), and the nodes
   of one level with the same op form a *group*: one NumPy call computes all of them for all
   samples. A layer's neurons are ``dot`` nodes that share their input vector; their group
   becomes one matrix product with the weights stacked into a matrix, W @ X.
3. **Run.** Forward: the groups level by level, each with the op's rule from `ops` (the very
   rule the interpreter uses, applied to arrays). Backward: the groups in reverse, each
   passing ``upstream * local derivative`` to its parents' rows (the chain rule, for every
   node and every sample at once). Parameter gradients are summed over the batch.

**What a trace cannot see.** Tracing records the operations that ran for the example sample.
Python control flow on *values* (``if x.data > 0: ...``, indexing with a class label
``row[y]``) is replayed as it went for that example, for every sample: the compiled program
then computes a different function. Write such choices with ops (``relu``, ``maximum``, a
one-hot target in a ``dot``), and use `CompiledProgram.check` on real samples: it runs the
interpreter on them and raises `CompileMismatchError` if the results differ. `compile` runs
this check on its example, and `nn.fit(engine="compiled")` on a training sample.

Example:
    >>> import numpy as np
    >>> from autograd_scalar import Value, compile
    >>> w = [Value(0.5), Value(-1.0)]
    >>> def f(x):  # one sample x: a list of 2 Values
    ...     return (w[0] * x[0] + w[1] * x[1]).tanh()
    >>> program = compile(f, np.zeros(2), parameters=w)
    >>> result = program(np.array([[1.0, 2.0], [3.0, 0.0]]))  # a batch of 2 samples
    >>> result.losses.round(4).tolist()  # f for each sample
    [-0.9051, 0.9051]
"""

from __future__ import annotations

import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ops
from .engine import Value, is_grad_enabled, topological_order
from .ops import ARRAY

__all__ = ["compile", "CompiledProgram", "CompiledResult", "CompileError", "CompileMismatchError"]


class CompileError(ValueError):
    """The function cannot be compiled (for example, a node with an unknown op)."""


class CompileMismatchError(AssertionError):
    """The compiled program and the interpreter disagree on a sample (see `check`)."""


@dataclass
class CompiledResult:
    """What one run of a compiled program gives.

    Attributes:
        outputs: (batch, number of outputs) array: the function's outputs for every sample
            (no columns if the function returned only a loss).
        losses: (batch,) array: the per-sample loss (None without a loss).
        loss: the batch-mean loss, the number whose gradient was computed (None without one).
    """

    outputs: np.ndarray
    losses: np.ndarray | None
    loss: float | None


# ---------------------------------------------------------------------------------------
# Where a group's inputs come from
# ---------------------------------------------------------------------------------------

# Every node lives in one of three places. Inputs: a row of the batch the program was given
# (read in place, never copied: the batch is transposed to one column per sample, which is
# a view). Constants and results: a row of the value table V (one column per sample).
# Parameters: an entry of the parameter vector theta (the same for every sample). A node's
# reference is a number: 0 <= ref < n_inputs for an input, n_inputs + row for row of V, and
# ~index (< 0) for parameter number index.


class _Tables:
    """Everything a group reads during one run: the inputs, V, theta."""

    def __init__(self, arguments: list[np.ndarray], V: np.ndarray, theta: np.ndarray) -> None:
        self.arguments = arguments  # one (inputs of that argument, batch) view per argument
        self.V, self.theta = V, theta
        self._all_inputs: np.ndarray | None = None

    def all_inputs(self) -> np.ndarray:
        """All arguments' inputs stacked (n_inputs, batch): built only if a group needs it."""
        if self._all_inputs is None:
            self._all_inputs = np.concatenate(self.arguments, axis=0)
        return self._all_inputs


class _Operand:
    """One input of a group: for each node of the group, the input, row or parameter it
    reads. `gather` reads them into an array (one row per node); `scatter` adds gradient
    rows back to where they came from (summed over the batch for parameters).
    """

    def __init__(self, refs: Sequence[int], row_needs_grad: np.ndarray,
                 argument_starts: list[int]) -> None:
        refs = np.asarray(refs, dtype=np.int64)
        n_inputs = argument_starts[-1]
        self.size = len(refs)
        is_input, is_param = (refs >= 0) & (refs < n_inputs), refs < 0
        is_row = ~is_input & ~is_param
        self.input_pos, self.inputs = np.flatnonzero(is_input), refs[is_input]
        self.row_pos, self.rows = np.flatnonzero(is_row), refs[is_row] - n_inputs
        self.param_pos, self.params = np.flatnonzero(is_param), ~refs[is_param]
        self.source = ("inputs" if is_input.all() else "rows" if is_row.all()
                       else "params" if is_param.all() else "mixed")
        self.row_slice = _as_slice(self.rows)
        self.param_slice = _as_slice(self.params)
        self.argument, self.input_index = _within_one_argument(self.inputs, argument_starts)
        # The gradient goes only to rows that lead to a parameter (not to inputs, constants).
        wanted = row_needs_grad[self.rows]
        self.grad_pos, self.grad_rows = self.row_pos[wanted], self.rows[wanted]
        self.grad_slice = _as_slice(self.grad_rows) if len(self.grad_rows) == self.size else None
        self.grad_rows_unique = len(np.unique(self.grad_rows)) == len(self.grad_rows)
        self.params_unique = len(np.unique(self.params)) == len(self.params)
        self.needs_grad = len(self.grad_rows) > 0 or len(self.params) > 0

    def gather(self, tables: _Tables) -> np.ndarray:
        """(size, batch) array of the inputs; (size, 1) if they are all parameters."""
        if self.source == "rows":
            return tables.V[self.row_slice if self.row_slice is not None else self.rows]
        if self.source == "params":
            index = self.param_slice if self.param_slice is not None else self.params
            return tables.theta[index][:, None]
        if self.source == "inputs" and self.argument is not None:
            return tables.arguments[self.argument][self.input_index]
        out = np.empty((self.size, tables.V.shape[1]))
        if len(self.inputs):
            out[self.input_pos] = tables.all_inputs()[self.inputs]
        out[self.row_pos] = tables.V[self.rows]
        out[self.param_pos] = tables.theta[self.params][:, None]
        return out

    def scatter(self, contribution: np.ndarray, G: np.ndarray, grad: np.ndarray) -> None:
        """G[row] += contribution (per sample); grad[param] += its sum over the batch."""
        if len(self.grad_rows):
            if self.grad_slice is not None:
                G[self.grad_slice] += contribution
            elif self.grad_rows_unique:
                G[self.grad_rows] += contribution[self.grad_pos]
            else:  # the same row twice (e.g. x * x): add.at adds every occurrence
                np.add.at(G, self.grad_rows, contribution[self.grad_pos])
        if len(self.params):
            per_param = contribution if self.source == "params" else contribution[self.param_pos]
            per_param = per_param.sum(axis=1)
            if self.params_unique:
                grad[self.params] += per_param
            else:
                np.add.at(grad, self.params, per_param)


def _within_one_argument(inputs: np.ndarray, starts: list[int]) -> tuple[int | None, Any]:
    """(argument, index within it) if all the inputs belong to one argument, else (None, _)."""
    if not len(inputs):
        return None, None
    argument = int(np.searchsorted(starts, inputs[0], side="right")) - 1
    if not ((inputs >= starts[argument]) & (inputs < starts[argument + 1])).all():
        return None, None
    local = inputs - starts[argument]
    as_slice = _as_slice(local)
    return argument, (as_slice if as_slice is not None else local)


def _as_slice(indices: np.ndarray) -> slice | None:
    """slice(a, b) if the indices are a, a+1, ..., b-1 (reading a slice copies nothing)."""
    if len(indices) and np.array_equal(indices, np.arange(indices[0], indices[0] + len(indices))):
        return slice(int(indices[0]), int(indices[0]) + len(indices))
    return None


def _chain(upstream: np.ndarray, local: Any) -> np.ndarray:
    """upstream * local, and 0 wherever upstream is 0.

    The interpreter skips nodes whose gradient is exactly 0, so an infinite local derivative
    (sqrt at 0) behind a dead ReLU passes 0, not 0 * inf = NaN. We do the same.
    """
    if type(local) is float:
        return upstream if local == 1.0 else upstream * local
    with np.errstate(invalid="ignore"):
        product = upstream * local
    if not np.isfinite(product).all():
        product = np.where(upstream == 0.0, 0.0, product)
    return product


# ---------------------------------------------------------------------------------------
# Groups: one NumPy call for many nodes
# ---------------------------------------------------------------------------------------


class _Group:
    """Nodes of one level with the same op, computed together into rows out.start..out.stop."""

    op: ops.Op
    size: int
    out: slice
    operands: list[_Operand]
    needs_grad: bool

    def forward(self, tables: _Tables) -> Any:
        raise NotImplementedError

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class _Elementwise(_Group):
    """Unary and binary ops: out = rule(a, b) for every node and sample."""

    def __init__(self, op: ops.Op, size: int, operands: list[_Operand]) -> None:
        self.op, self.size, self.operands = op, size, operands
        self.needs_grad = any(o.needs_grad for o in operands)

    def forward(self, tables: _Tables) -> Any:
        out, local = self.op.rule(ARRAY, *(o.gather(tables) for o in self.operands))
        tables.V[self.out] = out
        return local

    def backward(self, G: np.ndarray, grad: np.ndarray, local: Any) -> None:
        upstream = G[self.out]
        for operand, d in zip(self.operands, local):
            if operand.needs_grad:
                operand.scatter(_chain(upstream, d), G, grad)

    def describe(self) -> str:
        return f"{self.size:>6} x {self.op}"


class _Reduction(_Group):
    """n-ary ops (sum, logsumexp, dot) of nodes with the same number n of inputs.

    The inputs are gathered as a (nodes, n, batch) array and the rule reduces over n.
    Numbers folded into the nodes (constants) are extra inputs that receive no gradient.
    """

    def __init__(self, op: ops.Op, size: int, operands: list[_Operand], n: int,
                 constants: np.ndarray | None) -> None:
        self.op, self.size, self.operands, self.n = op, size, operands, n
        self.constants = constants  # (size, c) numbers appended to the inputs, or None
        self.needs_grad = any(o.needs_grad for o in operands)

    def _inputs(self, tables: _Tables) -> list[np.ndarray]:
        inputs = [o.gather(tables).reshape(self.size, self.n, -1) for o in self.operands]
        if self.constants is not None and self.op.kind != "dot_constant":  # more inputs
            batch = tables.V.shape[1]
            inputs[0] = np.broadcast_to(inputs[0], (self.size, self.n, batch))
            extra = np.broadcast_to(self.constants[:, :, None], (*self.constants.shape, batch))
            inputs[0] = np.concatenate((inputs[0], extra), axis=1)
        return inputs

    def forward(self, tables: _Tables) -> Any:
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
            contribution = _chain(upstream, d)
            contribution = np.broadcast_to(contribution, (self.size, self.n, batch))
            operand.scatter(contribution.reshape(self.size * self.n, batch), G, grad)

    def describe(self) -> str:
        folded = "" if self.constants is None or self.op.kind == "dot_constant" else \
            f" (+{self.constants.shape[1]} numbers)"
        return f"{self.size:>6} x {self.op} of {self.n} inputs{folded}"


class _MatrixProduct(_Group):
    """dot nodes that share one input vector x (a layer's neurons), with parameters w_j:
    out_j = w_j . x for every j at once: W @ X with W the stacked weights (one row per
    node) and X the shared vector for every sample (one column per sample).

    Backward: dW = dOut @ X^T (summed over the batch by the product) and dX = W^T @ dOut.
    """

    def __init__(self, size: int, shared: _Operand, weights: np.ndarray, n_params: int) -> None:
        self.op, self.size, self.shared = ops.DOT, size, shared
        self.operands = [shared]
        self.weight_index = weights  # (size, n) parameter numbers
        self.shape = weights.shape
        self.weights_unique = len(np.unique(weights)) == weights.size
        # (a view of shared weights would add their gradients wrongly: gather those instead)
        self.strides = _affine_strides(weights, n_params) if self.weights_unique else None
        self.needs_grad = True

    def _matrix(self, theta: np.ndarray) -> np.ndarray:
        if self.strides is None:
            return theta[self.weight_index]
        # The weights sit in theta at regular steps (a model's parameters in order): a view
        # of theta reads them without copying, and writes to it land in theta.
        start, row_step, column_step = self.strides
        item = theta.itemsize
        return np.lib.stride_tricks.as_strided(
            theta[start:], shape=self.shape, strides=(row_step * item, column_step * item),
            writeable=theta.flags.writeable)

    def forward(self, tables: _Tables) -> Any:
        out = tables.V[self.out]
        X = np.broadcast_to(self.shared.gather(tables), (self.shape[1], out.shape[1]))
        W = self._matrix(tables.theta)
        np.matmul(W, X, out=out)
        return X, W

    def backward(self, G: np.ndarray, grad: np.ndarray, saved: Any) -> None:
        X, W = saved
        upstream = G[self.out]
        dW = upstream @ X.T
        if self.strides is not None:
            self._matrix(grad)[...] += dW
        elif self.weights_unique:
            grad[self.weight_index] += dW
        else:
            np.add.at(grad, self.weight_index, dW)
        if self.shared.needs_grad:
            self.shared.scatter(W.T @ upstream, G, grad)

    def describe(self) -> str:
        rows, columns = self.shape
        return f"{rows:>6} x dot of {columns} inputs -> one matrix product ({rows} x {columns}) @ X"


def _affine_strides(index: np.ndarray, n_params: int) -> tuple[int, int, int] | None:
    """(start, row step, column step) if index[i, j] = start + i*row + j*column, else None."""
    rows, columns = index.shape
    start = int(index[0, 0])
    row_step = int(index[1, 0] - start) if rows > 1 else 0
    column_step = int(index[0, 1] - start) if columns > 1 else 0
    if row_step < 0 or column_step < 0:
        return None
    expected = start + np.arange(rows)[:, None] * row_step + np.arange(columns) * column_step
    return (start, row_step, column_step) if np.array_equal(index, expected) else None


# ---------------------------------------------------------------------------------------
# Building the plan from a traced graph
# ---------------------------------------------------------------------------------------


@dataclass
class _Graph:
    """A traced graph: its nodes in topological order and what each leaf is."""

    order: list[Value]
    input_row: dict[int, int]  # id(placeholder) -> row
    parameter_index: dict[int, int]  # id(parameter) -> index in theta
    n_inputs: int


class _Plan:
    """The compiled form of a graph: a reference for every node, and the groups to run."""

    def __init__(self, graph: _Graph, outputs: list[Value], loss: Value | None,
                 n_params: int, argument_sizes: list[int]) -> None:
        self.n_inputs = graph.n_inputs
        self.n_params = n_params
        self.argument_starts = [int(x) for x in np.cumsum([0, *argument_sizes])]
        ref: dict[int, int] = {}  # id(node) -> reference (see _Operand)
        constants: list[float] = []
        for node in graph.order:
            key = id(node)
            if node.parents:
                continue
            if key in graph.input_row:
                ref[key] = graph.input_row[key]
            elif key in graph.parameter_index:
                ref[key] = ~graph.parameter_index[key]
            else:  # a constant leaf: its number now, for every run
                ref[key] = graph.n_inputs + len(constants)
                constants.append(node.data)
        self.constants = np.array(constants, dtype=float)

        levels = _levels(graph.order)

        def is_parameter(v: Value) -> bool:
            return id(v) in graph.parameter_index

        groups = _group_nodes(graph.order, levels, is_parameter)
        # Rows of V for results, after the constants: each group's nodes get consecutive
        # rows (so a group writes one slice), groups in the order they run.
        row = len(constants)
        for nodes in groups:
            for node in nodes:
                ref[id(node)] = graph.n_inputs + row
                row += 1
        self.n_rows = row
        needs_grad = self._rows_needing_grad(graph.order, ref)
        starts = self.argument_starts
        self.groups = [_lower(nodes, ref, needs_grad, starts, n_params, is_parameter)
                       for nodes in groups]
        for nodes, group in zip(groups, self.groups):  # the rows given to its nodes above
            first = ref[id(nodes[0])] - graph.n_inputs
            group.out = slice(first, first + len(nodes))
        self.levels = [levels[id(nodes[0])] for nodes in groups]
        self.outputs = _Operand([ref[id(v)] for v in outputs], needs_grad, starts)
        self.loss = None if loss is None else _Operand([ref[id(loss)]], needs_grad, starts)
        self.n_nodes = len(graph.order)
        self.n_operations = sum(group.size for group in self.groups)

    def _rows_needing_grad(self, order: list[Value], ref: dict[int, int]) -> np.ndarray:
        """For every row of V: does a parameter lie below it (so gradient must flow to it)?"""
        needs_grad = np.zeros(self.n_rows, dtype=bool)
        first_row = self.n_inputs
        for node in order:
            if node.parents:
                needs_grad[ref[id(node)] - first_row] = any(
                    r < 0 or (r >= first_row and needs_grad[r - first_row])
                    for r in (ref[id(p)] for p in node.parents))
        return needs_grad

    def run(self, arguments: list[np.ndarray], theta: np.ndarray, grad: np.ndarray | None,
            ) -> CompiledResult:
        """Forward for a batch (arguments: one (inputs, batch) array each); backward too if
        grad is given (the batch-mean gradient is added to it)."""
        # Overflow to inf and inf - inf = NaN pass silently, as with Python floats in the
        # interpreter (exp and ** check for overflow themselves, and say so).
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run(arguments, theta, grad)

    def _run(self, arguments: list[np.ndarray], theta: np.ndarray, grad: np.ndarray | None,
             ) -> CompiledResult:
        batch = arguments[0].shape[1]
        V = np.empty((self.n_rows, batch))
        V[: len(self.constants)] = self.constants[:, None]
        tables = _Tables(arguments, V, theta)
        saved = [group.forward(tables) for group in self.groups]
        outputs = np.broadcast_to(self.outputs.gather(tables), (self.outputs.size, batch))
        losses = loss = None
        if self.loss is not None:
            losses = np.broadcast_to(self.loss.gather(tables)[0], (batch,)).copy()
            loss = float(np.mean(losses))
        if grad is not None and self.loss is not None:
            G = np.zeros_like(V)
            self.loss.scatter(np.full((1, batch), 1.0 / batch), G, grad)  # d(mean)/d(loss_b)
            for group, s in zip(reversed(self.groups), reversed(saved)):
                if group.needs_grad:
                    group.backward(G, grad, s)
        return CompiledResult(outputs.T.copy(), losses, loss)


def _levels(order: list[Value]) -> dict[int, int]:
    """Level 0 for leaves; 1 + the deepest parent's level for every other node."""
    level: dict[int, int] = {}
    for node in order:
        parents = node.parents
        level[id(node)] = 1 + max([level[id(p)] for p in parents]) if parents else 0
    return level


def _group_key(node: Value) -> tuple:
    op = node.op
    if not isinstance(op, ops.Op):
        raise CompileError(
            f"cannot compile the node {node!r}: its op {str(op)!r} is not one of the engine's "
            "operations, so there is no rule for it. Build it from the engine's ops "
            f"({', '.join(map(str, ops.OPS))}) instead.")
    n = len(node.parents)
    return (op.kind, str(op), op.constants, n)


def _group_nodes(order: list[Value], levels: dict[int, int], is_parameter: Callable[[Value], bool],
                 ) -> list[list[Value]]:
    """The inner nodes grouped by level and op, in an order that can run: level by level.

    A level's dot nodes are split further by the input vector they share, so that each
    layer's neurons become one matrix product.
    """
    by_level: dict[int, dict[tuple, list[Value]]] = defaultdict(dict)
    for node in order:
        if node.parents:
            key = _group_key(node)
            if node.op.kind == "dot":
                key += _vectors(node, is_parameter)[1]
            by_level[levels[id(node)]].setdefault(key, []).append(node)
    return [nodes for level in sorted(by_level) for nodes in by_level[level].values()]


def _vectors(node: Value, is_parameter: Callable[[Value], bool]) -> tuple[tuple, tuple]:
    """A dot node's two vectors as (weights, shared): the shared one is the vector that is
    not all parameters (a layer's input), so that a layer's dot nodes share it."""
    half = len(node.parents) // 2
    first, second = node.parents[:half], node.parents[half:]
    if all(map(is_parameter, second)) and not all(map(is_parameter, first)):
        first, second = second, first
    return first, tuple(id(p) for p in second)


def _lower(nodes: list[Value], ref: dict[int, int], needs_grad: np.ndarray, starts: list[int],
           n_params: int, is_parameter: Callable[[Value], bool]) -> _Group:
    """The group that computes `nodes` (all with the same op and number of parents)."""
    op: ops.Op = nodes[0].op
    n = len(nodes[0].parents)
    if op.kind in ("unary", "binary"):
        operands = [_Operand([ref[id(v.parents[k])] for v in nodes], needs_grad, starts)
                    for k in range(n)]
        return _Elementwise(op, len(nodes), operands)
    if op.kind == "dot":
        half = n // 2
        weights = np.array([[ref[id(p)] for p in _vectors(v, is_parameter)[0]] for v in nodes])
        shared = [ref[key] for key in _vectors(nodes[0], is_parameter)[1]]
        if (weights < 0).all():  # parameters dotted with a shared vector: W @ X
            shared_operand = _Operand(shared, needs_grad, starts)
            return _MatrixProduct(len(nodes), shared_operand, ~weights, n_params)
        first = _Operand(weights.ravel(), needs_grad, starts)
        second = _Operand([ref[key] for v in nodes for key in _vectors(v, is_parameter)[1]],
                          needs_grad, starts)
        return _Reduction(op, len(nodes), [first, second], half, None)
    operand = _Operand([ref[id(p)] for v in nodes for p in v.parents], needs_grad, starts)
    if op.kind == "dot_constant":
        numbers = np.array([v.local_grads for v in nodes], dtype=float)
        return _Reduction(op, len(nodes), [operand], n, numbers)
    numbers = np.array([v.op.constants for v in nodes], dtype=float) if op.constants else None
    return _Reduction(op, len(nodes), [operand], n, numbers)


# ---------------------------------------------------------------------------------------
# Tracing
# ---------------------------------------------------------------------------------------


def _placeholders(sample: np.ndarray, number: int) -> tuple[Any, list[Value]]:
    """Values holding one sample's numbers, nested like the sample (a list for a vector)."""
    flat = [Value(float(x), f"input{number}[{j}]") for j, x in enumerate(sample.ravel())]
    if sample.ndim == 0:
        return flat[0], flat
    nested = np.empty(sample.shape, dtype=object)
    nested.ravel()[:] = flat  # (ravel of a fresh array is a view)
    return nested.tolist(), flat


def _split_result(result: Any) -> tuple[list[Value], Value | None]:
    """fn's result as (outputs, loss): a Value is a loss; a list is outputs; a pair
    (outputs, loss) is both."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], list | tuple):
        outputs, loss = result
    elif isinstance(result, Value):
        outputs, loss = [], result
    elif isinstance(result, list | tuple):
        outputs, loss = result, None
    else:
        raise CompileError(
            "the compiled function must return a loss Value, a list of output Values, or a "
            f"pair (outputs, loss); it returned {type(result).__name__}: {result!r:.80}.")
    outputs = [v if isinstance(v, Value) else Value(v) for v in outputs]
    if loss is not None and not isinstance(loss, Value):
        loss = Value(loss)
    return outputs, loss


def _samples(arrays: Sequence[Any], shapes: list[tuple[int, ...]], what: str) -> list[np.ndarray]:
    """The arguments as float arrays, one per argument of the function (shapes are checked
    by the caller: one sample or a batch)."""
    if len(arrays) != len(shapes):
        raise TypeError(f"{what} takes {len(shapes)} array(s) (one per argument of the "
                        f"function), got {len(arrays)}.")
    out = []
    for i, a in enumerate(arrays):
        try:
            a = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{what}: argument {i} must be an array of numbers, got "
                            f"{type(a).__name__}.") from None
        out.append(a)
    return out


# ---------------------------------------------------------------------------------------
# The compiled program
# ---------------------------------------------------------------------------------------


class CompiledProgram:
    """A traced function, lowered to NumPy, that runs forward and backward on whole batches.

    Make one with `compile`. Call it on a batch: ``program(X)`` or ``program(X, T)`` with one
    array per argument of the function, each with the batch first: (batch, *sample shape).

    Attributes:
        parameters: the Values whose gradients the program computes, in order.
        sample_shapes: the shape of one sample of each argument.
        n_outputs: how many outputs the function returns per sample.
        has_loss: whether the function returns a loss.
    """

    def __init__(self, fn: Callable, example_inputs: Sequence[np.ndarray],
                 parameters: list[Value] | None) -> None:
        self.fn = fn
        self.sample_shapes = [a.shape for a in example_inputs]
        outputs, loss, graph, self.parameters = _trace(fn, example_inputs, parameters)
        self.n_outputs, self.has_loss = len(outputs), loss is not None
        self._plan = _Plan(graph, outputs, loss, len(self.parameters),
                           [a.size for a in example_inputs])
        self._training: _Training | None = None

    # -- running --------------------------------------------------------------------------

    def __call__(self, *batch: Any) -> CompiledResult:
        """Forward and backward on a batch. The batch-mean gradient of the loss is ADDED to
        every parameter's .grad (as backward() does: clear them first, e.g. with the
        optimizer's zero_grad()). Parameters are read from the Values at every call.

        Reading and writing every parameter Value is a Python loop: for 200,000 parameters
        it costs ~30 ms, ten times the NumPy work. To train, use `training`, which keeps
        the parameters in an array between steps."""
        theta = self._parameter_data()
        grad = np.zeros(len(self.parameters)) if self.has_loss else None
        result = self._plan.run(self._columns(batch), theta, grad)
        if grad is not None:
            for p, g in zip(self.parameters, grad.tolist()):
                p.grad += g
        return result

    def forward(self, *batch: Any) -> CompiledResult:
        """The outputs and losses of a batch, without gradients."""
        theta = self._training.data if self._training else self._parameter_data()
        return self._plan.run(self._columns(batch), theta, None)

    def training(self, optimizer: Any) -> _Training:
        """A context in which the parameters live in NumPy arrays, for fast training steps.

            with program.training(optimizer) as session:
                for X, T in batches:
                    result = session.step(X, T)   # forward, backward, optimizer update

        Inside, the parameter Values are NOT updated after each step (that would cost a
        Python loop over every parameter per batch): the program holds them in one array
        and the optimizer updates it with its `update(data, grad)`. On leaving the block,
        the Values get the trained numbers (and .grad the last batch's gradient).
        """
        return _Training(self, optimizer)

    def check(self, *sample: Any, rtol: float = 1e-9) -> None:
        """Run the interpreter on one sample and compare with the compiled program.

        Re-traces the function on this sample's numbers (the ordinary engine), then compares
        outputs, loss and parameter gradients. Raises CompileMismatchError if they differ,
        which means the function's graph depends on the data (Python `if` on values, or
        indexing with a label): the trace is not faithful for this sample.
        """
        arrays = _samples(sample, self.sample_shapes, "check")
        for i, (a, shape) in enumerate(zip(arrays, self.sample_shapes)):
            if a.shape != shape:
                raise ValueError(f"check takes ONE sample: argument {i} should have shape "
                                 f"{shape}, got {a.shape}.")
        if self._training:  # the interpreter reads the Values, which are stale in there
            raise RuntimeError("call check() outside `with program.training(...)`.")
        expected = _interpret(self.fn, arrays, self.parameters)
        theta = self._parameter_data()
        grad = np.zeros(len(self.parameters))
        got = self._plan.run([a.reshape(-1, 1) for a in arrays], theta,
                             grad if self.has_loss else None)
        _compare("outputs", got.outputs[0], expected[0], rtol)
        if self.has_loss:
            _compare("loss", np.array([got.loss]), np.array([expected[1]]), rtol)
            _compare("parameter gradients", grad, expected[2], rtol, self.parameters)

    # -- looking inside -------------------------------------------------------------------

    def describe(self) -> str:
        """The plan, as text: what runs at each level, and what became a matrix product."""
        plan = self._plan
        lines = [
            f"compiled program: {_count(plan.n_operations, 'scalar operation')} -> "
            f"{_count(len(plan.groups), 'NumPy group')} in "
            f"{_count(len(set(plan.levels)), 'level')}",
            f"  inputs: {plan.n_inputs:,} per sample   parameters: {plan.n_params:,}   "
            f"constants: {len(plan.constants):,}",
            f"  outputs: {self.n_outputs} per sample   loss: "
            f"{'yes (the batch mean is differentiated)' if self.has_loss else 'none'}",
        ]
        for level, group in zip(plan.levels, plan.groups):
            lines.append(f"  level {level:>3}: {group.describe()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        plan = self._plan
        return (f"<CompiledProgram: {plan.n_nodes:,} nodes, {len(plan.groups)} groups, "
                f"{plan.n_params:,} parameters>")

    # -- helpers --------------------------------------------------------------------------

    def _parameter_data(self) -> np.ndarray:
        return np.array([p.data for p in self.parameters], dtype=float)

    def _columns(self, batch: Sequence[Any]) -> list[np.ndarray]:
        """Each argument of the batch as (inputs, batch): a column per sample (a transposed
        view of the caller's array, not a copy)."""
        arrays = _samples(batch, self.sample_shapes, "the compiled program")
        for i, (a, shape) in enumerate(zip(arrays, self.sample_shapes)):
            if a.ndim == 0 or a.shape[1:] != shape:
                raise ValueError(
                    f"argument {i} of the batch must have shape (batch, *{shape}): samples "
                    f"like the example {shape}, batch first; got {a.shape}. For one sample, "
                    "give a batch of one (e.g. X[:1]).")
        sizes = sorted({len(a) for a in arrays})
        if len(sizes) != 1 or sizes[0] == 0:
            raise ValueError(f"every argument needs the same non-zero number of samples, got "
                             f"{sizes}.")
        return [a.reshape(len(a), -1).T for a in arrays]


def _count(n: int, thing: str) -> str:
    """'1 level', '3 levels', '1,024 levels'."""
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


class _Training:
    """See `CompiledProgram.training`."""

    def __init__(self, program: CompiledProgram, optimizer: Any) -> None:
        params = getattr(optimizer, "params", None)
        if (not hasattr(optimizer, "update") or params is None
                or len(params) != len(program.parameters)
                or not all(map(operator.is_, params, program.parameters))):
            raise ValueError(
                "program.training(optimizer) needs an optimizer (with update(data, grad)) over "
                "exactly the program's parameters, in the same order: compile with "
                "parameters=model.parameters() and make the optimizer from the same list.")
        if not program.has_loss:
            raise ValueError("this program has no loss to train on: return (outputs, loss) "
                             "or a loss Value from the compiled function.")
        self.program, self.optimizer = program, optimizer
        self.data = self.grad = None

    def __enter__(self) -> _Training:
        if self.program._training is not None:
            raise RuntimeError("program.training(...) is already active for this program.")
        self.data = self.program._parameter_data()
        self.grad = np.zeros_like(self.data)
        self.program._training = self
        return self

    def step(self, *batch: Any) -> CompiledResult:
        """Forward, backward and one optimizer update on a batch. If the loss is NaN or
        infinite, nothing is updated (check ``result.loss``)."""
        self.grad.fill(0.0)
        result = self.program._plan.run(self.program._columns(batch), self.data, self.grad)
        if math.isfinite(result.loss):
            self.optimizer.update(self.data, self.grad)
        return result

    def forward(self, *batch: Any) -> CompiledResult:
        """Outputs and losses with the current (trained) parameters, without gradients."""
        return self.program.forward(*batch)

    def sync(self) -> None:
        """Write the current parameters (and last gradients) into the Values now."""
        for p, value, g in zip(self.program.parameters, self.data.tolist(), self.grad.tolist()):
            p.data, p.grad = value, g

    def __exit__(self, *exc_info: object) -> None:
        self.sync()
        self.program._training = None


def _trace(fn: Callable, example_inputs: Sequence[np.ndarray],
           parameters: list[Value] | None) -> tuple:
    """Run fn on placeholders: its outputs, loss, graph and parameter list."""
    if not is_grad_enabled():
        raise CompileError("compile() records the graph, so it cannot run inside no_grad().")
    arguments, input_row = [], {}
    for number, sample in enumerate(example_inputs):
        nested, flat = _placeholders(sample, number)
        for v in flat:
            input_row[id(v)] = len(input_row)
        arguments.append(nested)
    outputs, loss = _split_result(fn(*arguments))
    order = _topological_order([*outputs, *([loss] if loss is not None else [])])
    if parameters is None:
        parameters = _leaves_from_outside(fn, example_inputs, order, input_row)
    parameters = list(parameters)
    if not all(isinstance(p, Value) for p in parameters):
        raise TypeError("parameters must be a list of Values (e.g. model.parameters()).")
    parameter_index = {id(p): i for i, p in enumerate(parameters)}
    if len(parameter_index) != len(parameters):
        raise ValueError("a parameter appears twice in `parameters`.")
    graph = _Graph(order, input_row, parameter_index, len(input_row))
    return outputs, loss, graph, parameters


def _leaves_from_outside(fn: Callable, example_inputs: Sequence[np.ndarray],
                         order: list[Value], input_row: dict[int, int]) -> list[Value]:
    """The leaves that fn did not create itself (weights it reads from outside), found by
    tracing it a second time: the leaves it creates (a constant 2 in ``2 * x``) are new Values
    in each trace, the ones from outside are the same objects."""
    arguments = [_placeholders(a, i)[0] for i, a in enumerate(example_inputs)]
    outputs, loss = _split_result(fn(*arguments))
    again = {id(v) for v in _topological_order([*outputs, *([loss] if loss is not None else [])])}
    return [v for v in order if not v.parents and id(v) not in input_row and id(v) in again]


def _topological_order(roots: list[Value]) -> list[Value]:
    """All nodes below several roots, each after its parents, in one pass: the engine's
    topological_order from a temporary node whose parents are the roots."""
    top = Value(0.0)
    top.parents = tuple(roots)
    return topological_order(top)[:-1]


def _interpret(fn: Callable, sample: list[np.ndarray], parameters: list[Value],
               ) -> tuple[np.ndarray, float | None, np.ndarray]:
    """The ordinary engine on one sample: outputs, loss and parameter gradients, leaving
    the parameters' .grad as they were."""
    arguments = [_placeholders(a, i)[0] for i, a in enumerate(sample)]
    outputs, loss = _split_result(fn(*arguments))
    values = np.array([v.data for v in outputs])
    if loss is None:
        return values, None, np.zeros(len(parameters))
    saved = [p.grad for p in parameters]
    try:
        for p in parameters:
            p.grad = 0.0
        loss.backward()
        grads = np.array([p.grad for p in parameters])
    finally:
        for p, g in zip(parameters, saved):
            p.grad = g
    return values, loss.data, grads


def _compare(what: str, got: np.ndarray, expected: np.ndarray, rtol: float,
             parameters: list[Value] | None = None) -> None:
    """Raise CompileMismatchError unless got equals expected to rtol (NaN equals NaN)."""
    if got.shape != expected.shape:
        _mismatch(what, f"{got.size} numbers against the interpreter's {expected.size}")
    scale = float(np.max(np.abs(expected[np.isfinite(expected)]), initial=1.0))
    same_nan = np.isnan(got) & np.isnan(expected)
    close = (np.isclose(got, expected, rtol=rtol, atol=rtol * scale * 1e-3) | same_nan
             | (got == expected))
    if not close.all():
        i = int(np.argmin(close))
        name = f" ({parameters[i]!r})" if parameters else ""
        _mismatch(what, f"entry {i}{name}: compiled {float(got[i])!r}, interpreter "
                        f"{float(expected[i])!r}")


def _mismatch(what: str, detail: str) -> None:
    raise CompileMismatchError(
        f"the compiled program and the interpreter disagree on the {what} for this sample "
        f"({detail}). The function probably takes a different path for different data "
        "(Python `if` on a Value's data, or indexing with a label): the trace recorded one "
        "path only. Express the choice with ops (relu, maximum, a one-hot target), or use "
        "the interpreter for this function.")


def compile(fn: Callable, example_inputs: Any, parameters: Sequence[Value] | None = None,
            *, check: bool = True) -> CompiledProgram:  # noqa: A001 (the name frameworks use)
    """Trace `fn` once and compile it into a program that runs whole batches with NumPy.

    Args:
        fn: a function of ONE sample: it takes one argument per input array (a list of
            Values for a vector, nested lists for more dimensions, a Value for a scalar)
            and returns a loss Value, a list of output Values, or a pair (outputs, loss).
        example_inputs: one example sample per argument: an array, or a tuple of arrays
            (e.g. ``(X[0], T[0])``). The trace runs on its numbers.
        parameters: the Values to read at every run and to differentiate (e.g.
            ``model.parameters()``); other leaves the function uses are constants, frozen
            at their current numbers. None: every leaf that is not an input.
        check: compare the compiled program with the interpreter on the example sample.

    Returns:
        a `CompiledProgram`; ``print(program)`` shows its plan.

    Raises:
        CompileError: an op without a rule, a result of the wrong kind, or inside no_grad().
        CompileMismatchError: (with check=True) the program disagrees with the interpreter.
    """
    if not isinstance(example_inputs, tuple):  # one argument (a tuple: one per argument)
        example_inputs = (example_inputs,)
    arrays = _samples(example_inputs, [()] * len(example_inputs), "compile")
    program = CompiledProgram(fn, arrays, None if parameters is None else list(parameters))
    if check:
        program.check(*arrays)
    return program


def _iter_groups(program: CompiledProgram) -> Iterator[_Group]:  # for tests and notebooks
    return iter(program._plan.groups)
