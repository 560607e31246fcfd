"""Tracing: run the function of one sample on placeholder Values and record its graph.

The engine records every node it builds, as always (op, parents, local derivatives). The
placeholders are the inputs; the parameters are the Values to read at every run and to
differentiate; every other leaf is a constant, frozen at its number now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Value, is_grad_enabled, topological_order
from .errors import CompileError

__all__ = ["Graph", "trace", "placeholders", "split_result", "samples"]


@dataclass
class Graph:
    """A traced graph: its nodes in topological order and what each leaf is."""

    order: list[Value]
    input_row: dict[int, int]  # id(placeholder) -> row
    parameter_index: dict[int, int]  # id(parameter) -> index in theta
    n_inputs: int


def trace(fn: Callable, example_inputs: Sequence[np.ndarray],
           parameters: list[Value] | None) -> tuple:
    """Run fn on placeholders: its outputs, loss, graph and parameter list."""
    if not is_grad_enabled():
        raise CompileError("compile() records the graph, so it cannot run inside no_grad().")
    arguments, input_row = [], {}
    for number, sample in enumerate(example_inputs):
        nested, flat = placeholders(sample, number)
        for v in flat:
            input_row[id(v)] = len(input_row)
        arguments.append(nested)
    outputs, loss = split_result(fn(*arguments))
    order = topological_order(*outputs, *([loss] if loss is not None else []))
    if parameters is None:
        parameters = _leaves_from_outside(fn, example_inputs, order, input_row)
    parameters = list(parameters)
    if not all(isinstance(p, Value) for p in parameters):
        raise TypeError("parameters must be a list of Values (e.g. model.parameters()).")
    parameter_index = {id(p): i for i, p in enumerate(parameters)}
    if len(parameter_index) != len(parameters):
        raise ValueError("a parameter appears twice in `parameters`.")
    graph = Graph(order, input_row, parameter_index, len(input_row))
    return outputs, loss, graph, parameters


def _leaves_from_outside(fn: Callable, example_inputs: Sequence[np.ndarray],
                         order: list[Value], input_row: dict[int, int]) -> list[Value]:
    """The leaves that fn did not create itself (weights it reads from outside), found by
    tracing it a second time: the leaves it creates (a constant 2 in ``2 * x``) are new Values
    in each trace, the ones from outside are the same objects."""
    arguments = [placeholders(a, i)[0] for i, a in enumerate(example_inputs)]
    outputs, loss = split_result(fn(*arguments))
    roots = [*outputs, *([loss] if loss is not None else [])]
    again = {id(v) for v in topological_order(*roots)}
    return [v for v in order if not v.parents and id(v) not in input_row and id(v) in again]


def placeholders(sample: np.ndarray, number: int) -> tuple[Any, list[Value]]:
    """Values holding one sample's numbers, nested like the sample (a list for a vector)."""
    flat = [Value(float(x), f"input{number}[{j}]") for j, x in enumerate(sample.ravel())]
    if sample.ndim == 0:
        return flat[0], flat
    nested = np.empty(sample.shape, dtype=object)
    nested.ravel()[:] = flat  # (ravel of a fresh array is a view)
    return nested.tolist(), flat


def split_result(result: Any) -> tuple[list[Value], Value | None]:
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


def samples(arrays: Sequence[Any], shapes: list[tuple[int, ...]], what: str,
            dtype: Any = np.float64) -> list[np.ndarray]:
    """The arguments as arrays of `dtype`, one per argument of the function (shapes are
    checked by the caller: one sample or a batch). Arrays of that dtype are not copied."""
    if len(arrays) != len(shapes):
        raise TypeError(f"{what} takes {len(shapes)} array(s) (one per argument of the "
                        f"function), got {len(arrays)}.")
    out = []
    for i, a in enumerate(arrays):
        try:
            a = np.asarray(a, dtype=dtype)
        except (TypeError, ValueError):
            raise TypeError(f"{what}: argument {i} must be an array of numbers, got "
                            f"{type(a).__name__}.") from None
        out.append(a)
    return out
