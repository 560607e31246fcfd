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
# # 4. Gradient descent: learning rate, initialisation, batches
#
# Lessons 1 to 3 computed gradients: after `loss.backward()` every parameter $\theta$ holds
# $\partial L / \partial \theta$ in `.grad`. This lesson **uses** them. Training a network is
# nothing but repeating
#
# $$\theta \;\leftarrow\; \theta - \epsilon\, \frac{\partial L}{\partial \theta}$$
#
# for every parameter at once, where $\epsilon$ (epsilon) is the **learning rate**. Three questions
# decide whether this works:
#
# 1. **How big a step?** Why $\theta \leftarrow \theta - g$ (a learning rate of 1) usually blows
#    up, and why a too small $\epsilon$ crawls (sections 1 to 3).
# 2. **Where to start?** Why the weights start *random*, never all equal (section 5), and
#    what the loss, which is not convex, asks of the steps and the start (section 7).
# 3. **How much data per step?** The whole data set (batch gradient descent) or a few examples
#    (mini-batch gradient descent) (section 8).
#
# On the way we train a single neuron (section 4) and an MLP (section 6) on a toy 2-D data set,
# with the training loop written out in full, and finally let `nn.fit` run the same loop
# (section 9). The whole lesson runs in about two minutes.
#
# Notation as in the lecture: $\theta$ all the parameters ($W_1, b_1, W_2, b_2, \dots$),
# $\epsilon$ the learning rate, $m$ the number of training examples, $L$ the loss (the mean
# over them), $a$ a pre-activation, $\hat y$ the output.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from autograd_scalar import Value, dot, no_grad
from nn import MLP, SGD, binary_cross_entropy, fit, load_toy
from nn.data import iterate_minibatches
from viz import plot_decision_boundary, plot_history

plt.rcParams.update({"font.size": 12, "axes.grid": True, "grid.alpha": 0.3})
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# The automatic tests of the project run every notebook with the environment variable
# `AUTOGRAD_SCALAR_QUICK=1`, which only shortens the training runs below (fewer steps and
# epochs) so that the test finishes fast. You do not need to set it: leave it unset to see the
# full runs, whose results the text describes.

# %%
QUICK = os.environ.get("AUTOGRAD_SCALAR_QUICK") == "1"
STEPS = 15 if QUICK else 40           # full-batch gradient-descent steps (sections 4 to 6)
EPOCHS = 5 if QUICK else 15           # passes over the data in section 8
FIT_EPOCHS = 10 if QUICK else 40      # passes over the data for nn.fit in section 9
print("quick run" if QUICK else "full run")


# %% [markdown]
# ## 1. One step downhill: what the learning rate does
#
# Why not simply $\theta \leftarrow \theta - g$ with $g = \nabla L(\theta)$? Expand the loss
# around the current point (Taylor, to second order, with $H$ the matrix of second derivatives,
# the *curvature*):
#
# $$L(\theta - \epsilon g) \;\approx\; L(\theta) \;-\; \epsilon\, \|g\|^2 \;+\; \frac{\epsilon^2}{2}\, g^\top H g .$$
#
# The gradient promises a decrease $\epsilon \|g\|^2$, but only to first order. The curvature term
# grows like $\epsilon^2$: for a small enough $\epsilon$ the loss goes down, for a large one the step
# jumps past the bottom of the valley and up the other side. **The gradient tells the direction,
# not the distance.** Whether $\epsilon = 1$ is "small enough" depends on the curvature, which has
# nothing to do with the number 1.
#
# The simplest loss shows it exactly: $L(w) = \frac{\lambda}{2} w^2$, a parabola with curvature $\lambda$.
# Then $L'(w) = \lambda w$ and one step gives
#
# $$w_{t+1} = w_t - \epsilon\, \lambda\, w_t = (1 - \epsilon \lambda)\, w_t
# \qquad\Longrightarrow\qquad w_t = (1 - \epsilon \lambda)^t\, w_0 .$$
#
# * $0 < \epsilon \lambda < 1$: $w$ shrinks towards the minimum 0 without crossing it (slowly if $\epsilon \lambda$ is tiny);
# * $\epsilon \lambda = 1$: one step lands exactly on the minimum;
# * $1 < \epsilon \lambda < 2$: $w$ jumps across the minimum each step (zig-zag) but still shrinks;
# * $\epsilon \lambda > 2$: $|1 - \epsilon \lambda| > 1$, every step **grows** $|w|$: gradient descent **diverges**.
#
# So the learning rate must satisfy $\epsilon < 2/\lambda$. With curvature $\lambda = 3$, $\epsilon = 1$ gives the
# factor $1 - 3 = -2$: each step doubles the distance to the minimum. Here is gradient descent
# with a `Value`, exactly as the training loops below do it:

# %%
def descend(lr, steps=12, w0=1.0, curvature=3.0):
    # Gradient descent on L(w) = curvature/2 * w**2 from w0; returns w and L at every step.
    w = Value(w0, "w")
    ws, losses = [], []
    for _ in range(steps):
        loss = curvature / 2 * w**2
        ws.append(w.data)
        losses.append(loss.data)
        w.grad = 0.0            # gradients accumulate: clear the old one first
        loss.backward()         # now w.grad = dL/dw = curvature * w
        w.data -= lr * w.grad   # the gradient-descent step
    return np.array(ws), np.array(losses)


for lr in (0.05, 0.3, 0.6, 1.0):
    ws, _ = descend(lr, steps=6)
    print(f"lr = {lr:4}:  factor 1 - lr*lambda = {1 - 3 * lr:+.2f}   w =", ws)

# %%
RUNS = [  # (learning rate, what happens, colour)
    (0.05, "too small: crawls", "tab:blue"),
    (0.3, "about right", "tab:green"),
    (0.6, "large: zig-zags", "tab:orange"),
    (1.0, "too large: diverges", "tab:red"),
]
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
w_grid = np.linspace(-2.5, 2.5, 200)
ax_path.plot(w_grid, 1.5 * w_grid**2, color="0.5", linewidth=2)
for lr, note, color in RUNS:
    ws, losses = descend(lr)
    ax_loss.semilogy(losses, marker="o", color=color, label=f"$\\epsilon$ = {lr}: {note}")
    if lr != 0.3:  # the path of w on the parabola (the good run would hide the others)
        shown = ws[np.abs(ws) < 2.5][:8]
        ax_path.plot(shown, 1.5 * shown**2, marker="o", color=color)
ax_path.set(xlabel="$w$", ylabel="$L(w) = 1.5\\,w^2$", ylim=(-0.3, 9.5),
            title="where the steps land (start at $w_0 = 1$)")
ax_loss.set(xlabel="step", ylabel="loss (log scale)", ylim=(1e-12, 1e8), title="loss per step")
fig.legend(*ax_loss.get_legend_handles_labels(), loc="outside lower center", ncols=4)
plt.show()

# %% [markdown]
# The loss axis is logarithmic, and the loss is $\propto w^2$: the red run's loss grows by a
# factor $(-2)^2 = 4$ per step, the blue one shrinks by only $0.85^2 \approx 0.72$ per step
# (the orange one by $0.8^2 = 0.64$, while jumping from side to side), the green one by
# $0.1^2 = 0.01$. **Too small wastes steps, too large never arrives.** (The left panel leaves out
# the green path: it lands almost on the minimum at the first step.)
#
# ## 2. Why a learning rate of 1 is far too big for a neuron with many inputs
#
# Where does the curvature come from in a real model? Take one linear neuron
# $\hat y = \mathbf{w}\cdot\mathbf{x}$ with the squared error $L = \frac12 (\hat y - y)^2$ on one
# example (target $y$). Its gradient is $\nabla_{\mathbf{w}} L = (\hat y - y)\,\mathbf{x}$, so
# after one step the neuron outputs
#
# $$\hat y' = (\mathbf{w} - \epsilon (\hat y - y)\mathbf{x})\cdot\mathbf{x}
#   = \hat y - \epsilon\,(\hat y - y)\,\|\mathbf{x}\|^2
# \qquad\Longrightarrow\qquad
# \hat y' - y = \bigl(1 - \epsilon \|\mathbf{x}\|^2\bigr)\,(\hat y - y).$$
#
# This is the parabola again, with curvature $\lambda = \|\mathbf{x}\|^2$. Standardised inputs
# (mean 0, variance 1, as we will prepare the images in lesson 5) have
# $\|\mathbf{x}\|^2 = \sum_{i=1}^{D} x_i^2 \approx D$, the **number of inputs**. The step is
# stable only for $\epsilon < 2/D$: with $\epsilon = 1$ and a $32 \times 32$ colour image
# ($D = 3072$, the CIFAR-10 images of lesson 5) the error comes back thousands of times
# larger, with the wrong sign.

# %%
rng = np.random.default_rng(0)
target = 1.0
print("    D    |x|^2   error before   after one step, lr = 1   after one step, lr = 1/D")
for D in (10, 100, 3072):
    x = rng.normal(size=D).tolist()  # standardised inputs: mean 0, variance 1
    errors_after = []
    for lr in (1.0, 1.0 / D):
        w = [Value(0.0) for _ in range(D)]  # start from y_hat = 0, so the error is -1
        loss = 0.5 * (dot(w, x) - target) ** 2
        loss.backward()
        for wi in w:
            wi.data -= lr * wi.grad
        errors_after.append(dot(w, x).data - target)
    print(f"{D:5d} {np.dot(x, x):8.1f} {-target:12.1f} {errors_after[0]:22.1f} "
          f"{errors_after[1]:24.3f}")

# %% [markdown]
# A good learning rate scales like $1/D$: a single linear neuron on the 3,072 inputs of a
# CIFAR-10 image needs $\epsilon < 2/3072 \approx 0.0007$, while the 2-input networks below
# are happy with $\epsilon \approx 1$. (Lesson 5's network gets away with a larger
# $\epsilon$ than this single neuron: its softmax output and small second-layer weights
# lower the curvature, as it explains.) With many weights the "curvature" is not one number but
# differs between directions, which is the next point.
#
# ## 3. Two weights: the steepest direction sets the speed limit
#
# Take $L(w_1, w_2) = \frac12 (\lambda_1 w_1^2 + \lambda_2 w_2^2)$ with a flat direction $\lambda_1 = 1$ and a
# steep one $\lambda_2 = 10$. The gradient is $(\lambda_1 w_1,\; \lambda_2 w_2)$, so each coordinate follows its
# own parabola: $w_i \leftarrow (1 - \epsilon \lambda_i)\, w_i$. One learning rate serves both:
#
# * stability needs $\epsilon < 2/\lambda_2 = 0.2$, set by the **steepest** direction;
# * then along the **flat** direction each step shrinks $w_1$ by at most the factor
#   $1 - 0.2 \cdot \lambda_1 = 0.8$: progress there is slow whatever we do.
#
# The ratio $\lambda_2 / \lambda_1$ (the *condition number*) measures how hard the problem is. Real losses
# have millions of directions with very different curvatures; this picture is why training
# takes many small steps.

# %%
LAMBDA1, LAMBDA2 = 1.0, 10.0  # curvature along w1 (flat) and along w2 (steep)


def descend_2d(lr, steps=25, start=(-2.0, 0.9)):
    # Gradient descent on L = (LAMBDA1 w1^2 + LAMBDA2 w2^2) / 2; returns the path, one row per step.
    w1, w2 = Value(start[0], "w1"), Value(start[1], "w2")
    path = []
    for _ in range(steps):
        path.append((w1.data, w2.data))
        loss = 0.5 * (LAMBDA1 * w1**2 + LAMBDA2 * w2**2)
        w1.grad = w2.grad = 0.0
        loss.backward()
        w1.data -= lr * w1.grad
        w2.data -= lr * w2.grad
    return np.array(path)


g1, g2 = np.meshgrid(np.linspace(-2.3, 2.3, 200), np.linspace(-1.6, 1.6, 200))
fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), sharey=True)
for ax, (lr, note) in zip(axes, [(0.02, "too small: crawls"), (0.15, "about right"),
                                 (0.205, "too large: diverges")]):
    ax.contour(g1, g2, 0.5 * (LAMBDA1 * g1**2 + LAMBDA2 * g2**2), levels=12, colors="0.7")
    path = descend_2d(lr)
    ax.plot(path[:, 0], path[:, 1], marker="o", markersize=4, color="tab:red")
    ax.plot(0, 0, marker="*", markersize=16, color="black")
    ax.set(xlim=(-2.3, 2.3), ylim=(-1.6, 1.6), xlabel="$w_1$ (flat, $\\lambda_1 = 1$)",
           title=f"$\\epsilon$ = {lr}: {note}")
    ax.set_aspect("equal")
    ax.grid(False)
axes[0].set_ylabel("$w_2$ (steep, $\\lambda_2 = 10$)")
fig.suptitle("25 steps of gradient descent from (-2, 0.9); the star is the minimum")
plt.show()

# %% [markdown]
# Left: $\epsilon = 0.02$ is safe for the steep direction but moves $w_1$ by only 2% per step.
# Middle: $\epsilon = 0.15$ zig-zags across the steep valley while it shrinks ($1 - 1.5 = -0.5$)
# and gets close in 25 steps. Right: $\epsilon = 0.205$ is fine for $w_1$ but just above $2/\lambda_2$:
# the zig-zag in $w_2$ grows every step and the path leaves the picture.
#
# ## 4. A single neuron on a toy data set
#
# Now a real classification problem: the two "moons", 200 points in the plane with a label
# $y \in \{0, 1\}$. The first model is **one neuron** without activation: it outputs a score
# (a *logit*) $a = w_0 x_0 + w_1 x_1 + b$, read as the probability
# $\hat y = \sigma(a) = 1/(1 + e^{-a})$ that the point is of class 1: the logistic regression
# of lesson 1. The loss is its binary cross-entropy, averaged over the $m$ points:
#
# $$L(\mathbf{w}, b) = \frac{1}{m}\sum_{i=1}^{m} \Bigl[\log\bigl(1 + e^{a^{(i)}}\bigr) - y^{(i)} a^{(i)}\Bigr],
# \qquad \frac{\partial L}{\partial a^{(i)}} = \frac{\sigma(a^{(i)}) - y^{(i)}}{m}.$$
#
# `MLP(2, [1])` is exactly this: an MLP whose only layer has one linear neuron. We also draw a
# second sample of the same moons (`seed=1`), which we keep aside to validate with in section 9.

# %%
X, y = load_toy("moons")                # 200 points (x0, x1) and their classes 0 / 1
X_val, y_val = load_toy("moons", seed=1)  # 200 other points from the same distribution
print("X:", X.shape, X.dtype, "  y:", y.shape, y.dtype, "  points per class:", np.bincount(y))

fig, ax = plt.subplots(figsize=(6.5, 3.6))
for k, color in ((0, "tab:blue"), (1, "tab:orange")):
    ax.scatter(X[y == k, 0], X[y == k, 1], color=color, edgecolors="black", label=f"class {k}")
ax.set(xlabel="$x_0$", ylabel="$x_1$", title="the two moons")
ax.legend()
plt.show()


# %% [markdown]
# The training loop. Every line is one step of the algorithm; it is **the** loop of this
# course, and `nn.fit` (section 9) runs the same five lines:
#
# 1. `optimizer.zero_grad()`: set every `p.grad` to 0, since `backward` *adds* to gradients;
# 2. forward pass: the model on every example (one at a time: the model takes one sample);
# 3. the loss: the mean over the examples, one `Value` at the top of one big graph;
# 4. `loss.backward()`: every parameter's `.grad` becomes $\partial L / \partial p$;
# 5. `optimizer.step()`: for plain SGD, `p.data -= lr * p.grad` for every parameter.
#
# Here the batch is the whole data set: **batch gradient descent**, one step per pass.

# %%
def train_full_batch(model, lr, steps):
    # Batch gradient descent on (X, y) with binary cross-entropy; returns the loss per step.
    optimizer = SGD(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()                             # 1. clear the old gradients
        outputs = [model(x) for x in X]                   # 2. forward: a list [a] per point
        loss = binary_cross_entropy(outputs, y.tolist())  # 3. the mean loss (a Value)
        loss.backward()                                   # 4. backward: every p.grad
        optimizer.step()                                  # 5. p.data -= lr * p.grad
        losses.append(loss.data)
    return losses


neuron = MLP(2, [1], seed=0)
print(neuron, "   parameters:", [round(p.data, 3) for p in neuron.parameters()])
start = time.perf_counter()
neuron_losses = train_full_batch(neuron, lr=1.0, steps=STEPS)
print(f"{STEPS} steps in {time.perf_counter() - start:.1f} s; "
      f"loss {neuron_losses[0]:.3f} -> {neuron_losses[-1]:.3f}")
print("trained parameters (w0, w1, b):", [round(p.data, 3) for p in neuron.parameters()])

# %%
fig, (ax_loss, ax_boundary) = plt.subplots(1, 2, figsize=(13, 4.6))
ax_loss.plot(neuron_losses, marker="o", markersize=3)
ax_loss.set(xlabel="step", ylabel="training loss", title="one neuron, learning rate 1")
plot_decision_boundary(neuron, X, y, ax=ax_boundary, title="one neuron")
plt.show()


# %% [markdown]
# The neuron's decision boundary is the line $a = 0$: a single neuron can only cut the plane
# in two with a **straight line**. It gets the bulk of the points right but cannot follow the
# curved moons. For that we need hidden neurons, and hidden neurons raise the question of how
# to start them.
#
# ## 5. Random initialisation: breaking the symmetry
#
# Take a hidden layer whose neurons $j$ all start with the **same** incoming weights
# $\mathbf{w}_j$ (row $j$ of $W_1$) and the same outgoing weight $W_{2,1j}$ (for example all
# zero, or all 0.5). Then:
#
# * forward: they compute the same $a_{1,j} = \mathbf{w}_j \cdot \mathbf{x} + b_{1,j}$ and the
#   same output $h_j = \mathrm{relu}(a_{1,j})$;
# * backward: the chain rule of lesson 3 gives
#   $\dfrac{\partial L}{\partial \mathbf{w}_j} = \delta_2\, W_{2,1j}\,
#   \mathrm{relu}'(a_{1,j})\; \mathbf{x}$, which is the same for every $j$;
# * so the step changes them all the same way, and they are **still identical** afterwards.
#
# By induction they stay copies forever: the layer of 4 neurons works like a layer of 1.
# Starting from all zeros is worse still: $h_j = \mathrm{relu}(0) = 0$ and $W_{2,1j} = 0$, so every
# hidden gradient is 0 and the hidden layer never moves; only the output bias learns.
#
# **Random** initial weights make every neuron different from the start. `MLP` draws them from
# a normal distribution with mean 0 and a standard deviation that suits the layer: for the
# ReLU hidden layers $\sqrt{2 / n_\text{in}}$ (He initialisation: ReLU zeroes about half of
# its inputs, and the factor 2 makes up for it, so that signals neither fade nor explode
# layer after layer); for the linear output layer, which has no ReLU,
# $\sqrt{2 / (n_\text{in} + n_\text{out})}$ (Glorot initialisation). The biases start at 0.
#
# Let us check it with the engine: an MLP with one hidden layer of 4 ReLU neurons, every
# parameter set to 0.5, one backward pass:

# %%
def set_all_parameters(model, number):
    for p in model.parameters():
        p.data = number


def hidden_layer_table(model):
    # One row per hidden neuron: its incoming weights w0, w1 and its bias b.
    return np.array([[w.data for w in n.w] + [n.b.data] for n in model.layers[0].neurons])


same = MLP(2, [4, 1], seed=0)
set_all_parameters(same, 0.5)
loss = binary_cross_entropy([same(x) for x in X], y.tolist())
loss.backward()
for j, n in enumerate(same.layers[0].neurons):
    print(f"hidden neuron {j}: dL/dw0 = {n.w[0].grad:+.5f}  dL/dw1 = {n.w[1].grad:+.5f}  "
          f"dL/db = {n.b.grad:+.5f}")

# %% [markdown]
# Identical gradients, as predicted. Now train three copies of this network with the loop of
# section 4: all parameters 0, all parameters 0.5, and the random initialisation of `MLP`.

# %%
inits = {"all zero": MLP(2, [4, 1], seed=0), "all 0.5": MLP(2, [4, 1], seed=0),
         "random (He)": MLP(2, [4, 1], seed=0)}
set_all_parameters(inits["all zero"], 0.0)
set_all_parameters(inits["all 0.5"], 0.5)
for name, model in inits.items():
    losses = train_full_batch(model, lr=1.0, steps=STEPS)
    print(f"{name}: loss after {STEPS} steps {losses[-1]:.3f}; hidden layer (w0, w1, b) "
          f"per neuron:\n{hidden_layer_table(model)}\n")

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
for ax, (name, model) in zip(axes, inits.items()):
    plot_decision_boundary(model, X, y, ax=ax, title=f"init {name}")
plt.show()

# %% [markdown]
# * **all zero**: the hidden layer has not moved at all; the network predicts one class everywhere.
# * **all 0.5**: the four rows are still equal: four copies of one neuron. One ReLU unit
#   followed by the output neuron can only draw a straight boundary, like the single neuron.
# * **random**: four different neurons, a bent boundary, a lower loss.
#
# ## 6. An MLP, and the learning rate once more
#
# Now a real MLP: two hidden layers of 16 ReLU neurons, $2 \to 16 \to 16 \to 1$, randomly
# initialised. We train three copies with batch gradient descent and three learning rates, to
# see the three regimes of section 1 on a real network.

# %%
mlp_runs = {}
for lr in (0.03, 1.0, 30.0):
    model = MLP(2, [16, 16, 1], seed=0)  # the same initial weights every time
    start = time.perf_counter()
    losses = train_full_batch(model, lr=lr, steps=STEPS)
    mlp_runs[lr] = (model, losses)
    print(f"lr = {lr:5}: loss {losses[0]:.3f} -> {losses[-1]:.4f}  "
          f"({time.perf_counter() - start:.1f} s)")
print(mlp_runs[1.0][0])

# %%
fig, (ax_loss, ax_boundary) = plt.subplots(1, 2, figsize=(14, 4.8))
for (lr, (model, losses)), note, color in zip(
    mlp_runs.items(), ("too small", "about right", "too large"),
    ("tab:blue", "tab:green", "tab:red"),
):
    ax_loss.semilogy(losses, marker="o", markersize=3, color=color,
                     label=f"$\\epsilon$ = {lr}: {note}")
ax_loss.set(xlabel="step", ylabel="training loss (log scale)",
            title="MLP 2-16-16-1, batch gradient descent")
ax_loss.legend()
plot_decision_boundary(mlp_runs[1.0][0], X, y, ax=ax_boundary, title="MLP, $\\epsilon$ = 1")
plt.show()


# %% [markdown]
# * $\epsilon = 0.03$ (blue) goes the right way, but after all these steps it has hardly started.
# * $\epsilon = 1$ (green) drives the loss down by an order of magnitude and the MLP's boundary
#   follows both moons: the hidden layers let it bend.
# * $\epsilon = 30$ (red): the first steps throw the weights so far that the loss explodes by
#   several orders of magnitude, and the network does not recover. Why? The cell below counts
#   the **dead** ReLU neurons: those whose input is negative for every training point, so that
#   their output is always 0 and so is their gradient: they can never change again.

# %%
def dead_neurons(model):
    # For each hidden layer: how many neurons output 0 on every one of the training points.
    ever_active = [np.zeros(layer.nout, dtype=bool) for layer in model.layers[:-1]]
    with no_grad():  # only values are needed, no graph
        for x in X:
            h = x
            for k, layer in enumerate(model.layers[:-1]):
                h = layer(h)  # a layer takes one sample and returns a list of Values
                ever_active[k] |= np.array([v.data > 0 for v in h])
    return [int(np.sum(~active)) for active in ever_active]


for lr, (model, losses) in mlp_runs.items():
    print(f"lr = {lr:5}: dead neurons in hidden layers 1 and 2 (16 each): {dead_neurons(model)}")


# %% [markdown]
# A few dead neurons are common and harmless (some are dead from the start). With the whole
# second hidden layer dead, however, the output is the same constant for every point: the
# network predicts one class everywhere and only the output bias still learns (overshooting
# back and forth with $\epsilon = 30$: the zig-zag of the red curve).
#
# There is no universally right learning rate: $\epsilon = 1$ is fine here with 2 inputs, and would
# diverge with the 3,072 inputs of lesson 5 (section 2). In practice one tries a few values
# about a factor of 3 apart (0.01, 0.03, 0.1, 0.3, ...), compares the validation curves and
# keeps the largest that trains smoothly; lesson 5 does exactly this.
#
# ## 7. The loss is not convex
#
# A function is **convex** if it lies below every chord: for any two points
# $\theta_A, \theta_B$ and $0 \le \alpha \le 1$,
#
# $$L\bigl((1-\alpha)\,\theta_A + \alpha\,\theta_B\bigr) \;\le\; (1-\alpha)\,L(\theta_A) + \alpha\,L(\theta_B).$$
#
# The parabolas of sections 1 to 3 are convex, and so is the loss of the single neuron of
# section 4 (logistic regression): one valley, and every way down leads to its bottom. The
# loss of a network with a hidden layer is **not**, and a symmetry proves it. Reorder the
# neurons of the first hidden layer: rows of $W_1$ and entries of $b_1$, and the matching
# columns of the next layer's weights. The network computes exactly the same function, so
# the loss is the same, at a different point $\theta_B$ of parameter space. Halfway between
# the two, every neuron is an average of two different neurons: a different network. If the
# loss were convex it could be no higher there; let us measure it along the whole line. The
# loss on all points needs no gradient, so we compute it with `model.predict` (NumPy, no
# graph) and the formula of section 4: $\log(1 + e^{a}) - y a$ is `np.logaddexp(0, a) - y * a`.

# %%
def full_training_loss(model):
    # Mean binary cross-entropy on all of (X, y), computed with NumPy: no graph is built.
    a = model.predict(X)[:, 0]  # the logits of all points at once
    return float(np.mean(np.logaddexp(0.0, a) - y * a))


theta_A = mlp_runs[1.0][0].state_dict()       # the MLP trained with epsilon = 1 (section 6)
order = np.random.default_rng(0).permutation(16)
theta_B = dict(theta_A)
theta_B["layers.0.weight"] = theta_A["layers.0.weight"][order]      # rows of W1
theta_B["layers.0.bias"] = theta_A["layers.0.bias"][order]          # entries of b1
theta_B["layers.1.weight"] = theta_A["layers.1.weight"][:, order]   # columns of W2

probe = MLP(2, [16, 16, 1])
alphas = np.linspace(0, 1, 41)
line = []
for alpha in alphas:
    probe.load_state_dict({k: (1 - alpha) * theta_A[k] + alpha * theta_B[k] for k in theta_A})
    line.append(full_training_loss(probe))
print(f"L(theta_A) = {line[0]:.4f}   L(theta_B) = {line[-1]:.4f}   "
      f"L(halfway) = {line[len(line) // 2]:.4f}")
assert abs(line[0] - line[-1]) < 1e-9 and max(line) > line[0] + 0.1  # not convex

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(alphas, line, marker="o", markersize=3, label="$L((1-\\alpha)\\theta_A + \\alpha\\theta_B)$")
ax.plot([0, 1], [line[0], line[-1]], color="gray", ls="--", label="the chord (convex: below it)")
ax.set(xlabel="$\\alpha$", ylabel="training loss", ylim=(0, 1.4 * max(line)),
       title="two equally good weight settings, and a hill between them")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# The loss climbs far above the chord between two points that are equally good (about eight
# times higher halfway): it is not convex. Every one of the $16!$ orderings of each hidden layer gives such an equivalent
# point, so the loss has a huge number of minima, with hills, plateaus and saddle points
# between them. Two consequences shape how we train:
#
# * **Small steps.** The analysis of sections 1 to 3 holds only *near* the current point,
#   where the loss looks like a parabola; elsewhere the curvature is different. A step must
#   stay where that local picture is right. A large one can throw the weights into another
#   region altogether, as $\epsilon = 30$ did in section 6: onto a plateau of dead ReLUs,
#   from which gradient descent never returned.
# * **Random initialisation.** Where all hidden neurons are equal (section 5), the network
#   sits exactly on the symmetry: every reordering leaves it unchanged, its gradient cannot
#   prefer one ordering to another, and it stays there. A random start breaks the symmetry,
#   and different random starts can end in different minima (which is why results are
#   reported with their seed).
#
# ## 8. Batch versus mini-batch gradient descent
#
# The loss is a mean over the $m$ training examples, and so is its gradient:
#
# $$\nabla L(\theta) = \frac{1}{m}\sum_{i=1}^{m} \nabla L^{(i)}(\theta).$$
#
# Computing it exactly costs a forward and a backward pass through **all** $m$ examples for a
# single step. A **mini-batch** $B$ of a few examples, chosen at random, gives an estimate
#
# $$g_B = \frac{1}{|B|}\sum_{i \in B} \nabla L^{(i)}(\theta),
# \qquad \mathbb{E}[g_B] = \nabla L(\theta),$$
#
# that is right on average (unbiased) and noisy, with a variance that shrinks like $1/|B|$, for
# $|B|/m$ of the cost. One **epoch** (a pass over the data) then makes $m/|B|$ steps instead of
# one. `iterate_minibatches` shuffles the examples each epoch and cuts them into batches.
#
# To compare fairly we record, after every step, the loss on the **whole** training set, with
# `full_training_loss` of section 7 (NumPy, no graph).

# %%
def train_minibatch(batch_size, lr, epochs, seed=0):
    # Mini-batch gradient descent; returns the model, the examples seen so far and the full
    # training loss, both after every step.
    model = MLP(2, [16, 16, 1], seed=seed)
    optimizer = SGD(model.parameters(), lr=lr)
    seen, losses = [0], [full_training_loss(model)]  # before the first step
    for epoch in range(epochs):
        for xb, yb in iterate_minibatches(X, y, batch_size, shuffle=True, seed=seed, epoch=epoch):
            optimizer.zero_grad()
            outputs = [model(x) for x in xb]
            loss = binary_cross_entropy(outputs, yb.tolist())
            loss.backward()
            optimizer.step()
            seen.append(seen[-1] + len(xb))  # the last batch of an epoch may be smaller
            losses.append(full_training_loss(model))
    return model, np.array(seen), np.array(losses)


batch_runs = {}
for batch_size in (200, 16, 1):
    start = time.perf_counter()
    batch_runs[batch_size] = train_minibatch(batch_size, lr=0.3, epochs=EPOCHS)
    model, seen, losses = batch_runs[batch_size]
    print(f"batch size {batch_size:3d}: {EPOCHS} epochs = {len(losses) - 1:4d} steps in "
          f"{time.perf_counter() - start:4.1f} s, final training loss {losses[-1]:.4f}")

# %%
NAMES = {200: "full batch (|B| = 200)", 16: "mini-batch (|B| = 16)", 1: "one example (|B| = 1)"}
fig, (ax_steps, ax_seen) = plt.subplots(1, 2, figsize=(14, 4.8), sharey=True)
for (batch_size, (model, seen, losses)), color in zip(batch_runs.items(),
                                                      ("tab:blue", "tab:orange", "tab:green")):
    ax_steps.plot(np.arange(len(losses)), losses, color=color, label=NAMES[batch_size])
    ax_seen.plot(seen / len(X), losses, color=color, label=NAMES[batch_size])
ax_steps.set(xscale="symlog", xlim=(0, None), xlabel="steps (log scale)",
             ylabel="loss on all 200 points (log scale)", yscale="log",
             title="per step: bigger batches, steadier steps")
ax_seen.set(xlabel="examples seen / 200  (= epochs = compute spent)",
            title="per example seen: small batches win")
ax_steps.legend()
plt.show()

# %% [markdown]
# Left, per **step**: the full-batch curve is smooth (its gradient is exact); mini-batches of 16
# do about as well step for step, with small wiggles. The curve for $|B| = 1$ is jagged, with
# spikes: each step follows the gradient of a single point, which may point far from the
# average direction.
#
# Right, per **example seen**, which is what costs time (the seconds printed above are about
# the same for the three runs): in the time one full-batch step takes, the mini-batch run makes
# 12.5 steps and the one-example run 200. Noisy steps that are much cheaper win by far.
#
# Mini-batches of tens to hundreds of examples are the usual compromise: far more steps per
# epoch than full batch, less noise than single examples, and (in libraries that compute on
# whole matrices) a batch of 32 costs hardly more than one example. The learning rate and the
# batch size interact: smaller batches mean noisier steps, which may need a smaller $\epsilon$.
#
# ## 9. The same with `nn.fit`
#
# `nn.fit` is the mini-batch loop of section 8 (zero_grad, forward, loss, backward, step) plus
# bookkeeping: it shuffles, records the mean loss and accuracy of each epoch, evaluates on
# validation data after each epoch (without building a graph) and stops with a clear error if
# the loss becomes NaN. We validate on the second sample of moons, drawn in section 4.

# %%
model = MLP(2, [16, 16, 1], seed=0)
optimizer = SGD(model.parameters(), lr=0.3)
start = time.perf_counter()
history = fit(model, binary_cross_entropy, optimizer, train=(X, y), val=(X_val, y_val),
              epochs=FIT_EPOCHS, batch_size=16, progress=False)
print(f"{FIT_EPOCHS} epochs in {time.perf_counter() - start:.1f} s")
print("history keys:", list(history))
print(f"last epoch: training accuracy {history['train_acc'][-1]:.1%}, "
      f"validation accuracy {history['val_acc'][-1]:.1%}")

# %%
plot_history(history, title="MLP 2-16-16-1 on the moons, mini-batches of 16, $\\epsilon$ = 0.3")

# %%
plot_decision_boundary(model, X_val, y_val, title="validation points")

# %% [markdown]
# The training figures of each epoch are averages over its batches while the model was still
# changing, so early on they lag behind the validation figures, which are measured at the end
# of the epoch. On this easy problem the two curves stay close: what the model learned on the
# training points holds for new points from the same distribution (it *generalises*).
# Lesson 5 shows a harder case, where they part.
#
# ## Summary
#
# * Gradient descent: $\theta \leftarrow \theta - \epsilon \nabla L$. The gradient gives the
#   direction; the learning rate must be small compared to $1/\text{curvature}$: above
#   $2/\lambda$ the steps diverge, far below it they crawl. For a neuron with $D$ standardised inputs
#   the curvature is about $D$, so $\epsilon = 1$ is hopeless for images.
# * The steepest direction limits $\epsilon$; the flattest one then decides how long training takes.
# * Initial weights must be **random**: equal weights get equal gradients and stay equal, so a
#   layer collapses to one neuron (all zeros: it does not learn at all).
# * The loss of a network with hidden layers is **not convex**: many equivalent minima, with
#   hills between them. Small steps keep the local picture valid; random starts break the
#   symmetry.
# * One neuron draws a straight boundary; hidden layers bend it.
# * Mini-batches: noisy but cheap steps. Per unit of computation they beat the full batch.
# * The loop is always: `zero_grad`, forward, loss, `backward`, `step`; `nn.fit` runs it for us.
#
# **Try:** change the learning rates and batch sizes above; train on `load_toy("spirals")`
# (harder) or `"xor"`; set `activation="tanh"` in `MLP`. Next, lesson 5 trains an MLP on
# real images.
