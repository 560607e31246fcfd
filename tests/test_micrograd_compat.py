"""Code written for micrograd runs unchanged on our Value.

Many courses use micrograd's lecture notebooks. Their code builds ``Value(x, label='a')``,
reads ``v.data``, ``v.grad``, ``v._prev`` (the parents, as a set) and ``v._op`` (the op, a
string), and runs a node's step with ``v._backward()``. Here:

* micrograd's own test suite (test_sanity_check, test_more_ops, the unary functions), in our
  words: the same expressions, checked against 50-digit central differences (mpmath), and
  against PyTorch float64 and micrograd itself where they are installed;
* a `trace` and `draw_dot` written exactly as micrograd's README/notebook write them;
* the lecture's backward by hand, node by node with ``_backward()``.
"""

from __future__ import annotations

import math

import graphviz
import pytest
from mp_oracle import exactly, mpmath, value_and_gradient

from autograd_scalar import Value, topological_order

# ---------------------------------------------------------------------------------------
# micrograd's test expressions, written once as micrograd writes them: they run on our
# Values, micrograd's, PyTorch tensors and 50-digit numbers (mp_oracle.Exact) alike
# ---------------------------------------------------------------------------------------


def sanity_check(x):
    """micrograd's test_sanity_check: y(x)."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops(a, b):
    """micrograd's test_more_ops: g(a, b), with in-place additions as micrograd writes them."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


CASES = [  # (name, expression, point)
    ("sanity_check", sanity_check, (-4.0,)),
    ("sanity_check at x = 1.5", sanity_check, (1.5,)),
    ("more_ops", more_ops, (-4.0, 2.0)),
    ("more_ops at (0.7, -1.3)", more_ops, (0.7, -1.3)),
]


def ours(expression, point):
    """The expression on Values: (output, inputs), after backward()."""
    inputs = [Value(x) for x in point]
    out = expression(*inputs)
    out.backward()
    return out, inputs


@pytest.mark.parametrize("name,expression,point", CASES, ids=[c[0] for c in CASES])
def test_micrograd_tests_against_50_digit_central_differences(name, expression, point):
    out, inputs = ours(expression, point)
    value, gradient = value_and_gradient(exactly(expression), point)
    assert out.data == pytest.approx(value, rel=1e-13)
    assert [x.grad for x in inputs] == pytest.approx(gradient, rel=1e-12)


@pytest.mark.parametrize("name,expression,point", CASES, ids=[c[0] for c in CASES])
def test_micrograd_tests_against_pytorch(torch, name, expression, point):
    out, inputs = ours(expression, point)
    tensors = [torch.tensor(x, requires_grad=True) for x in point]
    out_t = expression(*tensors)
    out_t.backward()
    assert out.data == pytest.approx(out_t.item(), rel=1e-14)
    assert [x.grad for x in inputs] == pytest.approx([t.grad.item() for t in tensors], rel=1e-14)


def test_micrograd_test_more_ops_reference_figures():
    """The figures micrograd's README prints for test_more_ops' expression."""
    out, (a, b) = ours(more_ops, (-4.0, 2.0))
    assert (out.data, a.grad, b.grad) == pytest.approx(
        (24.70408163265306, 138.83381924198252, 645.5772594752186), rel=1e-14)


@pytest.mark.parametrize("name,expression,point", CASES, ids=[c[0] for c in CASES])
def test_micrograd_tests_against_micrograd_itself(name, expression, point):
    engine = pytest.importorskip("micrograd.engine")
    out, inputs = ours(expression, point)
    theirs = [engine.Value(x) for x in point]
    out_m = expression(*theirs)
    out_m.backward()
    assert out.data == pytest.approx(out_m.data, rel=1e-13)
    assert [x.grad for x in inputs] == pytest.approx([x.grad for x in theirs], rel=1e-12)


@pytest.mark.parametrize("function", ["tanh", "exp"])
@pytest.mark.parametrize("x", [-1.0, 0.123, 2.0])
def test_micrograd_unary_functions(function, x):
    """micrograd's test_unary_tensor_fns: tanh and exp, value and derivative."""
    v = Value(x)
    out = getattr(v, function)()
    out.backward()
    value, (slope,) = value_and_gradient(lambda xs: getattr(mpmath, function)(xs[0]), [x])
    assert out.data == pytest.approx(value, rel=1e-15)
    assert v.grad == pytest.approx(slope, rel=1e-14)


# ---------------------------------------------------------------------------------------
# micrograd's attribute names
# ---------------------------------------------------------------------------------------


def test_prev_is_a_read_only_set_of_the_parents():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    assert e._prev == {a, b} and isinstance(e._prev, frozenset)
    assert (a * a)._prev == {a}  # a set, as micrograd's: a parent used twice appears once
    assert a._prev == set()
    with pytest.raises(AttributeError):
        e._prev = {a}
    with pytest.raises(AttributeError):
        e._prev.add(b)
    assert e.parents == (a, b)  # the ordered tuple is untouched


def test_op_is_the_op_string():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    assert [(a + b)._op, (a * b)._op, (a**2)._op, a.tanh()._op, a.exp()._op, a._op] == [
        "+", "*", "**2", "tanh", "exp", ""]
    assert type((a + b)._op) is str  # a plain string: '%s' and `+` treat it as micrograd's
    with pytest.raises(AttributeError):
        (a + b)._op = "*"


# ---------------------------------------------------------------------------------------
# trace / draw_dot, as micrograd's README and lecture notebook write them
# ---------------------------------------------------------------------------------------


def trace(root):
    """All nodes and edges of the graph of `root` (micrograd's notebook, recursively)."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    """micrograd's notebook diagram: a record per Value, a small node per op."""
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031 (as micrograd writes it)
        dot.node(name=uid, label=label, shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def lecture_neuron():
    """The lecture's neuron: o = tanh(x1 w1 + x2 w2 + b), every node labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, (x1, x2, w1, w2, b)


def test_trace_finds_every_node_and_edge():
    o, leaves = lecture_neuron()
    nodes, edges = trace(o)
    assert nodes == set(topological_order(o))
    assert len(nodes) == 10
    assert edges == {(p, v) for v in nodes for p in v.parents}
    assert len(edges) == 9
    assert {v.label for v in nodes} >= {"x1", "w1", "x1*w1", "n", "o"}


def test_draw_dot_runs_on_our_value_after_backward():
    o, (x1, x2, w1, w2, b) = lecture_neuron()
    o.backward()
    source = draw_dot(o).source
    assert source.count("shape=record") == 10
    # the lecture's figures: o = 0.7071, do/dn = 0.5, do/dw1 = x1 * 0.5 = 1.0, do/dx1 = -1.5
    assert "{ o | data 0.7071 | grad 1.0000 }" in source
    assert "{ n | data 0.8814 | grad 0.5000 }" in source
    assert "{ w1 | data -3.0000 | grad 1.0000 }" in source
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in source
    assert source.count("label=tanh") == 1 and source.count("label=\"*\"") == 2


def test_the_lectures_backward_by_hand_with_underscore_backward():
    """The lecture runs each node's _backward() in reverse topological order, by hand."""
    o, leaves = lecture_neuron()
    o.grad = 1.0
    for node in reversed(topological_order(o)):
        node._backward()
    by_hand = [v.grad for v in leaves]
    o2, leaves2 = lecture_neuron()
    o2.backward()
    assert by_hand == [v.grad for v in leaves2]
    assert by_hand == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5])
    assert math.isclose(o.data, math.sqrt(0.5), rel_tol=1e-15)
