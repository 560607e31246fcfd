"""Tests of nn.optim: SGD and Adam step by step against torch.optim, and the schedules."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from autograd_scalar import Value
from nn.mlp import MLP
from nn.optim import SGD, Adam, LinearDecay, StepLR

N_PARAMS = 7
N_STEPS = 6


def run_against_torch(torch, make_ours, make_torch, lr_changes=None):
    """Feed identical random gradients to both optimizers; compare parameters every step."""
    rng = np.random.default_rng(42)
    start = rng.normal(size=N_PARAMS)
    ours = [Value(v) for v in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt, topt = make_ours(ours), make_torch([theirs])
    for step in range(N_STEPS):
        if lr_changes and step in lr_changes:
            opt.lr = lr_changes[step]
            topt.param_groups[0]["lr"] = lr_changes[step]
        g = rng.normal(size=N_PARAMS)
        opt.zero_grad()
        for p, gi in zip(ours, g):
            p.grad += gi
        topt.zero_grad()
        theirs.grad = torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(
            [p.data for p in ours], theirs.detach().numpy(), rtol=1e-12, atol=1e-12
        )
    return opt, ours


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True},
        {"momentum": 0.8, "weight_decay": 0.01},
        {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1},
        {"weight_decay": 0.05},
    ],
)
def test_sgd_matches_torch(torch, kwargs):
    opt, _ = run_against_torch(
        torch,
        lambda ps: SGD(ps, lr=0.1, **kwargs),
        lambda ps: torch.optim.SGD(ps, lr=0.1, **kwargs),
        lr_changes={3: 0.02},
    )
    assert opt.lr == 0.02


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lr": 0.01, "betas": (0.8, 0.99)},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.02, "eps": 1e-3},
    ],
)
def test_adam_matches_torch(torch, kwargs):
    run_against_torch(
        torch,
        lambda ps: Adam(ps, **kwargs),
        lambda ps: torch.optim.Adam(ps, foreach=False, **kwargs),
        lr_changes={2: 0.003},
    )


def test_sgd_first_step_buffer_is_the_gradient():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = 2.0
    opt.step()
    assert opt.momentum_buffer == [2.0]  # not (1 - dampening) * g
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0)
    opt.step()
    assert opt.momentum_buffer == [pytest.approx(0.9 * 2.0 + 0.5 * 2.0)]


def test_adam_first_step_moves_each_parameter_by_about_lr():
    # bias correction: m_hat = g and v_hat = g**2 at step 1, so the step is lr * sign(g)
    ps = [Value(0.0), Value(0.0)]
    opt = Adam(ps, lr=0.1, eps=1e-300)  # (eps = 0 is refused: see below)
    ps[0].grad, ps[1].grad = 1e-4, -30.0
    opt.step()
    assert [p.data for p in ps] == pytest.approx([-0.1, 0.1], rel=1e-12)


def test_training_a_tiny_model_reduces_the_loss():
    model = MLP(2, [8, 1], seed=0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = [0.0, 1.0, 1.0, 0.0]
    opt = Adam(model.parameters(), lr=0.05)

    def loss_value():
        return sum((model(x)[0] - t) ** 2 for x, t in zip(X, y)) * 0.25

    first = loss_value().data
    for _ in range(60):
        opt.zero_grad()
        loss_value().backward()
        opt.step()
    assert loss_value().data < 0.5 * first


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: SGD(ps, lr=0.0), r"lr \(the learning rate\) must be > 0"),
        (lambda ps: SGD(ps, lr=-1.0), r"must be > 0"),
        (lambda ps: SGD(ps, lr=float("inf")), r"finite number"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), r"momentum must be >= 0"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), r"weight_decay must be >= 0"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=(-0.1, 0.9)), r"betas\[0\] must be >= 0"),
        (lambda ps: Adam(ps, eps=-1e-8), r"eps must be > 0"),
        (lambda ps: Adam(ps, eps=0.0), r"eps must be > 0"),
        (lambda ps: SGD([], lr=0.1), r"empty list of parameters"),
        (lambda ps: SGD([ps[0], ps[0]], lr=0.1), r"appears twice"),
    ],
)
def test_bad_optimizer_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0), Value(2.0)])


def test_bad_parameter_types():
    with pytest.raises(TypeError, match=r"item 1 is float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(TypeError, match=r"pass model.parameters\(\)"):
        SGD(MLP(2, [1]), lr=0.1)
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -0.1
    opt.lr = 0.0  # a schedule may decay to 0
    assert opt.lr == 0.0


def test_zero_grad_clears_every_gradient():
    ps = [Value(1.0), Value(2.0)]
    for p in ps:
        p.grad = 3.0
    Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
    ],
)
def test_state_dict_resumes_exactly_and_is_json(make):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(6, 3)).tolist()
    a = [Value(1.0), Value(-2.0), Value(0.5)]
    opt_a = make(a)
    b = None
    for step, g in enumerate(grads):
        if step == 3:  # snapshot: copy parameters and optimizer state through JSON
            b = [Value(p.data) for p in a]
            opt_b = make(b)
            opt_b.load_state_dict(json.loads(json.dumps(opt_a.state_dict())))
        for ps, o in [(a, opt_a)] + ([(b, opt_b)] if b else []):
            for p, gi in zip(ps, g):
                p.grad = gi
            o.step()
    assert [p.data for p in b] == [p.data for p in a]


def test_load_state_dict_errors():
    opt = Adam([Value(1.0), Value(2.0)])
    state = opt.state_dict()
    with pytest.raises(ValueError, match="not a SGD state dict"):
        SGD([Value(1.0)], lr=0.1).load_state_dict(state)
    state["exp_avg"] = [0.0]
    with pytest.raises(ValueError, match="exp_avg must be a list of 2 floats"):
        opt.load_state_dict(state)


# -- schedules ---------------------------------------------------------------------------


def test_step_lr_matches_torch(torch):
    p = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([p], lr=0.5)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    opt = SGD([Value(0.0)], lr=0.5)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(10):
        topt.step()
        tsched.step()
        assert sched.step() == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
    assert opt.lr == 0.5 * 0.5**3


@pytest.mark.parametrize("final_factor", [0.0, 0.1])
def test_linear_decay_matches_torch_linear_lr(torch, final_factor):
    p = torch.zeros(1, requires_grad=True)
    topt = torch.optim.Adam([p], lr=0.2)
    tsched = torch.optim.lr_scheduler.LinearLR(
        topt, start_factor=1.0, end_factor=final_factor, total_iters=5
    )
    opt = Adam([Value(0.0)], lr=0.2)
    sched = LinearDecay(opt, total_steps=5, final_factor=final_factor)
    for _ in range(8):
        topt.step()
        tsched.step()
        sched.step()
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
    assert opt.lr == pytest.approx(0.2 * final_factor, abs=1e-15)


def test_schedule_bad_arguments_and_state():
    opt = SGD([Value(0.0)], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be at least 1"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"final_factor must be in \[0, 1\]"):
        LinearDecay(opt, total_steps=3, final_factor=2.0)
    with pytest.raises(TypeError, match="needs an optimizer"):
        StepLR([Value(0.0)], step_size=1)
    sched = LinearDecay(opt, total_steps=4)
    sched.step()
    resumed = LinearDecay(SGD([Value(0.0)], lr=123.0), total_steps=4)
    resumed.load_state_dict(json.loads(json.dumps(sched.state_dict())))
    assert resumed.step() == sched.step() == 0.5


# -- update(data, grad) on NumPy arrays ----------------------------------------------------

ARRAY_OPTIMIZERS = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
    lambda ps: SGD(ps, lr=0.1, weight_decay=0.05),
    lambda ps: SGD(ps, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.05),
    lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1),
]


def optimizer_state(opt):
    """The state arrays of an optimizer, by name (None for a momentum buffer not made yet)."""
    if isinstance(opt, SGD):
        return {"momentum_buffer": opt.momentum_buffer}
    return {"step": opt.step_count, "exp_avg": opt.exp_avg, "exp_avg_sq": opt.exp_avg_sq}


def list_sgd_step(
    data, grads, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False
):
    """One SGD step on Python floats, one parameter at a time: the reference to the last bit."""
    new_data, buffer = [], []
    for i, (p, g) in enumerate(zip(data, grads)):
        if weight_decay != 0.0:
            g = g + weight_decay * p
        if momentum != 0.0:
            b = g if state is None else momentum * state[i] + (1.0 - dampening) * g
            buffer.append(b)
            g = g + momentum * b if nesterov else b
        new_data.append(p - lr * g)
    return new_data, (buffer if momentum != 0.0 else None)


def list_adam_step(data, grads, m, v, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """One Adam step (t = 1, 2, ...) on Python floats, written as PyTorch computes it."""
    beta1, beta2 = betas
    step_size = lr / (1.0 - beta1**t)
    correction2 = math.sqrt(1.0 - beta2**t)
    new_data, new_m, new_v = [], [], []
    for p, g, m_i, v_i in zip(data, grads, m, v):
        if weight_decay != 0.0:
            g = g + weight_decay * p
        m_i = beta1 * m_i + (1.0 - beta1) * g
        v_i = beta2 * v_i + (1.0 - beta2) * g * g
        new_m.append(m_i)
        new_v.append(v_i)
        new_data.append(p - step_size * (m_i / (math.sqrt(v_i) / correction2 + eps)))
    return new_data, new_m, new_v


@pytest.mark.parametrize("make", ARRAY_OPTIMIZERS)
def test_update_on_arrays_equals_step_on_values_bit_for_bit(make):
    rng = np.random.default_rng(7)
    start = rng.normal(size=N_PARAMS)
    values = [Value(x) for x in start]
    shadow = [Value(x) for x in start]  # given to the array optimizer only, never touched
    by_step, by_update = make(values), make(shadow)
    data = start.copy()
    grad = np.empty(N_PARAMS)  # reused, as a compiled program reuses its gradient buffer
    for step in range(N_STEPS):
        if step == 3:  # a schedule changing lr between steps
            by_step.lr = by_update.lr = 0.02
        g = rng.normal(size=N_PARAMS)
        for p, gi in zip(values, g.tolist()):
            p.grad = gi
        grad[:] = g
        by_step.step()
        by_update.update(data, grad)
        np.testing.assert_array_equal(data, [p.data for p in values])
        np.testing.assert_array_equal(grad, g)  # update() leaves the gradients alone
        for name, expected in optimizer_state(by_step).items():
            got = optimizer_state(by_update)[name]
            if expected is None:
                assert got is None
            else:
                np.testing.assert_array_equal(got, expected, err_msg=name)
    assert [p.data for p in shadow] == start.tolist()  # update() read or wrote no Value
    assert [p.grad for p in shadow] == [0.0] * N_PARAMS


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1},
    ],
)
def test_sgd_update_equals_a_loop_over_python_floats(kwargs):
    rng = np.random.default_rng(3)
    data = rng.normal(size=N_PARAMS)
    opt = SGD([Value(0.0) for _ in range(N_PARAMS)], lr=0.1, **kwargs)
    ref_data, ref_buffer = data.tolist(), None
    for _ in range(N_STEPS):
        grad = rng.normal(size=N_PARAMS)
        ref_data, ref_buffer = list_sgd_step(ref_data, grad.tolist(), ref_buffer, 0.1, **kwargs)
        opt.update(data, grad)
        assert data.tolist() == ref_data
        assert opt.state_dict()["momentum_buffer"] == ref_buffer


@pytest.mark.parametrize("kwargs", [{}, {"betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.1}])
def test_adam_update_equals_a_loop_over_python_floats(kwargs):
    rng = np.random.default_rng(4)
    data = rng.normal(size=N_PARAMS)
    opt = Adam([Value(0.0) for _ in range(N_PARAMS)], lr=0.05, **kwargs)
    ref_data, m, v = data.tolist(), [0.0] * N_PARAMS, [0.0] * N_PARAMS
    for t in range(1, N_STEPS + 1):
        grad = rng.normal(size=N_PARAMS)
        ref_data, m, v = list_adam_step(ref_data, grad.tolist(), m, v, t, 0.05, **kwargs)
        opt.update(data, grad)
        assert data.tolist() == ref_data
        state = opt.state_dict()
        assert (state["step"], state["exp_avg"], state["exp_avg_sq"]) == (t, m, v)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: Adam(ps, lr=0.01, weight_decay=0.1),
    ],
)
def test_update_rejects_bad_arrays_and_changes_nothing(make):
    opt = make([Value(0.0) for _ in range(3)])
    data, grad = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.2])
    opt.update(data, grad)  # one good step, so that there is state to protect
    before_data, before_state = data.copy(), json.dumps(opt.state_dict())
    good = np.zeros(3)
    for bad in [np.zeros(2), np.zeros(4), np.zeros((3, 1)), np.zeros((1, 3)), np.array(1.0)]:
        with pytest.raises(ValueError, match=r"grad must have shape \(3,\).*got shape"):
            opt.update(data, bad)
        with pytest.raises(ValueError, match=r"data must have shape \(3,\).*got shape"):
            opt.update(bad, good)
    with pytest.raises(TypeError, match="grad is a list"):
        opt.update(data, [0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match=r"data must be a float64 \(or float32\) array, got "
                                        "dtype float16"):
        opt.update(data.astype(np.float16), grad.astype(np.float16))
    with pytest.raises(TypeError, match="grad must be a float64 .* got dtype int64"):
        opt.update(data, np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="data is float32 but grad is float64: give both"):
        opt.update(data.astype(np.float32), grad)
    read_only = data.copy()
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="data is read-only"):
        opt.update(read_only, grad)
    np.testing.assert_array_equal(data, before_data)
    assert json.dumps(opt.state_dict()) == before_state


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
    ],
)
def test_state_dict_after_array_updates_round_trips_through_json(make):
    rng = np.random.default_rng(5)
    grads = rng.normal(size=(6, 4))
    a_data = rng.normal(size=4)
    opt_a = make([Value(0.0) for _ in range(4)])
    for g in grads[:3]:
        opt_a.update(a_data, g)
    state = opt_a.state_dict()
    for value in state.values():  # plain Python types only (no NumPy arrays or scalars)
        assert type(value) in (str, float, bool, int, list)
        if type(value) is list:
            assert all(type(x) is float for x in value)
    opt_b = make([Value(0.0) for _ in range(4)])
    opt_b.load_state_dict(json.loads(json.dumps(state)))
    assert opt_b.state_dict() == state
    b_data = a_data.copy()
    for g in grads[3:]:
        opt_a.update(a_data, g)
        opt_b.update(b_data, g)
    np.testing.assert_array_equal(b_data, a_data)
    assert opt_b.state_dict() == opt_a.state_dict()


def test_adam_with_the_smallest_eps_keeps_a_zero_gradient_parameter_finite():
    """eps = 0 made 0 / (sqrt(0) + 0) = NaN for a parameter whose gradient is 0; it is
    refused, and any eps > 0 leaves such a parameter where it is."""
    ps = [Value(0.5), Value(0.0)]
    opt = Adam(ps, lr=0.1, eps=5e-324)
    ps[0].grad, ps[1].grad = 0.0, 1.0
    opt.step()
    assert ps[0].data == 0.5 and ps[1].data == pytest.approx(-0.1)


# float32 keeps about 7 significant digits: after a few steps the parameters agree with the
# float64 ones to a few float32 roundings (2**-24 ~ 6e-8 each) of the largest |parameter|.
FLOAT32_RTOL = 1e-6


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: SGD(ps, lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.01),
        lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
    ],
)
def test_update_in_float32_keeps_float32_and_follows_float64(make):
    """As torch's optimizers keep a float32 parameter's dtype: update() computes in float32,
    in place, with its state in float32, and lands where float64 lands, to float32's
    precision (and not bitwise: it really computes in float32)."""
    rng = np.random.default_rng(11)
    start, grads = rng.normal(size=50), rng.normal(size=(N_STEPS, 50))
    data = {np.float64: start.copy(), np.float32: start.astype(np.float32)}
    optimizers = {dtype: make([Value(0.0) for _ in range(50)]) for dtype in data}
    for g in grads:
        for dtype, opt in optimizers.items():
            array = data[dtype]
            opt.update(array, g.astype(dtype))
            assert array.dtype == dtype  # updated in place, still in its dtype
    assert data[np.float32].dtype == np.float32
    state = [getattr(optimizers[np.float32], name) for name in
             ("momentum_buffer", "exp_avg", "exp_avg_sq") if hasattr(optimizers[np.float32], name)]
    assert all(a is None or a.dtype == np.float32 for a in state)
    difference = np.abs(data[np.float32] - data[np.float64]).max()
    assert difference <= FLOAT32_RTOL * np.abs(data[np.float64]).max()
    assert difference > 0.0  # float32 arithmetic, not float64 rounded at the end
    assert np.abs(data[np.float64] - start).max() > 1e-3  # the steps moved the parameters


def test_a_float64_state_dict_continues_in_float32():
    """A state dict holds floats (float64): loaded into an optimizer of float32 parameters,
    its buffer is converted once, and the steps continue as the float64 ones do."""
    rng = np.random.default_rng(12)
    grads, start = rng.normal(size=(4, 5)), rng.normal(size=5)
    first = SGD([Value(0.0) for _ in range(5)], lr=0.1, momentum=0.9)
    data64 = start.copy()
    for g in grads[:2]:
        first.update(data64, g)
    second = SGD([Value(0.0) for _ in range(5)], lr=0.1, momentum=0.9)
    second.load_state_dict(json.loads(json.dumps(first.state_dict())))
    data32 = data64.astype(np.float32)
    for g in grads[2:]:
        first.update(data64, g)
        second.update(data32, g.astype(np.float32))
    assert second.momentum_buffer.dtype == np.float32
    np.testing.assert_allclose(data32, data64, rtol=0, atol=FLOAT32_RTOL * np.abs(data64).max())
