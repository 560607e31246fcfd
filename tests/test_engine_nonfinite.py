"""NaN and infinity: relu, maximum, minimum and logsumexp follow PyTorch, and one overflow
rule holds for every op, identically in the interpreter and in a compiled program.

The overflow rule: an op whose inputs are finite but whose result is infinite raises
OverflowError naming the op; infinities and NaNs given as inputs pass through as IEEE
arithmetic says. Before these fixes ReLU turned NaN into 0, max(1, nan) was 1, logsumexp of
an infinity was NaN, and `*` and `+` overflowed silently while `**` and exp raised.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from autograd_scalar import Value, compile, dot, logsumexp, maximum, minimum
from autograd_scalar import sum as value_sum

NAN, INF = math.nan, math.inf


def _same(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def _interpreted(f, xs):
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def _compiled(f, xs):
    """The same function compiled with its inputs as parameters, run on a batch of one."""
    params = [Value(x) for x in xs]
    program = compile(lambda x: f(*params) + 0.0 * x[0], (np.zeros(1),), parameters=params,
                      check=False)  # (x: the one input of one sample, a list of Values)
    result = program(np.zeros((1, 1)))
    return float(result.outputs[0, 0]) if result.outputs.size else result.loss, [
        p.grad for p in params]


CASES = [  # (name, function, inputs, PyTorch's value, PyTorch's gradients)
    ("relu(nan)", lambda a: a.relu(), [NAN], NAN, [1.0]),
    ("relu(-inf)", lambda a: a.relu(), [-INF], 0.0, [0.0]),
    ("relu(inf)", lambda a: a.relu(), [INF], INF, [1.0]),
    ("max(nan, 1)", maximum, [NAN, 1.0], NAN, [1.0, 1.0]),
    ("max(1, nan)", maximum, [1.0, NAN], NAN, [1.0, 1.0]),
    ("min(1, nan)", minimum, [1.0, NAN], NAN, [1.0, 1.0]),
    ("min(nan, nan)", minimum, [NAN, NAN], NAN, [1.0, 1.0]),
    ("max(inf, inf)", maximum, [INF, INF], INF, [0.5, 0.5]),
    ("max(2, 2)", maximum, [2.0, 2.0], 2.0, [0.5, 0.5]),
    ("lse(inf, 1)", lambda *x: logsumexp(x), [INF, 1.0], INF, [NAN, 0.0]),
    ("lse(inf, inf)", lambda *x: logsumexp(x), [INF, INF], INF, [NAN, NAN]),
    ("lse(-inf, -inf)", lambda *x: logsumexp(x), [-INF, -INF], -INF, [NAN, NAN]),
    ("lse(-inf, 1)", lambda *x: logsumexp(x), [-INF, 1.0], 1.0, [0.0, 1.0]),
    ("lse(nan, 1)", lambda *x: logsumexp(x), [NAN, 1.0], NAN, [NAN, NAN]),
    ("lse(1, nan)", lambda *x: logsumexp(x), [1.0, NAN], NAN, [NAN, NAN]),
    ("lse(inf, -inf)", lambda *x: logsumexp(x), [INF, -INF], INF, [NAN, 0.0]),
    ("lse(inf, 1000)", lambda *x: logsumexp(x), [INF, 1000.0], INF, [NAN, 0.0]),
]


@pytest.mark.parametrize("name, f, xs, value, grads", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("run", [_interpreted, _compiled], ids=["interpreted", "compiled"])
def test_non_finite_inputs_follow_pytorch(run, name, f, xs, value, grads):
    with np.errstate(invalid="ignore"):
        got_value, got_grads = run(f, xs)
    assert _same(got_value, value), (name, got_value)
    assert all(_same(g, e) for g, e in zip(got_grads, grads)), (name, got_grads)


@pytest.mark.parametrize("name, f, xs, value, grads", CASES, ids=[c[0] for c in CASES])
def test_the_table_above_is_what_pytorch_computes(torch, name, f, xs, value, grads):
    fns = {"relu": torch.relu, "max": torch.maximum, "min": torch.minimum,
           "lse": lambda *t: torch.logsumexp(torch.stack(t), 0)}
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    out = fns[name.split("(")[0]](*ts)
    out.backward()
    assert _same(out.item(), value)
    assert all(_same(t.grad.item(), g) for t, g in zip(ts, grads))


BIG = 1e200
OVERFLOWS = [  # (op named in the error, function, finite inputs whose result overflows)
    ("+", lambda a, b: a + b, [1.7e308, 1.7e308]),
    ("-", lambda a, b: a - b, [1.7e308, -1.7e308]),
    ("*", lambda a, b: a * b, [BIG, BIG]),
    ("/", lambda a, b: a / b, [BIG, 1e-200]),
    ("sum", lambda a, b: value_sum([a, b]), [1.7e308, 1.7e308]),
    ("dot", lambda a, b: dot([a, b], [a, b]), [BIG, 1.0]),
    ("exp", lambda a: a.exp(), [800.0]),
    ("**", lambda a: a ** 2, [BIG]),
]


@pytest.mark.parametrize("op, f, xs", OVERFLOWS, ids=[o[0] for o in OVERFLOWS])
@pytest.mark.parametrize("run", [_interpreted, _compiled], ids=["interpreted", "compiled"])
def test_every_op_reports_overflow_of_finite_inputs(run, op, f, xs):
    with pytest.raises(OverflowError, match=rf"{re.escape(op)} overflows"):
        run(f, xs)


@pytest.mark.parametrize("f, xs, expected", [
    (lambda a, b: a + b, [INF, 1.0], INF),
    (lambda a, b: a * b, [INF, 2.0], INF),
    (lambda a, b: a - b, [INF, INF], NAN),
    (lambda a: a.exp(), [INF], INF),
])
def test_infinities_given_as_inputs_pass_through(f, xs, expected):
    with np.errstate(invalid="ignore"):
        value, _ = _interpreted(f, xs)
    assert _same(value, expected)


def test_overflow_error_names_the_op_and_the_numbers():
    with pytest.raises(OverflowError, match=r"\* overflows for 1e\+200, 1e\+200"):
        Value(BIG) * Value(BIG)


def test_a_group_of_several_logsumexp_nodes_compiles_with_infinities():
    """Two logsumexp nodes in one group (shape (2, n, batch)): the choice between the finite
    and the infinite form is made per node and sample, the same for each input."""
    def two(x):
        return [logsumexp([x[0], x[1], x[2]]), logsumexp([x[1], x[2], x[3]])]

    program = compile(two, (np.zeros(4),), check=False)
    batch = np.array([[INF, 1.0, 2.0, 0.0], [0.0, 1.0, -INF, 2.0], [-INF, -INF, -INF, 5.0],
                      [1.0, 2.0, 3.0, 4.0]])
    got = program.forward(batch).outputs
    expected = [[two([Value(v) for v in row])[k].data for k in range(2)] for row in batch]
    assert all(_same(g, e) for g, e in zip(got.ravel(), np.ravel(expected)))
    assert got[3, 0] == pytest.approx(np.log(np.exp([1.0, 2.0, 3.0]).sum()))
