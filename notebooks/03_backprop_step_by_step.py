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

# %% [markdown]
# # 3. Backprop, step by step
#
# Now a real (if tiny) network, the two-layer perceptron of the lecture:
#
# $$x \xrightarrow{\;W_1,\, b_1\;} a_1 \xrightarrow{\;f_1\;} h
#     \xrightarrow{\;W_2,\, b_2\;} a_2 \xrightarrow{\;f_2\;} \hat y
#     \longrightarrow L(\hat y, y)$$
#
# $$a_1 = W_1 x + b_1, \quad h = f_1(a_1), \quad a_2 = W_2 h + b_2, \quad
#   \hat y = f_2(a_2).$$
#
# $a_1, a_2$ are the **pre-activations**, $h$ the hidden activations, $L$ the loss (the
# lecture's notation, as in every lesson). For one example, $x$ and $a_1$ are column
# vectors; for a batch (section 6) the examples are the **rows** of a matrix $X$. We will
#
# 1. build it from `Value`s, with a label on every number, and watch `backward()` fill in
#    the gradients one chain-rule step at a time;
# 2. derive the **deltas** $\delta = \partial L / \partial a$ with the chain rule in
#    Jacobian form (the famous $\hat y - y$ at the output) and check them against
#    `backward()`;
# 3. get every parameter's gradient from the deltas with two matrix products, in NumPy,
#    and compare with the `.grad` of each weight.

# %%
from pathlib import Path

import numpy as np
from IPython.display import Image, display

import autograd_scalar as ag
from autograd_scalar import Value, gradcheck
from nn import MLP, mse, softmax_cross_entropy
from viz import animate_backward, draw_mlp

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A 2-2-1 network built from labelled Values
#
# Two inputs, two $\tanh$ hidden units, one linear output ($f_2$ = identity, so
# $\hat y = a_2$), and the squared error with a factor $\tfrac12$, which is the Gaussian
# negative log-likelihood with $\sigma = 1$ of lesson 1 (without its constant):
#
# $$L = \tfrac12 (\hat y - y)^2 .$$
#
# Every weight is its own `Value`, named like the matrix entry it is: `W1[j,i]` connects
# input $i$ to hidden unit $j$. A row of $W$ times a vector is one `dot` node. The input
# $x$ stays a pair of plain numbers: `dot` folds numbers in as constants, so they get no
# box in the diagram (we never need $\partial L / \partial x$ to train).

# %%
x_np = np.array([0.5, -1.0])            # one example
y_target = 1.0                          # its target
W1_np = np.array([[0.3, 0.7], [0.2, -1.1]])
b1_np = np.array([0.1, 0.2])
W2_np = np.array([[0.8, 0.4]])
b2_np = np.array([0.2])

def labelled(array, name):
    """A nested list of Values, one per entry, labelled 'name[j,i]' (or 'name[j]')."""
    if array.ndim == 1:
        return [Value(v, f"{name}[{j}]") for j, v in enumerate(array)]
    return [[Value(v, f"{name}[{j},{i}]") for i, v in enumerate(row)]
            for j, row in enumerate(array)]

def dense(W, b, inputs, layer, input_name):
    """Pre-activations a = W inputs + b of layer 1 or 2, labelled like 'a1[j]'."""
    out = []
    for j, (row, bias) in enumerate(zip(W, b)):
        weighted = ag.dot(row, inputs)          # W[j,:] . inputs, one node
        weighted.label = f"W{layer}[{j},:]·{input_name}"
        a = weighted + bias
        a.label = f"a{layer}[{j}]"
        out.append(a)
    return out

W1, b1 = labelled(W1_np, "W1"), labelled(b1_np, "b1")
W2, b2 = labelled(W2_np, "W2"), labelled(b2_np, "b2")
parameters = [*W1[0], *W1[1], *b1, *W2[0], *b2]

a1 = dense(W1, b1, x_np, 1, "x")
h1 = [a.tanh() for a in a1]
for j, h in enumerate(h1):
    h.label = f"h[{j}]"
(a2,) = dense(W2, b2, h1, 2, "h")       # linear output: y_hat = a2
a2.label = "a2 = y_hat"
err = a2 - Value(y_target, "y")
err.label = "y_hat - y"
loss = Value(0.5, "1/2") * err**2
loss.label = "L"
print(f"y_hat = {a2.data:.4f}, target = {y_target}, loss = {loss.data:.4f}")

# %% [markdown]
# ## 2. Watching backward, one chain-rule step per frame
#
# `animate_backward` runs the engine's own backward pass (`loss.backward_steps()`) and
# draws the graph after every step: the node taking its step is red, the gradients it
# just sent are yellow, `grad ?` means "not reached yet". (Every value here is used once;
# where a value feeds several operations, lesson 2's `+=`, the animation marks its gradient
# as partial until every use has sent its share.) After the last frame the gradients are
# exactly those of `loss.backward()`.
#
# In a live notebook the cell below shows a player (play, step, slider). On a static web
# page the player cannot run: the frames are shown as pictures further down.

# %%
animation = animate_backward(loss, parameters=parameters, rankdir="TB", digits=3)
print(animation)
animation

# %% [markdown]
# Save it as an animated GIF (to open in any browser or slide), and every frame as a PNG,
# in a folder next to this notebook:

# %%
out_dir = Path("backprop_output")
out_dir.mkdir(exist_ok=True)
gif = animation.save(out_dir / "backprop_2_2_1.gif")
frames = animation.save_frames(out_dir / "frames")
print(f"{gif} ({gif.stat().st_size // 1024} kB), {len(frames)} PNG frames in {frames[0].parent}")

# %% [markdown]
# Three moments of the backward pass. **Frame 0**, after the forward pass: only
# $\partial L / \partial L = 1$ is known.

# %%
display(Image(filename=frames[0], width=1000))

# %% [markdown]
# **The step at the output layer's `dot` node**: it has received
# $\partial L / \partial (W_2 h) = \hat y - y$ and sends it back multiplied by the
# *other* factor (multiply swaps): each $W_2[0,j]$ gets $h[j] \cdot (\hat y - y)$, each
# $h[j]$ gets $W_2[0,j] \cdot (\hat y - y)$.

# %%
output_dot = next(k for k, node in enumerate(animation.steps)
                  if node.op == "dot" and h1[0] in node.parents)
print(animation.captions[output_dot + 1])
display(Image(filename=frames[output_dot + 1], width=1000))

# %% [markdown]
# **The step at the `tanh` of hidden unit 0**: it multiplies the gradient it received
# by its local derivative $1 - h[0]^2$ and hands the product to $a_1[0]$. That product
# is the hidden unit's *delta* (section 3).

# %%
hidden_tanh = animation.steps.index(h1[0])
print(animation.captions[hidden_tanh + 1])
display(Image(filename=frames[hidden_tanh + 1], width=1000))

# %% [markdown]
# **The last frame**: every gradient is known, among them the nine parameters' (blue
# boxes). Note that the constants $y$ and $\tfrac12$ get gradients too; nobody uses them.

# %%
display(Image(filename=frames[-1], width=1000))

# %% [markdown]
# ## 3. The deltas, with the chain rule in Jacobian form
#
# Call $\delta_2 = \partial L / \partial a_2$ and $\delta_1 = \partial L / \partial a_1$
# the **deltas**: the gradients at the pre-activations. They are all backprop needs.
#
# **Output layer.** With a linear output ($\hat y = a_2$) and $L = \tfrac12 (\hat y - y)^2$:
#
# $$\delta_2 = \frac{\partial L}{\partial a_2} = \hat y - y .$$
#
# **Hidden layer: the chain rule for vectors.** $L$ depends on $a_1$ through the vector
# $h = f_1(a_1)$. Writing the gradient of the scalar $L$ with respect to a vector as a
# *row*, the chain rule is a product with a **Jacobian** matrix:
#
# $$\frac{\partial L}{\partial a_1} = \frac{\partial L}{\partial h}\; J_{f_1}[a_1],
#   \qquad \bigl(J_{f_1}[a_1]\bigr)_{jk} = \frac{\partial h_j}{\partial a_{1,k}} .$$
#
# The activation works **element-wise**: $h_j = f_1(a_{1,j})$ depends on $a_{1,j}$ only, so
# $\partial h_j / \partial a_{1,k} = 0$ for $j \ne k$ and the Jacobian is **diagonal**:
#
# $$J_{f_1}[a_1] = \operatorname{diag}\bigl(f_1'(a_{1,1}), \dots, f_1'(a_{1,n})\bigr),
#   \qquad f_1'(a) = 1 - \tanh^2(a) = 1 - h^2 ,$$
#
# and multiplying by a diagonal matrix is multiplying entry by entry ($\odot$). The step
# before is the same rule for $a_2 = W_2 h + b_2$, whose Jacobian with respect to $h$ is
# $W_2$ itself: $\partial L / \partial h = \delta_2\, W_2$. Together, written as a column
# like $a_1$:
#
# $$\delta_1 = \bigl(W_2^{\top} \delta_2\bigr) \odot f_1'(a_1),
#   \qquad\text{entry by entry}\quad
#   \delta_{1,j} = f_1'(a_{1,j}) \sum_k W_{2,kj}\,\delta_{2,k} .$$
#
# The deltas travel backwards through the **transposed** weights: the same weights as in
# the forward pass, read in the other direction. First the Jacobian of $f_1 = \tanh$ at our
# $a_1$, measured with central differences, no formula used:

# %%
# Forward pass in NumPy, from the same numbers.
a1_np = W1_np @ x_np + b1_np
h_np = np.tanh(a1_np)
a2_np = W2_np @ h_np + b2_np
y_hat_np = a2_np                             # linear output

step = 1e-6
J_f1 = np.column_stack([(np.tanh(a1_np + step * e) - np.tanh(a1_np - step * e)) / (2 * step)
                        for e in np.eye(len(a1_np))])  # column k: d h / d a1[k]
print("J_f1[a1], measured:\n", J_f1)
print("diag(1 - h^2):\n", np.diag(1 - h_np**2))
assert np.allclose(J_f1, np.diag(1 - h_np**2), atol=1e-9)

# %% [markdown]
# Diagonal, as predicted. Now the deltas, once as the lecture's product of a row vector
# with the Jacobian and once with the element-wise shortcut, against the `.grad` that
# `backward()` left on $a_2$ and $a_1$:

# %%
delta2 = y_hat_np - y_target                    # (1,)
dL_dh = delta2 @ W2_np                          # row vector (2,): dL/da2 . J[h] = delta2 W2
delta1_jacobian = dL_dh @ J_f1                  # dL/da1 = dL/dh . J_f1[a1]
delta1 = (W2_np.T @ delta2) * (1 - h_np**2)     # the same, element-wise

print("delta2:", delta2, "   a2.grad:", np.array([a2.grad]))
print("delta1 via the Jacobian:", delta1_jacobian, "  element-wise:", delta1,
      "  a1 grads:", np.array([a.grad for a in a1]))
assert np.allclose(delta2, [a2.grad])
assert np.allclose(delta1_jacobian, delta1) and np.allclose(delta1, [a.grad for a in a1])

# %% [markdown]
# ## 4. The parameters' gradients come from the deltas
#
# $a_{1,j} = \sum_i W_{1,ji}\, x_i + b_{1,j}$, so $\partial a_{1,j} / \partial W_{1,ji}
# = x_i$ and $\partial a_{1,j} / \partial b_{1,j} = 1$. One multiplication each:
#
# $$\frac{\partial L}{\partial W_1} = \delta_1\, x^{\top}
#   \;\;(\text{an outer product, the shape of } W_1), \qquad
#   \frac{\partial L}{\partial b_1} = \delta_1, \qquad
#   \frac{\partial L}{\partial W_2} = \delta_2\, h^{\top}, \qquad
#   \frac{\partial L}{\partial b_2} = \delta_2 .$$
#
# A weight's gradient is (the delta of the unit it feeds) $\times$ (the activation it
# reads). A weight reading an input of 0 gets no gradient from this example.

# %%
dW1 = np.outer(delta1, x_np)
db1 = delta1
dW2 = np.outer(delta2, h_np)
db2 = delta2

def grads_of(values):
    """The .grad of a (nested) list of Values as a NumPy array of the same shape."""
    return np.array([[v.grad for v in row] if isinstance(row, list) else row.grad
                     for row in values])

for name, from_deltas, engine in [("W1", dW1, grads_of(W1)), ("b1", db1, grads_of(b1)),
                                  ("W2", dW2, grads_of(W2)), ("b2", db2, grads_of(b2))]:
    print(f"dL/d{name} from the deltas:\n{from_deltas}\n  .grad of the Values:\n{engine}")
    assert np.allclose(from_deltas, engine)


# %% [markdown]
# And one more, independent check, with no calculus at all: `gradcheck` (central
# differences) on the loss as a function of the nine parameters.

# %%
def loss_of_parameters(w1_00, w1_01, w1_10, w1_11, b1_0, b1_1, w2_00, w2_01, b2_0):
    h_0 = (ag.dot([w1_00, w1_01], x_np) + b1_0).tanh()
    h_1 = (ag.dot([w1_10, w1_11], x_np) + b1_1).tanh()
    y_hat = ag.dot([w2_00, w2_01], [h_0, h_1]) + b2_0
    return 0.5 * (y_hat - y_target) ** 2

print(gradcheck(loss_of_parameters, [Value(p.data, p.label) for p in parameters]))

# %% [markdown]
# ## 5. The factor 2 and the mean: `nn.mse` (PyTorch's convention)
#
# $\delta_2 = \hat y - y$ needs the $\tfrac12$ in the loss. `nn.mse`, like PyTorch's
# `MSELoss`, has no $\tfrac12$ and takes the **mean over all numbers**: for $m$ examples
# with $K$ outputs each,
#
# $$L_{\text{mse}} = \frac{1}{mK}\sum_{i,k} \bigl(\hat y^{(i)}_k - y^{(i)}_k\bigr)^2
#   \quad\Rightarrow\quad
#   \frac{\partial L_{\text{mse}}}{\partial a^{(i)}_{2,k}}
#   = \frac{2}{mK}\,\bigl(\hat y^{(i)}_k - y^{(i)}_k\bigr).$$
#
# Same direction, different scale: a factor you can fold into the learning rate, but
# must know about when you compare gradients with a textbook (or with PyTorch). Here
# $m = K = 1$:

# %%
for p in parameters:
    p.grad = 0.0
loss_mse = mse([a2], [y_target])
loss_mse.backward()
print(f"nn.mse: a2.grad = {a2.grad:.6f};  2 (y_hat - y) / (m K) = "
      f"{2 * (a2.data - y_target) / 1:.6f};  with the 1/2 it was {delta2[0]:.6f}")
assert np.isclose(a2.grad, 2 * delta2[0])
assert np.allclose(grads_of(W1), 2 * dW1)  # every gradient doubles: the chain is linear

# %% [markdown]
# ## 6. Softmax and cross-entropy, on a batch
#
# Classification with $K$ classes: the output layer's pre-activations $a_2$ are the
# logits, $f_2$ is the softmax, $\hat y = \operatorname{softmax}(a_2)$, and one example's
# loss is the cross-entropy $L^{(i)} = -\sum_k t_k \log \hat y_k = -\log \hat y_y$ (lesson 1,
# $t$ the one-hot target). The lecture's way to its delta is the chain rule in Jacobian
# form again, through $\hat y$:
#
# $$\frac{\partial L^{(i)}}{\partial a_2}
#   = \frac{\partial L^{(i)}}{\partial \hat y}\;\frac{\partial \hat y}{\partial a_2},
#   \qquad \frac{\partial L^{(i)}}{\partial \hat y_k} = -\frac{t_k}{\hat y_k} .$$
#
# The softmax is **not** element-wise: every $\hat y_k = e^{a_{2,k}} / \sum_j e^{a_{2,j}}$
# depends on every logit, so its Jacobian is full. The quotient rule gives
#
# $$\frac{\partial \hat y_k}{\partial a_{2,j}} = \hat y_k\bigl([k = j] - \hat y_j\bigr),
#   \qquad\text{i.e.}\qquad
#   \frac{\partial \hat y}{\partial a_2} = \operatorname{diag}(\hat y) - \hat y\, \hat y^{\top} .$$
#
# Multiply the row $-t_k / \hat y_k$ by it; the $\hat y_k$ cancel and $\sum_k t_k = 1$:
#
# $$\frac{\partial L^{(i)}}{\partial a_{2,j}}
#   = \sum_k \Bigl(-\frac{t_k}{\hat y_k}\Bigr)\, \hat y_k\bigl([k = j] - \hat y_j\bigr)
#   = -t_j + \hat y_j \sum_k t_k = \hat y_j - t_j .$$
#
# **Again "prediction minus target"**, as for the linear output with squared error. (This
# is no coincidence: both are "canonical link" pairs, whose delta is always $\hat y - y$.)
# The loss is the mean over the $m$ examples, so each example's delta is divided by $m$:
# $\delta^{(i)}_2 = (\hat y^{(i)} - t^{(i)})/m$, which is what PyTorch's `cross_entropy`
# (mean by default) gives too.
#
# This time the network is an `nn.MLP`: 2 inputs, 3 $\tanh$ hidden units, 2 classes.
# We call its two layers one after the other to see the hidden activations; each
# hidden activation `h` is a `tanh` node, and its only parent `h.parents[0]` is the
# pre-activation $a_1$ (a `Value` remembers where it came from).

# %%
model = MLP(2, [3, 2], activation="tanh", seed=1)
hidden, output = model.layers
print(model.layers)
draw_mlp(model, output_labels=["class 0", "class 1"])

# %% [markdown]
# (Blue edges are positive weights, red negative, the width is $|w|$; each circle holds
# its bias, 0 at initialisation.) A forward pass over a batch of four examples, layer by
# layer, keeping the pre-activations, activations and logits of each:

# %%
X = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.0, -0.4]])  # m = 4 examples, as rows
y = np.array([1, 0, 1, 0])                                         # their classes
m, K = len(X), 2

A1, H, A2 = [], [], []            # per example: pre-activations, activations, logits
for x_i in X:
    h = hidden(x_i)
    A1.append([unit.parents[0] for unit in h])
    H.append(h)
    A2.append(output(h))          # the output layer's pre-activations: the logits
loss = softmax_cross_entropy(A2, y)   # L, the mean over the m examples
model.zero_grad()
loss.backward()
print(f"L = {loss.data:.4f}")

# %% [markdown]
# The derivation above, step by step for the first example: the row
# $\partial L^{(i)} / \partial \hat y$, the softmax Jacobian, their product, and the
# engine's $\partial L / \partial a_2$ for that example times $m$ (the mean divided it by $m$):

# %%
logits = np.array([[v.data for v in row] for row in A2])
Y_hat = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)   # softmax of each row
T = np.eye(K)[y]                                                     # one-hot rows

y_hat_0, t_0 = Y_hat[0], T[0]
dL_dy_hat = -t_0 / y_hat_0                                    # row: dL/dy_hat_k = -t_k / y_hat_k
J_softmax = np.diag(y_hat_0) - np.outer(y_hat_0, y_hat_0)     # dy_hat/da2
print("dL/dy_hat:", dL_dy_hat)
print("softmax Jacobian:\n", J_softmax)
print("dL/dy_hat . J:", dL_dy_hat @ J_softmax, "   y_hat - t:", y_hat_0 - t_0,
      "   m * a2.grad:", m * grads_of(A2)[0])
assert np.allclose(dL_dy_hat @ J_softmax, y_hat_0 - t_0)
assert np.allclose(y_hat_0 - t_0, m * grads_of(A2)[0])

# %% [markdown]
# And for the whole batch: softmax minus one-hot, divided by $m$, one row per example.

# %%
Delta2 = (Y_hat - T) / m
print("(Y_hat - T) / m:\n", Delta2)
print("a2.grad from backward():\n", grads_of(A2))
assert np.allclose(Delta2, grads_of(A2))

# %% [markdown]
# **A batch in matrix form.** Stack the examples as rows (the layout of every lesson): $X$
# is $m \times 2$, $A_1$ and $H$ are $m \times 3$, $\Delta_2$ is $m \times K$; row $i$ of
# $\Delta_1$ is $\delta_1^{(i)\top}$. The forward pass is $A_1 = X W_1^\top + b_1$ (row by
# row, $a_1^{(i)} = W_1 x^{(i)} + b_1$) and the per-example formulas become
#
# $$\Delta_1 = \bigl(\Delta_2 W_2\bigr) \odot (1 - H^{2}), \qquad
#   \frac{\partial L}{\partial W_2} = \Delta_2^{\top} H, \quad
#   \frac{\partial L}{\partial b_2} = \textstyle\sum_i \delta^{(i)}_2, \quad
#   \frac{\partial L}{\partial W_1} = \Delta_1^{\top} X, \quad
#   \frac{\partial L}{\partial b_1} = \textstyle\sum_i \delta^{(i)}_1 .$$
#
# $\Delta_1^{\top} X = \sum_i \delta^{(i)}_1\, x^{(i)\top}$ is the sum over the examples of
# the single-example outer products $\delta_1 x^\top$: the weights are shared by all
# examples, so their gradients **add up** over the batch (lesson 2's `+=` again; the
# $1/m$ is already inside the deltas).

# %%
state = model.state_dict()     # the weights as arrays: W is (units, inputs)
W1_m, W2_m = state["layers.0.weight"], state["layers.1.weight"]
H_np = np.array([[v.data for v in row] for row in H])

Delta1 = (Delta2 @ W2_m) * (1 - H_np**2)
print("Delta1 from the formula:\n", Delta1)
print("a1.grad from backward():\n", grads_of(A1))
assert np.allclose(Delta1, grads_of(A1))

# %%
from_deltas = {
    "layers.0.weight": Delta1.T @ X,      # dL/dW1, shape (3, 2)
    "layers.0.bias": Delta1.sum(axis=0),  # dL/db1, shape (3,)
    "layers.1.weight": Delta2.T @ H_np,   # dL/dW2, shape (2, 3)
    "layers.1.bias": Delta2.sum(axis=0),  # dL/db2, shape (2,)
}
engine = {
    "layers.0.weight": grads_of([n.w for n in hidden.neurons]),
    "layers.0.bias": grads_of([n.b for n in hidden.neurons]),
    "layers.1.weight": grads_of([n.w for n in output.neurons]),
    "layers.1.bias": grads_of([n.b for n in output.neurons]),
}
for name in from_deltas:
    print(f"{name}  from the deltas:\n{from_deltas[name]}\n  .grad:\n{engine[name]}")
    assert np.allclose(from_deltas[name], engine[name])

# %% [markdown]
# The same batch with `nn.mse` instead, against the one-hot targets (as if we regressed
# the logits on $T$), to see its convention with $m = 4$ examples of $K = 2$ outputs:
# the output deltas are $\tfrac{2}{mK}(\hat y - T)$, here $\hat y$ being the logits.

# %%
model.zero_grad()
mse(A2, T).backward()
print("a2.grad with nn.mse:\n", grads_of(A2))
print("2 (logits - T) / (m K):\n", 2 * (logits - T) / (m * K))
assert np.allclose(grads_of(A2), 2 * (logits - T) / (m * K))

# %% [markdown]
# Every one of the 17 gradients that `backward()` found one scalar at a time is given by
# four small matrix products. That is how fast libraries (and the NumPy reference MLP in
# `benchmarks/`) compute them.
#
# ## Summary
#
# * The forward pass builds the graph; the backward pass visits it in reverse, each node
#   sending `local derivative × its gradient` to its parents.
# * For vectors the chain rule is a product with Jacobians:
#   $\partial L / \partial a_1 = \partial L / \partial h \cdot J_{f_1}[a_1]$. An element-wise
#   activation has a **diagonal** Jacobian, so the product is element-wise:
#   $\delta_1 = (W_2^\top \delta_2) \odot f_1'(a_1)$. Deltas flow back through the
#   transposed weights.
# * The **delta** at the output pre-activation is "prediction minus target" for a linear
#   output with $\tfrac12$ squared error and, through the full softmax Jacobian
#   $\operatorname{diag}(\hat y) - \hat y \hat y^\top$, for softmax with cross-entropy (and
#   sigmoid with binary cross-entropy); divided by $m$ for the mean; times 2 for `nn.mse` /
#   PyTorch's `MSELoss` (no $\tfrac12$), divided by $mK$.
# * A layer's gradients are outer products: $\partial L/\partial W = \delta\,
#   (\text{its input})^\top$, $\partial L/\partial b = \delta$, summed over the examples of
#   a batch: $\partial L / \partial W_1 = \Delta_1^\top X$ with the examples as the rows of $X$.
