"""Every engine op: value and gradient against PyTorch float64 and against central differences.

Each case is (name, ours, theirs, point): ``ours(*values)`` builds the result from Values,
``theirs(*tensors)`` the same thing in PyTorch, and ``point`` holds the inputs. Where an
op is written the same way in both libraries (``a * b``, ``a.exp()``, ``2 ** a``), one lambda
serves both.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mp_oracle import exactly, value_and_gradient

import autograd_scalar as ag
from autograd_scalar import Value, gradcheck

REL = 1e-12  # values and gradients must agree with PyTorch float64 to about 12 digits
ABS = 1e-15  # ...with a tiny absolute floor for results that are (nearly) zero


def _stack(torch, items):
    """A 1-D tensor from tensors and plain numbers (numbers become constants)."""
    return torch.stack([t if torch.is_tensor(t) else torch.tensor(float(t)) for t in items])


# Softmax and log_softmax return lists; these fixed weights reduce them to one scalar whose
# gradient is a full vector-Jacobian product (sum_i w_i dp_i/dx_j), so every entry counts.
W = (0.7, -1.3, 2.1, 0.4)


def _weighted(outputs):
    return ag.sum([w * p for w, p in zip(W, outputs)])


def _torch_weighted(torch, outputs):
    return (outputs * torch.tensor(W[: len(outputs)])).sum()


SAME_CODE = []  # the cases written with operators and Value methods only


def same(f):
    """A case whose code is the same for Values and tensors (and mpmath numbers)."""
    SAME_CODE.append(f)
    return f, lambda torch: f


# (name, ours, theirs(torch) -> function of tensors, point)
CASES = [
    ("a+b", *same(lambda a, b: a + b), (1.5, -2.25)),
    ("a+3", *same(lambda a: a + 3), (1.5,)),
    ("3+a", *same(lambda a: 3 + a), (1.5,)),
    ("a-b", *same(lambda a, b: a - b), (1.5, -2.25)),
    ("a-3", *same(lambda a: a - 3), (1.5,)),
    ("1-a", *same(lambda a: 1 - a), (1.5,)),
    ("a*b", *same(lambda a, b: a * b), (1.5, -2.25)),
    ("a*a", *same(lambda a: a * a), (-1.75,)),
    ("a*3", *same(lambda a: a * 3), (1.5,)),
    ("3*a", *same(lambda a: 3 * a), (1.5,)),
    ("a/b", *same(lambda a, b: a / b), (1.5, -2.25)),
    ("a/3", *same(lambda a: a / 3), (1.5,)),
    ("3/a", *same(lambda a: 3 / a), (1.5,)),
    ("-a", *same(lambda a: -a), (1.5,)),
    ("a**2", *same(lambda a: a**2), (-1.5,)),
    ("a**3", *same(lambda a: a**3), (-1.5,)),
    ("a**-2", *same(lambda a: a**-2), (-1.5,)),
    ("a**0.5", *same(lambda a: a**0.5), (2.5,)),
    ("a**-1.5", *same(lambda a: a**-1.5), (2.5,)),
    ("a**0", *same(lambda a: a**0), (2.5,)),
    ("a**1", *same(lambda a: a**1), (-2.5,)),
    ("2**a", *same(lambda a: 2**a), (1.3,)),
    ("0.5**a", *same(lambda a: 0.5**a), (-1.3,)),
    ("a**b", *same(lambda a, b: a**b), (1.7, -0.8)),
    ("a**b (b=2)", *same(lambda a, b: a**b), (0.6, 2.0)),
    ("a**a", *same(lambda a: a**a), (1.3,)),
    ("exp", *same(lambda a: a.exp()), (0.7,)),
    ("exp(-)", *same(lambda a: a.exp()), (-3.2,)),
    ("log", *same(lambda a: a.log()), (0.7,)),
    ("log big", *same(lambda a: a.log()), (123.0,)),
    ("tanh", *same(lambda a: a.tanh()), (0.7,)),
    ("tanh(-)", *same(lambda a: a.tanh()), (-2.2,)),
    ("sigmoid", *same(lambda a: a.sigmoid()), (0.7,)),
    ("sigmoid(-)", *same(lambda a: a.sigmoid()), (-2.2,)),
    ("relu(+)", *same(lambda a: a.relu()), (0.7,)),
    ("relu(-)", *same(lambda a: a.relu()), (-0.7,)),
    ("abs(+)", *same(lambda a: a.abs()), (0.7,)),
    ("abs(-)", *same(lambda a: a.abs()), (-0.7,)),
    ("builtin abs", *same(lambda a: abs(a)), (-0.7,)),
    ("sqrt", *same(lambda a: a.sqrt()), (2.7,)),
    (
        "maximum a>b",
        lambda a, b: ag.maximum(a, b),
        lambda torch: torch.maximum,
        (1.5, -2.0),
    ),
    ("maximum a<b", lambda a, b: ag.maximum(a, b), lambda torch: torch.maximum, (-2.0, 1.5)),
    ("maximum tie", lambda a, b: ag.maximum(a, b), lambda torch: torch.maximum, (1.5, 1.5)),
    ("maximum(a,a)", lambda a: ag.maximum(a, a), lambda t: lambda a: t.maximum(a, a), (1.5,)),
    ("minimum a>b", lambda a, b: ag.minimum(a, b), lambda torch: torch.minimum, (1.5, -2.0)),
    ("minimum a<b", lambda a, b: ag.minimum(a, b), lambda torch: torch.minimum, (-2.0, 1.5)),
    ("minimum tie", lambda a, b: ag.minimum(a, b), lambda torch: torch.minimum, (1.5, 1.5)),
    (
        "maximum(a, 2.0)",
        lambda a: ag.maximum(a, 2.0),
        lambda t: lambda a: t.maximum(a, t.tensor(2.0)),
        (1.0,),
    ),
    (
        "minimum(2.0, a) tie",
        lambda a: ag.minimum(2.0, a),
        lambda t: lambda a: t.minimum(t.tensor(2.0), a),
        (2.0,),
    ),
    ("sum", lambda *v: ag.sum(v), lambda t: lambda *v: t.stack(v).sum(), (1.5, -2.0, 0.25)),
    (
        "sum with numbers",
        lambda a, b: ag.sum([a, 2.5, b, -1.0]),
        lambda t: lambda a, b: _stack(t, [a, 2.5, b, -1.0]).sum(),
        (1.5, -2.0),
    ),
    (
        "sum repeated",
        lambda a, b: ag.sum([a, b, a]),
        lambda t: lambda a, b: t.stack([a, b, a]).sum(),
        (1.5, -2.0),
    ),
    (
        "dot Values.Values",
        lambda a, b, c, d: ag.dot([a, b], [c, d]),
        lambda t: lambda a, b, c, d: (t.stack([a, b]) * t.stack([c, d])).sum(),
        (1.5, -2.0, 0.3, 0.7),
    ),
    (
        "dot Values.numbers",
        lambda a, b, c: ag.dot([a, b, c], [1.5, -2.0, 0.5]),
        lambda t: lambda a, b, c: (t.stack([a, b, c]) * t.tensor([1.5, -2.0, 0.5])).sum(),
        (0.3, -0.7, 1.1),
    ),
    (
        "dot numbers.Values",
        lambda a, b, c: ag.dot([1.5, -2.0, 0.5], [a, b, c]),
        lambda t: lambda a, b, c: (t.tensor([1.5, -2.0, 0.5]) * t.stack([a, b, c])).sum(),
        (0.3, -0.7, 1.1),
    ),
    (
        "dot Values.ndarray",
        lambda a, b, c: ag.dot([a, b, c], np.array([1.5, -2.0, 0.5])),
        lambda t: lambda a, b, c: (t.stack([a, b, c]) * t.tensor([1.5, -2.0, 0.5])).sum(),
        (0.3, -0.7, 1.1),
    ),
    (
        "dot ndarray.Values",
        lambda a, b, c: ag.dot(np.array([1.5, -2.0, 0.5]), [a, b, c]),
        lambda t: lambda a, b, c: (t.tensor([1.5, -2.0, 0.5]) * t.stack([a, b, c])).sum(),
        (0.3, -0.7, 1.1),
    ),
    (
        "dot Values.numpy scalars",
        lambda a, b: ag.dot([a, b], list(np.array([1.5, -2.0]))),
        lambda t: lambda a, b: (t.stack([a, b]) * t.tensor([1.5, -2.0])).sum(),
        (0.3, -0.7),
    ),
    (
        "dot mixed both sides",
        lambda a, b, c, d: ag.dot([a, 2.0, b], [c, d, 3]),
        lambda t: lambda a, b, c, d: (_stack(t, [a, 2.0, b]) * _stack(t, [c, d, 3.0])).sum(),
        (0.3, -0.7, 1.1, -0.4),
    ),
    (
        "dot(x, x)",
        lambda a, b: ag.dot([a, b], [a, b]),
        lambda t: lambda a, b: (t.stack([a, b]) * t.stack([a, b])).sum(),
        (0.3, -0.7),
    ),
    (
        "logsumexp",
        lambda *v: ag.logsumexp(v),
        lambda t: lambda *v: t.logsumexp(t.stack(v), 0),
        (0.3, -0.7, 2.1),
    ),
    (
        "logsumexp with numbers",
        lambda a, b: ag.logsumexp([a, 1.0, b]),
        lambda t: lambda a, b: t.logsumexp(_stack(t, [a, 1.0, b]), 0),
        (0.3, -0.7),
    ),
    (
        "logsumexp one",
        lambda a: ag.logsumexp([a]),
        lambda t: lambda a: t.logsumexp(t.stack([a]), 0),
        (0.3,),
    ),
    (
        "softmax",
        lambda *v: _weighted(ag.softmax(v)),
        lambda t: lambda *v: _torch_weighted(t, t.softmax(t.stack(v), 0)),
        (0.3, -0.7, 2.1, 1.0),
    ),
    (
        "softmax with numbers",
        lambda a, b: _weighted(ag.softmax([a, 0.5, b])),
        lambda t: lambda a, b: _torch_weighted(t, t.softmax(_stack(t, [a, 0.5, b]), 0)),
        (0.3, -0.7),
    ),
    (
        "log_softmax",
        lambda *v: _weighted(ag.log_softmax(v)),
        lambda t: lambda *v: _torch_weighted(t, t.log_softmax(t.stack(v), 0)),
        (0.3, -0.7, 2.1, 1.0),
    ),
    (
        "neuron tanh(dot(w, x) + b)",
        lambda w1, w2, b: (ag.dot([w1, w2], [0.5, -1.5]) + b).tanh(),
        lambda t: lambda w1, w2, b: ((t.stack([w1, w2]) * t.tensor([0.5, -1.5])).sum() + b).tanh(),
        (0.3, -0.7, 0.1),
    ),
]
IDS = [case[0] for case in CASES]


def ours_value_and_grads(f, point):
    leaves = [Value(x) for x in point]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def torch_value_and_grads(torch, f, point):
    leaves = [torch.tensor(float(x), requires_grad=True) for x in point]
    out = f(*leaves)
    out.backward()
    grads = [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]
    return out.item(), grads


def assert_close(ours, theirs, what):
    assert ours == theirs or math.isclose(ours, theirs, rel_tol=REL, abs_tol=ABS), (
        f"{what}: ours {ours!r} != PyTorch {theirs!r}"
    )


@pytest.mark.parametrize("name, ours, theirs, point", CASES, ids=IDS)
def test_op_matches_pytorch(torch, name, ours, theirs, point):
    value, grads = ours_value_and_grads(ours, point)
    t_value, t_grads = torch_value_and_grads(torch, theirs(torch), point)
    assert_close(value, t_value, f"{name} value")
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        assert_close(g, tg, f"{name} d/dx{i}")


@pytest.mark.parametrize("name, ours, theirs, point", CASES, ids=IDS)
def test_op_passes_gradcheck(name, ours, theirs, point):
    report = gradcheck(ours, point, eps=1e-6, atol=1e-7, rtol=1e-6)  # raises on mismatch
    assert report.ok and len(report.rows) == len(point)


EXACT_CASES = [case for case in CASES if any(case[1] is f for f in SAME_CODE)]


@pytest.mark.parametrize("name, ours, theirs, point", EXACT_CASES, ids=[c[0] for c in EXACT_CASES])
def test_op_matches_50_digit_central_differences(name, ours, theirs, point):
    """Without PyTorch too: the same code on 50-digit mpmath numbers (tests/mp_oracle.py)."""
    value, grads = ours_value_and_grads(ours, point)
    exact_value, exact_grads = value_and_gradient(exactly(ours), point)
    assert math.isclose(value, exact_value, rel_tol=REL, abs_tol=ABS), (value, exact_value)
    for i, (g, eg) in enumerate(zip(grads, exact_grads)):
        assert math.isclose(g, eg, rel_tol=REL, abs_tol=ABS), f"{name} d/dx{i}: {g!r} != {eg!r}"


# Kinks, zeros of powers and saturation. At a kink central differences see the average of
# the two one-sided slopes, while the engine (like PyTorch) picks one, so these points are
# checked against PyTorch only.
KINKS = [
    ("relu at 0", lambda a: a.relu(), (0.0,)),
    ("abs at 0", lambda a: a.abs(), (0.0,)),
    ("a**2 at 0", lambda a: a**2, (0.0,)),
    ("a**1 at 0", lambda a: a**1, (0.0,)),
    ("a**b at a=0, b=2", lambda a, b: a**b, (0.0, 2.0)),
    ("a**b at a=0, b=0", lambda a, b: a**b, (0.0, 0.0)),
    ("a**b at a<0, b=3", lambda a, b: a**b, (-2.0, 3.0)),
    ("a**0.5 at 0", lambda a: a**0.5, (0.0,)),
    ("sqrt at 0", lambda a: a.sqrt(), (0.0,)),
    ("sigmoid(1000)", lambda a: a.sigmoid(), (1000.0,)),
    ("sigmoid(-1000)", lambda a: a.sigmoid(), (-1000.0,)),
    ("sigmoid(40)", lambda a: a.sigmoid(), (40.0,)),  # slope 4e-18 rounds to 0 in both
    ("sigmoid(-40)", lambda a: a.sigmoid(), (-40.0,)),
    ("tanh(1000)", lambda a: a.tanh(), (1000.0,)),
    ("tanh(-30)", lambda a: a.tanh(), (-30.0,)),
    ("exp(-1000)", lambda a: a.exp(), (-1000.0,)),
    ("a**-0.5 at 1e-300", lambda a: a**-0.5, (1e-300,)),
]


@pytest.mark.parametrize("name, f, point", KINKS, ids=[k[0] for k in KINKS])
def test_special_points_match_pytorch(torch, name, f, point):
    """Kinks, zeros of powers, saturation: the same value and (sub)gradient as PyTorch,
    including inf and NaN where PyTorch gives them."""
    value, grads = ours_value_and_grads(f, point)
    t_value, t_grads = torch_value_and_grads(torch, f, point)
    assert_close(value, t_value, f"{name} value")
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        if math.isnan(tg):
            assert math.isnan(g), f"{name} d/dx{i}: ours {g!r}, PyTorch nan"
        else:
            assert_close(g, tg, f"{name} d/dx{i}")


def test_ties_split_the_gradient_in_half():
    """max/min at a tie: 1/2 to each side (PyTorch's rule), and central differences agree."""
    for op in (ag.maximum, ag.minimum):
        a, b = Value(1.5), Value(1.5)
        op(a, b).backward()
        assert (a.grad, b.grad) == (0.5, 0.5)
        report = gradcheck(op, (1.5, 1.5), atol=1e-9, rtol=1e-9)
        assert [row.numeric for row in report.rows] == pytest.approx([0.5, 0.5], abs=1e-9)


SOFTMAX_INPUTS = [(0.3, -0.7, 2.1, 1.0), (5.0, 5.0), (-3.0,), (1e3, 1e3 + 1.0, 999.0)]


@pytest.mark.parametrize("point", SOFTMAX_INPUTS)
@pytest.mark.parametrize("kind", ["softmax", "log_softmax"])
def test_softmax_every_output_and_jacobian_row(torch, kind, point):
    """Each output of softmax/log_softmax, and d(output_i)/d(x_j) for all i, j (the full
    Jacobian, row by row), against PyTorch."""
    ours_fn = getattr(ag, kind)
    torch_fn = getattr(torch, kind)
    for i in range(len(point)):
        value, grads = ours_value_and_grads(lambda *v, i=i: ours_fn(v)[i], point)
        t_value, t_grads = torch_value_and_grads(
            torch, lambda *v, i=i: torch_fn(torch.stack(v), 0)[i], point
        )
        assert_close(value, t_value, f"{kind}[{i}]")
        for j, (g, tg) in enumerate(zip(grads, t_grads)):
            assert_close(g, tg, f"d {kind}[{i}] / dx{j}")
    # exp(x_i - logsumexp(x)) rounds x_i - logsumexp(x) to the ulp of x (1e-13 at x ~ 1e3)
    assert math.isclose(math.fsum(v.data for v in ag.softmax(point)), 1.0, rel_tol=1e-12)


def test_numbers_become_constant_leaves():
    """`2 * v`, `1 - v`, `2 ** v`: the number is a leaf with no parents; `v ** 3` keeps the
    exponent in the op and has one parent."""
    v = Value(1.5)
    for out in (2 * v, v * 2, 1 - v, v - 1, 2 + v, 2 / v, 2**v, v**v):
        assert len(out.parents) == 2
        for p in out.parents:
            assert p is v or (p.parents == () and p.op == "")
    cube = v**3
    assert cube.parents == (v,) and cube.op == "**3" and cube.local_grads == (3 * 1.5**2,)
    assert (v ** np.float64(2.0)).op == "**2.0"


def test_dot_and_sum_are_single_nodes_without_number_parents():
    w = [Value(0.1 * i) for i in range(5)]
    x = np.linspace(-1.0, 1.0, 5)
    d = ag.dot(w, x)
    assert d.op == "dot" and d.parents == tuple(w)
    assert d.local_grads == pytest.approx(list(x))
    s = ag.sum([w[0], 3.0, w[1]])
    assert s.parents == (w[0], w[1]) and s.data == pytest.approx(3.1)
    assert ag.sum([]).data == 0.0


def test_sum_is_correctly_rounded():
    """math.fsum: 1e16 + 1 - 1e16 is 1, not 0 as a left-to-right float sum gives."""
    assert ag.sum([Value(1e16), Value(1.0), Value(-1e16)]).data == 1.0


def test_float_item_and_numpy_scalars():
    v = Value(np.float32(1.5))
    assert type(v.data) is float and float(v) == 1.5 and v.item() == 1.5
    out = np.float64(2.0) * v  # NumPy defers to Value.__rmul__
    assert isinstance(out, Value) and out.data == 3.0
    assert Value(True).data == 1.0 and Value(np.int64(3)).data == 3.0
