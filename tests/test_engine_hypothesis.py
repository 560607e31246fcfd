"""Random expression graphs must agree with two oracles: 50-digit arithmetic and PyTorch.

Hypothesis draws a small program: a few leaves, then a sequence of operations, each taking
its operands from *all* earlier nodes (so subexpressions are shared and the graph is a DAG,
not a tree). The program is built on Values, and recorded, so that it can be run again:

* with mpmath at 50 digits, and differentiated by central differences (tests/mp_oracle.py):
  an oracle that needs nothing but mpmath, so these tests run where PyTorch is absent;
* on PyTorch float64 tensors, where PyTorch is installed: a second, independent engine.

The output value and the gradient of every leaf must agree to 1e-9 relative.

Inputs are kept inside each op's domain by construction (log and sqrt of ``a*a + 0.5``,
powers of positive bases), and values are kept moderate (exp of a bounded argument, large
intermediate results squashed by tanh). Those guards decide the *structure* from our
values, and the recorded structure is replayed unchanged by the oracles, so they cannot
cause a mismatch. relu/abs/max/min are kept at least 1e-7 from their kinks, so the 1e-15
steps of the central differences never cross one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mp_oracle import mpmath, value_and_gradient

import autograd_scalar as ag
from autograd_scalar import Value

pytestmark = pytest.mark.filterwarnings("ignore")

UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "pow_int", "pow_frac"]
UNARY += ["rpow", "radd", "rsub", "rmul", "rdiv", "add_c", "sub_c", "mul_c", "div_c"]
BINARY = ["add", "sub", "mul", "div", "pow_value", "maximum", "minimum"]
NARY = ["sum", "sum_c", "dot", "dot_c", "c_dot", "logsumexp", "softmax", "log_softmax"]
OPS = UNARY + BINARY + NARY

BIG = 1e3  # results larger than this are squashed with tanh, to keep values moderate
NEAR_KINK = 1e-7  # relu/abs/max/min this close to their kink switch to a smooth op


# ---------------------------------------------------------------------------------------
# Three engines, one interface: the functions Python syntax lacks (+ - * / ** abs are
# written as operators and work on all three)
# ---------------------------------------------------------------------------------------


class Ours:
    """autograd_scalar."""

    maximum, minimum = staticmethod(ag.maximum), staticmethod(ag.minimum)
    sum, dot, logsumexp = staticmethod(ag.sum), staticmethod(ag.dot), staticmethod(ag.logsumexp)
    softmax, log_softmax = staticmethod(ag.softmax), staticmethod(ag.log_softmax)

    @staticmethod
    def leaf(x: float) -> Value:
        return Value(x)

    exp, log, sqrt = Value.exp, Value.log, Value.sqrt
    tanh, sigmoid, relu = Value.tanh, Value.sigmoid, Value.relu


class Torch:
    """PyTorch float64; plain numbers become constant tensors."""

    def __init__(self, torch) -> None:
        self.t = torch
        self.exp, self.log, self.sqrt = torch.exp, torch.log, torch.sqrt
        self.tanh, self.sigmoid, self.relu = torch.tanh, torch.sigmoid, torch.relu
        self.maximum, self.minimum = torch.maximum, torch.minimum

    def leaf(self, x: float):
        return self.t.tensor(x, requires_grad=True)

    def _stack(self, items):
        t = self.t
        return t.stack([x if t.is_tensor(x) else t.tensor(float(x)) for x in items])

    def sum(self, items):
        return self._stack(items).sum()

    def dot(self, xs, ys):
        return (self._stack(xs) * self._stack(ys)).sum()

    def logsumexp(self, items):
        return self.t.logsumexp(self._stack(items), 0)

    def softmax(self, items):
        return list(self.t.softmax(self._stack(items), 0).unbind())

    def log_softmax(self, items):
        return list(self.t.log_softmax(self._stack(items), 0).unbind())


class Exact:
    """mpmath numbers, at whatever precision is in force (50 digits in mp_oracle)."""

    exp, log, sqrt, tanh = mpmath.exp, mpmath.log, mpmath.sqrt, mpmath.tanh

    @staticmethod
    def leaf(x):
        return mpmath.mpf(x)

    @staticmethod
    def sigmoid(a):
        return 1 / (1 + mpmath.exp(-a))

    @staticmethod
    def relu(a):
        return a if a > 0 else mpmath.mpf(0)

    @staticmethod
    def maximum(a, b):
        return a if a >= b else b

    @staticmethod
    def minimum(a, b):
        return a if a <= b else b

    @staticmethod
    def sum(items):
        return mpmath.fsum(items)

    @staticmethod
    def dot(xs, ys):
        return mpmath.fsum(x * y for x, y in zip(xs, ys))

    @staticmethod
    def logsumexp(items):
        return mpmath.log(mpmath.fsum(mpmath.exp(x) for x in items))

    @staticmethod
    def softmax(items):
        exps = [mpmath.exp(x) for x in items]
        total = mpmath.fsum(exps)
        return [e / total for e in exps]

    @staticmethod
    def log_softmax(items):
        log_total = Exact.logsumexp(items)
        return [x - log_total for x in items]


# One entry per unary/binary op: f(be, a, b, c) with operands a, b (b is a for unary ops),
# a constant c, and `be` the engine, which supplies the functions Python syntax lacks.
APPLY = {
    "neg": lambda be, a, b, c: -a,
    "exp": lambda be, a, b, c: be.exp(a),
    "exp_tanh": lambda be, a, b, c: be.exp(3 * be.tanh(a)),  # a bounded argument, |.| <= 3
    "log": lambda be, a, b, c: be.log(a * a + 0.5),
    "sqrt": lambda be, a, b, c: be.sqrt(a * a + 0.5),
    "tanh": lambda be, a, b, c: be.tanh(a),
    "sigmoid": lambda be, a, b, c: be.sigmoid(a),
    "relu": lambda be, a, b, c: be.relu(a),
    "abs": lambda be, a, b, c: abs(a),
    "pow_int": lambda be, a, b, c: a ** (2 if c < 0 else 3),
    "pow_frac": lambda be, a, b, c: (a * a + 0.5) ** (c / 2),
    "rpow": lambda be, a, b, c: abs(c) ** be.tanh(a),  # number ** Value
    "radd": lambda be, a, b, c: c + a,
    "rsub": lambda be, a, b, c: c - a,
    "rmul": lambda be, a, b, c: c * a,
    "rdiv": lambda be, a, b, c: c / (a * a + 0.5),
    "add_c": lambda be, a, b, c: a + c,
    "sub_c": lambda be, a, b, c: a - c,
    "mul_c": lambda be, a, b, c: a * c,
    "div_c": lambda be, a, b, c: a / c,
    "add": lambda be, a, b, c: a + b,
    "sub": lambda be, a, b, c: a - b,
    "mul": lambda be, a, b, c: a * b,
    "div": lambda be, a, b, c: a / (b * b + 0.5),
    "pow_value": lambda be, a, b, c: (a * a + 0.5) ** (2 * be.tanh(b)),  # Value ** Value
    "maximum": lambda be, a, b, c: be.maximum(a, b),
    "minimum": lambda be, a, b, c: be.minimum(a, b),
}


def apply_nary(op, be, operands, consts):
    """One many-operand op on any engine; softmax/log_softmax give a list of nodes."""
    if op == "sum":
        return be.sum(operands)
    if op == "sum_c":  # numbers mixed in: constants, not parents
        return be.sum(operands + consts)
    if op == "dot":  # Values on both sides (the reversed list shares nodes with the first)
        return be.dot(operands, operands[::-1])
    if op == "dot_c":  # Values . numbers
        return be.dot(operands, consts)
    if op == "c_dot":  # numbers . Values
        return be.dot(consts, operands)
    return getattr(be, op)(operands)  # logsumexp, softmax, log_softmax


# ---------------------------------------------------------------------------------------
# A program: drawn by hypothesis, built on Values, replayed on the oracles
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One operation: its op (after the guards), operand node numbers, constants, and for
    each of its results whether it was squashed by tanh."""

    op: str
    operands: tuple[int, ...]
    consts: tuple[float, ...]
    squash: tuple[bool, ...]


@dataclass(frozen=True)
class Program:
    points: tuple[float, ...]  # the leaves' values
    steps: tuple[Step, ...]
    sinks: tuple[int, ...]  # the nodes nobody used: the output is their sum


def results(step: Step, be, nodes: list) -> list:
    """The step's op on engine `be`, given the nodes made so far (before any squash)."""
    operands = [nodes[i] for i in step.operands]
    if step.op in NARY:
        outs = apply_nary(step.op, be, operands, list(step.consts))
        return outs if isinstance(outs, list) else [outs]
    return [APPLY[step.op](be, operands[0], operands[-1], step.consts[0])]  # unary: b is a


def squashed(step: Step, be, outs: list) -> list:
    """Each result squashed by tanh where the recorded step says so."""
    assert len(outs) == len(step.squash)
    return [be.tanh(out / BIG) if squash else out for out, squash in zip(outs, step.squash)]


def replay(program: Program, be, points=None):
    """Run a recorded program on engine `be` (at `points`, default its own); return
    (output, leaves)."""
    leaves = [be.leaf(x) for x in (program.points if points is None else points)]
    nodes = list(leaves)
    for step in program.steps:
        nodes += squashed(step, be, results(step, be, nodes))
    return be.sum([nodes[i] for i in program.sinks]), leaves


def build(data):
    """Draw a program and build it on Values; return (program, output, leaves)."""
    n_leaves = data.draw(st.integers(1, 4), label="leaves")
    points = tuple(data.draw(st.floats(-2.5, 2.5), label=f"x{i}") for i in range(n_leaves))
    leaves = [Value(x) for x in points]
    nodes = list(leaves)
    used = [False] * n_leaves

    def pick(label):
        i = data.draw(st.integers(0, len(nodes) - 1), label=label)
        used[i] = True
        return i

    constant = st.sampled_from([-2.0, -0.5, 0.25, 1.5, 3.0])
    steps = []
    for number in range(data.draw(st.integers(1, 12), label="ops")):
        op = data.draw(st.sampled_from(OPS), label=f"op{number}")
        if op in NARY:
            k = data.draw(st.integers(1, 4), label="k")
            operands = tuple(pick("operand") for _ in range(k))
            consts = tuple(data.draw(constant) for _ in range(k))
        else:
            i = pick("a")
            j = pick("b") if op in BINARY else i
            operands = (i, j) if op in BINARY else (i,)
            consts = (data.draw(constant),)
            op = guard(op, nodes[i], nodes[j], i == j)
        outs = results(Step(op, operands, consts, squash=()), Ours, nodes)
        # keep values moderate (the same squash, recorded, in every replay)
        step = Step(op, operands, consts, tuple(abs(out.data) > BIG for out in outs))
        steps.append(step)
        nodes += squashed(step, Ours, outs)
        used += [False] * len(outs)
    # The output depends on every node nobody used, so no part of the graph is dead.
    sinks = tuple(i for i in range(n_leaves, len(nodes)) if not used[i])
    out = ag.sum([nodes[i] for i in sinks])
    return Program(points, tuple(steps), sinks), out, leaves


def guard(op, a, b, same_node):
    """Decide from our values (never from an oracle's) where an op needs a safer variant.

    exp of a large argument becomes exp(3 tanh(a)). relu/abs/max/min right next to their
    kink could branch differently in two engines after a 1-ulp difference; a smooth op
    replaces them there. An exact tie of a node with itself (max(a, a)) is kept: both
    engines see it, and both split the gradient.
    """
    if op == "exp" and abs(a.data) >= 5:
        return "exp_tanh"
    if op in ("relu", "abs") and abs(a.data) < NEAR_KINK:
        return "tanh"
    if op in ("maximum", "minimum") and not same_node and abs(a.data - b.data) < NEAR_KINK:
        return "add"
    return op


def close(ours: float, theirs: float, scale: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12 * scale)


def assert_gradients_close(leaves, expected, oracle):
    scale = 1.0 + max(abs(g) for g in expected)  # the absolute floor grows with the gradients
    for k, (leaf, g) in enumerate(zip(leaves, expected)):
        assert close(leaf.grad, g, scale), f"leaf {k}: ours {leaf.grad!r}, {oracle} {g!r}"


# ---------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_graphs_match_50_digit_central_differences(data):
    program, out, leaves = build(data)
    exact_value, exact_gradient = value_and_gradient(
        lambda xs: replay(program, Exact, xs)[0], program.points)
    assert close(out.data, exact_value, 1.0), (out.data, exact_value)
    out.backward()
    assert_gradients_close(leaves, exact_gradient, "mpmath")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_graphs_match_pytorch(torch, data):
    program, out, leaves = build(data)
    out_t, t_leaves = replay(program, Torch(torch))
    assert close(out.data, out_t.item(), 1.0), (out.data, out_t.item())
    out.backward()
    if out_t.requires_grad:
        out_t.backward()
    t_grads = [0.0 if t.grad is None else t.grad.item() for t in t_leaves]
    assert_gradients_close(leaves, t_grads, "PyTorch")


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_graphs_backward_twice_and_zero_grad(data):
    """On the same random graphs: a second backward() doubles every leaf gradient (leaves
    accumulate, inner nodes are reset), and zero_grad() + backward() gives them again."""
    _, out, leaves = build(data)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    out.backward()
    # (g + c1) + c2 may round differently from 2 * (c1 + c2): equal to ~1 ulp, not exactly
    assert [leaf.grad for leaf in leaves] == pytest.approx([2 * g for g in first], rel=1e-12)
    out.zero_grad()
    assert all(node.grad == 0.0 for node in ag.topological_order(out))
    out.backward()
    assert [leaf.grad for leaf in leaves] == first
