"""The compiled program must compute what the interpreter computes, sample by sample.

Hypothesis draws a *recipe*: a sequence of operations (every op of the engine), each taking
its operands from all earlier nodes, so subexpressions are shared. The recipe is a function
of one sample's inputs and some parameters; it is compiled once and run on a batch, and run
by the interpreter on every sample of that batch. Outputs, per-sample losses and parameter
gradients (per sample, and the batch mean) must agree to 1e-9 relative.

The recipe never looks at values (a compiled program replays one graph for every sample), so
it keeps every op inside its domain by construction: log and sqrt of ``a*a + 0.5``, exp of a
bounded argument, powers of positive bases.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd_scalar as ag
from autograd_scalar import CompileError, CompileMismatchError, Value, compile, no_grad
from nn import MLP, SGD, Adam, binary_cross_entropy, mse, softmax_cross_entropy

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

UNARY = {
    "neg": lambda a, c: -a,
    "exp": lambda a, c: (3 * a.tanh()).exp(),  # a bounded argument
    "log": lambda a, c: (a * a + 0.5).log(),
    "sqrt": lambda a, c: (a * a + 0.5).sqrt(),
    "tanh": lambda a, c: a.tanh(),
    "sigmoid": lambda a, c: a.sigmoid(),
    "relu": lambda a, c: a.relu(),
    "abs": lambda a, c: abs(a),
    "pow_int": lambda a, c: a ** (2 if c < 0 else 3),
    "pow_frac": lambda a, c: (a * a + 0.5) ** (c / 2),
    "rpow": lambda a, c: abs(c) ** a.tanh(),
    "radd": lambda a, c: c + a,
    "rsub": lambda a, c: c - a,
    "rmul": lambda a, c: c * a,
    "rdiv": lambda a, c: c / (a * a + 0.5),
    "div_c": lambda a, c: a / c,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow_value": lambda a, b: (a * a + 0.5) ** (2 * b.tanh()),
    "maximum": ag.maximum,
    "minimum": ag.minimum,
}
NARY = ["sum", "sum_c", "dot", "dot_c", "c_dot", "logsumexp", "softmax", "log_softmax", "layer",
        "dense", "cross_entropy"]
CONSTANTS = [-2.0, -0.5, 0.25, 1.5, 3.0]
KINKS = {"relu", "abs", "max", "min"}


@st.composite
def recipes(draw):
    """A random graph as data: (n_inputs, n_params, steps); see `run_recipe`."""
    n_inputs = draw(st.integers(1, 4), label="inputs")
    n_params = draw(st.integers(1, 3), label="params")
    steps = []
    n_nodes = n_inputs + n_params
    for _ in range(draw(st.integers(1, 10), label="ops")):
        pick = st.integers(0, n_nodes - 1)
        kind = draw(st.sampled_from(["unary", "binary", "nary"]))
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY))), draw(pick),
                          draw(st.sampled_from(CONSTANTS))))
            n_nodes += 1
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY))), draw(pick),
                          draw(pick)))
            n_nodes += 1
        else:
            op = draw(st.sampled_from(NARY))
            k = draw(st.integers(1, 4))
            operands = [draw(pick) for _ in range(k)]
            consts = [draw(st.sampled_from(CONSTANTS)) for _ in range(k)]
            width = draw(st.integers(1, 3))  # neurons of a "layer"
            steps.append(("nary", op, operands, consts, width))
            n_nodes += {"softmax": k, "log_softmax": k, "layer": width, "dense": width}.get(op, 1)
    return n_inputs, n_params, steps


def run_recipe(recipe, x, params, layer_weights):
    """Build the recipe's graph on inputs x; return the outputs (the unused nodes)."""
    n_inputs, n_params, steps = recipe
    nodes = list(x) + list(params)
    used = [False] * len(nodes)
    layer = 0
    for step in steps:
        if step[0] == "unary":
            _, op, i, c = step
            new, inputs = [UNARY[op](nodes[i], c)], [i]
        elif step[0] == "binary":
            _, op, i, j = step
            new, inputs = [BINARY[op](nodes[i], nodes[j])], [i, j]
        else:
            _, op, inputs, consts, width = step
            operands = [nodes[i] for i in inputs]
            if op == "layer":  # neurons sharing one input vector: a matrix product
                new = [ag.dot(w[: len(operands)], operands) for w in layer_weights[layer][:width]]
                layer += 1
            elif op == "dense":  # a hidden layer: relu(W @ x + b), one fused group
                new = [(ag.dot(w[: len(operands)], operands) + w[4]).relu()
                       for w in layer_weights[layer][:width]]
                layer += 1
            else:
                new = nary(op, operands, consts)
        for i in inputs:
            used[i] = True
        for v in new:  # keep values moderate whatever the data (the same for every sample)
            nodes.append((v / 100).tanh() * 100 if step[1] in ("exp", "pow_int", "rdiv") else v)
            used.append(False)
    outputs = [v for v, u in zip(nodes[n_inputs + n_params :], used[n_inputs + n_params :])
               if not u]
    return outputs or [nodes[-1]]


def nary(op, operands, consts):
    if op == "sum":
        return [ag.sum(operands)]
    if op == "sum_c":
        return [ag.sum(operands + consts)]
    if op == "dot":
        return [ag.dot(operands, operands[::-1])]
    if op == "dot_c":
        return [ag.dot(operands, consts)]
    if op == "c_dot":
        return [ag.dot(consts, operands)]
    if op == "logsumexp":
        return [ag.logsumexp(operands)]
    if op == "cross_entropy":  # targets that are nodes too (their gradient is computed)
        return [softmax_cross_entropy(operands, operands[::-1])]
    return getattr(ag, op)(operands)


def make_function(recipe, rng):
    """The recipe as a one-sample function (outputs, loss), with its parameters."""
    n_inputs, n_params, steps = recipe
    params = [Value(float(v), f"p{i}") for i, v in enumerate(rng.normal(size=n_params))]
    layer_weights = [[[Value(float(w)) for w in rng.normal(size=5)] for _ in range(3)]
                     for step in steps if step[0] == "nary" and step[1] in ("layer", "dense")]
    every_parameter = params + [w for layer in layer_weights for ws in layer for w in ws]

    def fn(x):
        outputs = run_recipe(recipe, x, params, layer_weights)
        # Several outputs reduced to one loss: their sum, and a logsumexp of them.
        return outputs, ag.sum(outputs) + 0.5 * ag.logsumexp(outputs)

    return fn, every_parameter


def interpret(fn, x, parameters):
    """The interpreter on one sample: outputs, loss, parameter gradients, kink distance."""
    outputs, loss = fn([Value(v) for v in x])
    for p in parameters:
        p.grad = 0.0
    loss.backward()
    grads = np.array([p.grad for p in parameters])
    for p in parameters:
        p.grad = 0.0
    return np.array([v.data for v in outputs]), loss.data, grads, kink_distance(loss)


def kink_distance(root):
    """How close any relu/abs/max/min came to its kink (other than an exact tie of a node
    with itself, which both engines split the same way). Closer than ~1e-9, the compiled
    program's differently rounded sums may land on the other side: not a fair comparison."""
    distance = math.inf
    for node in ag.topological_order(root):
        if node.op in ("relu", "abs"):
            distance = min(distance, abs(node.parents[0].data))
        elif node.op in ("max", "min") and node.parents[0] is not node.parents[1]:
            distance = min(distance, abs(node.parents[0].data - node.parents[1].data))
    return distance


def assert_close(got, expected, what):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    scale = 1.0 + float(np.max(np.abs(expected), initial=0.0))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12 * scale, err_msg=what)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(), seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 5))
def test_random_graphs_compiled_match_the_interpreter_sample_by_sample(recipe, seed, batch):
    rng = np.random.default_rng(seed)
    fn, parameters = make_function(recipe, rng)
    X = rng.normal(scale=1.5, size=(batch, recipe[0]))
    expected = [interpret(fn, x, parameters) for x in X]
    assume(min(e[3] for e in expected) > 1e-9)

    program = compile(fn, X[0], parameters=parameters, check=False)
    result = program(X)  # the whole batch at once
    for b, (outputs, loss, _, _) in enumerate(expected):
        assert_close(result.outputs[b], outputs, f"outputs of sample {b}")
        assert_close(result.losses[b], loss, f"loss of sample {b}")
    assert_close(result.loss, np.mean([e[1] for e in expected]), "batch-mean loss")
    batch_grads = np.array([p.grad for p in parameters])
    assert_close(batch_grads, np.mean([e[2] for e in expected], axis=0), "mean gradients")
    for b, x in enumerate(X):  # and each sample alone: the per-sample gradients
        for p in parameters:
            p.grad = 0.0
        program(x[None, :])
        assert_close([p.grad for p in parameters], expected[b][2], f"gradients of sample {b}")


# ---------------------------------------------------------------------------------------
# MLPs: several shapes and activations; batches of 1 and batches that do not divide the data
# ---------------------------------------------------------------------------------------

MLPS = [  # (inputs, layer sizes, activation, loss)
    (5, [3], "relu", "cross_entropy"),
    (4, [6, 5, 3], "tanh", "cross_entropy"),
    (3, [7, 1], "sigmoid", "bce"),
    (6, [4, 2], "linear", "mse"),
    (8, [16, 10], "relu", "cross_entropy"),
]


def mlp_case(nin, sizes, activation, loss_name, n=11, seed=0):
    rng = np.random.default_rng(seed)
    model = MLP(nin, sizes, activation=activation, seed=seed)
    X = rng.normal(size=(n, nin))
    nout = sizes[-1]
    y = rng.integers(0, max(nout, 2), size=n)
    if loss_name == "cross_entropy":
        T = np.eye(nout)[y]

        def loss(outputs, t):
            return softmax_cross_entropy(outputs, t)
    elif loss_name == "bce":
        T = y[:, None].astype(float)

        def loss(outputs, t):
            return binary_cross_entropy(outputs[0], t[0])
    else:
        T = rng.normal(size=(n, nout))

        def loss(outputs, t):
            return mse(outputs, t)
    return model, X, T, loss


@pytest.mark.parametrize("case", MLPS, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in MLPS])
@pytest.mark.parametrize("batch_size", [1, 4])
def test_mlp_batches_match_the_interpreter(case, batch_size):
    model, X, T, loss = mlp_case(*case)

    def one_sample(x, t):
        outputs = model(x)
        return outputs, loss(outputs, t)

    program = compile(one_sample, (X[0], T[0]), parameters=model.parameters())
    for start in range(0, len(X), batch_size):  # 11 samples: the last batch is smaller
        xb, tb = X[start : start + batch_size], T[start : start + batch_size]
        model.zero_grad()
        result = program(xb, tb)
        compiled_grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        per_sample = [one_sample(x.tolist(), t.tolist()) for x, t in zip(xb, tb)]
        mean_loss = ag.sum([sample_loss for _, sample_loss in per_sample]) / len(xb)
        mean_loss.backward()
        assert_close(result.outputs, [[v.data for v in out] for out, _ in per_sample], "outputs")
        assert_close(result.loss, mean_loss.data, "loss")
        assert_close(compiled_grads, [p.grad for p in model.parameters()], "gradients")


def test_a_layer_becomes_one_matrix_product():
    model = MLP(12, [5, 3], seed=0)
    X = np.zeros((1, 12))

    def outputs(x):
        return model(x)

    program = compile(outputs, X[0], parameters=model.parameters())
    plan = str(program)
    assert "one matrix product (5 x 12)" in plan
    assert "one matrix product (3 x 5)" in plan
    assert "relu" in plan
    # 12*5 + 5*3 dot parents, 5 + 3 bias additions: 8 + 8 + 5 nodes, in two groups: each
    # layer's product and bias addition are one group, W @ X + b, and the hidden layer's ReLU
    # joins its group, relu(W @ X + b) (see fuse.py)
    assert "relu(one matrix product (5 x 12) @ X + b)" in plan
    assert "one matrix product (3 x 5) @ X + b" in plan
    assert "level 1-3:" in plan and "level 4-5:" in plan  # (the levels a fused group spans)
    groups = program.groups
    assert [g.op for g in groups] == ["dot, +, relu", "dot, +"]
    assert [g.size for g in groups] == [15, 6]
    assert [g.level for g in groups] == [1, 4]
    assert program.n_outputs == 3 and not program.has_loss


def test_a_product_read_by_more_than_its_addition_is_not_fused():
    """If the products W @ X are also outputs (or read by another op), their rows must be
    kept: the product and the addition stay two groups, and both give the interpreter's
    numbers (the fused layer below too)."""
    model = MLP(6, [4], seed=2)
    neurons = model.layers[0].neurons

    def both(x):
        products = [ag.dot(n.w, x) for n in neurons]
        sums = [p + n.b for p, n in zip(products, neurons)]
        return products + sums, ag.sum([s.tanh() for s in sums])

    def sums_only(x):
        sums = [ag.dot(n.w, x) + n.b for n in neurons]
        return sums, ag.sum([s.tanh() for s in sums])

    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 6))
    kept = compile(both, X[0], parameters=model.parameters())
    assert [g.op for g in kept.groups][:2] == ["dot", "+"]
    fused = compile(sums_only, X[0], parameters=model.parameters())
    assert [g.op for g in fused.groups][0] == "dot, +"
    for program in (kept, fused):
        for x in X:
            program.check(x)  # outputs, loss and gradients against the interpreter
    for p in model.parameters():
        p.grad = 0.0
    kept_result = kept(X)
    kept_grads = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad = 0.0
    fused_result = fused(X)
    np.testing.assert_array_equal(fused_result.outputs, kept_result.outputs[:, 4:])
    np.testing.assert_array_equal([p.grad for p in model.parameters()], kept_grads)


def test_matrix_products_follow_the_overflow_rule():
    """Finite weights and inputs whose product (or its sum with the bias) is infinite raise
    OverflowError naming the op and the sample, as the interpreter does; an infinite input
    is not an overflow and passes through."""
    model = MLP(3, [2, 2], seed=0)
    program = compile(lambda x: model(x), np.zeros(3), parameters=model.parameters())
    first_layer = model.layers[0].neurons
    X = np.array([[0.0, 0.0, 0.0], [1e200, 1.0, 1.0], [0.0, 1.0, 0.0]])
    first_layer[1].w[0].data = 1e200
    with pytest.raises(OverflowError, match=r"^dot overflows.*\(sample 1 of the batch\)"):
        program.forward(X)
    with np.errstate(invalid="ignore"):
        program.forward(np.array([[np.inf, 0.0, 0.0]]))  # an infinite input: no error
    first_layer[1].w[0].data = 0.5
    first_layer[0].w[1].data, first_layer[0].b.data = 1.0, 1.7e308
    X[2, 1] = 1.7e308
    with pytest.raises(OverflowError, match=r"^\+ overflows.*\(sample 2 of the batch\)"):
        program.forward(X[[0, 0, 2]])

    def products_only(x):  # no bias: a plain (unfused) matrix product
        return [ag.dot(n.w, x) for n in first_layer]

    plain = compile(products_only, np.zeros(3), parameters=model.parameters())
    assert [g.op for g in plain.groups] == ["dot"]
    first_layer[0].w[1].data = 10.0  # 10 * 1.7e308
    with pytest.raises(OverflowError, match=r"^dot overflows.*\(sample 0 of the batch\)"):
        plain.forward(X[[2]])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_session_takes_the_interpreters_steps(optimizer):
    """Three optimizer steps through program.training() equal three interpreted steps."""
    def make():
        model = MLP(6, [5, 4], seed=3)
        params = model.parameters()
        opt = (SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01) if optimizer == "sgd"
               else Adam(params, lr=0.01))
        return model, opt

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 6)), rng.integers(0, 4, size=10)
    T = np.eye(4)[y]
    batches = [slice(0, 4), slice(4, 8), slice(8, 10)]  # 4, 4 and a last batch of 2

    interpreted, opt = make()
    for part in batches:
        opt.zero_grad()
        softmax_cross_entropy([interpreted(x) for x in X[part]], y[part].tolist()).backward()
        opt.step()

    compiled, opt = make()

    def one_sample(x, t):
        outputs = compiled(x)
        return outputs, softmax_cross_entropy(outputs, t)

    program = compile(one_sample, (X[0], T[0]), parameters=compiled.parameters())
    with program.training(opt) as session:
        for part in batches:
            session.step(X[part], T[part])
        before_exit = compiled.parameters()[0].data
    assert before_exit == MLP(6, [5, 4], seed=3).parameters()[0].data  # Values synced lazily
    for a, b in zip(compiled.parameters(), interpreted.parameters()):
        assert a.data == pytest.approx(b.data, rel=1e-12, abs=1e-14)


def test_the_plan_reads_parameters_at_every_call():
    w = Value(2.0, "w")
    program = compile(lambda x: ([w * x[0]], (w * x[0]) ** 2), np.ones(1), parameters=[w])
    assert program(np.array([[3.0]])).loss == 36.0
    w.data = 1.0  # e.g. an optimizer step on the Value
    assert program(np.array([[3.0]])).loss == 9.0


def test_gradients_accumulate_into_grad_like_backward():
    w = Value(2.0, "w")
    program = compile(lambda x: w * x[0], np.ones(1), parameters=[w])
    program(np.array([[1.0], [3.0]]))
    assert w.grad == 2.0  # the batch mean of d(w x)/dw = x
    program(np.array([[1.0], [3.0]]))
    assert w.grad == 4.0


def test_leaves_made_inside_the_function_are_constants_by_default():
    w = Value(0.5, "w")

    def fn(x):
        return (Value(3.0) * w + x[0]).tanh()  # Value(3.0) is new at every call: a constant

    program = compile(fn, np.zeros(1))
    assert program.parameters == [w]


def test_inputs_of_several_shapes():
    w = Value(1.5)

    def fn(scalar, vector, matrix):
        return w * scalar + ag.sum(vector) * matrix[1][0]

    example = (np.array(1.0), np.ones(3), np.ones((2, 2)))
    program = compile(fn, example, parameters=[w])
    batch = (np.array([1.0, 2.0]), np.ones((2, 3)), np.arange(8.0).reshape(2, 2, 2))
    result = program(*batch)
    assert result.losses.tolist() == [1.5 * 1 + 3 * 2.0, 1.5 * 2 + 3 * 6.0]


# ---------------------------------------------------------------------------------------
# What cannot be compiled, and mistakes
# ---------------------------------------------------------------------------------------


def test_check_catches_a_function_that_branches_on_data():
    def fn(x):
        return x[0] if x[0].data > 0 else -x[0]  # Python `if` on a value: not traceable

    program = compile(fn, np.array([2.0]))  # traced (and checked) on a positive sample
    program.check(np.array([5.0]))  # another positive sample: the same path, fine
    with pytest.raises(CompileMismatchError, match="different path"):
        program.check(np.array([-1.0]))


def test_class_index_targets_are_caught_by_the_check():
    model = MLP(3, [4], seed=0)

    def by_index(x, t):  # the label read as a Python int: indexing that depends on data
        outputs = model(x)
        return outputs, softmax_cross_entropy(outputs, int(t[0].data))

    program = compile(by_index, (np.ones(3), np.array([1.0])), parameters=model.parameters())
    with pytest.raises(CompileMismatchError):
        program.check(np.ones(3), np.array([2.0]))


def test_unknown_op_is_refused_with_a_clear_error():
    def fn(x):
        return Value(2 * x[0].data, parents=(x[0],), op="double", local_grads=(2.0,))

    with pytest.raises(CompileError, match="'double'.*not one of the engine's"):
        compile(fn, np.ones(1))


def test_compile_inside_no_grad_is_refused():
    with no_grad(), pytest.raises(CompileError, match="no_grad"):
        compile(lambda x: x[0] * 2, np.ones(1))


def test_bad_batches_get_clear_errors():
    w = Value(1.0)
    program = compile(lambda x, t: w * x[0] * t[0], (np.ones(2), np.ones(1)), parameters=[w])
    with pytest.raises(ValueError, match=r"argument 0 .*shape \(batch, \*\(2,\)\)"):
        program(np.ones(2), np.ones((1, 1)))  # one sample without the batch axis
    with pytest.raises(ValueError, match="same non-zero number of samples"):
        program(np.ones((3, 2)), np.ones((2, 1)))
    with pytest.raises(TypeError, match="takes 2 array"):
        program(np.ones((3, 2)))
    with pytest.raises(ValueError, match="same non-zero number of samples"):
        program(np.ones((0, 2)), np.ones((0, 1)))  # arrays of the right kind, but no sample
    with pytest.raises(ValueError, match=r"argument 1 .*shape \(batch, \*\(1,\)\)"):
        program(np.ones((3, 2)), np.ones((3, 2)))  # float64 arrays, samples of a wrong shape
    with pytest.raises(ValueError, match=r"argument 0 .*shape"):
        program(np.array(1.0), np.ones((1, 1)))  # a 0-d array
    assert w.grad == 0.0  # nothing was changed


def test_domain_errors_name_the_sample():
    program = compile(lambda x: x[0].log(), np.ones(1))
    with pytest.raises(ValueError, match=r"log is undefined for -2\.0.*sample 1 of the batch"):
        program(np.array([[1.0], [-2.0]]))


def test_training_needs_the_programs_parameters_in_order():
    model = MLP(2, [2], seed=0)
    program = compile(lambda x: (model(x), ag.sum(model(x))), np.ones(2),
                      parameters=model.parameters())
    with pytest.raises(ValueError, match="same order"):
        program.training(SGD(model.parameters()[::-1], lr=0.1))


def test_a_zero_gradient_does_not_meet_an_infinite_local_derivative():
    """The interpreter skips nodes whose gradient is 0, so sqrt at 0 (an infinite local
    derivative) behind a zero upstream passes 0, not 0 * inf = NaN. So must the program."""
    w = Value(1.0, "w")

    def fn(x):
        return [], (w * x[0]).relu().sqrt() * 0.0 + w

    program = compile(fn, np.array([-1.0]), parameters=[w])
    program(np.array([[-1.0], [2.0]]))
    assert w.grad == 1.0


def test_the_random_recipes_can_reach_every_op_of_the_engine():
    """The vocabulary of `recipes` covers every op (so the hypothesis test above can
    exercise each rule in both engines)."""
    steps = [("unary", name, 0, 1.5) for name in UNARY]
    steps += [("binary", name, 0, 1) for name in BINARY]
    steps += [("nary", name, [0, 1], [0.25, 3.0], 2) for name in NARY]
    layer_weights = [[[Value(0.1)] * 5] * 3] * 2  # ("layer" and "dense")
    outputs = run_recipe((1, 1, steps), [Value(0.3)], [Value(-0.7)], layer_weights)
    seen = {str(node.op) for node in ag.topological_order(*outputs)}
    from autograd_scalar import ops

    assert {str(op) for op in ops.OPS} <= seen
    assert {"**3", "**0.75"} <= seen  # powers with a number exponent


def test_copies_of_a_graph_keep_their_ops():
    """copy.deepcopy of a model or a graph (a snapshot of the best model) keeps working,
    in the interpreter and in the compiler."""
    import copy

    x = Value(0.5, "x")
    y = (x * x).tanh() + x**2
    clone = copy.deepcopy(y)
    assert clone.data == y.data and clone.op is y.op
    model = copy.deepcopy(MLP(3, [2], seed=0))
    program = compile(lambda v: model(v), np.ones(3), parameters=model.parameters())
    assert program(np.ones((2, 3))).outputs.shape == (2, 2)


def test_the_textbook_does_not_import_the_compiler():
    """The engine's files (the textbook) import nothing from the compiler's wing, except
    the `compile` re-export in the package's __init__; ops.py needs no NumPy."""
    import ast
    from pathlib import Path

    package = Path(ag.__file__).parent
    for path in package.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                imported.add("." * node.level + (node.module or ""))
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        compiler_imports = {name for name in imported if "compiler" in name}
        assert compiler_imports == ({".compiler"} if path.name == "__init__.py" else set()), path
        if path.name == "ops.py":
            assert "numpy" not in imported


def test_tied_weights_in_a_layer_add_every_use():
    """One parameter at several places of a layer's weight matrix (tied weights): the
    matrix product's backward must add the gradient of every place, as backward() does.
    (A plain indexed `grad[index] += dW` keeps one place per parameter and loses the rest.)
    """
    p, q, r = Value(0.7, "p"), Value(-1.3, "q"), Value(0.4, "r")
    weights = [[p, q, p, r],  # p twice in one row
               [q, p, r, q],  # and in every row, as is q
               [r, r, q, p]]

    def layer(x):
        outputs = [ag.dot(row, x) for row in weights]
        return outputs, ag.sum([(o * c).tanh() for o, c in zip(outputs, (0.5, -0.3, 0.8))])

    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 4))
    program = compile(layer, X[0], parameters=[p, q, r], check=False)  # we compare below
    assert "one matrix product (3 x 4)" in str(program)  # the path under test

    result = program(X)
    compiled = [p.grad, q.grad, r.grad]
    interpreted = [interpret(layer, x, [p, q, r]) for x in X]
    assert_close(result.loss, np.mean([e[1] for e in interpreted]), "loss")
    assert_close(compiled, np.mean([e[2] for e in interpreted], axis=0), "tied gradients")


def _tied_layer():
    """A layer whose weight matrix uses three parameters at twelve places (not a view)."""
    p, q, r = Value(0.7, "p"), Value(-1.3, "q"), Value(0.4, "r")
    weights = [[p, q, p, r], [q, p, r, q], [r, r, q, p]]

    def layer(x, t):
        outputs = [ag.dot(row, x) for row in weights]
        return outputs, softmax_cross_entropy(outputs, t)
    return layer, [p, q, r], 4, 3


def _mlp_layers():
    model = MLP(4, [5, 3], seed=2)

    def one_sample(x, t):
        outputs = model(x)
        return outputs, softmax_cross_entropy(outputs, t)
    return one_sample, model.parameters(), 4, 3


@pytest.mark.parametrize("make", [_mlp_layers, _tied_layer], ids=["mlp", "tied-weights"])
def test_bound_runs_follow_the_arrays_they_are_given(make):
    """A plan binds its groups to a run's arrays once and reuses that for the next runs with
    the same arrays (a training session's steps). Reused, it must see the parameters as they
    are now (changed in place: views, or weights gathered at every run) and the new batch;
    other arrays and batch sizes get their own binding, and more of them than are kept work.
    Every run is compared with a run on copies of the arrays, which binds afresh."""
    fn, params, n_in, n_out = make()
    rng = np.random.default_rng(5)
    X, T = rng.normal(size=(9, n_in)), np.eye(n_out)[rng.integers(0, n_out, size=9)]
    program = compile(fn, (X[0], T[0]), parameters=params)
    plan = program._plan
    theta = program._parameter_data()
    grad = np.full_like(theta, np.nan)  # every entry must be written (or zeroed) by a run

    def fresh_run(batch, theta):
        fresh_grad = np.zeros_like(theta)
        return plan.run(program._columns(batch), theta.copy(), fresh_grad), fresh_grad

    for batch in [(X[:4], T[:4]), (X[4:8], T[4:8]), (X[8:], T[8:]), (X[:4], T[:4])]:
        result = plan.run(program._columns(batch), theta, grad)
        expected, expected_grad = fresh_run(batch, theta)
        np.testing.assert_array_equal(result.outputs, expected.outputs)
        assert result.loss == expected.loss
        np.testing.assert_array_equal(grad, expected_grad)
        theta += rng.normal(scale=0.1, size=theta.shape)  # in place, as an optimizer does
    for k in range(6):  # more sets of arrays than the plan keeps bound
        shifted = theta + 0.01 * k
        result = plan.run(program._columns((X[:3], T[:3])), shifted, None)
        expected, _ = fresh_run((X[:3], T[:3]), shifted)
        np.testing.assert_array_equal(result.outputs, expected.outputs)
    assert len(plan._bound_runs) <= 4
