# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Assignment 2: Backprop by hand
#
# The lecture's two-layer network, for a batch of $N$ examples stacked as the rows of $X$
# ($N \times D$). A weight matrix has one row per unit: $W_1$ is $H \times D$, $W_2$ is
# $K \times H$.
#
# $$a_1 = X W_1^\top + b_1, \quad h = f_1(a_1) = \tanh(a_1), \quad
#   a_2 = h W_2^\top + b_2, \quad \hat y = f_2(a_2), \quad \mathcal{L}(\hat y, y)$$
#
# Two output layers, each with its loss, a **mean** over the batch:
#
# * `"linear"`: $f_2$ is the identity, $\mathcal{L} = \frac1N \sum_i \frac12 \lVert \hat y_i - y_i \rVert^2$ ($Y$ is $N \times K$);
# * `"softmax"`: $\hat y_i = \operatorname{softmax}(a_{2,i})$, $\mathcal{L} = \frac1N \sum_i -\log \hat y_{i, y_i}$ ($Y$ holds $N$ class indices).
#
# You write the forward pass, the loss, the **deltas** $\delta_2 = \partial\mathcal{L}/\partial a_2$
# and $\delta_1 = \partial\mathcal{L}/\partial a_1$ (both $N \times$ units, one row per
# example) and the gradients $\partial\mathcal{L}/\partial W_1, \partial\mathcal{L}/\partial b_1, \partial\mathcal{L}/\partial W_2, \partial\mathcal{L}/\partial b_2$,
# in NumPy, without any automatic differentiation.
#
# **How you are graded.** The checks build the same network from `autograd_scalar.Value`s,
# call `backward()`, and compare each of your arrays with the engine's gradients by their
# relative error $\lVert a - e\rVert / \max(\lVert a\rVert, \lVert e\rVert)$ (right: below
# $10^{-6}$). They print `OK: ...` or `WRONG: ...` with the quantity, its error, the shape it
# should have and a hint. Write only where it says `YOUR CODE HERE`. Before you hand in:
# *Kernel > Restart & Run All*.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np

from nn.checks import backprop as check

# %% [markdown] nbgrader={"grade": false, "grade_id": "part1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 1: the forward pass and the loss
#
# Return a dict with the arrays `a1`, `h`, `a2` and `y_hat`. For the softmax, subtract each
# row's maximum before `np.exp` (it does not change the result, and `exp` cannot overflow).

# %% nbgrader={"grade": false, "grade_id": "forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def forward(X, W1, b1, W2, b2, output):
    ### BEGIN SOLUTION
    a1 = X @ W1.T + b1
    h = np.tanh(a1)
    a2 = h @ W2.T + b2
    if output == "linear":
        y_hat = a2
    else:
        e = np.exp(a2 - a2.max(axis=1, keepdims=True))
        y_hat = e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION
    return {"a1": a1, "h": h, "a2": a2, "y_hat": y_hat}


def loss(y_hat, Y, output):
    ### BEGIN SOLUTION
    n = len(y_hat)
    if output == "linear":
        return 0.5 * np.sum((y_hat - Y) ** 2) / n
    return -np.log(y_hat[np.arange(n), Y]).sum() / n
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check.check_forward(forward, "linear")
check.check_forward(forward, "softmax")

# %% nbgrader={"grade": true, "grade_id": "check_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check.check_loss(loss, "linear")
check.check_loss(loss, "softmax")

# %% [markdown] nbgrader={"grade": false, "grade_id": "part2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 2: the deltas and the gradients
#
# Work it out on paper first, for one example, then stack the examples as rows:
#
# 1. the output delta $\delta_2 = \partial\mathcal{L}/\partial a_2$: for both outputs it is
#    "prediction minus target", divided by $N$ because the loss is a mean
#    (for the softmax, the target is the one-hot vector of the class);
# 2. the hidden delta: $\delta_1 = (\delta_2 W_2) \odot f_1'(a_1)$ with $f_1'(a_1) = 1 - h^2$;
# 3. a layer's gradients from its delta and its input:
#    $\partial\mathcal{L}/\partial W_2 = \delta_2^\top h$, $\partial\mathcal{L}/\partial b_2 = \sum_i \delta_{2,i}$,
#    and the same for layer 1 with $\delta_1$ and $X$.
#
# A gradient always has the shape of its parameter: if yours does not, a transpose is
# missing or the sum over the examples is.

# %% nbgrader={"grade": false, "grade_id": "backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def backward(X, Y, W1, b1, W2, b2, output):
    values = forward(X, W1, b1, W2, b2, output)
    h, y_hat = values["h"], values["y_hat"]
    n = len(X)
    ### BEGIN SOLUTION
    target = Y if output == "linear" else np.eye(W2.shape[0])[Y]
    delta2 = (y_hat - target) / n
    delta1 = (delta2 @ W2) * (1 - h**2)
    dW2 = delta2.T @ h
    db2 = delta2.sum(axis=0)
    dW1 = delta1.T @ X
    db1 = delta1.sum(axis=0)
    ### END SOLUTION
    return {"delta2": delta2, "delta1": delta1, "dW2": dW2, "db2": db2, "dW1": dW1, "db1": db1}


# %% [markdown] nbgrader={"grade": false, "grade_id": "check_md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The checks report the quantities in the order backprop computes them, so the first
# `WRONG` is where to look.

# %% nbgrader={"grade": true, "grade_id": "check_backward_linear", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check.check_backward(backward, "linear")
### BEGIN HIDDEN TESTS
check.check_backward(backward, "linear", seed=7)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "check_backward_softmax", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check.check_backward(backward, "softmax")
### BEGIN HIDDEN TESTS
check.check_backward(backward, "softmax", seed=7)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part3", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 3 (not graded): see it yourself
#
# Nudge one weight by $\varepsilon$ and watch the loss move by $\varepsilon$ times your
# gradient: the central difference $(\mathcal{L}(w + \varepsilon) - \mathcal{L}(w - \varepsilon)) / 2\varepsilon$
# should match your `dW1[0, 0]` to about six digits.

# %% nbgrader={"grade": false, "grade_id": "explore", "locked": false, "schema_version": 3, "solution": false, "task": false}
p = check.make_problem("softmax", seed=1)
eps = 1e-6
shifted = []
for sign in (1, -1):
    W1 = p["W1"].copy()
    W1[0, 0] += sign * eps
    y_hat = forward(p["X"], W1, p["b1"], p["W2"], p["b2"], "softmax")["y_hat"]
    shifted.append(loss(y_hat, p["Y"], "softmax"))
mine = backward(p["X"], p["Y"], p["W1"], p["b1"], p["W2"], p["b2"], "softmax")["dW1"][0, 0]
print(f"central difference {(shifted[0] - shifted[1]) / (2 * eps):.8f}, yours {mine:.8f}")
