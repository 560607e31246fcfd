"""Planning: put a traced graph's nodes in levels and groups, give every node a place.

A node's *level* is one more than its deepest parent's (leaves are level 0): every node of
a level can be computed once the levels before it are. The inner nodes of one level with the
same op form a *group*, one NumPy call (see `groups`); a level's dot nodes are split further
by the input vector they share, so that each layer's neurons become one matrix product.
Every node gets a reference (see `operands`): inputs and parameters where they are, and a
row of the value table V for constants and results, each group's rows consecutive.

`Plan.run` then runs the groups forward level by level and backward in reverse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import ops
from ..engine import Value
from .cross_entropy import fuse_cross_entropies
from .errors import CompileError
from .fuse import fuse_activations, fuse_additions
from .groups import Group
from .lower import lower, vectors
from .operands import Operand, Tables, as_slice
from .products import MatrixProduct
from .trace import Graph

__all__ = ["Plan", "CompiledResult"]


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


class Plan:
    """The compiled form of a graph: a reference for every node, and the groups to run."""

    def __init__(self, graph: Graph, outputs: list[Value], loss: Value | None,
                 n_params: int, argument_sizes: list[int], dtype: np.dtype) -> None:
        self.dtype = dtype  # of every array the plan computes with
        self.n_inputs = graph.n_inputs
        self.n_params = n_params
        self.argument_starts = [int(x) for x in np.cumsum([0, *argument_sizes])]
        ref: dict[int, int] = {}  # id(node) -> reference (see Operand)
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
        self.constants = np.array(constants, dtype=dtype)

        levels = levels_of(graph.order)

        def is_parameter(v: Value) -> bool:
            return id(v) in graph.parameter_index

        groups = group_nodes(graph.order, levels, is_parameter)
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
        self.groups = [lower(nodes, ref, needs_grad, starts, is_parameter, dtype)
                       for nodes in groups]
        for nodes, group in zip(groups, self.groups):  # the rows given to its nodes above
            first = ref[id(nodes[0])] - graph.n_inputs
            group.out = slice(first, first + len(nodes))
        self.outputs = Operand([ref[id(v)] for v in outputs], needs_grad, starts)
        self.loss = None if loss is None else Operand([ref[id(loss)]], needs_grad, starts)
        # levels: of each group's results; first_levels: of its first nodes (a fused group
        # computes the product at one level and the addition at the next)
        readers = [self.outputs, *([self.loss] if self.loss else [])]
        self.groups, self.levels, self.first_levels = fuse_additions(
            self.groups, [levels[id(nodes[0])] for nodes in groups], readers)
        self.groups, self.levels, self.first_levels = fuse_activations(
            self.groups, self.levels, self.first_levels, readers)
        self.groups, self.levels, self.first_levels = fuse_cross_entropies(
            self.groups, self.levels, self.first_levels, readers)
        self.n_nodes = len(graph.order)
        self.n_operations = sum(group.size for group in self.groups)
        self.accumulated = assign_gradients(self.groups, self.loss, n_params, self.n_rows)
        self.has_accumulated = not _is_empty(self.accumulated, n_params)
        self._tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # batch -> V, G
        self._bound_runs: dict[tuple[int, int, int], BoundRun] = {}  # see _bound

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
        grad is given (the batch-mean gradient is written into it, replacing what it held).
        The arrays must have the plan's dtype."""
        # Overflow to inf and inf - inf = NaN pass silently, as with Python floats in the
        # interpreter (exp and ** check for overflow themselves, and say so).
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run(arguments, theta, grad)

    def _run(self, arguments: list[np.ndarray], theta: np.ndarray, grad: np.ndarray | None,
             ) -> CompiledResult:
        batch = arguments[0].shape[1]
        bound = self._bound(batch, theta, grad)
        tables = bound.tables
        tables.load(arguments)
        for forward in bound.forwards:
            forward()
        outputs = bound.outputs()  # (outputs, batch), or (outputs, 1): constants
        losses = loss = None
        if self.loss is not None:
            losses = bound.losses()[0]
            losses = losses.copy() if len(losses) == batch else np.repeat(losses, batch)
            loss = float(np.add.reduce(losses)) / batch
        if grad is not None and self.loss is not None:
            G = bound.G
            G.fill(0.0)
            if self.has_accumulated:  # (the others are written whole, see assign_gradients)
                grad[self.accumulated] = 0.0
            self.loss.scatter(bound.d_mean, G, grad)
            for backward in bound.backwards:
                backward()
        if outputs.shape[1] != batch:  # (outputs that do not depend on the sample)
            outputs = np.broadcast_to(outputs, (self.outputs.size, batch))
        return CompiledResult(outputs.T.copy(), losses, loss)

    def _bound(self, batch: int, theta: np.ndarray, grad: np.ndarray | None) -> BoundRun:
        """The groups bound to the tables of this batch size and to these parameter and
        gradient arrays (see `Group.bind`), made at the first run with them.

        A training session runs the same arrays at every step, so its steps find theirs
        here; a run with new arrays (a one-off call, a check) binds afresh. The tables are
        made once per batch size and reused by every run: allocating them afresh would cost
        more than the arithmetic of a small layer. (So a plan runs one batch at a time.)
        """
        key = (batch, id(theta), id(grad))
        bound = self._bound_runs.get(key)
        if bound is not None and bound.theta is theta and bound.grad is grad:
            return bound
        if len(self._bound_runs) >= 4:  # (a few: the last batch of an epoch is smaller)
            del self._bound_runs[next(iter(self._bound_runs))]  # the oldest
        tables = self._tables.get(batch)
        if tables is None:
            if len(self._tables) >= 4:
                self._tables.clear()
            V = np.empty((self.n_rows, batch), dtype=self.dtype)
            V[: len(self.constants)] = self.constants[:, None]
            tables = self._tables[batch] = V, np.zeros_like(V)
        V, G = tables
        bound = BoundRun(self, Tables([], V, theta), G, grad)
        self._bound_runs[key] = bound
        return bound


class BoundRun:
    """A plan's groups bound to one set of arrays: V and G of a batch size, the parameters
    theta and their gradient (None: forward only). `forwards` run in order, `backwards` in
    reverse order (only the groups that pass gradient on); `outputs` and `losses` read the
    results after a forward."""

    def __init__(self, plan: Plan, tables: Tables, G: np.ndarray,
                 grad: np.ndarray | None) -> None:
        self.tables, self.G, self.theta, self.grad = tables, G, tables.theta, grad
        batch = G.shape[1]
        self.d_mean = np.full((1, batch), 1.0 / batch, dtype=G.dtype)  # d(mean)/d(loss_i)
        groups = plan.groups
        steps = [group.bind(tables, G, grad) for group in groups]
        self.forwards = [forward for forward, _ in steps]
        self.backwards = [backward for group, (_, backward) in zip(groups[::-1], steps[::-1])
                          if group.needs_grad]
        self.outputs = plan.outputs.reader(tables)
        self.losses = None if plan.loss is None else plan.loss.reader(tables)


def assign_gradients(groups: list[Group], loss: Operand | None, n_params: int, n_rows: int,
                     ) -> np.ndarray | slice:
    """Let every gradient with a single writer be WRITTEN by it rather than added up: the
    weights of a matrix product that nothing else reads (dW straight from the product, see
    `MatrixProduct`), parameters that one operand alone reads (a layer's biases: the sum of
    their upstream gradients), and rows of G that one operand alone passes gradient to (so a
    group can compute into them with out=, see `Operand.grad_view`).

    Returns the parameters whose gradients are still added up from several places, which a
    run must set to 0 first (a slice where they are consecutive).
    """
    operands = [o for g in groups if g.needs_grad for o in g.operands if o.needs_grad]
    operands += [loss] if loss is not None else []
    param_uses = np.zeros(n_params, dtype=np.int64)  # how many places add to each gradient
    row_writers = np.zeros(n_rows, dtype=np.int64)
    for operand in operands:
        np.add.at(param_uses, operand.params, 1)
        np.add.at(row_writers, operand.grad_rows, 1)
    products = [g for g in groups if isinstance(g, MatrixProduct)]
    for product in products:
        np.add.at(param_uses, product.weight_index.ravel(), 1)
    written_whole = np.zeros(n_params, dtype=bool)
    for product in products:
        if product.strides is not None and (param_uses[product.weight_index] == 1).all():
            product.assigns_grad = True
            written_whole[product.weight_index] = True
    for operand in operands:
        if (operand.source == "params" and operand.param_slice is not None
                and (param_uses[operand.params] == 1).all()):
            operand.only_param_writer = True
            written_whole[operand.params] = True
        operand.only_row_writer = bool(operand.grad_slice is not None
                                   and (row_writers[operand.grad_rows] == 1).all())
    accumulated = np.flatnonzero(~written_whole)
    as_range = as_slice(accumulated)
    return as_range if as_range is not None else accumulated


def _is_empty(index: np.ndarray | slice, size: int) -> bool:
    return len(range(size)[index]) == 0 if isinstance(index, slice) else len(index) == 0


def levels_of(order: list[Value]) -> dict[int, int]:
    """Level 0 for leaves; 1 + the deepest parent's level for every other node."""
    level: dict[int, int] = {}
    for node in order:
        parents = node.parents
        level[id(node)] = 1 + max([level[id(p)] for p in parents]) if parents else 0
    return level


def group_key(node: Value) -> tuple:
    op = node.op
    if not isinstance(op, ops.Op):
        raise CompileError(
            f"cannot compile the node {node!r}: its op {str(op)!r} is not one of the engine's "
            "operations, so there is no rule for it. Build it from the engine's ops "
            f"({', '.join(map(str, ops.OPS))}) instead.")
    n = len(node.parents)
    return (op.kind, str(op), op.constants, n)


def group_nodes(order: list[Value], levels: dict[int, int], is_parameter: Callable[[Value], bool],
                 ) -> list[list[Value]]:
    """The inner nodes grouped by level and op, in an order that can run: level by level.

    A level's dot nodes are split further by the input vector they share, so that each
    layer's neurons become one matrix product.
    """
    by_level: dict[int, dict[tuple, list[Value]]] = defaultdict(dict)
    for node in order:
        if node.parents:
            key = group_key(node)
            if node.op.kind == "dot":
                key += vectors(node, is_parameter)[1]
            by_level[levels[id(node)]].setdefault(key, []).append(node)
    return [nodes for level in sorted(by_level) for nodes in by_level[level].values()]
