"""Reliability of the engine's modes (per thread, exact restore) and of copies and pickles.

Each test here failed before its fix: no_grad was one process-wide switch, grad() inside
no_grad returned 0, a graph with ``x ** c`` could not be pickled, and copying or pickling a
chain of a few hundred nodes hit the recursion limit.
"""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest

from autograd_scalar import (
    Value,
    enable_grad,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
    value_and_grad,
)


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def evaluator():
        with no_grad():
            inside.set()
            release.wait(5)
            seen["evaluator"] = is_grad_enabled()

    thread = threading.Thread(target=evaluator)
    thread.start()
    inside.wait(5)
    try:
        x = Value(3.0)
        y = x * x  # recorded here while the other thread sits inside no_grad
        y.backward()
        assert is_grad_enabled()
        assert x.grad == 6.0
    finally:
        release.set()
        thread.join()
    assert seen["evaluator"] is False


def test_overlapping_blocks_in_two_threads_restore_recording():
    # Thread A enters, B enters, A exits, B exits: a saved on/off value restores "off".
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    x = Value(2.0)
    (x ** 3).backward()
    assert x.grad == 12.0


def test_interleaved_generators_leave_recording_on():
    def evaluate(values):
        with no_grad():
            for v in values:
                yield v * 2

    first, second = evaluate([1.0, 2.0]), evaluate([3.0, 4.0])
    next(first)
    next(second)  # second block opens while the first is still open
    list(first)  # first closes before second
    list(second)
    assert is_grad_enabled()
    x = Value(2.0)
    (x * x).backward()
    assert x.grad == 4.0


def test_no_grad_as_decorator_is_per_call_and_per_thread():
    @no_grad()
    def forward(v):
        return v * v

    assert forward(Value(3.0)).parents == ()
    assert is_grad_enabled()


def test_grad_and_gradcheck_inside_no_grad_record_their_own_graph():
    with no_grad():
        assert grad(lambda x: x**3)(2.0) == 12.0
        assert value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0) == (12.0, (4.0, 3.0))
        report = gradcheck(lambda x: x.tanh() * x, [0.3])
        assert report.ok
        assert report.rows[0].analytic == pytest.approx(np.tanh(0.3) + 0.3 / np.cosh(0.3) ** 2)
        assert not is_grad_enabled()  # and the block is still a no_grad block afterwards
    assert is_grad_enabled()


def test_backward_on_a_result_computed_inside_no_grad_says_why():
    x = Value(2.0)
    with no_grad():
        y = x**3
    with pytest.raises(RuntimeError, match="inside no_grad"):
        y.backward()
    assert x.grad == 0.0  # nothing touched


def test_enable_grad_records_inside_no_grad_and_restores_exactly():
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            y = x * x
        z = x * x
    y.backward()
    assert x.grad == 4.0
    assert z.parents == ()
    assert is_grad_enabled()


def test_a_leaf_made_inside_no_grad_is_an_ordinary_leaf():
    with no_grad():
        w = Value(1.5)
    w.backward()  # d w / d w
    assert w.grad == 1.0


def test_numpy_bool_is_a_number_like_bool():
    assert Value(np.bool_(True)).data == Value(True).data == 1.0
    assert Value(np.bool_(False)).data == 0.0


def test_an_integer_too_large_for_a_float_gets_a_clear_error():
    with pytest.raises(OverflowError, match=r"10\*\*400\) is larger than the largest float"):
        Value(10**400)


def _chain(depth: int) -> tuple[Value, Value]:
    x = Value(0.5, "x")
    y = x
    for i in range(depth):
        y = (y * 0.999 + 0.001).tanh() if i % 2 else y**2 + 0.25
    return x, y


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copies_of_deep_graphs_work_and_give_the_same_gradients(how):
    x, y = _chain(5000)
    y2 = copy.deepcopy(y) if how == "deepcopy" else pickle.loads(pickle.dumps(y))
    y.backward()
    y2.backward()
    (x2,) = [n for n in _leaves(y2) if n.label == "x"]
    assert y2.data == y.data
    assert x2.grad == x.grad != 0.0
    assert x2 is not x


def _leaves(root: Value) -> list[Value]:
    from autograd_scalar import topological_order

    return [n for n in topological_order(root) if not n.parents]


def test_power_of_a_constant_pickles_and_keeps_its_rule():
    x = Value(1.7)
    y = x**2.5 + x**-1
    y2 = pickle.loads(pickle.dumps(y))
    y2.backward()
    (x2,) = [n for n in _leaves(y2) if n.data == 1.7]
    assert y2.data == y.data
    assert x2.grad == pytest.approx(2.5 * 1.7**1.5 - 1.7**-2, rel=1e-15)
    assert (x2 ** 2.5).op == "**2.5"


def test_a_pickled_model_keeps_shared_weights_one_object():
    w, b = Value(0.5, "w"), Value(-1.0, "b")
    loss = (w * 2.0 + b) ** 2
    loss2, w2 = pickle.loads(pickle.dumps([loss, w]))
    loss2.backward()
    assert w2.grad == pytest.approx(2 * (0.5 * 2 - 1.0) * 2.0)  # the same object as in loss2


def test_deepcopy_keeps_shared_nodes_shared():
    x = Value(3.0)
    h = x * x
    y = h + h
    y2 = copy.deepcopy(y)
    assert y2.parents[0] is y2.parents[1]
    y2.backward()
    assert y2.parents[0].parents[0].grad == 12.0
