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
# # 1. From likelihood to loss
#
# A classifier does not really output a class: it outputs a **probability distribution**
# over the classes, $p_\text{model}(y \mid x; \theta)$, where $\theta$ are its parameters
# (weights and biases). Training means choosing $\theta$ so that the labels we actually
# observed are *probable* under the model. Written as a formula, that one idea gives every
# loss function of the course:
#
# | model | output $\hat y$ | noise model $p_\text{model}(y \mid x)$ | loss |
# |---|---|---|---|
# | linear regression | a real number | Gaussian, fixed variance | squared error (`nn.mse`) |
# | logistic regression | $\sigma(a)$, one score $a$ | Bernoulli | binary cross-entropy (`nn.binary_cross_entropy`) |
# | softmax regression, or a classifier MLP | $\operatorname{softmax}(a)$, $K$ scores | multinoulli (categorical) | cross-entropy (`nn.softmax_cross_entropy`) |
#
# **Notation** (the lecture's, used in all six lessons):
#
# | symbol | meaning |
# |---|---|
# | $m$ | number of training examples; $(x^{(i)}, y^{(i)})$ is example $i$ |
# | $p_\text{data}$, $\hat p_\text{data}$ | the distribution the data come from; the empirical distribution of our $m$ examples |
# | $p_\text{model}(y \mid x; \theta)$ | the distribution the model predicts, with parameters $\theta$ |
# | $a$ | pre-activation: the scores (logits) a layer computes before its activation $f$ |
# | $\hat y$ | the model's output, $\hat y = f(a)$: a probability, a vector of probabilities or a number |
# | $L^{(i)}$, $L$ | the loss of example $i$; the loss of the model, the mean $L = \frac1m \sum_i L^{(i)}$ |
# | $K$ | number of classes |
#
# For each loss we compute it on a handful of examples three ways and check that they
# agree: with `Value`s (the graph we can differentiate), with the plain formula in NumPy,
# and with the library function in `nn.losses`.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd_scalar as ag
from autograd_scalar import Value
from nn import binary_cross_entropy, mse, softmax_cross_entropy

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Maximum likelihood, and the loss as an expectation
#
# The examples come from an unknown **data distribution** $p_\text{data}(x, y)$: all the
# photographs of cats and ships that could ever be taken, with their labels. We never see
# $p_\text{data}$, only a sample of $m$ examples drawn from it independently. That sample
# defines the **empirical distribution** $\hat p_\text{data}$, which puts probability
# $\frac1m$ on each of the $m$ examples we have.
#
# The **likelihood** of the parameters is the probability the model gives to the labels of
# the whole sample:
#
# $$\prod_{i=1}^{m} p_\text{model}\bigl(y^{(i)} \mid x^{(i)}; \theta\bigr).$$
#
# **Maximum likelihood** picks the $\theta$ that makes it largest. The logarithm is
# increasing, so maximising the log-likelihood gives the same $\theta$; flipping the sign
# and dividing by $m$ (a positive constant) does not move it either:
#
# $$\theta_\text{ML} = \arg\min_\theta L(\theta), \qquad
#   L(\theta) = -\frac{1}{m}\sum_{i=1}^{m} \log p_\text{model}\bigl(y^{(i)} \mid x^{(i)}; \theta\bigr)
#   = \mathbb{E}_{(x, y) \sim \hat p_\text{data}}\bigl[-\log p_\text{model}(y \mid x; \theta)\bigr].$$
#
# The **loss is an expectation over the empirical distribution**: the mean over the $m$
# examples *is* the expectation under $\hat p_\text{data}$, since each example has
# probability $\frac1m$. What we really want is small loss under $p_\text{data}$, on
# examples we have not seen; the mean over the training sample is our estimate of it
# (lesson 5 measures how good an estimate it is).
#
# Why the log and the mean, if they do not change the answer?
#
# * a product of thousands of probabilities underflows to 0 in floating point; a sum of
#   logs does not (see below);
# * the derivative of a sum is the sum of the derivatives: each example contributes its
#   own gradient;
# * with the mean, the size of the loss (and of its gradient, and so a good learning rate)
#   does not depend on how many examples there are.
#
# **A first example: a coin.** The model says "heads with probability $\theta$". We saw
# $m = 10$ flips with 7 heads, so the likelihood is $\theta^7 (1-\theta)^3$.

# %%
flips = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1])  # 1 = heads; m = 10 examples
theta = np.linspace(0.01, 0.99, 491)
heads, m = flips.sum(), len(flips)
likelihood = theta**heads * (1 - theta) ** (m - heads)
mean_nll = -(heads * np.log(theta) + (m - heads) * np.log(1 - theta)) / m

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
left.plot(theta, likelihood)
left.set(title="likelihood  $\\theta^7(1-\\theta)^3$", xlabel="$\\theta$")
right.plot(theta, mean_nll, color="C3")
right.set(title="$L(\\theta)$: mean negative log-likelihood", xlabel="$\\theta$")
for ax in (left, right):
    ax.axvline(flips.mean(), color="gray", ls="--", label="fraction of heads = 0.7")
    ax.legend()
fig.tight_layout()
plt.show()

best = theta[np.argmax(likelihood)]
print(f"likelihood is largest at theta = {best:.3f}; loss is smallest at "
      f"theta = {theta[np.argmin(mean_nll)]:.3f}; fraction of heads = {flips.mean()}")
assert abs(best - flips.mean()) < 1e-9 and np.argmax(likelihood) == np.argmin(mean_nll)

# %% [markdown]
# Both curves pick the same $\theta$, the fraction of heads, which is the answer you
# would have guessed. (Setting the derivative of the loss to 0 gives it exactly:
# $-7/\theta + 3/(1-\theta) = 0 \Rightarrow \theta = 0.7$.)
#
# Now the underflow: the probabilities a model gives to 2,000 correct labels, multiplied.

# %%
rng = np.random.default_rng(0)
probs = rng.uniform(0.3, 0.9, size=2000)  # p_model(y_i | x_i) for m = 2,000 examples
print("product of the probabilities:", np.prod(probs))
print("sum of their logs:           ", np.sum(np.log(probs)))
print("mean NLL (the loss):         ", -np.mean(np.log(probs)))
print(f"the true product is about 10 ** {np.sum(np.log10(probs)):.0f}")

# %% [markdown]
# The product is exactly `0.0`: the true value is far below the smallest positive float
# (about $10^{-308}$, or $5 \cdot 10^{-324}$ counting subnormals), so it cannot tell two
# models apart. The sum of logs is an ordinary number.
#
# ### Cross-entropy is a divergence between the data and the model
#
# The loss has a second reading. For two distributions $p$ and $q$ the **cross-entropy** is
# $H(p, q) = -\mathbb{E}_{y \sim p}[\log q(y)]$, and the **Kullback-Leibler divergence**
#
# $$D_\text{KL}(p \,\|\, q) = \mathbb{E}_{y \sim p}\Bigl[\log \frac{p(y)}{q(y)}\Bigr]
#   = H(p, q) - H(p), \qquad D_\text{KL}(p \,\|\, q) \ge 0,
#   \quad = 0 \text{ only if } q = p,$$
#
# measures how far $q$ is from $p$ ($H(p) = H(p, p)$ is the entropy of $p$). Our loss is
# exactly a cross-entropy, between the data and the model:
#
# $$L(\theta) = H\bigl(\hat p_\text{data},\, p_\text{model}\bigr)
#   = \underbrace{H(\hat p_\text{data})}_{\text{does not depend on } \theta}
#   + D_\text{KL}\bigl(\hat p_\text{data} \,\|\, p_\text{model}\bigr).$$
#
# So **minimising the loss makes the model's distribution as close as it can to the data's**,
# in the sense of KL; the loss can never go below the entropy of the data, reached only when
# the model reproduces $\hat p_\text{data}$ exactly. For the coin: $\hat p_\text{data}$ says
# heads with probability 0.7, the model says $\theta$.

# %%
def entropy(p):
    """H(p) of a coin with P(heads) = p, in nats."""
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


def kl_divergence(p, q):
    """D_KL(p || q) between a coin with P(heads) = p and one with P(heads) = q."""
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


p_hat = flips.mean()  # the empirical distribution: heads with probability 0.7
kl = kl_divergence(p_hat, theta)
assert np.allclose(mean_nll, entropy(p_hat) + kl)  # L(theta) = H(p_hat) + KL, for every theta

fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(theta, mean_nll, color="C3", label="$L(\\theta) = H(\\hat p_{data}, p_{model})$")
ax.plot(theta, kl, color="C0", label="$D_{KL}(\\hat p_{data} \\| p_{model})$")
ax.axhline(entropy(p_hat), color="gray", ls=":",
           label=f"$H(\\hat p_{{data}})$ = {entropy(p_hat):.3f}")
ax.set(xlabel="$\\theta$", ylim=(0, 2.5), title="the loss is the KL divergence, shifted")
ax.legend()
fig.tight_layout()
plt.show()
print(f"smallest loss {mean_nll.min():.4f} = entropy of the data {entropy(p_hat):.4f} "
      f"+ smallest KL {kl.min():.1e}")

# %% [markdown]
# ## 2. Several classes: softmax and cross-entropy
#
# For $K$ classes the network's last layer computes $K$ scores (**logits**, the
# pre-activation) $a = (a_1, \dots, a_K)$; its activation, the softmax, turns them into
# probabilities:
#
# $$\hat y_k = \operatorname{softmax}(a)_k = \frac{e^{a_k}}{\sum_{j=1}^{K} e^{a_j}},
#   \qquad \hat y_k > 0, \quad \sum_k \hat y_k = 1.$$
#
# The model is **multinoulli** (categorical): $p_\text{model}(y = k \mid x) = \hat y_k$. With
# one output neuron per class and no hidden layer, $a = W x + b$, this is *softmax
# regression*, the multi-class logistic regression. One example's negative log-likelihood
# is $-\log \hat y_{y}$. With the one-hot target $t_k = [k = y]$ (the example's own
# $\hat p_\text{data}$: all its probability on the true class) it is the cross-entropy
# between target and prediction:
#
# $$L^{(i)} = -\log \hat y_{y} = -\sum_{k=1}^{K} t_k \log \hat y_k = H(t, \hat y)
#   = \operatorname{logsumexp}(a) - a_y ,$$
#
# where the last form comes from writing out the softmax: $-\log \hat y_y = -a_y + \log
# \sum_j e^{a_j}$.
#
# Four examples, three classes. First with `Value`s, straight from the definition:
# exponentials, their sum, the ratio, the log.

# %%
A = np.array([[2.0, 1.0, -1.0],    # logits a of m = 4 examples (rows), K = 3 classes (columns)
              [0.5, -0.5, 1.5],
              [-1.0, 2.5, 0.0],
              [0.2, 0.1, 0.3]])
y = np.array([0, 2, 1, 0])          # the true classes
m, K = A.shape

def cross_entropy_from_definition(a_row, target):
    """-log softmax(a)[target], built node by node from Values."""
    exps = [a.exp() for a in a_row]
    y_hat_target = exps[target] / ag.sum(exps)
    return -y_hat_target.log()

logits = [[Value(A[i, k], f"a[{i},{k}]") for k in range(K)] for i in range(m)]
per_example = [cross_entropy_from_definition(logits[i], y[i]) for i in range(m)]
loss_values = ag.sum(per_example) / m
print("L^(i) per example:", [round(l.data, 4) for l in per_example])
print("L, their mean:    ", loss_values.data)

# %% [markdown]
# The same with the formula in NumPy (no `Value`s at all), using the one-hot form
# $-\sum_k t_k \log \hat y_k$, and with `nn.softmax_cross_entropy`, which takes the logits
# and the class indices (one example, or a batch: then it returns the **mean**).

# %%
Y_hat = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)  # softmax of each row
T = np.eye(K)[y]                                           # one-hot targets
ce_numpy = -(T * np.log(Y_hat)).sum(axis=1)

ce_nn_each = [softmax_cross_entropy(logits[i], int(y[i])).data for i in range(m)]
ce_nn_mean = softmax_cross_entropy(logits, y).data

print("example   Values     NumPy      nn.losses")
for i in range(m):
    print(f"{i:>7}   {per_example[i].data:.6f}   {ce_numpy[i]:.6f}   {ce_nn_each[i]:.6f}")
print(f"   mean   {loss_values.data:.6f}   {ce_numpy.mean():.6f}   {ce_nn_mean:.6f}")

assert np.allclose([l.data for l in per_example], ce_numpy)
assert np.allclose(ce_nn_each, ce_numpy)
assert math.isclose(loss_values.data, ce_numpy.mean()) and math.isclose(ce_nn_mean,
                                                                          ce_numpy.mean())

# %% [markdown]
# All three agree. Look at example 3: its logits are nearly equal, so $\hat y_y \approx 1/3$
# and the loss is close to $\log 3 \approx 1.10$, the loss of a model that guesses. An
# untrained network with $K$ classes starts near $\log K$ (for CIFAR-10, $\log 10
# \approx 2.30$): a good first check of any training run.
#
# **Why the library uses $\operatorname{logsumexp}(a) - a_y$.** With large logits the
# definition breaks: $e^{1000}$ overflows. `logsumexp` subtracts the largest logit first,
# $\log\sum_j e^{a_j} = c + \log\sum_j e^{a_j - c}$ with $c = \max_j a_j$, so nothing
# overflows.

# %%
big = [Value(1000.0), Value(0.0), Value(-1000.0)]
try:
    cross_entropy_from_definition(big, 1)
except OverflowError as error:
    print("from the definition:", type(error).__name__, "-", error)
print("nn.softmax_cross_entropy:", softmax_cross_entropy(big, 1).data, "(= 1000 - 0)")

# %% [markdown]
# ## 3. Two classes: logistic regression and binary cross-entropy
#
# With two classes one score is enough. **Logistic regression** is the model
#
# $$a = w^\top x + b, \qquad \hat y = \sigma(a) = \frac{1}{1 + e^{-a}}
#   = p_\text{model}(y = 1 \mid x),$$
#
# and a label $y \in \{0,1\}$ is a coin flip with probability $\hat y$ (a **Bernoulli**
# distribution): $p_\text{model}(y \mid x) = \hat y^{\,y}(1-\hat y)^{1-y}$. Its negative log
# is the **binary cross-entropy**
#
# $$L^{(i)} = -\bigl[y \log \hat y + (1-y) \log(1-\hat y)\bigr] = \log(1 + e^{a}) - y\,a .$$
#
# (The right-hand form uses $\log \sigma(a) = a - \log(1+e^a)$ and
# $\log(1-\sigma(a)) = -\log(1+e^a)$.) It is the two-class softmax in disguise:
# $\sigma(a) = e^{a}/(e^{0} + e^{a})$ is the softmax of the logits $[0, a]$. (A classifier
# MLP of lesson 4 is the same model with hidden layers computing $a$.)

# %%
a_bin = np.array([2.0, -1.0, 0.5, -3.0, 0.0])  # one score per example
y_bin = np.array([1, 0, 0, 1, 1])

def bce_from_definition(a, target):
    y_hat = a.sigmoid()
    return -(target * y_hat.log() + (1 - target) * (1 - y_hat).log())

scores = [Value(a, f"a[{i}]") for i, a in enumerate(a_bin)]
bce_values = [bce_from_definition(scores[i], y_bin[i]) for i in range(len(scores))]

y_hat_bin = 1 / (1 + np.exp(-a_bin))
bce_numpy = -(y_bin * np.log(y_hat_bin) + (1 - y_bin) * np.log(1 - y_hat_bin))
bce_nn = [binary_cross_entropy(scores[i], float(y_bin[i])).data for i in range(len(scores))]
bce_as_softmax = [softmax_cross_entropy([0.0, s], int(t)).data for s, t in zip(scores, y_bin)]

print("example   Values     NumPy      nn BCE     softmax of [0, a]")
for i in range(len(scores)):
    print(f"{i:>7}   {bce_values[i].data:.6f}   {bce_numpy[i]:.6f}   {bce_nn[i]:.6f}   "
          f"{bce_as_softmax[i]:.6f}")
print("mean:", binary_cross_entropy(scores, y_bin).data, "vs", bce_numpy.mean())

assert np.allclose([b.data for b in bce_values], bce_numpy)
assert np.allclose(bce_nn, bce_numpy) and np.allclose(bce_as_softmax, bce_numpy)
assert math.isclose(binary_cross_entropy(scores, y_bin).data, bce_numpy.mean())

# %% [markdown]
# Example 3 ($a = -3$ but the label is 1) is confidently wrong and pays the most. Example 4
# ($a = 0$, $\hat y = 1/2$) pays $\log 2 \approx 0.69$ whatever its label.
#
# ## 4. Linear regression: Gaussian noise gives least squares
#
# **Linear regression** is the model "a straight line plus Gaussian noise":
#
# $$y = w^\top x + b + \text{noise}, \quad \text{noise} \sim \mathcal{N}(0, \sigma^2)
#   \qquad\Longleftrightarrow\qquad
#   p_\text{model}(y \mid x) = \mathcal{N}(y;\, \hat y, \sigma^2), \quad \hat y = w^\top x + b .$$
#
# The network outputs $\hat y$, the **mean** of the Gaussian; $\sigma$ (the noise we expect
# around the prediction) is fixed. One example's negative log-likelihood:
#
# $$-\log p_\text{model}(y \mid x)
#   = -\log\Bigl[\frac{1}{\sqrt{2\pi\sigma^2}} \exp\!\Bigl(-\frac{(y - \hat y)^2}{2\sigma^2}\Bigr)\Bigr]
#   = \frac{(y - \hat y)^2}{2\sigma^2} + \tfrac12 \log(2\pi\sigma^2).$$
#
# With $\sigma$ fixed, the second term is a constant and the first is the squared error
# scaled by $1/(2\sigma^2)$. Averaged over the $m$ examples:
#
# $$L = \frac{1}{2\sigma^2}\,
#   \underbrace{\frac{1}{m}\sum_{i=1}^{m}\bigl(y^{(i)} - \hat y^{(i)}\bigr)^2}_{\text{MSE}}
#   + \tfrac12 \log(2\pi\sigma^2).$$
#
# So **minimising the MSE (least squares) *is* maximum likelihood under Gaussian noise**: the
# best $w, b$ are the same whatever $\sigma$ is; $\sigma$ only scales the loss (and so the
# gradient, which a learning rate absorbs). First the per-example numbers, three ways
# (`nn.mse`, like PyTorch's `MSELoss`, takes the mean over all numbers):

# %%
y_hat_np = np.array([1.2, -0.3, 2.0, 0.7, 0.0])  # predictions (network outputs)
y_reg = np.array([1.0, 0.0, 2.5, 0.5, -0.4])      # targets
sigma = 0.5

y_hat = [Value(v, f"y_hat[{i}]") for i, v in enumerate(y_hat_np)]
gauss_nll = [(t - yh) ** 2 / (2 * sigma**2) + 0.5 * math.log(2 * math.pi * sigma**2)
             for yh, t in zip(y_hat, y_reg)]
mean_nll_values = ag.sum(gauss_nll) / len(gauss_nll)

# NumPy: the negative log of the Gaussian density itself, not the simplified formula.
density = np.exp(-((y_reg - y_hat_np) ** 2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
nll_numpy = -np.log(density)

mse_nn = mse([[v] for v in y_hat], y_reg).data  # a batch of m examples, 1 output each
from_mse = mse_nn / (2 * sigma**2) + 0.5 * math.log(2 * math.pi * sigma**2)
print("per example, Values:", np.round([v.data for v in gauss_nll], 6))
print("per example, NumPy: ", np.round(nll_numpy, 6))
print(f"mean NLL: Values {mean_nll_values.data:.6f}   NumPy {nll_numpy.mean():.6f}   "
      f"from nn.mse {from_mse:.6f}   (nn.mse = {mse_nn:.6f})")
assert np.allclose([v.data for v in gauss_nll], nll_numpy)
assert math.isclose(mean_nll_values.data, nll_numpy.mean())
assert math.isclose(from_mse, nll_numpy.mean())
assert math.isclose(mse_nn, np.mean((y_reg - y_hat_np) ** 2))

# %% [markdown]
# Now the model itself. Forty points from a line with Gaussian noise; the least-squares
# line (`np.polyfit`, which minimises the squared error) against the slope that maximises
# the Gaussian likelihood, searched on a grid for two very different $\sigma$:

# %%
rng = np.random.default_rng(1)
x_line = rng.uniform(-2, 2, size=40)
y_line = 1.5 * x_line - 0.5 + rng.normal(0.0, 0.4, size=40)  # true w = 1.5, b = -0.5
w_ls, b_ls = np.polyfit(x_line, y_line, 1)                   # least squares

w_grid = np.linspace(0.5, 2.5, 2001)
for s in (0.4, 3.0):
    residuals = y_line[None, :] - (w_grid[:, None] * x_line[None, :] + b_ls)
    nll = np.mean(residuals**2 / (2 * s**2) + 0.5 * np.log(2 * np.pi * s**2), axis=1)
    w_ml = w_grid[np.argmin(nll)]
    print(f"sigma = {s}: maximum-likelihood slope {w_ml:.3f}   least-squares slope {w_ls:.3f}")
    assert abs(w_ml - w_ls) <= 1e-3  # the grid step

fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.scatter(x_line, y_line, s=14, color="C0", label="data")
ax.plot([-2, 2], [w_ls * -2 + b_ls, w_ls * 2 + b_ls], color="C3",
        label=f"$\\hat y = {w_ls:.2f}x {b_ls:+.2f}$ (least squares = maximum likelihood)")
ax.set(xlabel="$x$", ylabel="$y$", title="linear regression")
ax.legend(loc="upper left", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# The three losses side by side, as functions of the output for one example. Left: binary
# cross-entropy against the score $a$; it is nearly linear for confidently wrong scores (so
# the gradient does not vanish), and near 0 for confidently right ones. Right: the Gaussian
# NLL against $\hat y$ for the target $y = 1$ and three values of $\sigma$: different
# heights and steepness, but the same minimum at $\hat y = y$.

# %%
a_grid = np.linspace(-6, 6, 241)
yh_grid = np.linspace(-1.5, 3.5, 241)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
left.plot(a_grid, np.logaddexp(0, a_grid) - a_grid, label="label y = 1:  $-\\log\\sigma(a)$")
left.plot(a_grid, np.logaddexp(0, a_grid), label="label y = 0:  $-\\log(1-\\sigma(a))$")
left.set(title="binary cross-entropy", xlabel="score a", ylabel="loss", ylim=(0, 6))
left.legend()
for s in (0.5, 1.0, 2.0):
    nll = (1.0 - yh_grid) ** 2 / (2 * s**2) + 0.5 * np.log(2 * np.pi * s**2)
    right.plot(yh_grid, nll, label=f"$\\sigma$ = {s}")
right.axvline(1.0, color="gray", ls="--", label="target y = 1")
right.set(title="Gaussian negative log-likelihood", xlabel="prediction $\\hat y$",
          ylabel="loss", ylim=(-1, 8))
right.legend(loc="upper right")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 5. The mean over the examples, and a first look at the gradients
#
# The loss is the mean of the per-example losses, $L = \frac1m \sum_i L^{(i)}$, so the
# gradient with respect to one example's output is $\frac1m$ times that example's own
# gradient. Those own gradients are remarkably simple (lesson 3 derives them and uses them
# for backprop):
#
# | loss | with respect to | $\partial L^{(i)} / \partial(\cdot)$ |
# |---|---|---|
# | softmax cross-entropy | logits $a^{(i)}$ | $\hat y^{(i)} - t^{(i)}$ (softmax minus one-hot) |
# | binary cross-entropy | score $a^{(i)}$ | $\sigma(a^{(i)}) - y^{(i)}$ |
# | Gaussian NLL, $\sigma = 1$: $\tfrac12(\hat y^{(i)} - y^{(i)})^2$ | $\hat y^{(i)}$ | $\hat y^{(i)} - y^{(i)}$ |
# | `nn.mse` (mean over $m K$ numbers, no $\tfrac12$) | $\hat y^{(i)}_k$ | $\tfrac{2}{mK}(\hat y^{(i)}_k - y^{(i)}_k)$, for $L$ itself |
#
# Let `backward()` confirm each row on the examples above.

# %%
loss = softmax_cross_entropy(logits, y)  # the mean over the m examples
loss.backward()
grad_logits = np.array([[a.grad for a in row] for row in logits])
print("dL/da:\n", grad_logits)
print("(Y_hat - T) / m:\n", (Y_hat - T) / m)
assert np.allclose(grad_logits, (Y_hat - T) / m)

# %%
for s in scores:
    s.grad = 0.0  # leaves accumulate gradients: clear them before a new backward
binary_cross_entropy(scores, y_bin).backward()
print("dL/da:                ", np.array([s.grad for s in scores]))
print("(sigmoid(a) - y) / m: ", (y_hat_bin - y_bin) / len(a_bin))
assert np.allclose([s.grad for s in scores], (y_hat_bin - y_bin) / len(a_bin))

for v in y_hat:
    v.grad = 0.0
mse([[v] for v in y_hat], y_reg).backward()
print("d mse / d y_hat:       ", np.array([v.grad for v in y_hat]))
print("2 (y_hat - y) / m:     ", 2 * (y_hat_np - y_reg) / len(y_reg))
assert np.allclose([v.grad for v in y_hat], 2 * (y_hat_np - y_reg) / len(y_reg))

# %% [markdown]
# Finally the mean itself: the batch loss of `nn.losses` is the sum of the per-example
# losses divided by $m$. A sum instead of a mean would make the gradient $m$ times larger,
# and the right learning rate would change with the number of examples.

# %%
total = sum(softmax_cross_entropy(logits[i], int(y[i])).data for i in range(m))
print(f"sum of per-example losses / m = {total / m:.6f};  L = {loss.data:.6f}")
assert math.isclose(total / m, loss.data)

# %% [markdown]
# ## Summary
#
# * The data come from $p_\text{data}$; we see $m$ examples, the empirical distribution
#   $\hat p_\text{data}$. The loss is an expectation over it: the mean over the $m$ examples.
# * Training by **maximum likelihood** = minimising the **mean negative log-likelihood**
#   $L = -\frac1m \sum_i \log p_\text{model}(y^{(i)} \mid x^{(i)}; \theta)$
#   = the cross-entropy $H(\hat p_\text{data}, p_\text{model})$ = the entropy of the data
#   plus $D_\text{KL}(\hat p_\text{data} \| p_\text{model})$.
# * Multinoulli (softmax of logits) $\Rightarrow$ **cross-entropy**
#   $\operatorname{logsumexp}(a) - a_y$.
# * Bernoulli (logistic regression, sigmoid of one score) $\Rightarrow$ **binary
#   cross-entropy** $\log(1+e^a) - ya$.
# * Gaussian with fixed variance (linear regression) $\Rightarrow$ **squared error** (up to a
#   scale and a constant): least squares is maximum likelihood.
# * The gradient with respect to the output is "prediction minus target" (divided by $m$
#   for the mean; times 2 with `nn.mse`'s convention): the starting point of backprop in
#   lesson 3.
