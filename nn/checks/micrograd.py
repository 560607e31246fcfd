"""Checks for assignment 1, "Build your own micrograd": a student's `Value` class.

The student's class has micrograd's shape: ``Value(data)`` with ``.data`` and ``.grad``;
every operation returns a new Value whose ``_backward`` closure pushes ``out.grad`` times
the local derivative to the operands; ``backward()`` sorts the graph topologically and
calls every ``_backward`` from the output back to the leaves.

`autograd_scalar.Value` is the oracle: each check builds the same expression with both
classes and compares the values and the gradients. When they differ, the check looks for
the classic mistakes and names them:

* ``=`` instead of ``+=`` in a ``_backward`` (a Value used twice keeps only one gradient),
* ``backward()`` visiting the nodes in the wrong order, or a node twice,
* the output's gradient not set to 1, or gradients not reset between two training steps,
* a recursive topological sort that dies on a deep chain (a stretch goal).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

from autograd_scalar import Value as Oracle

from .report import fail, ok, run

__all__ = [
    "check_forward",
    "check_local_gradients",
    "check_accumulation",
    "check_backward",
    "check_random_graphs",
    "check_gradient_descent",
    "check_deep_chain",
]

# ---------------------------------------------------------------------------------------
# The operations under test: how to apply each, and its local derivative in words
# ---------------------------------------------------------------------------------------

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "x + y": lambda x, y: x + y,
    "x * y": lambda x, y: x * y,
    "x - y": lambda x, y: x - y,
    "x / y": lambda x, y: x / y,
}
UNARY: dict[str, Callable[[Any], Any]] = {
    "x ** 3": lambda x: x**3,
    "x ** -2": lambda x: x**-2,
    "x.tanh()": lambda x: x.tanh(),
    "x.exp()": lambda x: x.exp(),
    "x.relu()": lambda x: x.relu(),
    "-x": lambda x: -x,
}
WITH_NUMBERS: dict[str, Callable[[Any], Any]] = {
    "x + 2": lambda x: x + 2,
    "2 + x": lambda x: 2 + x,
    "x * 3": lambda x: x * 3,
    "3 * x": lambda x: 3 * x,
    "2 - x": lambda x: 2 - x,
    "x - 2": lambda x: x - 2,
    "2 / x": lambda x: 2 / x,
}
DERIVATIVES = {
    "x + y": "d/dx = 1 and d/dy = 1",
    "x * y": "d/dx = y and d/dy = x",
    "x - y": "d/dx = 1 and d/dy = -1 (derive it: x + (-y))",
    "x / y": "d/dx = 1/y and d/dy = -x/y**2 (derive it: x * y**-1)",
    "x ** 3": "d/dx x**n = n * x**(n-1)",
    "x ** -2": "d/dx x**n = n * x**(n-1), here -2 * x**-3",
    "x.tanh()": "d/dx tanh(x) = 1 - tanh(x)**2",
    "x.exp()": "d/dx exp(x) = exp(x)",
    "x.relu()": "d/dx relu(x) = 1 if x > 0 else 0",
    "-x": "d/dx (-x) = -1 (derive it: x * -1)",
}
PRIMITIVES = ("x + y", "x * y", "x ** 3", "x ** -2", "x.tanh()", "x.exp()", "x.relu()")
DERIVED = ("x - y", "x / y", "-x")  # no _backward of their own: checked through backward()
POINTS = ((1.5, -0.5), (-0.7, 2.0))  # (x, y): both signs, so relu is seen on and off


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _number(what: str, value: Any) -> float:
    """A student's Value's data or grad as a float, or a message saying what it is instead."""
    if not isinstance(value, int | float):
        fail(f"{what} should be a number, got {type(value).__name__}: {value!r}. "
             "Keep plain floats in .data and .grad (not Values).")
    return float(value)


# ---------------------------------------------------------------------------------------
# Forward values and local derivatives, one operation at a time
# ---------------------------------------------------------------------------------------


def check_forward(Value: type) -> bool:
    """Each operation gives the right number in .data, also with plain numbers mixed in."""
    for x0, y0 in POINTS:
        cases = [(name, lambda f=f, x0=x0, y0=y0: f(Value(x0), Value(y0)),
                  f(Oracle(x0), Oracle(y0))) for name, f in BINARY.items()]
        cases += [(name, lambda f=f, x0=x0: f(Value(x0)), f(Oracle(x0)))
                  for name, f in {**UNARY, **WITH_NUMBERS}.items()]
        for name, student, oracle in cases:
            out = run(f"{name} with x = {x0}, y = {y0}", student)
            if not hasattr(out, "data"):
                fail(f"{name} should return a Value, got {type(out).__name__}: {out!r}.")
            data = _number(f"({name}).data", out.data)
            if not _close(data, oracle.data):
                fail(f"{name} with x = {x0}, y = {y0} gives {data:.6g}, "
                     f"but it should be {oracle.data:.6g}.")
    return ok("every operation computes the right value")


def _local_step(Value: type, name: str, x0: float, y0: float) -> tuple[float, float | None]:
    """Run one operation's _backward by hand with out.grad = 1; return (x.grad, y.grad)."""
    x, y = Value(x0), Value(y0)
    if name in BINARY:
        out = run(name, lambda: BINARY[name](x, y))
    else:
        out, y = run(name, lambda: UNARY[name](x)), None
    if not callable(getattr(out, "_backward", None)):
        fail(f"the Value made by {name} has no _backward function: each operation sets "
             "out._backward to a closure that sends out.grad to the operands.")
    out.grad = 1.0
    run(f"({name})._backward()", out._backward)
    return _number("x.grad", x.grad), None if y is None else _number("y.grad", y.grad)


def check_local_gradients(Value: type) -> bool:
    """Each operation's _backward gives its operands the local derivative (out.grad = 1)."""
    if _number("Value(2.0).grad", Value(2.0).grad) != 0.0:
        fail(f"a new Value should start with grad 0.0, got {Value(2.0).grad!r}: nothing "
             "has been pushed to it yet.")
    for name in PRIMITIVES:
        for x0, y0 in POINTS:
            dx, dy = _local_step(Value, name, x0, y0)
            x, y = Oracle(x0), Oracle(y0)
            out = BINARY[name](x, y) if name in BINARY else UNARY[name](x)
            out.backward()
            for leaf, got, want in (("x", dx, x.grad), ("y", dy, y.grad)):
                if got is not None and not _close(got, want):
                    fail(f"after ({name})._backward() with out.grad = 1, x = {x0}, y = {y0}: "
                         f"{leaf}.grad is {got:.6g} but should be {want:.6g}. "
                         f"Remember {DERIVATIVES[name]}, times out.grad.")
    return ok("every operation's _backward sends the right local derivative")


def check_accumulation(Value: type) -> bool:
    """A Value used twice receives the sum of both gradients (+=, never =)."""
    for name, build, want in (("x * x", lambda x: x * x, 6.0), ("x + x", lambda x: x + x, 2.0)):
        x = Value(3.0)
        out = run(name, lambda build=build, x=x: build(x))
        out.grad = 1.0
        run(f"({name})._backward()", out._backward)
        got = _number("x.grad", x.grad)
        if _close(got, want / 2):
            fail(f"for {name} with x = 3, x.grad is {got:g} but should be {want:g}: x is used "
                 "twice, and the second gradient overwrote the first. In _backward, add to "
                 "the gradient (self.grad += ...), never assign it (self.grad = ...).")
        if not _close(got, want):
            fail(f"for {name} with x = 3, x.grad is {got:g} but should be {want:g}.")
    return ok("gradients accumulate with += when a Value is used twice")


# ---------------------------------------------------------------------------------------
# backward(): seeding, order, whole graphs
# ---------------------------------------------------------------------------------------


def _backward_on(Value: type, build: Callable, inputs: tuple[float, ...]) -> tuple[Any, list]:
    """Build `build(*leaves)` with the student's class, call backward(), return (out, leaves)."""
    leaves = [Value(v) for v in inputs]
    out = run("building the expression", lambda: build(*leaves))
    run("out.backward()", out.backward)
    return out, leaves


def _oracle_grads(build: Callable, inputs: tuple[float, ...]) -> tuple[float, list[float]]:
    leaves = [Oracle(v) for v in inputs]
    out = build(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# Three graphs that catch the classic mistakes of backward(): what each one is for.
GRAPHS = (
    ("((x * 2).tanh() * 3).exp()", lambda x: ((x * 2).tanh() * 3).exp(), (0.3,),
     "A chain: each node must pass its gradient on after receiving it, output first."),
    ("a = x * y; (a + a.tanh()) * a",
     lambda x, y: (lambda a: (a + a.tanh()) * a)(x * y), (0.5, -1.2),
     "a is used three times: it must collect all three gradients before passing them on."),
    ("x * y + x", lambda x, y: x * y + x, (2.0, -3.0),
     "x is used twice: its gradients must add up (+=) in every _backward."),
)


def check_backward(Value: type) -> bool:
    """backward() seeds the output with 1 and visits every node once, output first."""
    for text, build, inputs, purpose in GRAPHS:
        out, leaves = _backward_on(Value, build, inputs)
        _, want = _oracle_grads(build, inputs)
        if not _close(_number("out.grad", out.grad), 1.0):
            fail(f"after out.backward() on {text}, out.grad is {out.grad!r}, but it should be "
                 "1.0: backward() starts with self.grad = 1.0 (d out / d out = 1).")
        got = [_number(f"x{i}.grad", leaf.grad) for i, leaf in enumerate(leaves)]
        if not all(_close(g, w) for g, w in zip(got, want)):
            fail(f"after backward() on {text} with inputs {inputs}: leaf gradients {got}, "
                 f"expected {[round(w, 6) for w in want]}. {_order_hint(got, want, purpose)}")
    for name in DERIVED:
        build = BINARY.get(name) or UNARY[name]
        inputs = POINTS[0][: 2 if name in BINARY else 1]
        _, leaves = _backward_on(Value, build, inputs)
        _, want = _oracle_grads(build, inputs)
        for leaf, w in zip(leaves, want):
            if not _close(_number("grad", leaf.grad), w):
                fail(f"after ({name}).backward() with x, y = {inputs}: gradients "
                     f"{[leaf.grad for leaf in leaves]}, expected {want}. "
                     f"Remember {DERIVATIVES[name]}.")
    return ok("backward() gives the right gradients on chains, shared nodes and - / neg")


def _order_hint(got: list[float], want: list[float], purpose: str) -> str:
    """Name the likely mistake from the pattern of the wrong gradients."""
    if all(g == 0 for g in got):
        return ("The gradients never reached the leaves: call _backward on the nodes in "
                "REVERSE topological order (the output first), after setting the output's "
                "grad to 1.0; in the forward order each node passes on a gradient it has not "
                "received yet.")
    if any(abs(g) > abs(w) * 1.01 for g, w in zip(got, want)):
        return ("Some gradients are too large: a node's _backward ran more than once. "
                "Build the topological order with a `visited` set so each node appears once.")
    return purpose


def check_random_graphs(Value: type, graphs: int = 200, seed: int = 0) -> bool:
    """Random expressions of every operation: the values and every leaf's gradient."""
    rng = random.Random(seed)
    for _ in range(graphs):
        program, inputs = _random_program(rng)
        build = _interpreter(program)
        out, leaves = _backward_on(Value, build, inputs)
        data, want = _oracle_grads(build, inputs)
        listing = "\n    ".join(_listing(program, inputs))
        if not _close(_number("out.data", out.data), data):
            fail(f"the value of this expression is {out.data:.6g}, expected {data:.6g}:"
                 f"\n    {listing}")
        for i, (leaf, w) in enumerate(zip(leaves, want)):
            if not _close(_number(f"x{i}.grad", leaf.grad), w):
                fail(f"dout/dx{i} is {leaf.grad:.6g}, expected {w:.6g}, for:\n    {listing}\n"
                     "Find the smallest expression that goes wrong and check its ops alone.")
    return ok(f"{graphs} random expressions: every value and every gradient is right")


# A program: a list of (op, operand indices, constant); node k + 3 is the k-th step's result.
def _random_program(rng: random.Random) -> tuple[list, tuple[float, ...]]:
    inputs = tuple(rng.choice((-1, 1)) * rng.uniform(0.3, 1.5) for _ in range(3))
    values, program = list(inputs), []
    while len(program) < rng.randint(3, 8):
        op = rng.choice(("+", "*", "-", "/", "**", "tanh", "exp", "relu", "neg", "+c", "*c"))
        i, j = rng.randrange(len(values)), rng.randrange(len(values))
        a, b = values[i], values[j]
        c = rng.choice((2, 3, -1)) if op == "**" else round(rng.uniform(-2, 2), 2)
        if (op == "/" and abs(b) < 0.3) or (op == "**" and abs(a) < 0.3) \
                or (op == "exp" and abs(a) > 3) or (op == "relu" and abs(a) < 1e-3) \
                or abs(_step(op, a, b, c)) > 1e3:
            continue
        program.append((op, i, j, c))
        values.append(_step(op, a, b, c))
    return program, inputs


def _step(op: str, a: Any, b: Any, c: float) -> Any:
    """Apply one program step to numbers, the oracle's Values or the student's Values."""
    if op in ("tanh", "exp"):
        return getattr(math, op)(a) if isinstance(a, float) else getattr(a, op)()
    if op == "relu":
        return max(a, 0.0) if isinstance(a, float) else a.relu()
    return {"+": lambda: a + b, "*": lambda: a * b, "-": lambda: a - b, "/": lambda: a / b,
            "**": lambda: a**c, "neg": lambda: -a, "+c": lambda: a + c,
            "*c": lambda: c * a}[op]()


def _interpreter(program: list) -> Callable:
    def build(*leaves: Any) -> Any:
        nodes = list(leaves)
        for op, i, j, c in program:
            nodes.append(_step(op, nodes[i], nodes[j], c))
        return nodes[-1]
    return build


def _listing(program: list, inputs: tuple[float, ...]) -> list[str]:
    """The program as lines a student can paste: x0 = Value(0.52) ... out = v4 * x1."""
    names = [f"x{i}" for i in range(len(inputs))]
    lines = [f"{n} = Value({v:.3f})" for n, v in zip(names, inputs)]
    for k, (op, i, j, c) in enumerate(program):
        a, b = names[i], names[j]
        text = {"tanh": f"{a}.tanh()", "exp": f"{a}.exp()", "relu": f"{a}.relu()",
                "neg": f"-{a}", "**": f"{a} ** {c}", "+c": f"{a} + {c}", "*c": f"{c} * {a}"}
        names.append(f"v{k}")
        lines.append(f"v{k} = {text.get(op, f'{a} {op} {b}')}")
    return lines + [f"v{len(program) - 1}.backward()"]


# ---------------------------------------------------------------------------------------
# Training with the student's Value, and the stretch goal
# ---------------------------------------------------------------------------------------


def _descent_oracle(steps: int, lr: float, reset: bool) -> list[float]:
    """Minimise (w - 3)**2 from w = 0 with the engine; with reset=False, the classic bug."""
    w = Oracle(0.0)
    path = []
    for _ in range(steps):
        if reset:
            w.grad = 0.0
        loss = (w - 3) ** 2
        loss.backward()
        w.data -= lr * w.grad
        path.append(w.data)
    return path


def check_gradient_descent(descend: Callable, Value: type) -> bool:
    """`descend(Value, steps, lr)` minimises (w - 3)**2 from w = 0; returns w.data per step."""
    steps, lr = 5, 0.1
    path = run(f"descend(Value, steps={steps}, lr={lr})", lambda: descend(Value, steps, lr))
    try:
        path = [float(getattr(v, "data", v)) for v in path]
    except (TypeError, ValueError):
        fail(f"descend should return the list of w.data after each step, got {path!r}.")
    want = _descent_oracle(steps, lr, reset=True)
    if len(path) != steps:
        fail(f"descend returned {len(path)} numbers; it should return one per step ({steps}).")
    if all(_close(a, b) for a, b in zip(path, want)):
        return ok("gradient descent with your Value goes where it should")
    if all(_close(a, b) for a, b in zip(path, _descent_oracle(steps, lr, reset=False))):
        fail("w moves too far from the second step on: the gradient was not reset. "
             "backward() ADDS to w.grad, so set w.grad = 0.0 before every backward().")
    fail(f"w after each step: yours {[round(v, 5) for v in path]}, "
         f"expected {[round(v, 5) for v in want]}. Each step: reset w.grad, compute the loss, "
         "call backward(), then w.data -= lr * w.grad.")


def check_deep_chain(Value: type, depth: int = 5000) -> bool:
    """STRETCH GOAL: backward() through a chain deeper than Python's recursion limit."""
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y * 1.0
    try:
        run("backward() on a deep chain", y.backward)
    except RecursionError:
        fail(f"backward() on a chain of {depth} multiplications hit Python's recursion limit "
             f"({sys.getrecursionlimit()} nested calls). A recursive build_topo calls itself "
             "once per node. Stretch goal: sort with an explicit stack (a list you push to "
             "and pop from) instead of recursion.")
    if not _close(_number("x.grad", x.grad), 1.0):
        fail(f"x.grad is {x.grad!r} after backward() on x * 1.0 * 1.0 * ...: it should be 1.0.")
    return ok(f"backward() works through a chain of {depth} operations")
