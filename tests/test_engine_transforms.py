"""no_grad, grad / value_and_grad, and gradcheck (including that gradcheck can fail)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_scalar as ag
from autograd_scalar import GradcheckError, Value, gradcheck, no_grad

# -- no_grad ------------------------------------------------------------------------------


def test_no_grad_context_manager_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not ag.is_grad_enabled()
        y = x * x + ag.dot([x], [3.0])
    assert ag.is_grad_enabled()
    assert y.data == 10.0 and y.parents == () and y.op == "" and y.local_grads == ()
    z = x * x  # recording again after the block
    assert z.parents == (x, x)


def test_no_grad_nested_restores_each_level():
    with no_grad():
        with no_grad():
            assert not ag.is_grad_enabled()
        assert not ag.is_grad_enabled()  # the inner block must not switch grad back on
    assert ag.is_grad_enabled()


def test_no_grad_decorator_and_recursion():
    """One decorator object is entered again by every recursive call: each exit must restore
    what its own entry saw (a single saved flag would leave grad switched off)."""
    depths = []

    @no_grad()
    def descend(n: int) -> Value:
        depths.append(ag.is_grad_enabled())
        return Value(float(n)) * 2 if n == 0 else descend(n - 1) + 1

    out = descend(3)
    assert out.data == 3.0 and out.parents == ()
    assert depths == [False] * 4
    assert ag.is_grad_enabled()
    with no_grad():
        descend(2)
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(ValueError, match="log"), no_grad():
        Value(-1.0).log()
    assert ag.is_grad_enabled()

    @no_grad()
    def bad() -> None:
        Value(0.0).sqrt() / Value(0.0)

    with pytest.raises(ValueError):
        bad()
    assert ag.is_grad_enabled()


def test_detect_anomaly_is_reentrant_too():
    @ag.detect_anomaly()
    def recurse(n: int) -> None:
        if n:
            recurse(n - 1)

    recurse(3)
    x = Value(0.0)
    x.sqrt().backward()  # an infinite gradient: an error only while detect_anomaly is on
    assert x.grad == math.inf


# -- grad and value_and_grad --------------------------------------------------------------


def test_grad_of_a_float():
    assert ag.grad(lambda x: x**3)(2.0) == pytest.approx(12.0)
    assert ag.grad(lambda x: (x * x).exp())(0.5) == pytest.approx(math.exp(0.25))


def test_grad_argnums_int_and_tuple():
    def f(x, y, z):  # works on plain floats too, for the arguments not differentiated
        return x * y + z * z * y

    assert ag.grad(f, argnums=1)(2.0, 3.0, 0.5) == pytest.approx(2.25)
    gx, gz = ag.grad(f, argnums=(0, 2))(2.0, 3.0, 0.5)
    assert (gx, gz) == pytest.approx((3.0, 3.0))
    assert ag.grad(f, argnums=-1)(2.0, 3.0, 0.5) == pytest.approx(3.0)
    value, (gy,) = ag.value_and_grad(f, argnums=(1,))(2.0, 3.0, 0.5)
    assert value == 6.75 and gy == 2.25


def test_grad_does_not_touch_the_values_passed_in():
    x = Value(2.0, "x")
    g = ag.grad(lambda v: v * v)(x)
    assert g == 4.0 and x.grad == 0.0
    assert ag.grad(lambda v: v * v)(x) == 4.0  # fresh leaves every call: no accumulation


def test_grad_of_lists_and_arrays_keeps_the_structure():
    def f(w, x):
        return ag.dot(w, x) + ag.sum(w) ** 2

    gw = ag.grad(f)([1.0, 2.0], [3.0, 4.0])
    assert isinstance(gw, list) and gw == pytest.approx([3 + 6, 4 + 6])
    gx = ag.grad(f, argnums=1)((1.0, 2.0), np.array([3.0, 4.0]))
    assert gx == pytest.approx([1.0, 2.0])
    gw, gx = ag.grad(f, argnums=(0, 1))((1.0, 2.0), [Value(3.0), Value(4.0)])
    assert isinstance(gw, tuple) and gw == pytest.approx((9.0, 10.0))
    assert gx == pytest.approx([1.0, 2.0])


def test_grad_of_a_constant_function_is_zero():
    value, g = ag.value_and_grad(lambda x: 5.0)(2.0)
    assert value == 5.0 and g == 0.0


def test_grad_needs_a_scalar_output():
    with pytest.raises(TypeError, match="scalar"):
        ag.grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="scalar"):
        ag.grad(lambda x: ag.softmax([x, x]))(1.0)
    with pytest.raises(TypeError, match="str"):
        ag.grad(lambda x: x)("1.0")


def test_grad_argnums_out_of_range():
    with pytest.raises(IndexError, match="argnums"):
        ag.grad(lambda x: x, argnums=2)(1.0)


def test_grad_matches_pytorch(torch):
    def f(x, y):
        return ag.logsumexp([x * y, x.sigmoid(), y]) / (x * x + 1)

    ours = ag.grad(f, argnums=(0, 1))(0.7, -1.1)
    x = torch.tensor(0.7, requires_grad=True)
    y = torch.tensor(-1.1, requires_grad=True)
    out = torch.logsumexp(torch.stack([x * y, x.sigmoid(), y]), 0) / (x * x + 1)
    out.backward()
    assert ours == pytest.approx((x.grad.item(), y.grad.item()), rel=1e-12)


# -- gradcheck ----------------------------------------------------------------------------


def test_gradcheck_report_on_a_correct_function():
    x, y = Value(0.5, "x"), Value(-1.0, "y")
    report = gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [x, y])
    assert report.ok
    text = str(report)
    assert "all gradients match" in text and "MISMATCH" not in text
    assert " x " in text and " y " in text  # rows named by the inputs' labels
    rows = report.rows
    assert rows[0].analytic == pytest.approx(-1 * (1 - math.tanh(-0.5) ** 2) + math.exp(0.5))
    assert all(row.error < 1e-8 for row in rows)
    assert x.grad == 0.0  # gradcheck works on copies of the inputs
    assert gradcheck(lambda a: a * a, 3.0).rows[0].analytic == 6.0  # a single number


def _wrong_square(a: Value) -> Value:
    """a**2 built by hand with a wrong local derivative (a instead of 2a)."""
    return Value(a.data**2, parents=(a,), op="square", local_grads=(a.data,))


def test_gradcheck_fails_on_a_wrong_local_derivative():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: _wrong_square(a) + b, [1.5, 2.0])
    report = info.value.report
    assert not report.ok
    assert [row.ok for row in report.rows] == [False, True]
    assert report.rows[0].analytic == 1.5 and report.rows[0].numeric == pytest.approx(3.0)
    text = str(info.value)
    assert "gradcheck failed" in text and "MISMATCH" in text and "do NOT match" in text


def _negated_square_with_the_sign_lost(a: Value) -> Value:
    """-a**2 built by hand with local derivative +2a: right magnitude, wrong sign."""
    return Value(-(a.data**2), parents=(a,), op="neg_square", local_grads=(2 * a.data,))


@pytest.mark.parametrize("point", [1.5, -0.75])
def test_gradcheck_fails_on_a_derivative_of_the_wrong_sign(point):
    """A gradcheck that compared magnitudes only would pass this; the sign must count."""
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: _negated_square_with_the_sign_lost(a) + b, [point, 2.0])
    row, other = info.value.report.rows
    assert (row.ok, other.ok) == (False, True)
    assert row.analytic == 2 * point and row.numeric == pytest.approx(-2 * point)
    assert row.error == pytest.approx(4 * abs(point))  # |analytic - numeric|, signs kept
    line = str(info.value.report).splitlines()[1]  # the table's row for this input
    name, value, backward, numeric, error, mark = line.split()
    # the student sees both signs: backward +2a beside numeric -2a
    assert float(backward) == 2 * point and float(numeric) == pytest.approx(-2 * point)
    assert (float(error), mark) == (pytest.approx(4 * abs(point), rel=1e-6), "MISMATCH")


def test_gradcheck_tolerance_is_applied():
    """A 1e-4 relative error passes at rtol=1e-3 and fails at rtol=1e-6."""

    def slightly_wrong(a: Value) -> Value:
        return Value(a.data**2, parents=(a,), op="sq", local_grads=(2 * a.data * (1 + 1e-4),))

    assert gradcheck(slightly_wrong, [1.0], rtol=1e-3).ok
    with pytest.raises(GradcheckError):
        gradcheck(slightly_wrong, [1.0], atol=0.0, rtol=1e-6)


def test_gradcheck_needs_a_value_output():
    with pytest.raises(TypeError, match="one Value"):
        gradcheck(lambda a: [a], [1.0])
