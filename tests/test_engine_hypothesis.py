"""Random expression graphs, built twice (autograd_scalar and PyTorch float64), must agree.

Hypothesis draws a small program: a few leaves, then a sequence of operations, each taking
its operands from *all* earlier nodes (so subexpressions are shared and the graph is a DAG,
not a tree). The same program is run on Values and on tensors; the output value and the
gradient of every leaf must agree to 1e-9 relative.

Inputs are kept inside each op's domain by construction (log and sqrt of ``a*a + 0.5``,
powers of positive bases), and values are kept moderate (exp of a bounded argument, large
intermediate results squashed by tanh). Those guards decide the *structure* from our
values, and the structure is then the same in both graphs, so they cannot cause a mismatch.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


class Ours:
    """The list operations of autograd_scalar (everything else is plain Python syntax)."""

    def __init__(self) -> None:
        self.maximum, self.minimum = ag.maximum, ag.minimum
        self.sum, self.dot, self.logsumexp = ag.sum, ag.dot, ag.logsumexp
        self.softmax, self.log_softmax = ag.softmax, ag.log_softmax

    @staticmethod
    def leaf(x: float) -> Value:
        return Value(x)


class Torch:
    """The same operations in PyTorch; plain numbers become constant tensors."""

    def __init__(self, torch) -> None:
        self.t = torch

    def leaf(self, x: float):
        return self.t.tensor(x, requires_grad=True)

    def _stack(self, items):
        t = self.t
        return t.stack([x if t.is_tensor(x) else t.tensor(float(x)) for x in items])

    def maximum(self, a, b):
        return self.t.maximum(a, b)

    def minimum(self, a, b):
        return self.t.minimum(a, b)

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


def build(data, torch):
    """Draw a program and run it on both engines at once; return (ours, theirs, leaves)."""
    ours, theirs = Ours(), Torch(torch)
    n_leaves = data.draw(st.integers(1, 4), label="leaves")
    points = [data.draw(st.floats(-2.5, 2.5), label=f"x{i}") for i in range(n_leaves)]
    a_nodes = [ours.leaf(x) for x in points]  # autograd_scalar
    t_nodes = [theirs.leaf(x) for x in points]  # PyTorch
    a_leaves, t_leaves = list(a_nodes), list(t_nodes)
    used = [False] * n_leaves

    def pick(label):
        i = data.draw(st.integers(0, len(a_nodes) - 1), label=label)
        used[i] = True
        return i

    constant = st.sampled_from([-2.0, -0.5, 0.25, 1.5, 3.0])
    for step in range(data.draw(st.integers(1, 12), label="ops")):
        op = data.draw(st.sampled_from(OPS), label=f"op{step}")
        if op in NARY:
            k = data.draw(st.integers(1, 4), label="k")
            idx = [pick("operand") for _ in range(k)]
            consts = [data.draw(constant) for _ in range(k)]
            new = [
                apply_nary(op, be, [nodes[i] for i in idx], consts)
                for be, nodes in ((ours, a_nodes), (theirs, t_nodes))
            ]
            outs_a = new[0] if isinstance(new[0], list) else [new[0]]
            outs_t = new[1] if isinstance(new[1], list) else [new[1]]
        else:
            i = pick("a")
            j = pick("b") if op in BINARY else i
            c = data.draw(constant)
            op = guard(op, a_nodes[i], a_nodes[j], i == j)
            outs_a = [apply(op, ours, a_nodes[i], a_nodes[j], c)]
            outs_t = [apply(op, theirs, t_nodes[i], t_nodes[j], c)]
        for a, t in zip(outs_a, outs_t):
            if abs(a.data) > BIG:  # keep values moderate (the same squash in both graphs)
                a, t = (a / BIG).tanh(), (t / BIG).tanh()
            a_nodes.append(a)
            t_nodes.append(t)
            used.append(False)
    # The output depends on every node nobody used, so no part of the graph is dead.
    sinks = [i for i in range(n_leaves, len(a_nodes)) if not used[i]]
    out_a = ag.sum([a_nodes[i] for i in sinks])
    out_t = theirs.sum([t_nodes[i] for i in sinks])
    return out_a, out_t, a_leaves, t_leaves


def guard(op, a, b, same_node):
    """Decide from our values (never from PyTorch's) where an op needs a safer variant.

    exp of a large argument becomes exp(3 tanh(a)). relu/abs/max/min right next to their
    kink could branch differently in the two engines after a 1-ulp difference; a smooth op
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


# One entry per unary/binary op: f(be, a, b, c) with operands a, b (b is a for unary ops),
# a constant c, and `be` the engine, which supplies the functions Python syntax lacks.
APPLY = {
    "neg": lambda be, a, b, c: -a,
    "exp": lambda be, a, b, c: a.exp(),
    "exp_tanh": lambda be, a, b, c: (3 * a.tanh()).exp(),  # a bounded argument, |.| <= 3
    "log": lambda be, a, b, c: (a * a + 0.5).log(),
    "sqrt": lambda be, a, b, c: (a * a + 0.5).sqrt(),
    "tanh": lambda be, a, b, c: a.tanh(),
    "sigmoid": lambda be, a, b, c: a.sigmoid(),
    "relu": lambda be, a, b, c: a.relu(),
    "abs": lambda be, a, b, c: abs(a),
    "pow_int": lambda be, a, b, c: a ** (2 if c < 0 else 3),
    "pow_frac": lambda be, a, b, c: (a * a + 0.5) ** (c / 2),
    "rpow": lambda be, a, b, c: abs(c) ** a.tanh(),  # number ** Value
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
    "pow_value": lambda be, a, b, c: (a * a + 0.5) ** (2 * b.tanh()),  # Value ** Value
    "maximum": lambda be, a, b, c: be.maximum(a, b),
    "minimum": lambda be, a, b, c: be.minimum(a, b),
}


def apply(op, be, a, b, c):
    """One unary/binary op on either engine."""
    return APPLY[op](be, a, b, c)


def apply_nary(op, be, operands, consts):
    """One many-operand op on either engine; softmax/log_softmax give a list of nodes."""
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


def close(ours: float, theirs: float, scale: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12 * scale)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_graphs_match_pytorch(torch, data):
    out_a, out_t, a_leaves, t_leaves = build(data, torch)
    assert close(out_a.data, out_t.item(), 1.0), (out_a.data, out_t.item())
    out_a.backward()
    if out_t.requires_grad:
        out_t.backward()
    t_grads = [0.0 if t.grad is None else t.grad.item() for t in t_leaves]
    scale = 1.0 + max(abs(g) for g in t_grads)  # the absolute floor grows with the gradients
    for k, (a, tg) in enumerate(zip(a_leaves, t_grads)):
        assert close(a.grad, tg, scale), f"leaf {k}: ours {a.grad!r}, PyTorch {tg!r}"


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_graphs_backward_twice_and_zero_grad(torch, data):
    """On the same random graphs: a second backward() doubles every leaf gradient (leaves
    accumulate, inner nodes are reset), and zero_grad() + backward() gives them again."""
    out, _, leaves, _ = build(data, torch)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    out.backward()
    # (g + c1) + c2 may round differently from 2 * (c1 + c2): equal to ~1 ulp, not exactly
    assert [leaf.grad for leaf in leaves] == pytest.approx([2 * g for g in first], rel=1e-12)
    out.zero_grad()
    assert all(node.grad == 0.0 for node in ag.topological_order(out))
    out.backward()
    assert [leaf.grad for leaf in leaves] == first
