"""The engine: a scalar `Value` that remembers how it was made, and `backward()`.

Read this file top to bottom; it is the whole of reverse-mode automatic differentiation.

Every operation on Values creates a new Value that records three things:

* ``parents``      the Values it was computed from (a tuple: the order is fixed),
* ``op``           the name of the operation, for diagrams and error messages,
* ``local_grads``  the local derivatives d(out)/d(parent), one number per parent.

`backward()` walks the graph from the output back to the inputs in reverse topological
order and applies the chain rule at every node::

    parent.grad += d(out)/d(parent) * out.grad

Because every parent only ever *adds* to its gradient, a Value used in several places
receives the sum of the gradients from each use, as the multivariable chain rule says.

The maths of each operation (its result and its local derivatives) lives in ops.py, the
table of derivatives, written once for numbers and for NumPy arrays: this file applies it to
one node at a time, and the compiler (`compiler/`, its own wing) applies the same rules to a
whole batch.

Why store local derivatives as numbers instead of a closure per node (as micrograd does)?
The numbers are known the moment the forward value is computed, a tuple of floats costs a
fraction of a function object's memory, and a node never refers back to itself, so a graph
you drop is freed at once by reference counting (no garbage-collector cycles).
"""

from __future__ import annotations

import collections
import contextlib
import math
import numbers
from collections.abc import Iterator

from . import ops
from .ops import SCALAR

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "topological_order",
]


# ---------------------------------------------------------------------------------------
# Global switches: recording the graph (no_grad) and checking gradients (detect_anomaly)
# ---------------------------------------------------------------------------------------

class _Switches:
    """The engine's global switches; each context manager below flips one for a block."""

    grad_enabled = True  # record parents and local gradients (off inside no_grad)
    anomaly = False  # check every gradient for NaN/inf during backward (detect_anomaly)


def is_grad_enabled() -> bool:
    """True unless we are inside a `no_grad()` block."""
    return _Switches.grad_enabled


class _Switch(contextlib.ContextDecorator):
    """Set one of the `_Switches` for the duration of a block or of a decorated call.

    The same object is entered again by every call of a decorated function, possibly
    recursively, so each exit restores what its own entry saw: a stack, not one saved value.
    """

    switch: str  # the name of the attribute of _Switches
    value: bool  # its value inside the block

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> _Switch:
        self._saved.append(getattr(_Switches, self.switch))
        setattr(_Switches, self.switch, self.value)
        return self

    def __exit__(self, *exc_info: object) -> None:
        setattr(_Switches, self.switch, self._saved.pop())


class no_grad(_Switch):
    """Stop recording the graph: results of operations have no parents.

    Use it for evaluation, where no gradient is needed: it saves the memory of the graph.
    Works as a context manager (``with no_grad(): ...``) and as a decorator
    (``@no_grad()``). Blocks may be nested.
    """

    switch, value = "grad_enabled", False


class detect_anomaly(_Switch):
    """Make `backward()` stop at the first gradient that becomes NaN or infinite.

    The error names the node whose local step produced it (its op and label) and the parent
    that received it, so you can find the operation to blame (typically ``log`` of something
    tiny, ``sqrt`` at 0, or a learning rate so large that values overflow).
    """

    switch, value = "anomaly", True


# ---------------------------------------------------------------------------------------
# Turning user input into floats, with errors that say what went wrong
# ---------------------------------------------------------------------------------------


def _to_float(x: object) -> float:
    """Convert a real number (int, float, bool, NumPy scalar) to float, or raise TypeError."""
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, numbers.Complex):
        raise TypeError(
            f"Value holds a real number, got the complex number {x!r}. "
            "Use its real part (x.real) or its magnitude (abs(x)) instead."
        )
    raise TypeError(
        f"Value holds a real number (int or float), got {type(x).__name__}: {x!r}. "
        + (
            "Convert the string first, for example Value(float(s))."
            if isinstance(x, str)
            else "Make one Value per number, for example [Value(v) for v in values]."
            if hasattr(x, "__len__")
            else "Pass a number instead."
        )
    )


def _as_value(x: Value | float) -> Value:
    """Numbers that meet a Value in an operation become constant leaves of the graph."""
    return x if isinstance(x, Value) else Value(x)


# ---------------------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------------------


class Value:
    """A scalar that remembers how it was computed, so that it can be differentiated.

    Args:
        data: the number (int, float, or NumPy scalar; stored as float).
        label: an optional name, shown in `repr` and in diagrams.

    Attributes:
        data: the number.
        grad: d(output)/d(self), filled in by `backward()` on some output.
        parents: the Values this one was computed from (empty for a leaf).
        op: the operation that made it ("" for a leaf).
        local_grads: d(self)/d(parent) for each parent, in the same order.
    """

    # __slots__ keeps a node small (no per-object __dict__): a chain of a million nodes
    # fits in memory. __weakref__ lets tools observe nodes without keeping them alive.
    __slots__ = ("data", "grad", "label", "parents", "op", "local_grads", "__weakref__")

    # Let NumPy scalars defer to us: np.float64(2) * Value(3) calls Value.__rmul__.
    __array_ufunc__ = None

    def __init__(
        self,
        data: float,
        label: str = "",
        *,
        parents: tuple[Value, ...] = (),
        op: str = "",
        local_grads: tuple[float, ...] = (),
    ) -> None:
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(
                f"a Value's label is a string (a name for diagrams), got "
                f"{type(label).__name__}: {label!r}. Did you mean Value({data!r}) alone?"
            )
        self.label = label
        if _Switches.grad_enabled:
            self.parents = parents
            self.op = op
            self.local_grads = local_grads
        else:  # inside no_grad(): a result, but no history
            self.parents = ()
            self.op = ""
            self.local_grads = ()

    def __repr__(self) -> str:
        extra = f", op={self.op!r}" if self.op else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """The number held, as in PyTorch."""
        return self.data

    # -- arithmetic -----------------------------------------------------------------------
    #
    # Each operation computes its result and its local derivatives with the op's rule in
    # ops.py (the table of derivatives), then records them in a new Value. The compiler
    # uses the same rules on whole batches, so the two cannot disagree.

    def __add__(self, other: Value | float) -> Value:
        """a + b;  d/da = 1,  d/db = 1."""
        return _apply2(ops.ADD, self, _as_value(other))

    def __sub__(self, other: Value | float) -> Value:
        """a - b;  d/da = 1,  d/db = -1."""
        return _apply2(ops.SUB, self, _as_value(other))

    def __mul__(self, other: Value | float) -> Value:
        """a * b;  d/da = b,  d/db = a."""
        return _apply2(ops.MUL, self, _as_value(other))

    def __truediv__(self, other: Value | float) -> Value:
        """a / b;  d/da = 1/b,  d/db = -a/b**2.  Raises ValueError if b == 0."""
        return _apply2(ops.DIV, self, _as_value(other))

    def __neg__(self) -> Value:
        """-a;  d/da = -1."""
        return _apply1(ops.NEG, self)

    def __pow__(self, exponent: Value | float) -> Value:
        """a ** b.

        With a number b (``x ** 2``), b is part of the op and the node has one parent:
            d/da = b * a**(b - 1)
        With a Value b (``x ** y``), both are parents:
            d/da = b * a**(b - 1),   d/db = a**b * ln(a)
        As in PyTorch, d/db is 0 where a == 0 and b >= 0, and NaN where a < 0 (ln a is not
        real there).
        """
        if isinstance(exponent, Value):
            return _apply2(ops.POW, self, exponent)
        b = _to_float(exponent)
        name = f"**{exponent!r}" if type(exponent) in (int, float) else f"**{b!r}"
        return _apply1(ops.power_constant(b, name), self)

    # Numbers on the left: 2 + v, 1 - v, 2 * v, 1 / v, 2 ** v.
    def __radd__(self, other: float) -> Value:  # other + self
        return _as_value(other) + self

    def __rsub__(self, other: float) -> Value:  # other - self
        return _as_value(other) - self

    def __rmul__(self, other: float) -> Value:  # other * self
        return _as_value(other) * self

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return _as_value(other) / self

    def __rpow__(self, other: float) -> Value:  # other ** self
        return _as_value(other) ** self

    # -- elementary functions -------------------------------------------------------------

    def exp(self) -> Value:
        """e**a;  d/da = e**a.  Raises OverflowError past a ~ 709.78."""
        return _apply1(ops.EXP, self)

    def log(self) -> Value:
        """ln(a);  d/da = 1/a.  Raises ValueError for a <= 0."""
        return _apply1(ops.LOG, self)

    def sqrt(self) -> Value:
        """sqrt(a);  d/da = 1 / (2 sqrt(a)), infinite at a = 0.  Raises ValueError for a < 0."""
        return _apply1(ops.SQRT, self)

    def tanh(self) -> Value:
        """tanh(a);  d/da = 1 - tanh(a)**2."""
        return _apply1(ops.TANH, self)

    def sigmoid(self) -> Value:
        """sigmoid(a) = 1 / (1 + e**-a);  d/da = sigmoid(a) * (1 - sigmoid(a))."""
        return _apply1(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, a);  d/da = 1 for a > 0, else 0 (also at a = 0, as in PyTorch)."""
        return _apply1(ops.RELU, self)

    def __abs__(self) -> Value:
        """|a|;  d/da = sign(a), taken as 0 at a = 0 (as in PyTorch)."""
        return _apply1(ops.ABS, self)

    def abs(self) -> Value:
        """|a| (the same as the built-in abs(v))."""
        return self.__abs__()

    # -- backward -------------------------------------------------------------------------

    def backward_step(self) -> None:
        """Apply this node's chain-rule step: parent.grad += d(self)/d(parent) * self.grad."""
        g = self.grad
        # A zero gradient has nothing to pass back, so skip it: this saves the time of half
        # the hidden units behind a ReLU, and it keeps an infinite local derivative (sqrt at
        # 0) behind a dead unit from sending 0 * inf = NaN to its parent.
        if g == 0.0:
            return
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * g

    def backward(self, gradient: float = 1.0) -> None:
        """Compute d(self)/d(x) for every Value x this one was computed from.

        Leaves (Values with no parents, such as weights and inputs) *accumulate*: their
        gradients are added to what they hold, as in PyTorch, so clear them with
        `zero_grad()` (or an optimizer's) before the next step. Inner nodes are reset by
        every call, so calling backward() twice simply doubles the leaves' gradients.
        """
        # Run the steps to the end; a deque of length 0 consumes them in C, which is
        # measurably faster than a Python loop that does nothing.
        collections.deque(self.backward_steps(gradient), maxlen=0)

    def backward_steps(self, gradient: float = 1.0) -> Iterator[Value]:
        """Run backward one node at a time, yielding each node after its chain-rule step.

        This is the engine's own order (reverse topological), which diagrams and
        animations use to show the backward pass as it really happens.
        """
        seed = _to_float(gradient)  # check it before any gradient is touched
        order = topological_order(self, include_leaves=False)
        start = self.grad if not self.parents else 0.0  # (x.backward() on a leaf x adds)
        for node in order:  # inner nodes start from zero; only leaves accumulate
            node.grad = 0.0
        self.grad = start + seed
        check = _Switches.anomaly
        for node in reversed(order):
            node.backward_step()
            if check:
                _check_finite(node)
            yield node

    def zero_grad(self) -> None:
        """Set the gradient of this Value and of everything it was computed from to 0."""
        for node in topological_order(self):
            node.grad = 0.0


def _apply1(op: ops.Op, a: Value) -> Value:
    """A new node: op applied to one Value, with the rule's local derivative."""
    out, local_grads = op.rule(SCALAR, a.data)
    return Value(out, parents=(a,), op=op, local_grads=local_grads)


def _apply2(op: ops.Op, a: Value, b: Value) -> Value:
    """A new node: op applied to two Values, with the rule's local derivatives."""
    out, local_grads = op.rule(SCALAR, a.data, b.data)
    return Value(out, parents=(a, b), op=op, local_grads=local_grads)


def topological_order(*roots: Value, include_leaves: bool = True) -> list[Value]:
    """Every Value the roots depend on (and the roots), each listed after all of its parents.

    Iterative depth-first search (no recursion, so graphs of any depth work). The order is
    deterministic: the roots are explored in the order given, and parents in the order they
    are stored. Several roots (a function's outputs and its loss) share one pass, and a
    node below more than one of them is listed once. With include_leaves=False, leaves are
    left out (except a root that is itself a leaf).
    """
    for root in roots:
        if not isinstance(root, Value):
            raise TypeError(f"topological_order takes Values, got {type(root).__name__}: "
                            f"{root!r:.80}. Pass include_leaves by keyword.")
    order: list[Value] = []
    visited: set[Value] = set()  # Value hashes by identity: two nodes with equal data differ
    stack: list[tuple[Value, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        # Push in reverse so that the first parent is explored first.
        for parent in reversed(node.parents):
            if (include_leaves or parent.parents) and parent not in visited:
                stack.append((parent, False))
    return order


def _check_finite(node: Value) -> None:
    """detect_anomaly(): raise at the first NaN or infinite gradient, naming the culprit."""
    for parent, local in zip(node.parents, node.local_grads):
        if not math.isfinite(parent.grad):
            name = f" (label {node.label!r})" if node.label else ""
            pname = f" labelled {parent.label!r}" if parent.label else ""
            raise FloatingPointError(
                f"backward produced a {parent.grad} gradient at node op={node.op!r}{name} "
                f"with data={node.data!r}, grad={node.grad!r}: its local derivative "
                f"{local!r} sends it to parent{pname} with data={parent.data!r}. "
                "Look for log or division near 0, sqrt at 0, or values that overflowed."
            )
