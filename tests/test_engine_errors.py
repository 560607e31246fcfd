"""Bad input gives errors that name the problem; extreme input gives finite, right answers."""

from __future__ import annotations

import math

import pytest

import autograd_scalar as ag
from autograd_scalar import Value, detect_anomaly, no_grad


@pytest.mark.parametrize(
    "bad, type_name",
    [("3", "str"), (None, "NoneType"), ([1], "list"), (1 + 2j, "complex"), ({}, "dict")],
)
def test_non_numbers_raise_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)
    with pytest.raises(TypeError, match=type_name):
        Value(1.0) + bad
    with pytest.raises(TypeError, match=type_name):
        ag.sum([Value(1.0), bad])
    with pytest.raises(TypeError, match=type_name):
        ag.dot([Value(1.0), Value(2.0)], [1.0, bad])


DOMAIN_ERRORS = [
    ("log(0)", lambda: Value(0.0).log(), r"log.*0\.0"),
    ("log(-1)", lambda: Value(-1.0).log(), r"log.*-1\.0"),
    ("sqrt(-1)", lambda: Value(-1.0).sqrt(), r"sqrt.*-1\.0"),
    ("0 ** -1", lambda: Value(0) ** -1, r"\*\*.*0\.0 \*\* -1"),
    ("0 ** Value(-1)", lambda: Value(0) ** Value(-1), r"\*\*.*0\.0 \*\* -1"),
    ("0 / 0", lambda: Value(0) / Value(0), r"/.*a=0\.0, b=0\.0"),
    ("1 / 0", lambda: 1 / Value(0), r"/.*b=0\.0"),
    ("(-8) ** (1/3)", lambda: Value(-8) ** (1 / 3), r"\*\*.*-8\.0 \*\* 0\.333"),
    ("(-8) ** Value(1/3)", lambda: (-8) ** Value(1 / 3), r"\*\*.*-8\.0 \*\* 0\.333"),
    ("dot lengths", lambda: ag.dot([Value(1.0)], [1.0, 2.0]), r"dot.*1 and 2"),
    ("logsumexp([])", lambda: ag.logsumexp([]), "logsumexp.*empty"),
]


@pytest.mark.parametrize("name, f, message", DOMAIN_ERRORS, ids=[d[0] for d in DOMAIN_ERRORS])
def test_domain_errors_name_the_op_and_value(name, f, message):
    with pytest.raises(ValueError, match=message):
        f()


def test_overflow_errors_name_the_op_and_value():
    with pytest.raises(OverflowError, match=r"exp.*1000\.0"):
        Value(1000).exp()
    with pytest.raises(OverflowError, match=r"\*\*.*10\.0 \*\* 400"):
        Value(10.0) ** 400
    with pytest.raises(OverflowError, match=r"\*\*.*2\.0 \*\* 2000"):
        2 ** Value(2000.0)


def test_saturating_functions_are_finite_and_right():
    cases = [
        (lambda: Value(1000.0).tanh(), 1.0, 0.0),
        (lambda: Value(-1000.0).tanh(), -1.0, 0.0),
        (lambda: Value(1000.0).sigmoid(), 1.0, 0.0),
        (lambda: Value(-1000.0).sigmoid(), 0.0, 0.0),
        (lambda: Value(-745.0).sigmoid(), math.exp(-745.0), math.exp(-745.0)),
    ]
    for make, value, slope in cases:
        out = make()
        out.backward()
        leaf = out.parents[0]
        assert out.data == pytest.approx(value, rel=1e-15, abs=0.0)
        assert math.isfinite(leaf.grad) and leaf.grad == pytest.approx(slope, rel=1e-6, abs=0.0)


def test_logsumexp_of_huge_numbers(torch):
    xs = [Value(1000.0), Value(1000.5)]
    out = ag.logsumexp(xs)
    out.backward()
    assert out.data == pytest.approx(1000.5 + math.log1p(math.exp(-0.5)), rel=1e-15)
    t = torch.tensor([1000.0, 1000.5], requires_grad=True)
    torch.logsumexp(t, 0).backward()
    assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-12)
    assert ag.logsumexp([-1e4, Value(-1e4)]).data == pytest.approx(-1e4 + math.log(2), rel=1e-15)


@pytest.mark.parametrize("scale", [1e3, 1e5, -1e5])
def test_softmax_of_huge_numbers(torch, scale):
    raw = [scale, scale + 1.0, scale - 2.0]
    xs = [Value(x) for x in raw]
    probs = ag.softmax(xs)
    ag.dot(probs, [1.0, -2.0, 0.5]).backward()
    t = torch.tensor(raw, requires_grad=True)
    t_probs = torch.softmax(t, 0)
    (t_probs * torch.tensor([1.0, -2.0, 0.5])).sum().backward()
    for p, tp in zip(probs, t_probs.tolist()):
        assert math.isfinite(p.data)
        # exp(x - logsumexp(x)) loses the digits of x below its ulp: 1e-11 at |x| = 1e5
        assert p.data == pytest.approx(tp, rel=1e-10)
    assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-9)
    log_probs = ag.log_softmax(xs)
    assert all(math.isfinite(v.data) and v.data <= 0 for v in log_probs)


def test_detect_anomaly_names_the_op_and_label():
    x = Value(0.0, "x")
    root = x.sqrt()
    root.label = "root"
    out = root * 3
    with pytest.raises(FloatingPointError, match=r"inf.*'sqrt'.*'root'.*'x'"), detect_anomaly():
        out.backward()
    # Without detect_anomaly the same backward runs and gives an infinite gradient.
    x.grad = 0.0
    out.backward()
    assert x.grad == math.inf


def test_detect_anomaly_catches_nan_and_accepts_finite_gradients():
    base, exponent = Value(-2.0, "base"), Value(3.0, "exponent")
    out = base**exponent  # d/d exponent = (-2)**3 * ln(-2): NaN, as in PyTorch
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"nan.*'\*\*'"):
        out.backward()
    ok = (Value(0.5).sqrt() * Value(2.0)).tanh()
    with detect_anomaly():
        ok.backward()  # finite gradients: no error


def test_detect_anomaly_as_decorator_restores_the_flag_after_an_error():
    @detect_anomaly()
    def run(v: Value) -> None:
        v.backward()

    x = Value(0.0)
    with pytest.raises(FloatingPointError):
        run(x.sqrt())
    x.grad = 0.0
    x.sqrt().backward()  # detect_anomaly is off again: no error
    assert x.grad == math.inf


def test_a_zero_upstream_gradient_is_not_an_anomaly():
    """sqrt at 0 has an infinite slope, but nothing flows through it (grad exactly 0 is
    skipped), so there is no NaN from 0 * inf and nothing to report."""
    x = Value(0.0)
    out = x.sqrt() * 0.0 + x
    with detect_anomaly():
        out.backward()
    assert x.grad == 1.0


def test_bad_input_never_corrupts_state():
    x = Value(2.0)
    y = x * 3
    for bad in (lambda: (x - 2).log(), lambda: x / (x - 2), lambda: x + "a", lambda: -x.sqrt()):
        try:
            with no_grad():
                bad()
        except (ValueError, TypeError):
            pass
    assert ag.is_grad_enabled()
    assert (x.data, x.grad, y.data, y.grad) == (2.0, 0.0, 6.0, 0.0)
    y.backward()
    assert x.grad == 3.0


def test_backward_after_an_anomaly_error_starts_clean():
    """An aborted backward leaves partial gradients behind; zero_grad() and the reset of
    inner nodes at the next backward make the next result right."""
    a, z = Value(1.5), Value(0.0, "z")
    mid = a * a
    out = mid * z.sqrt()  # d out / dz is infinite
    with pytest.raises(FloatingPointError), detect_anomaly():
        out.backward()
    assert z.grad == math.inf
    out.zero_grad()
    good = mid * 3
    good.backward()
    assert (a.grad, mid.grad, z.grad) == (9.0, 3.0, 0.0)


def test_a_label_that_is_not_a_string_is_refused():
    with pytest.raises(TypeError, match="label is a string.*got float"):
        ag.Value(1.0, 2.0)


def test_a_bad_backward_seed_leaves_the_gradients_alone():
    x = ag.Value(3.0, "x")
    y = x * x
    y.backward()
    with pytest.raises(TypeError, match="str"):
        y.backward("1")
    assert (x.grad, y.grad) == (6.0, 1.0)
