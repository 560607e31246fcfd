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
import math
from collections.abc import Callable, Iterator

from . import ops
from .conversion import to_float
from .modes import detect_anomaly, enable_grad, is_grad_enabled, modes, no_grad
from .ops import SCALAR

__all__ = [
    "Value",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "topological_order",
]


# ---------------------------------------------------------------------------------------
# Results computed inside no_grad(), and numbers that meet a Value
# ---------------------------------------------------------------------------------------


class _Unrecorded(str):
    """The op of a result computed inside `no_grad()`: it equals "" like a leaf's, but
    `backward()` can tell the two apart and say why the gradients would all be zero."""

    def __reduce__(self) -> str:  # pickling and copying keep the one marker
        return "_UNRECORDED"


_UNRECORDED = _Unrecorded("")


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
        self.data = data if type(data) is float else to_float(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(
                f"a Value's label is a string (a name for diagrams), got "
                f"{type(label).__name__}: {label!r}. Did you mean Value({data!r}) alone?"
            )
        self.label = label
        if modes.no_grad_blocks == 0:
            self.parents = parents
            self.op = op
            self.local_grads = local_grads
        else:  # inside no_grad(): a result, but no history
            self.parents = ()
            self.op = _UNRECORDED if parents else ""
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

    # -- micrograd's names ----------------------------------------------------------------
    #
    # Code written for micrograd's lectures (a `trace`/`draw_dot`, a hand-run backward)
    # reads these. They are read-only views of what this Value already holds.

    @property
    def _prev(self) -> frozenset[Value]:
        """micrograd's parents: a read-only set (`parents` is the tuple, in order)."""
        return frozenset(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's op name, a plain string ("" for a leaf)."""
        return str(self.op)

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's per-node step: ``v._backward()`` is `v.backward_step()`."""
        return self.backward_step

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
        b = to_float(exponent)
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
        seed = to_float(gradient)  # check it before any gradient is touched
        if self.op is _UNRECORDED:
            raise RuntimeError(
                f"backward() on {self!r}, which was computed inside no_grad(): no graph was "
                "recorded, so every gradient would silently be 0. Compute it outside the "
                "no_grad() block (or inside `with enable_grad():`) to differentiate it."
            )
        order = topological_order(self, include_leaves=False)
        start = self.grad if not self.parents else 0.0  # (x.backward() on a leaf x adds)
        for node in order:  # inner nodes start from zero; only leaves accumulate
            node.grad = 0.0
        self.grad = start + seed
        check = modes.anomaly_blocks > 0
        for node in reversed(order):
            node.backward_step()
            if check:
                _check_finite(node)
            yield node

    def zero_grad(self) -> None:
        """Set the gradient of this Value and of everything it was computed from to 0."""
        for node in topological_order(self):
            node.grad = 0.0

    # -- copying and pickling, for graphs of any depth --------------------------------------
    #
    # The default copy and pickle follow `parents` recursively, one Python call per level, so
    # a chain of a few hundred nodes hits the recursion limit. Both walk the graph in
    # topological order instead, like backward() does.

    def __deepcopy__(self, memo: dict) -> Value:
        """A copy of this Value and of the graph below it (shared nodes stay shared)."""
        for node in topological_order(self):
            if id(node) not in memo:
                memo[id(node)] = _node(node.data, node.grad, node.label, node.op,
                                       node.local_grads,
                                       tuple(memo[id(p)] for p in node.parents))
        return memo[id(self)]

    def __reduce__(self) -> tuple:
        """Pickle as a flat table in topological order: leaves as themselves (a weight shared
        with other pickled objects stays one object), inner nodes as rows naming their
        parents by position in the table."""
        if not self.parents:
            return (_node, (self.data, self.grad, self.label, self.op, (), ()))
        order = topological_order(self)
        position = {id(node): i for i, node in enumerate(order)}
        table = [node if not node.parents else
                 (node.data, node.grad, node.label, node.op, node.local_grads,
                  tuple(position[id(p)] for p in node.parents))
                 for node in order]
        return (_graph_from_table, (table,))


def _node(data: float, grad: float, label: str, op: str, local_grads: tuple,
          parents: tuple) -> Value:
    """A Value with every attribute given (for copies and unpickling: no rule, no mode)."""
    node = Value.__new__(Value)
    node.data, node.grad, node.label = data, grad, label
    node.parents, node.op, node.local_grads = parents, op, local_grads
    return node


def _graph_from_table(table: list) -> Value:
    """Rebuild a pickled graph (see `Value.__reduce__`); returns its root, the last row."""
    nodes: list[Value] = []
    for row in table:
        if not isinstance(row, Value):  # an inner node: its parents come before it
            data, grad, label, op, local_grads, parents = row
            row = _node(data, grad, label, op, local_grads, tuple(nodes[i] for i in parents))
        nodes.append(row)
    return nodes[-1]


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
