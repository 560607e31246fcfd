"""Where a group's inputs come from, and where their gradients go back to.

Every node lives in one of three places. Inputs: a row of the batch the program was given
(read in place, never copied: the batch is transposed to one column per sample, which is
a view). Constants and results: a row of the value table V (one column per sample).
Parameters: an entry of the parameter vector theta (the same for every sample). A node's
reference is a number: 0 <= ref < n_inputs for an input, n_inputs + row for row of V, and
~index (< 0) for parameter number index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Tables", "Operand", "as_slice"]


class Tables:
    """Everything a group reads during a run: the inputs, V, theta. A plan keeps one for
    many runs on the same V and theta, and gives it each run's inputs (`load`)."""

    def __init__(self, arguments: list[np.ndarray], V: np.ndarray, theta: np.ndarray) -> None:
        self.V, self.theta = V, theta
        self.load(arguments)

    def load(self, arguments: list[np.ndarray]) -> None:
        """This run's inputs: one (inputs of that argument, batch) view per argument."""
        self.arguments = arguments
        self._all_inputs: np.ndarray | None = None

    def all_inputs(self) -> np.ndarray:
        """All arguments' inputs stacked (n_inputs, batch): built only if a group needs it."""
        if self._all_inputs is None:
            self._all_inputs = np.concatenate(self.arguments, axis=0)
        return self._all_inputs


class Operand:
    """One input of a group: for each node of the group, the input, row or parameter it
    reads. `gather` reads them into an array (one row per node); `scatter` adds gradient
    rows back to where they came from (summed over the batch for parameters).
    """

    def __init__(self, refs: Sequence[int], row_needs_grad: np.ndarray,
                 argument_starts: list[int]) -> None:
        refs = np.asarray(refs, dtype=np.int64)
        n_inputs = argument_starts[-1]
        self.refs = refs  # (to tell whether two operands read the same nodes)
        self.size = len(refs)
        is_input, is_param = (refs >= 0) & (refs < n_inputs), refs < 0
        is_row = ~is_input & ~is_param
        self.input_pos, self.inputs = np.flatnonzero(is_input), refs[is_input]
        self.row_pos, self.rows = np.flatnonzero(is_row), refs[is_row] - n_inputs
        self.param_pos, self.params = np.flatnonzero(is_param), ~refs[is_param]
        self.source = ("inputs" if is_input.all() else "rows" if is_row.all()
                       else "params" if is_param.all() else "mixed")
        self.row_slice = as_slice(self.rows)
        self.param_slice = as_slice(self.params)
        self.argument, self.input_index = _within_one_argument(self.inputs, argument_starts)
        # The gradient goes only to rows that lead to a parameter (not to inputs, constants).
        wanted = row_needs_grad[self.rows]
        self.grad_pos, self.grad_rows = self.row_pos[wanted], self.rows[wanted]
        self.grad_slice = as_slice(self.grad_rows) if len(self.grad_rows) == self.size else None
        self.grad_rows_unique = len(np.unique(self.grad_rows)) == len(self.grad_rows)
        self.params_unique = len(np.unique(self.params)) == len(self.params)
        self.needs_grad = len(self.grad_rows) > 0 or len(self.params) > 0
        # Set by the plan (`assign_gradients`) where this operand is the only one that passes
        # gradient to its rows, or to its parameters: it may then WRITE their gradients
        # instead of adding to them (G starts at 0 anyway, and the parameters' entries need
        # not be zeroed first).
        self.only_row_writer = False
        self.only_param_writer = False

    def grad_view(self, G: np.ndarray) -> np.ndarray | None:
        """G's rows for this operand's nodes, to compute their gradient into (out=), if it is
        their only writer and they are consecutive rows, one per node; else None (`scatter`)."""
        return G[self.grad_slice] if self.only_row_writer else None

    def gather(self, tables: Tables) -> np.ndarray:
        """(size, batch) array of the inputs; (size, 1) if they are all parameters."""
        if self.source == "rows":
            return tables.V[self.row_slice if self.row_slice is not None else self.rows]
        if self.source == "params":
            index = self.param_slice if self.param_slice is not None else self.params
            return tables.theta[index][:, None]
        if self.source == "inputs" and self.argument is not None:
            return tables.arguments[self.argument][self.input_index]
        out = np.empty((self.size, tables.V.shape[1]), dtype=tables.V.dtype)
        if len(self.inputs):
            out[self.input_pos] = tables.all_inputs()[self.inputs]
        out[self.row_pos] = tables.V[self.rows]
        out[self.param_pos] = tables.theta[self.params][:, None]
        return out

    def reader(self, tables: Tables) -> Callable[[], np.ndarray]:
        """A function that gathers this operand (as `gather`) at every run on these tables:
        views of V and theta are made once, now; the inputs are read at each call, since
        every run brings a new batch."""
        view = self.fixed_view(tables)
        if view is not None:
            return lambda: view
        if self.source == "inputs" and self.argument is not None:
            argument, index = self.argument, self.input_index
            return lambda: tables.arguments[argument][index]
        return lambda: self.gather(tables)

    def fixed_view(self, tables: Tables) -> np.ndarray | None:
        """What `gather` gives, as a view that stays valid for every run on these tables
        (rows of V, parameters at regular steps); None if it must be gathered at each run."""
        if self.source == "rows" and self.row_slice is not None:
            return tables.V[self.row_slice]
        if self.source == "params" and self.param_slice is not None:
            return tables.theta[self.param_slice][:, None]
        return None

    def param_grad_view(self, grad: np.ndarray) -> np.ndarray | None:
        """The entries of grad that this operand alone writes, summed over the batch (a
        layer's biases, see `scatter`), as a view to reduce into; None otherwise."""
        if self.only_param_writer and self.source == "params":
            return grad[self.param_slice]
        return None

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
            if self.only_param_writer:  # (a layer's biases: summed straight into grad)
                np.add.reduce(per_param, axis=1, out=grad[self.param_slice])
                return
            per_param = np.add.reduce(per_param, axis=1)  # (the sum over the batch)
            if self.param_slice is not None:
                grad[self.param_slice] += per_param
            elif self.params_unique:
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
    local_slice = as_slice(local)
    return argument, (local_slice if local_slice is not None else local)


def as_slice(indices: np.ndarray) -> slice | None:
    """slice(a, b, step) if the indices are a, a + step, a + 2 step, ... (step >= 1), else
    None. Indexing with a slice gives a view: it copies nothing, and += writes in place.
    (A layer's biases, for example, sit in the parameter vector at a regular step.)"""
    n = len(indices)
    if n == 0:
        return None
    start = int(indices[0])
    step = int(indices[1]) - start if n > 1 else 1
    if step < 1 or not np.array_equal(indices, start + step * np.arange(n)):
        return None
    return slice(start, start + step * (n - 1) + 1, step)
