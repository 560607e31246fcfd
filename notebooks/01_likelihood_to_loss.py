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
# over the classes, $p_\theta(y \mid x)$, where $\theta$ are its parameters (weights and
# biases). Training means choosing $\theta$ so that the labels we actually observed are
# *probable* under the model. Written as a formula, that one idea gives every loss function
# used in this course:
#
# | model output | probability model | loss |
# |---|---|---|
# | $K$ scores $z$ $\to$ softmax | categorical | cross-entropy (`nn.softmax_cross_entropy`) |
# | one score $z$ $\to$ sigmoid | Bernoulli | binary cross-entropy (`nn.binary_cross_entropy`) |
# | real numbers $\hat y$ | Gaussian, fixed variance | mean squared error (`nn.mse`) |
#
# For each one we compute the loss on a handful of examples three ways and check that they
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
# ## 1. Maximum likelihood
#
# We have $N$ examples $(x_i, y_i)$, drawn independently. The **likelihood** of the
# parameters is the probability the model gives to the whole data set:
#
# $$\mathcal{L}(\theta) = \prod_{i=1}^{N} p_\theta(y_i \mid x_i).$$
#
# **Maximum likelihood** picks $\theta^\star = \arg\max_\theta \mathcal{L}(\theta)$. The
# logarithm is increasing, so maximising $\log \mathcal{L}$ gives the same $\theta^\star$;
# flipping the sign and dividing by $N$ (a positive constant) does not move it either:
#
# $$\theta^\star = \arg\min_\theta \;
#   \underbrace{-\frac{1}{N}\sum_{i=1}^{N} \log p_\theta(y_i \mid x_i)}_{
#   \text{the loss: mean negative log-likelihood (NLL)}}.$$
#
# Why the log and the mean, if they do not change the answer?
#
# * a product of thousands of probabilities underflows to 0 in floating point; a sum of
#   logs does not (see below);
# * the derivative of a sum is the sum of the derivatives: each example contributes its
#   own gradient;
# * with the mean, the size of the loss (and of its gradient, and so a good learning rate)
#   does not depend on how many examples are in a batch.
#
# **A first example: a coin.** The model says "heads with probability $\theta$". We saw
# 10 flips with 7 heads, so $\mathcal{L}(\theta) = \theta^7 (1-\theta)^3$.

# %%
flips = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1])  # 1 = heads
theta = np.linspace(0.01, 0.99, 491)
heads = flips.sum()
likelihood = theta**heads * (1 - theta) ** (len(flips) - heads)
mean_nll = -(heads * np.log(theta) + (len(flips) - heads) * np.log(1 - theta)) / len(flips)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
left.plot(theta, likelihood)
left.set(title="likelihood  $\\theta^7(1-\\theta)^3$", xlabel="$\\theta$")
right.plot(theta, mean_nll, color="C3")
right.set(title="mean negative log-likelihood (the loss)", xlabel="$\\theta$")
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
probs = rng.uniform(0.3, 0.9, size=2000)  # p(y_i | x_i) for 2,000 examples
print("product of the probabilities:", np.prod(probs))
print("sum of their logs:           ", np.sum(np.log(probs)))
print("mean NLL (the loss):         ", -np.mean(np.log(probs)))
print(f"the true product is about 10 ** {np.sum(np.log10(probs)):.0f}")

# %% [markdown]
# The product is exactly `0.0`: the true value is far below the smallest positive float
# (about $10^{-308}$, or $5 \cdot 10^{-324}$ counting subnormals), so it cannot tell two
# models apart. The sum of logs is an ordinary number.
#
# ## 2. Categorical outputs: softmax and cross-entropy
#
# For $K$ classes the network outputs $K$ scores (**logits**) $z_1, \dots, z_K$; softmax
# turns them into probabilities:
#
# $$p_k = \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}},
#   \qquad p_k > 0, \quad \sum_k p_k = 1.$$
#
# The probability of the true class $y$ is $p_y$, so one example's negative
# log-likelihood is $-\log p_y$. With the one-hot target $t_k = [k = y]$ this is the
# **cross-entropy** between the target distribution $t$ and the model's $p$:
#
# $$\ell = -\log p_y = -\sum_{k=1}^{K} t_k \log p_k = H(t, p).$$
#
# Writing out the softmax gives the form the library computes:
#
# $$\ell = -z_y + \log \sum_j e^{z_j} = \operatorname{logsumexp}(z) - z_y.$$
#
# Four examples, three classes. First with `Value`s, straight from the definition:
# exponentials, their sum, the ratio, the log.

# %%
Z = np.array([[2.0, 1.0, -1.0],    # logits of 4 examples (rows), 3 classes (columns)
              [0.5, -0.5, 1.5],
              [-1.0, 2.5, 0.0],
              [0.2, 0.1, 0.3]])
y = np.array([0, 2, 1, 0])          # the true classes
N, K = Z.shape

def cross_entropy_from_definition(z_row, target):
    """-log softmax(z)[target], built node by node from Values."""
    exps = [z.exp() for z in z_row]
    p_target = exps[target] / ag.sum(exps)
    return -p_target.log()

logits = [[Value(Z[i, k], f"z[{i},{k}]") for k in range(K)] for i in range(N)]
per_example = [cross_entropy_from_definition(logits[i], y[i]) for i in range(N)]
loss_values = ag.sum(per_example) / N
print("per example:", [round(l.data, 4) for l in per_example])
print("mean:       ", loss_values.data)

# %% [markdown]
# The same with the formula in NumPy (no `Value`s at all), using the one-hot form
# $-\sum_k t_k \log p_k$, and with `nn.softmax_cross_entropy`, which takes the logits
# and the class indices (one sample, or a batch: then it returns the **mean**).

# %%
P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)  # softmax of each row
T = np.eye(K)[y]                                       # one-hot targets
ce_numpy = -(T * np.log(P)).sum(axis=1)

ce_nn_each = [softmax_cross_entropy(logits[i], int(y[i])).data for i in range(N)]
ce_nn_mean = softmax_cross_entropy(logits, y).data

print("example   Values     NumPy      nn.losses")
for i in range(N):
    print(f"{i:>7}   {per_example[i].data:.6f}   {ce_numpy[i]:.6f}   {ce_nn_each[i]:.6f}")
print(f"   mean   {loss_values.data:.6f}   {ce_numpy.mean():.6f}   {ce_nn_mean:.6f}")

assert np.allclose([l.data for l in per_example], ce_numpy)
assert np.allclose(ce_nn_each, ce_numpy)
assert math.isclose(loss_values.data, ce_numpy.mean()) and math.isclose(ce_nn_mean,
                                                                          ce_numpy.mean())

# %% [markdown]
# All three agree. Look at example 3: its logits are nearly equal, so $p_y \approx 1/3$
# and the loss is close to $\log 3 \approx 1.10$, the loss of a model that guesses. An
# untrained network with $K$ classes starts near $\log K$ (for CIFAR-10, $\log 10
# \approx 2.30$): a good first check of any training run.
#
# **Why the library uses $\operatorname{logsumexp}(z) - z_y$.** With large logits the
# definition breaks: $e^{1000}$ overflows. `logsumexp` subtracts the largest logit first,
# $\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}$ with $m = \max_j z_j$, so nothing
# overflows.

# %%
big = [Value(1000.0), Value(0.0), Value(-1000.0)]
try:
    cross_entropy_from_definition(big, 1)
except OverflowError as error:
    print("from the definition:", type(error).__name__, "-", str(error)[:70], "...")
print("nn.softmax_cross_entropy:", softmax_cross_entropy(big, 1).data, "(= 1000 - 0)")

# %% [markdown]
# ## 3. Two classes: sigmoid and binary cross-entropy
#
# With two classes one score is enough. The network outputs $z$ and
# $p = \sigma(z) = 1/(1 + e^{-z})$ is the probability of class 1. A label $y \in \{0,1\}$
# is a coin flip with probability $p$ (a **Bernoulli** distribution):
# $p(y \mid x) = p^{y}(1-p)^{1-y}$. Its negative log is the **binary cross-entropy**
#
# $$\ell = -\bigl[y \log p + (1-y) \log(1-p)\bigr] = \log(1 + e^{z}) - y\,z .$$
#
# (The right-hand form uses $\log \sigma(z) = z - \log(1+e^z)$ and
# $\log(1-\sigma(z)) = -\log(1+e^z)$.) It is the two-class softmax in disguise:
# $\sigma(z) = e^{z}/(e^{0} + e^{z})$ is the softmax of the logits $[0, z]$.

# %%
z_bin = np.array([2.0, -1.0, 0.5, -3.0, 0.0])  # one score per example
y_bin = np.array([1, 0, 0, 1, 1])

def bce_from_definition(z, target):
    p = z.sigmoid()
    return -(target * p.log() + (1 - target) * (1 - p).log())

scores = [Value(z, f"z[{i}]") for i, z in enumerate(z_bin)]
bce_values = [bce_from_definition(scores[i], y_bin[i]) for i in range(len(scores))]

p_bin = 1 / (1 + np.exp(-z_bin))
bce_numpy = -(y_bin * np.log(p_bin) + (1 - y_bin) * np.log(1 - p_bin))
bce_nn = [binary_cross_entropy(scores[i], float(y_bin[i])).data for i in range(len(scores))]
bce_as_softmax = [softmax_cross_entropy([0.0, s], int(t)).data for s, t in zip(scores, y_bin)]

print("example   Values     NumPy      nn BCE     softmax of [0, z]")
for i in range(len(scores)):
    print(f"{i:>7}   {bce_values[i].data:.6f}   {bce_numpy[i]:.6f}   {bce_nn[i]:.6f}   "
          f"{bce_as_softmax[i]:.6f}")
print("mean:", binary_cross_entropy(scores, y_bin).data, "vs", bce_numpy.mean())

assert np.allclose([b.data for b in bce_values], bce_numpy)
assert np.allclose(bce_nn, bce_numpy) and np.allclose(bce_as_softmax, bce_numpy)
assert math.isclose(binary_cross_entropy(scores, y_bin).data, bce_numpy.mean())

# %% [markdown]
# Example 3 ($z = -3$ but the label is 1) is confidently wrong and pays the most. Example 4
# ($z = 0$, $p = 1/2$) pays $\log 2 \approx 0.69$ whatever its label.
#
# ## 4. Real-valued outputs: the Gaussian and the mean squared error
#
# For regression the network outputs a number $\hat y$, read as the **mean** of a
# Gaussian with a fixed standard deviation $\sigma$ (the noise we expect around the
# prediction):
#
# $$p(y \mid x) = \mathcal{N}(y;\, \hat y, \sigma^2)
#   = \frac{1}{\sqrt{2\pi\sigma^2}} \exp\!\left(-\frac{(y - \hat y)^2}{2\sigma^2}\right),
#   \qquad
#   -\log p(y \mid x) = \frac{(y - \hat y)^2}{2\sigma^2} + \tfrac12 \log(2\pi\sigma^2).$$
#
# With $\sigma$ fixed, the second term is a constant and the first is the squared error
# scaled by $1/(2\sigma^2)$. Averaged over the examples:
#
# $$\text{mean NLL} = \frac{1}{2\sigma^2}\,
#   \underbrace{\frac{1}{N}\sum_{i}(y_i - \hat y_i)^2}_{\text{MSE}}
#   + \tfrac12 \log(2\pi\sigma^2).$$
#
# So minimising the MSE *is* maximum likelihood under Gaussian noise: the $\theta$ is the
# same whatever $\sigma$ is; $\sigma$ only scales the loss (and so the gradient, which a
# learning rate absorbs). With $K$ outputs per example, each an independent Gaussian,
# the squared errors add up over $k$; `nn.mse` (like PyTorch's `MSELoss`) takes the mean
# over all $N K$ numbers.

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

mse_nn = mse([[v] for v in y_hat], y_reg).data  # a batch of N examples, K = 1 output
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
# The three losses side by side, as functions of the network's output for one example.
# Left: binary cross-entropy against the score $z$; it is nearly linear for confidently
# wrong scores (so the gradient does not vanish), and near 0 for confidently right ones.
# Right: the Gaussian NLL against $\hat y$ for the target $y = 1$ and three values of
# $\sigma$: different heights and steepness, but the same minimum at $\hat y = y$.

# %%
z_grid = np.linspace(-6, 6, 241)
yh_grid = np.linspace(-1.5, 3.5, 241)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
left.plot(z_grid, np.logaddexp(0, z_grid) - z_grid, label="label y = 1:  $-\\log\\sigma(z)$")
left.plot(z_grid, np.logaddexp(0, z_grid), label="label y = 0:  $-\\log(1-\\sigma(z))$")
left.set(title="binary cross-entropy", xlabel="score z", ylabel="loss", ylim=(0, 6))
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
# ## 5. The average over the examples, and a first look at the gradients
#
# A batch loss is the mean of the per-example losses,
# $\mathcal{L} = \frac1N \sum_i \ell_i$, so the gradient with respect to one example's
# output is $\frac1N$ times that example's own gradient. Those own gradients are
# remarkably simple (notebook 3 derives them and uses them for backprop):
#
# | loss | output | $\partial \ell_i / \partial(\text{output})$ |
# |---|---|---|
# | softmax cross-entropy | logits $z_i$ | $p_i - t_i$ (softmax minus one-hot) |
# | binary cross-entropy | score $z_i$ | $\sigma(z_i) - y_i$ |
# | Gaussian NLL, $\sigma = 1$: $\tfrac12(\hat y_i - y_i)^2$ | $\hat y_i$ | $\hat y_i - y_i$ |
# | `nn.mse` (mean over $N K$ numbers, no $\tfrac12$) | $\hat y_{ik}$ | $\tfrac{2}{NK}(\hat y_{ik} - y_{ik})$ for the batch |
#
# Let `backward()` confirm each row on the examples above.

# %%
loss = softmax_cross_entropy(logits, y)  # the batch mean
loss.backward()
grad_logits = np.array([[z.grad for z in row] for row in logits])
print("d loss / d logits:\n", grad_logits)
print("(P - T) / N:\n", (P - T) / N)
assert np.allclose(grad_logits, (P - T) / N)

# %%
for s in scores:
    s.grad = 0.0  # leaves accumulate gradients: clear them before a new backward
binary_cross_entropy(scores, y_bin).backward()
print("d loss / d z:         ", np.array([s.grad for s in scores]))
print("(sigmoid(z) - y) / N: ", (p_bin - y_bin) / len(z_bin))
assert np.allclose([s.grad for s in scores], (p_bin - y_bin) / len(z_bin))

for v in y_hat:
    v.grad = 0.0
mse([[v] for v in y_hat], y_reg).backward()
print("d mse / d y_hat:       ", np.array([v.grad for v in y_hat]))
print("2 (y_hat - y) / N:     ", 2 * (y_hat_np - y_reg) / len(y_reg))
assert np.allclose([v.grad for v in y_hat], 2 * (y_hat_np - y_reg) / len(y_reg))

# %% [markdown]
# Finally the mean itself: the batch loss of `nn.losses` is the sum of the per-example
# losses divided by $N$. A sum instead of a mean would make the gradient $N$ times larger
# for a batch of $N$, and the right learning rate would change with the batch size.

# %%
total = sum(softmax_cross_entropy(logits[i], int(y[i])).data for i in range(N))
print(f"sum of per-example losses / N = {total / N:.6f};  batch loss = {loss.data:.6f}")
assert math.isclose(total / N, loss.data)

# %% [markdown]
# ## Summary
#
# * Training by **maximum likelihood** = minimising the **mean negative log-likelihood**
#   of the labels under the model's predicted distribution.
# * Categorical distribution (softmax of logits) $\Rightarrow$ **cross-entropy**
#   $\operatorname{logsumexp}(z) - z_y$.
# * Bernoulli (sigmoid of one score) $\Rightarrow$ **binary cross-entropy**
#   $\log(1+e^z) - yz$.
# * Gaussian with fixed variance $\Rightarrow$ **squared error** (up to a scale and a
#   constant): minimising the MSE is maximum likelihood.
# * The gradient with respect to the output is "prediction minus target" (divided by $N$
#   for a mean; times 2 with `nn.mse`'s convention): the starting point of backprop in
#   notebook 3.
