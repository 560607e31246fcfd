"""The program API: `compile` a function of one sample, and run the program on batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..engine import Value
from .check import compare, interpret
from .plan import CompiledResult, Plan
from .session import TrainingSession
from .trace import samples, trace

__all__ = ["compile", "CompiledProgram", "CompiledResult", "GroupSummary"]

FLOAT_TYPES = (np.dtype(np.float64), np.dtype(np.float32))
# How closely `check` wants the program to match the interpreter (which computes in float64)
# by default: in float64 they differ only in the order of additions; float32 keeps about 7
# significant digits, and a sum over thousands of inputs loses a few of them.
CHECK_RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-3}


class GroupSummary(NamedTuple):
    """One NumPy group of a compiled program, as `CompiledProgram.groups` lists them."""

    level: int  # the level it runs at (1 + the deepest level it reads)
    op: str  # the op of its nodes ("dot", "+", "relu", ...; "dot, +" for W @ X + b)
    size: int  # how many scalar nodes of the graph it computes, for every sample
    description: str  # its line in `describe()`, e.g. "5 x dot ... one matrix product"


class CompiledProgram:
    """A traced function, lowered to NumPy, that runs forward and backward on whole batches.

    Make one with `compile`. Call it on a batch: ``program(X)`` or ``program(X, T)`` with one
    array per argument of the function, each with the batch first: (batch, *sample shape).

    Attributes:
        parameters: the Values whose gradients the program computes, in order.
        sample_shapes: the shape of one sample of each argument.
        n_outputs: how many outputs the function returns per sample.
        has_loss: whether the function returns a loss.
        dtype: the NumPy float type of all its arithmetic and of the parameters it holds
            (float64, or float32: half the memory traffic, about 7 significant digits).
    """

    def __init__(self, fn: Callable, example_inputs: Sequence[np.ndarray],
                 parameters: list[Value] | None, dtype: Any = np.float64) -> None:
        self.fn = fn
        self.dtype = float_type(dtype)
        self.sample_shapes = [a.shape for a in example_inputs]
        outputs, loss, graph, self.parameters = trace(fn, example_inputs, parameters)
        self.n_outputs, self.has_loss = len(outputs), loss is not None
        self._plan = Plan(graph, outputs, loss, len(self.parameters),
                          [a.size for a in example_inputs], self.dtype)
        self._training: TrainingSession | None = None

    # -- running --------------------------------------------------------------------------

    def __call__(self, *batch: Any) -> CompiledResult:
        """Forward and backward on a batch. The batch-mean gradient of the loss is ADDED to
        every parameter's .grad (as backward() does: clear them first, e.g. with the
        optimizer's zero_grad()). Parameters are read from the Values at every call.

        Reading and writing every parameter Value is a Python loop: for 200,000 parameters
        it costs ~30 ms, ten times the NumPy work. To train, use `training`, which keeps
        the parameters in an array between steps."""
        theta = self._parameter_data()
        grad = np.zeros_like(theta) if self.has_loss else None
        result = self._plan.run(self._columns(batch), theta, grad)
        if grad is not None:
            for p, g in zip(self.parameters, grad.tolist()):
                p.grad += g
        return result

    def forward(self, *batch: Any) -> CompiledResult:
        """The outputs and losses of a batch, without gradients."""
        theta = self._training.data if self._training else self._parameter_data()
        return self._plan.run(self._columns(batch), theta, None)

    def training(self, optimizer: Any) -> TrainingSession:
        """A context in which the parameters live in NumPy arrays, for fast training steps.

            with program.training(optimizer) as session:
                for X, T in batches:
                    result = session.step(X, T)   # forward, backward, optimizer update

        Inside, the parameter Values are NOT updated after each step (that would cost a
        Python loop over every parameter per batch): the program holds them in one array
        and the optimizer updates it with its `update(data, grad)`. On leaving the block,
        the Values get the trained numbers (and .grad the last batch's gradient).
        """
        return TrainingSession(self, optimizer)

    def check(self, *sample: Any, rtol: float | None = None) -> None:
        """Run the interpreter on one sample and compare with the compiled program.

        Re-traces the function on this sample's numbers (the ordinary engine), then compares
        outputs, loss and parameter gradients. Raises CompileMismatchError if they differ,
        which means the function's graph depends on the data (Python `if` on values, or
        indexing with a label): the trace is not faithful for this sample. The default rtol
        is `CHECK_RTOL` of the program's dtype (1e-9 in float64, 1e-3 in float32).
        """
        arrays = samples(sample, self.sample_shapes, "check")  # (float64: the interpreter's)
        for i, (a, shape) in enumerate(zip(arrays, self.sample_shapes)):
            if a.shape != shape:
                raise ValueError(f"check takes ONE sample: argument {i} should have shape "
                                 f"{shape}, got {a.shape}.")
        if self._training:  # the interpreter reads the Values, which are stale in there
            raise RuntimeError("call check() outside `with program.training(...)`.")
        expected = interpret(self.fn, arrays, self.parameters)
        theta = self._parameter_data()
        grad = np.zeros_like(theta)
        got = self._plan.run([a.reshape(-1, 1).astype(self.dtype) for a in arrays], theta,
                             grad if self.has_loss else None)
        rtol = CHECK_RTOL[self.dtype] if rtol is None else rtol
        compare("outputs", got.outputs[0], expected[0], rtol)
        if self.has_loss:
            compare("loss", np.array([got.loss]), np.array([expected[1]]), rtol)
            compare("parameter gradients", grad, expected[2], rtol, self.parameters)

    # -- looking inside -------------------------------------------------------------------

    @property
    def groups(self) -> tuple[GroupSummary, ...]:
        """The program's NumPy groups in the order they run forward, one summary each."""
        plan = self._plan
        return tuple(GroupSummary(level, group.op_names, group.size, group.describe().strip())
                     for level, group in zip(plan.first_levels, plan.groups))

    def describe(self) -> str:
        """The plan, as text: what runs at each level, and what became a matrix product."""
        plan = self._plan
        lines = [
            f"compiled program: {_count(plan.n_operations, 'scalar operation')} -> "
            f"{_count(len(plan.groups), 'NumPy group')} in "
            f"{_count(len(_levels_spanned(plan)), 'level')}",
            f"  inputs: {plan.n_inputs:,} per sample   parameters: {plan.n_params:,}   "
            f"constants: {len(plan.constants):,}",
            f"  outputs: {self.n_outputs} per sample   loss: "
            f"{'yes (the batch mean is differentiated)' if self.has_loss else 'none'}",
        ]
        for first, last, group in zip(plan.first_levels, plan.levels, plan.groups):
            levels = f"{first}" if first == last else f"{first}-{last}"  # (fused: two)
            lines.append(f"  level {levels:>3}: {group.describe()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        plan = self._plan
        return (f"<CompiledProgram: {plan.n_nodes:,} nodes, {len(plan.groups)} groups, "
                f"{plan.n_params:,} parameters>")

    # -- helpers --------------------------------------------------------------------------

    def _parameter_data(self) -> np.ndarray:
        return np.array([p.data for p in self.parameters], dtype=self.dtype)

    def _columns(self, batch: Sequence[Any]) -> list[np.ndarray]:
        """Each argument of the batch as (inputs, batch): a column per sample (a transposed
        view of the caller's array, not a copy)."""
        if self._ready(batch):  # (the usual case, checked in a few steps: see _ready)
            return [a.reshape(len(a), -1).T for a in batch]
        arrays = samples(batch, self.sample_shapes, "the compiled program", self.dtype)
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


    def _ready(self, batch: Sequence[Any]) -> bool:
        """Whether the batch is what `_columns` accepts without converting anything: one
        NumPy array per argument, in the program's dtype, samples of the right shape, the
        same non-zero number of them. (Anything else goes through the full checks, which
        convert it or say what is wrong.)"""
        if len(batch) != len(self.sample_shapes):
            return False
        sizes = set()
        for a, shape in zip(batch, self.sample_shapes):
            if (type(a) is not np.ndarray or a.dtype != self.dtype or a.ndim == 0
                    or a.shape[1:] != shape):
                return False
            sizes.add(len(a))
        return len(sizes) == 1 and 0 not in sizes


def float_type(dtype: Any) -> np.dtype:
    """np.float64 or np.float32 as a NumPy dtype; anything else is a ValueError."""
    try:
        as_dtype = np.dtype(dtype)
    except TypeError:
        as_dtype = None
    if as_dtype is None or as_dtype not in FLOAT_TYPES:  # (np.dtype(...) == None holds)
        raise ValueError(f"dtype must be np.float64 (the default) or np.float32, got "
                         f"{dtype!r:.60}.")
    return as_dtype


def _levels_spanned(plan: Plan) -> set[int]:
    """Every level some group computes (a fused group spans several: first to last)."""
    return {level for first, last in zip(plan.first_levels, plan.levels)
            for level in range(first, last + 1)}


def _count(n: int, thing: str) -> str:
    """'1 level', '3 levels', '1,024 levels'."""
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


def compile(fn: Callable, example_inputs: Any, parameters: Sequence[Value] | None = None,
            *, check: bool = True, dtype: Any = np.float64) -> CompiledProgram:
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
        dtype: np.float64 (the default, as the interpreter) or np.float32 (faster; results
            agree with float64 to about 1e-4 relative): the program's arithmetic and the
            parameters it holds while training. The Values stay Python floats.

    Returns:
        a `CompiledProgram`; ``print(program)`` shows its plan.

    Raises:
        CompileError: an op without a rule, a result of the wrong kind, or inside no_grad().
        CompileMismatchError: (with check=True) the program disagrees with the interpreter.
    """
    if not isinstance(example_inputs, tuple):  # one argument (a tuple: one per argument)
        example_inputs = (example_inputs,)
    arrays = samples(example_inputs, [()] * len(example_inputs), "compile")
    program = CompiledProgram(fn, arrays, None if parameters is None else list(parameters),
                              dtype)
    if check:
        program.check(*arrays)
    return program
