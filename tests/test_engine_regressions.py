"""Known failures of small autodiff engines (micrograd's among them), as regression tests.

Also the semantics of backward: leaves accumulate and inner nodes are reset (as in PyTorch),
the order of `backward_steps`, and that a dropped graph is freed by reference counting alone.
"""

from __future__ import annotations

import gc
import math
import weakref

import pytest

import autograd_scalar as ag
from autograd_scalar import Value


def test_node_used_twice_in_one_op():
    """b = a + a; c = b + b: each use adds its gradient (an engine that *sets* grads gets 1)."""
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0 and b.grad == 2.0


def test_cube_by_repeated_multiplication():
    """x * x * x has derivative 3 x**2."""
    x = Value(-1.5)
    (x * x * x).backward()
    assert x.grad == pytest.approx(3 * 1.5**2, rel=1e-15)


def test_shared_inner_node():
    """b = a + 4; c = b*3 + b*5: b's gradient (8) must be complete before it flows to a."""
    a = Value(2.0)
    b = a + 4
    c = b * 3 + b * 5
    c.backward()
    assert a.grad == 8.0 and b.grad == 8.0


def test_diamond_with_unequal_depths():
    """A node reached through a short and a long path (topological order matters)."""
    x = Value(0.5)
    long = ((x * 2).tanh() * 3).exp()
    out = long * x
    out.backward()
    t = math.tanh(1.0)
    expected = math.exp(3 * t) + 0.5 * math.exp(3 * t) * 3 * (1 - t * t) * 2
    assert x.grad == pytest.approx(expected, rel=1e-14)


def test_chain_of_100_000_nodes():
    """Backward is iterative: a deep graph raises no RecursionError, and the gradient of
    x * 1.0001 ** n (built one multiplication at a time) is right."""
    n = 100_000
    x = Value(1.0)
    v = x
    for _ in range(n):
        v = v * 1.00001
    v.backward()
    assert x.grad == pytest.approx(1.00001**n, rel=1e-9)
    assert len(ag.topological_order(v, include_leaves=False)) == n
    del v  # freeing a deep chain must not overflow the C stack either


def test_deep_relu_chain_and_zero_grad():
    n = 50_000
    x = Value(2.0)
    v = x
    for _ in range(n):
        v = v.relu()
    v.backward()
    assert x.grad == 1.0
    v.zero_grad()
    assert x.grad == 0.0


def test_repeated_zero_grad_backward_is_identical():
    x, y = Value(0.3), Value(-1.2)
    out = ag.softmax([x * y, x.exp(), y.tanh()])[1] + ag.logsumexp([x, y, x * x])
    results = []
    for _ in range(3):
        out.zero_grad()
        out.backward()
        results.append((x.grad, y.grad))
    assert results[0] == results[1] == results[2]
    assert results[0] != (0.0, 0.0)


def test_backward_twice_doubles_leaves_not_inner_nodes():
    """PyTorch semantics: leaf gradients accumulate, inner nodes start again from zero."""
    a, b = Value(1.5), Value(-0.5)
    mid = a * b
    out = mid.tanh() + a
    out.backward()
    first = (a.grad, b.grad, mid.grad, out.grad)
    out.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert (mid.grad, out.grad) == (first[2], first[3]) == (first[2], 1.0)


def test_backward_on_a_leaf_accumulates():
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0  # as PyTorch: x.backward() on a leaf adds 1 each time


def test_backward_with_a_gradient_argument():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0


def test_a_node_with_zero_gradient_is_skipped_but_the_result_is_right():
    """relu(-1) passes back nothing; the other path still delivers its gradient."""
    x = Value(-1.0)
    out = x.relu() * 5 + x * 2
    out.backward()
    assert x.grad == 2.0


def test_topological_order_of_several_roots_lists_shared_nodes_once():
    """Several roots share one pass: roots in the order given, each node after its parents,
    a node below two roots listed once, and the same order as the roots' own orders merged."""
    x, y = Value(0.5, "x"), Value(-2.0, "y")
    shared = x * y
    first, second = shared.tanh(), shared + y
    order = ag.topological_order(first, second)
    assert len(order) == len({id(node) for node in order}) == 5  # x, y, shared, 2 roots
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[: len(ag.topological_order(first))] == ag.topological_order(first)
    assert order[-1] is second
    inner = ag.topological_order(first, second, include_leaves=False)
    assert inner == [shared, first, second]
    assert ag.topological_order() == []


def test_topological_order_names_a_root_that_is_not_a_value():
    with pytest.raises(TypeError, match="include_leaves by keyword"):
        ag.topological_order(Value(1.0), False)


def test_backward_step_skips_a_zero_gradient_instead_of_making_nan():
    """A dead ReLU in front of sqrt at 0 (local derivative inf) must pass 0, not 0 * inf."""
    x = Value(0.0)
    out = x.sqrt() * Value(2.0).relu() * 0.0
    out.backward()
    assert x.grad == 0.0


def test_backward_steps_is_reverse_topological_and_matches_backward():
    x, y = Value(0.5, "x"), Value(-2.0, "y")
    s = x * y
    out = (s + x).tanh()
    order = ag.topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order == ag.topological_order(out)  # deterministic
    steps = list(out.backward_steps())
    assert steps == list(reversed(ag.topological_order(out, include_leaves=False)))
    assert steps[0] is out
    grads = (x.grad, y.grad)
    x.grad = y.grad = 0.0
    out.backward()
    assert (x.grad, y.grad) == grads


def test_backward_step_by_hand():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    c.grad = 1.0
    c.backward_step()
    assert (a.grad, b.grad) == (3.0, 2.0)


def _build_graph():
    """A small graph using every kind of node, including constant leaves and n-ary ops."""
    x, y = Value(0.5, "x"), Value(-1.5, "y")
    h = ag.dot([x, y], [0.3, -0.2]) + 2 * x - 1 / (y * y + 1)
    p = ag.softmax([h, x.tanh(), y.sigmoid(), ag.maximum(x, y)])
    out = ag.logsumexp(p) + (x**2).sqrt() + abs(y).log() + 2**x + x ** y.relu()
    return x, y, out


def _survivors_after_drop(build) -> list[Value]:
    """Build a graph with the cycle collector off, drop it, return the nodes still alive.

    Reference counting alone frees a node the moment nothing refers to it, unless it sits
    in a reference cycle: only the collector (off here) frees those.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root = build()
        refs = [weakref.ref(node) for node in ag.topological_order(root)]
        assert len(refs) > 20
        del root
        return [r() for r in refs if r() is not None]
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()  # free what a failing check left behind


def test_dropped_graph_is_freed_without_the_cycle_collector():
    """No node refers back to itself (local derivatives are numbers, not closures, as in
    micrograd), so reference counting frees a graph the moment it is dropped."""

    def as_built():
        x, y, out = _build_graph()
        out.backward()
        return out

    def with_a_cycle():  # the control: the check must see a cycle when there is one
        x, y, out = _build_graph()
        out.backward()
        x.parents = (out,)  # x now refers to the output, which refers back to x
        return out

    assert len(_survivors_after_drop(with_a_cycle)) > 20
    alive = _survivors_after_drop(as_built)
    assert alive == [], f"{len(alive)} nodes still alive, e.g. {alive[0]!r}"


def test_dropped_deep_chain_is_freed_without_the_cycle_collector():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Value(1.0)
        v = x
        refs = []
        for i in range(20_000):
            v = v.relu()
            if i % 1000 == 0:
                refs.append(weakref.ref(v))
        v.backward()
        del v, x
        assert all(r() is None for r in refs)
    finally:
        if was_enabled:
            gc.enable()


def test_values_have_no_instance_dict():
    """__slots__: a node stays small (what lets a million-node chain fit in memory)."""
    assert not hasattr(Value(1.0), "__dict__")
    with pytest.raises(AttributeError):
        Value(1.0).colour = "red"
