"""Write (and optionally run) the theory notebooks 01-03 of the course.

The notebooks are the product; this script is only how they are written, so that their text
and code can be reviewed and changed as ordinary Python. Usage, from the project root::

    python notebooks/build_theory_notebooks.py            # write the three .ipynb files
    python notebooks/build_theory_notebooks.py --execute  # write them, then run each one
                                                          # (outputs stored in the files)

Running executes every notebook in a Jupyter kernel whose working folder is notebooks/, with
the project root on PYTHONPATH, exactly as a student opening them would (files the lessons
save, such as the backprop GIF, land under notebooks/).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(textwrap.dedent(text).strip("\n"))


# =========================================================================================
# 01 From likelihood to loss
# =========================================================================================

NB01 = [
    md(r"""
    # 1. From likelihood to loss

    A classifier does not really output a class: it outputs a **probability distribution**
    over the classes, $p_\theta(y \mid x)$, where $\theta$ are its parameters (weights and
    biases). Training means choosing $\theta$ so that the labels we actually observed are
    *probable* under the model. Written as a formula, that one idea gives every loss function
    used in this course:

    | model output | probability model | loss |
    |---|---|---|
    | $K$ scores $z$ $\to$ softmax | categorical | cross-entropy (`nn.softmax_cross_entropy`) |
    | one score $z$ $\to$ sigmoid | Bernoulli | binary cross-entropy (`nn.binary_cross_entropy`) |
    | real numbers $\hat y$ | Gaussian, fixed variance | mean squared error (`nn.mse`) |

    For each one we compute the loss on a handful of examples three ways and check that they
    agree: with `Value`s (the graph we can differentiate), with the plain formula in NumPy,
    and with the library function in `nn.losses`.
    """),
    code("""
    import math

    import matplotlib.pyplot as plt
    import numpy as np

    import autograd_scalar as ag
    from autograd_scalar import Value
    from nn import binary_cross_entropy, mse, softmax_cross_entropy

    np.set_printoptions(precision=4, suppress=True)
    """),
    md(r"""
    ## 1. Maximum likelihood

    We have $N$ examples $(x_i, y_i)$, drawn independently. The **likelihood** of the
    parameters is the probability the model gives to the whole data set:

    $$\mathcal{L}(\theta) = \prod_{i=1}^{N} p_\theta(y_i \mid x_i).$$

    **Maximum likelihood** picks $\theta^\star = \arg\max_\theta \mathcal{L}(\theta)$. The
    logarithm is increasing, so maximising $\log \mathcal{L}$ gives the same $\theta^\star$;
    flipping the sign and dividing by $N$ (a positive constant) does not move it either:

    $$\theta^\star = \arg\min_\theta \;
      \underbrace{-\frac{1}{N}\sum_{i=1}^{N} \log p_\theta(y_i \mid x_i)}_{
      \text{the loss: mean negative log-likelihood (NLL)}}.$$

    Why the log and the mean, if they do not change the answer?

    * a product of thousands of probabilities underflows to 0 in floating point; a sum of
      logs does not (see below);
    * the derivative of a sum is the sum of the derivatives: each example contributes its
      own gradient;
    * with the mean, the size of the loss (and of its gradient, and so a good learning rate)
      does not depend on how many examples are in a batch.

    **A first example: a coin.** The model says "heads with probability $\theta$". We saw
    10 flips with 7 heads, so $\mathcal{L}(\theta) = \theta^7 (1-\theta)^3$.
    """),
    code("""
    flips = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1])  # 1 = heads
    theta = np.linspace(0.01, 0.99, 491)
    heads = flips.sum()
    likelihood = theta**heads * (1 - theta) ** (len(flips) - heads)
    mean_nll = -(heads * np.log(theta) + (len(flips) - heads) * np.log(1 - theta)) / len(flips)

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(theta, likelihood)
    left.set(title="likelihood  $\\\\theta^7(1-\\\\theta)^3$", xlabel="$\\\\theta$")
    right.plot(theta, mean_nll, color="C3")
    right.set(title="mean negative log-likelihood (the loss)", xlabel="$\\\\theta$")
    for ax in (left, right):
        ax.axvline(flips.mean(), color="gray", ls="--", label="fraction of heads = 0.7")
        ax.legend()
    fig.tight_layout()
    plt.show()

    best = theta[np.argmax(likelihood)]
    print(f"likelihood is largest at theta = {best:.3f}; loss is smallest at "
          f"theta = {theta[np.argmin(mean_nll)]:.3f}; fraction of heads = {flips.mean()}")
    assert abs(best - flips.mean()) < 1e-9 and np.argmax(likelihood) == np.argmin(mean_nll)
    """),
    md(r"""
    Both curves pick the same $\theta$, the fraction of heads, which is the answer you
    would have guessed. (Setting the derivative of the loss to 0 gives it exactly:
    $-7/\theta + 3/(1-\theta) = 0 \Rightarrow \theta = 0.7$.)

    Now the underflow: the probabilities a model gives to 2,000 correct labels, multiplied.
    """),
    code("""
    rng = np.random.default_rng(0)
    probs = rng.uniform(0.3, 0.9, size=2000)  # p(y_i | x_i) for 2,000 examples
    print("product of the probabilities:", np.prod(probs))
    print("sum of their logs:           ", np.sum(np.log(probs)))
    print("mean NLL (the loss):         ", -np.mean(np.log(probs)))
    print(f"the true product is about 10 ** {np.sum(np.log10(probs)):.0f}")
    """),
    md(r"""
    The product is exactly `0.0`: the true value is far below the smallest positive float
    (about $10^{-308}$, or $5 \cdot 10^{-324}$ counting subnormals), so it cannot tell two
    models apart. The sum of logs is an ordinary number.

    ## 2. Categorical outputs: softmax and cross-entropy

    For $K$ classes the network outputs $K$ scores (**logits**) $z_1, \dots, z_K$; softmax
    turns them into probabilities:

    $$p_k = \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}},
      \qquad p_k > 0, \quad \sum_k p_k = 1.$$

    The probability of the true class $y$ is $p_y$, so one example's negative
    log-likelihood is $-\log p_y$. With the one-hot target $t_k = [k = y]$ this is the
    **cross-entropy** between the target distribution $t$ and the model's $p$:

    $$\ell = -\log p_y = -\sum_{k=1}^{K} t_k \log p_k = H(t, p).$$

    Writing out the softmax gives the form the library computes:

    $$\ell = -z_y + \log \sum_j e^{z_j} = \operatorname{logsumexp}(z) - z_y.$$

    Four examples, three classes. First with `Value`s, straight from the definition:
    exponentials, their sum, the ratio, the log.
    """),
    code("""
    Z = np.array([[2.0, 1.0, -1.0],    # logits of 4 examples (rows), 3 classes (columns)
                  [0.5, -0.5, 1.5],
                  [-1.0, 2.5, 0.0],
                  [0.2, 0.1, 0.3]])
    y = np.array([0, 2, 1, 0])          # the true classes
    N, K = Z.shape

    def cross_entropy_from_definition(z_row, target):
        \"\"\"-log softmax(z)[target], built node by node from Values.\"\"\"
        exps = [z.exp() for z in z_row]
        p_target = exps[target] / ag.sum(exps)
        return -p_target.log()

    logits = [[Value(Z[i, k], f"z[{i},{k}]") for k in range(K)] for i in range(N)]
    per_example = [cross_entropy_from_definition(logits[i], y[i]) for i in range(N)]
    loss_values = ag.sum(per_example) / N
    print("per example:", [round(l.data, 4) for l in per_example])
    print("mean:       ", loss_values.data)
    """),
    md(r"""
    The same with the formula in NumPy (no `Value`s at all), using the one-hot form
    $-\sum_k t_k \log p_k$, and with `nn.softmax_cross_entropy`, which takes the logits
    and the class indices (one sample, or a batch: then it returns the **mean**).
    """),
    code("""
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
    """),
    md(r"""
    All three agree. Look at example 3: its logits are nearly equal, so $p_y \approx 1/3$
    and the loss is close to $\log 3 \approx 1.10$, the loss of a model that guesses. An
    untrained network with $K$ classes starts near $\log K$ (for CIFAR-10, $\log 10
    \approx 2.30$): a good first check of any training run.

    **Why the library uses $\operatorname{logsumexp}(z) - z_y$.** With large logits the
    definition breaks: $e^{1000}$ overflows. `logsumexp` subtracts the largest logit first,
    $\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}$ with $m = \max_j z_j$, so nothing
    overflows.
    """),
    code("""
    big = [Value(1000.0), Value(0.0), Value(-1000.0)]
    try:
        cross_entropy_from_definition(big, 1)
    except OverflowError as error:
        print("from the definition:", type(error).__name__, "-", str(error)[:70], "...")
    print("nn.softmax_cross_entropy:", softmax_cross_entropy(big, 1).data, "(= 1000 - 0)")
    """),
    md(r"""
    ## 3. Two classes: sigmoid and binary cross-entropy

    With two classes one score is enough. The network outputs $z$ and
    $p = \sigma(z) = 1/(1 + e^{-z})$ is the probability of class 1. A label $y \in \{0,1\}$
    is a coin flip with probability $p$ (a **Bernoulli** distribution):
    $p(y \mid x) = p^{y}(1-p)^{1-y}$. Its negative log is the **binary cross-entropy**

    $$\ell = -\bigl[y \log p + (1-y) \log(1-p)\bigr] = \log(1 + e^{z}) - y\,z .$$

    (The right-hand form uses $\log \sigma(z) = z - \log(1+e^z)$ and
    $\log(1-\sigma(z)) = -\log(1+e^z)$.) It is the two-class softmax in disguise:
    $\sigma(z) = e^{z}/(e^{0} + e^{z})$ is the softmax of the logits $[0, z]$.
    """),
    code("""
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
    """),
    md(r"""
    Example 3 ($z = -3$ but the label is 1) is confidently wrong and pays the most. Example 4
    ($z = 0$, $p = 1/2$) pays $\log 2 \approx 0.69$ whatever its label.

    ## 4. Real-valued outputs: the Gaussian and the mean squared error

    For regression the network outputs a number $\hat y$, read as the **mean** of a
    Gaussian with a fixed standard deviation $\sigma$ (the noise we expect around the
    prediction):

    $$p(y \mid x) = \mathcal{N}(y;\, \hat y, \sigma^2)
      = \frac{1}{\sqrt{2\pi\sigma^2}} \exp\!\left(-\frac{(y - \hat y)^2}{2\sigma^2}\right),
      \qquad
      -\log p(y \mid x) = \frac{(y - \hat y)^2}{2\sigma^2} + \tfrac12 \log(2\pi\sigma^2).$$

    With $\sigma$ fixed, the second term is a constant and the first is the squared error
    scaled by $1/(2\sigma^2)$. Averaged over the examples:

    $$\text{mean NLL} = \frac{1}{2\sigma^2}\,
      \underbrace{\frac{1}{N}\sum_{i}(y_i - \hat y_i)^2}_{\text{MSE}}
      + \tfrac12 \log(2\pi\sigma^2).$$

    So minimising the MSE *is* maximum likelihood under Gaussian noise: the $\theta$ is the
    same whatever $\sigma$ is; $\sigma$ only scales the loss (and so the gradient, which a
    learning rate absorbs). With $K$ outputs per example, each an independent Gaussian,
    the squared errors add up over $k$; `nn.mse` (like PyTorch's `MSELoss`) takes the mean
    over all $N K$ numbers.
    """),
    code("""
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
    """),
    md(r"""
    The three losses side by side, as functions of the network's output for one example.
    Left: binary cross-entropy against the score $z$; it is nearly linear for confidently
    wrong scores (so the gradient does not vanish), and near 0 for confidently right ones.
    Right: the Gaussian NLL against $\hat y$ for the target $y = 1$ and three values of
    $\sigma$: different heights and steepness, but the same minimum at $\hat y = y$.
    """),
    code("""
    z_grid = np.linspace(-6, 6, 241)
    yh_grid = np.linspace(-1.5, 3.5, 241)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(z_grid, np.logaddexp(0, z_grid) - z_grid, label="label y = 1:  $-\\\\log\\\\sigma(z)$")
    left.plot(z_grid, np.logaddexp(0, z_grid), label="label y = 0:  $-\\\\log(1-\\\\sigma(z))$")
    left.set(title="binary cross-entropy", xlabel="score z", ylabel="loss", ylim=(0, 6))
    left.legend()
    for s in (0.5, 1.0, 2.0):
        nll = (1.0 - yh_grid) ** 2 / (2 * s**2) + 0.5 * np.log(2 * np.pi * s**2)
        right.plot(yh_grid, nll, label=f"$\\\\sigma$ = {s}")
    right.axvline(1.0, color="gray", ls="--", label="target y = 1")
    right.set(title="Gaussian negative log-likelihood", xlabel="prediction $\\\\hat y$",
              ylabel="loss", ylim=(-1, 8))
    right.legend(loc="upper right")
    fig.tight_layout()
    plt.show()
    """),
    md(r"""
    ## 5. The average over the examples, and a first look at the gradients

    A batch loss is the mean of the per-example losses,
    $\mathcal{L} = \frac1N \sum_i \ell_i$, so the gradient with respect to one example's
    output is $\frac1N$ times that example's own gradient. Those own gradients are
    remarkably simple (notebook 3 derives them and uses them for backprop):

    | loss | output | $\partial \ell_i / \partial(\text{output})$ |
    |---|---|---|
    | softmax cross-entropy | logits $z_i$ | $p_i - t_i$ (softmax minus one-hot) |
    | binary cross-entropy | score $z_i$ | $\sigma(z_i) - y_i$ |
    | Gaussian NLL, $\sigma = 1$: $\tfrac12(\hat y_i - y_i)^2$ | $\hat y_i$ | $\hat y_i - y_i$ |
    | `nn.mse` (mean over $N K$ numbers, no $\tfrac12$) | $\hat y_{ik}$ | $\tfrac{2}{NK}(\hat y_{ik} - y_{ik})$ for the batch |

    Let `backward()` confirm each row on the examples above.
    """),
    code("""
    loss = softmax_cross_entropy(logits, y)  # the batch mean
    loss.backward()
    grad_logits = np.array([[z.grad for z in row] for row in logits])
    print("d loss / d logits:\\n", grad_logits)
    print("(P - T) / N:\\n", (P - T) / N)
    assert np.allclose(grad_logits, (P - T) / N)
    """),
    code("""
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
    """),
    md(r"""
    Finally the mean itself: the batch loss of `nn.losses` is the sum of the per-example
    losses divided by $N$. A sum instead of a mean would make the gradient $N$ times larger
    for a batch of $N$, and the right learning rate would change with the batch size.
    """),
    code("""
    total = sum(softmax_cross_entropy(logits[i], int(y[i])).data for i in range(N))
    print(f"sum of per-example losses / N = {total / N:.6f};  batch loss = {loss.data:.6f}")
    assert math.isclose(total / N, loss.data)
    """),
    md(r"""
    ## Summary

    * Training by **maximum likelihood** = minimising the **mean negative log-likelihood**
      of the labels under the model's predicted distribution.
    * Categorical distribution (softmax of logits) $\Rightarrow$ **cross-entropy**
      $\operatorname{logsumexp}(z) - z_y$.
    * Bernoulli (sigmoid of one score) $\Rightarrow$ **binary cross-entropy**
      $\log(1+e^z) - yz$.
    * Gaussian with fixed variance $\Rightarrow$ **squared error** (up to a scale and a
      constant): minimising the MSE is maximum likelihood.
    * The gradient with respect to the output is "prediction minus target" (divided by $N$
      for a mean; times 2 with `nn.mse`'s convention): the starting point of backprop in
      notebook 3.
    """),
]


# =========================================================================================
# 02 The computational graph and the chain rule
# =========================================================================================

NB02 = [
    md(r"""
    # 2. The computational graph and the chain rule

    Every arithmetic operation on `Value`s creates a new `Value` that remembers its
    **parents** (the inputs), its **op** (what was done) and its **local derivatives**
    $\partial\,\text{out} / \partial\,\text{parent}$. Together they form the
    **computational graph**. Backpropagation walks this graph from the output back to the
    inputs, multiplying local derivatives: the **chain rule**.

    In this notebook we build a small graph, draw it, backpropagate through it by hand one
    node at a time, then with `backward()`, and check the result numerically. Then two
    lessons: gradients **add up** where a value is used twice, and the three simple
    "gate" rules (add, multiply, max) that make gradients easy to predict.
    """),
    code("""
    import math

    from autograd_scalar import Value, gradcheck, maximum, topological_order
    from viz import draw_dot
    """),
    md(r"""
    ## 1. An expression is a graph

    One neuron with one input and a squared error, the smallest piece of a network:

    $$a = w x + b, \qquad h = \tanh(a), \qquad L = (h - t)^2 .$$

    We give every `Value` a label so that the diagram (and error messages) can name it.
    The diagram is drawn top to bottom (`rankdir="TB"`): the inputs at the top, the
    loss at the bottom.
    """),
    code("""
    def build_neuron_loss():
        \"\"\"Return the leaves and the output of L = (tanh(w*x + b) - t)**2, all labelled.\"\"\"
        x = Value(1.5, "x")
        w = Value(-2.0, "w")
        b = Value(1.0, "b")
        t = Value(0.5, "t")   # the target
        wx = w * x
        wx.label = "w*x"
        a = wx + b
        a.label = "a"
        h = a.tanh()
        h.label = "h"
        e = h - t
        e.label = "h - t"
        L = e**2
        L.label = "L"
        return x, w, b, t, wx, a, h, e, L

    x, w, b, t, wx, a, h, e, L = build_neuron_loss()
    print(L)
    draw_dot(L, parameters=[w, b], rankdir="TB")
    """),
    md(r"""
    Each box is a `Value`: its label, its `data`, its `grad` (0 until we backpropagate).
    Each oval is an operation. Colours: parameters (the leaves we would train, here $w$ and
    $b$, because we passed `parameters=[w, b]`), other leaves (input $x$ and target $t$),
    intermediate results, and the output.

    ## 2. Local derivatives

    Every node already knows the derivative of its own output with respect to each of its
    parents, computed during the forward pass (`node.local_grads`, in the order of
    `node.parents`):

    | node | local derivatives |
    |---|---|
    | $wx = w \cdot x$ | $\partial/\partial w = x$, $\;\partial/\partial x = w$ |
    | $a = wx + b$ | $1$, $\;1$ |
    | $h = \tanh a$ | $1 - h^2$ |
    | $e = h - t$ | $1$, $\;-1$ |
    | $L = e^2$ | $2e$ |

    `topological_order` lists the nodes so that each comes after its parents (the order of
    the forward pass):
    """),
    code("""
    order = topological_order(L)
    for node in order:
        if node.parents:
            parents = ", ".join(p.label for p in node.parents)
            locals_ = ", ".join(f"{g:.4f}" for g in node.local_grads)
            print(f"{node.label:>6} = {node.op:<5}({parents:<9})  local grads: {locals_}")
        else:
            print(f"{node.label:>6}   leaf, data = {node.data}")
    """),
    md(r"""
    ## 3. Backpropagation by hand, node by node

    The chain rule says that the gradient of $L$ with respect to a parent is the gradient
    with respect to the child times the local derivative:

    $$\frac{\partial L}{\partial\,\text{parent}}
      \mathrel{+}= \frac{\partial\,\text{child}}{\partial\,\text{parent}} \cdot
      \frac{\partial L}{\partial\,\text{child}} .$$

    So we start at the output with $\partial L / \partial L = 1$ and visit the nodes in
    **reverse** topological order: when we reach a node, every node that uses it has
    already passed its share back, so its gradient is complete. `node.backward_step()`
    applies exactly the formula above for one node.
    """),
    code("""
    L.grad = 1.0                      # dL/dL
    for node in reversed(order):
        if not node.parents:
            continue                  # a leaf has nobody to pass its gradient to
        node.backward_step()
        sent = ", ".join(f"{p.label}.grad = {p.grad:.4f}" for p in node.parents)
        print(f"step at {node.label!r:>7} (grad {node.grad:.4f}):  {sent}")
    """),
    md(r"""
    Check against the chain rule written out with `math` (no `Value`s):

    $$\frac{\partial L}{\partial w} = \underbrace{2(h - t)}_{\partial L/\partial h}
      \cdot \underbrace{(1 - h^2)}_{\partial h / \partial a} \cdot
      \underbrace{1}_{\partial a / \partial (wx)} \cdot
      \underbrace{x}_{\partial (wx) / \partial w}, \qquad
      \frac{\partial L}{\partial b} = 2(h-t)(1-h^2), \qquad
      \frac{\partial L}{\partial x} = 2(h-t)(1-h^2)\,w .$$
    """),
    code("""
    h_ = math.tanh(-2.0 * 1.5 + 1.0)
    dL_da = 2 * (h_ - 0.5) * (1 - h_**2)
    expected = {"w": dL_da * 1.5, "b": dL_da, "x": dL_da * -2.0, "t": -2 * (h_ - 0.5)}
    for leaf in (w, b, x, t):
        print(f"dL/d{leaf.label} = {leaf.grad:+.6f}   formula: {expected[leaf.label]:+.6f}")
        assert math.isclose(leaf.grad, expected[leaf.label])
    """),
    md(r"""
    The same algorithm without `backward_step`, computing the products of local derivatives
    ourselves into a dictionary. This loop *is* reverse-mode automatic differentiation:
    """),
    code("""
    grads = {L: 1.0}
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] = grads.get(parent, 0.0) + local * grads.get(node, 0.0)

    for leaf in (w, b, x, t):
        print(f"dL/d{leaf.label} = {grads[leaf]:+.6f}   (.grad: {leaf.grad:+.6f})")
        assert math.isclose(grads[leaf], leaf.grad)
    """),
    md(r"""
    ## 4. The same with `backward()`

    `backward()` runs this loop for us. On a freshly built graph:
    """),
    code("""
    x2, w2, b2, t2, *_, L2 = build_neuron_loss()
    L2.backward()
    for by_hand, auto in zip((x, w, b, t), (x2, w2, b2, t2)):
        print(f"dL/d{auto.label}: by hand {by_hand.grad:+.6f}   backward() {auto.grad:+.6f}")
        assert by_hand.grad == auto.grad
    draw_dot(L2, parameters=[w2, b2], rankdir="TB")
    """),
    md(r"""
    Read the diagram from the bottom up: $L$'s grad is 1; $h - t$ gets $2e$; $h$ gets
    the same (a subtraction passes the gradient through) while $t$ gets its negative; $a$
    gets it multiplied by $1-h^2$; then the `+` hands it unchanged to both $w \cdot x$ and
    $b$, and the `*` multiplies by the *other* factor: $w$ gets $x \cdot$ grad, $x$ gets
    $w \cdot$ grad.

    Notice how small the gradients above `tanh` are: $a = -2$ puts $\tanh$ on its flat
    part, where $1 - h^2 = 0.07$, so only 7% of the gradient gets through. A **saturated**
    unit learns slowly; this is one reason for careful weight initialisation.

    ## 5. Check numerically: `gradcheck`

    A derivative is a limit of difference quotients, so we can estimate it without any
    calculus. The **central difference**

    $$\frac{\partial f}{\partial x_i} \approx
      \frac{f(\dots, x_i + \varepsilon, \dots) - f(\dots, x_i - \varepsilon, \dots)}{2\varepsilon}$$

    has an error that shrinks like $\varepsilon^2$. `gradcheck(f, inputs)` compares it with
    `backward()` for every input and prints a table (it raises an error on a mismatch).
    """),
    code("""
    def neuron_loss(x, w, b, t):
        return ((w * x + b).tanh() - t) ** 2

    report = gradcheck(neuron_loss, [Value(1.5, "x"), Value(-2.0, "w"), Value(1.0, "b"),
                                     Value(0.5, "t")])
    print(report)
    """),
    md(r"""
    ## 6. A value used twice: gradients add up

    If a value feeds several operations, a small change in it changes the output through
    **every** path, and the **multivariable chain rule** adds the contributions:

    $$\frac{\partial L}{\partial a} = \sum_{\text{children } c \text{ of } a}
      \frac{\partial c}{\partial a}\,\frac{\partial L}{\partial c}.$$

    The simplest cases: $b = a + a$ has $\partial b/\partial a = 2$, and $b = a \cdot a$
    has $\partial b / \partial a = 2a$. The engine gets both right because every backward
    step **adds** to the parent's gradient (`+=`):
    """),
    code("""
    a = Value(3.0, "a")
    double = a + a
    double.label = "a + a"
    double.backward()
    print("d(a + a)/da =", a.grad, "(expected 2)")
    assert a.grad == 2.0
    draw_dot(double)
    """),
    md(r"""
    Note the **two** arrows from $a$ into the `+`: $a$ is both of its parents, and each
    arrow brings back a gradient of 1.

    Now a backward pass with a plausible-looking bug: it **assigns** the gradient
    (`parent.grad = ...`) instead of adding to it. Each use of $a$ overwrites the previous
    one's contribution, so only the last survives:
    """),
    code("""
    def backward_with_overwrite_bug(root):
        \"\"\"Like backward(), but with '=' where the chain rule needs '+='. WRONG on purpose.\"\"\"
        nodes = topological_order(root)
        for node in nodes:
            node.grad = 0.0
        root.grad = 1.0
        for node in reversed(nodes):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad = local * node.grad  # BUG: should be +=

    a = Value(3.0, "a")
    backward_with_overwrite_bug(a + a)
    print("buggy d(a + a)/da =", a.grad, "  (correct: 2)")

    a = Value(3.0, "a")
    backward_with_overwrite_bug(a * a)
    print("buggy d(a * a)/da =", a.grad, "  (correct: 2a = 6)")

    a = Value(3.0, "a")
    (a * a).backward()
    print("engine d(a * a)/da =", a.grad)
    assert a.grad == 6.0
    """),
    md(r"""
    The same bug in a less obvious place, $f = x y + x$, where $x$ feeds two *different*
    operations. The correct $\partial f / \partial x = y + 1$; the buggy version keeps
    only one of the two terms. A numerical check catches it at once, which is why every
    new operation deserves a `gradcheck`:
    """),
    code("""
    def f(x, y):
        return x * y + x

    x, y = Value(2.0, "x"), Value(-4.0, "y")
    backward_with_overwrite_bug(f(x, y))
    buggy = x.grad
    print(gradcheck(f, [Value(2.0, "x"), Value(-4.0, "y")]))  # the engine: passes
    print(f"\\nthe buggy backward says df/dx = {buggy}; the right answer is y + 1 = -3")
    """),
    md(r"""
    The same `+=` explains why a training loop must **zero the gradients**: leaves keep
    adding what every `backward()` brings, so a second backward without clearing doubles
    them (this is how PyTorch behaves too, and it is useful: gradients of several losses,
    or of several samples, add up).
    """),
    code("""
    a = Value(3.0, "a")
    out = a * a
    out.backward()
    print("after one backward: ", a.grad)
    out.backward()
    print("after two backwards:", a.grad, " <- accumulated")
    a.grad = 0.0  # what optimizer.zero_grad() / model.zero_grad() do for every parameter
    out.backward()
    print("after zeroing:      ", a.grad)
    """),
    md(r"""
    ## 7. Gate intuitions: add distributes, multiply swaps, max routes

    Three rules let you predict most gradients at a glance. Here each gate receives an
    upstream gradient of 2 (`backward(gradient=2.0)`, as if the gate sat inside a larger
    graph whose gradient reaching it is 2). Red grad cells are positive, blue negative.

    **Add distributes**: $z = x + y$ has local derivatives 1 and 1, so both inputs get the
    upstream gradient unchanged, whatever their values.
    """),
    code("""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x + y
    z.label = "z = x + y"
    z.backward(gradient=2.0)
    assert (x.grad, y.grad) == (2.0, 2.0)
    draw_dot(z, color_by_grad=True)
    """),
    md(r"""
    **Multiply swaps**: $z = x y$ has $\partial z/\partial x = y$ and
    $\partial z / \partial y = x$: each input's gradient is the *other* input's value times
    the upstream gradient. A large input makes the gradient of the other one large (one
    reason to normalise the data fed to a network).
    """),
    code("""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z = x * y"
    z.backward(gradient=2.0)
    assert (x.grad, y.grad) == (2.0 * -4.0, 2.0 * 3.0)
    draw_dot(z, color_by_grad=True)
    """),
    md(r"""
    **Max routes**: $z = \max(x, y)$ passes the whole upstream gradient to the larger input
    and 0 to the other (a tiny change in the smaller one does not change the max). ReLU is
    $\max(0, a)$: a hidden unit that is off passes no gradient back.
    """),
    code("""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = maximum(x, y)
    z.label = "z = max(x, y)"
    z.backward(gradient=2.0)
    assert (x.grad, y.grad) == (2.0, 0.0)
    draw_dot(z, color_by_grad=True)
    """),
    md(r"""
    All three in one expression, $f = 2\,\bigl(x y + \max(z, w)\bigr)$. Predict the four
    gradients before running the cell: the `*` by 2 sends 2 back to the sum; the sum
    distributes 2 to both branches; the product swaps ($x$ gets $2y$, $y$ gets $2x$); the max
    routes 2 to the larger of $z, w$ and 0 to the other. (The constant 2 gets a gradient
    too, the value of the sum: numbers in an expression become constant leaves of the
    graph, and nothing stops us from differentiating with respect to them.)
    """),
    code("""
    x, y, z, w = Value(3.0, "x"), Value(-4.0, "y"), Value(2.0, "z"), Value(-1.0, "w")
    xy = x * y
    xy.label = "x*y"
    m = maximum(z, w)
    m.label = "max(z, w)"
    s = xy + m
    s.label = "sum"
    f = 2 * s
    f.label = "f"
    f.backward()
    print({v.label: v.grad for v in (x, y, z, w)})
    assert (x.grad, y.grad, z.grad, w.grad) == (2 * -4.0, 2 * 3.0, 2.0, 0.0)
    draw_dot(f, color_by_grad=True, rankdir="TB")
    """),
    md(r"""
    ## Summary

    * A `Value` records its parents, its op and its local derivatives: the graph is built
      as a side effect of the forward computation.
    * Backprop = visit nodes in reverse topological order and apply
      `parent.grad += local * node.grad` (`backward_step`). `backward()` does exactly that.
    * `gradcheck` compares with central differences: use it whenever you write a new
      operation.
    * Gradients **add up** over every use of a value (`+=`, not `=`), which is also why
      gradients must be zeroed between training steps.
    * Add distributes, multiply swaps, max routes.
    """),
]


# =========================================================================================
# 03 Backprop, step by step
# =========================================================================================

NB03 = [
    md(r"""
    # 3. Backprop, step by step

    Now a real (if tiny) network, the two-layer perceptron of the lecture:

    $$x \xrightarrow{\;W_1,\, b_1\;} a_1 \xrightarrow{\;f_1\;} h_1
        \xrightarrow{\;W_2,\, b_2\;} a_2 \xrightarrow{\;f_2\;} \hat y
        \longrightarrow \mathcal{L}(\hat y, y)$$

    $$a_1 = W_1 x + b_1, \quad h_1 = f_1(a_1), \quad a_2 = W_2 h_1 + b_2, \quad
      \hat y = f_2(a_2).$$

    $a$ are the **pre-activations**, $h$ the hidden activations. We will

    1. build it from `Value`s, with a label on every number, and watch `backward()` fill in
       the gradients one chain-rule step at a time;
    2. derive the **deltas** $\delta = \partial \mathcal{L} / \partial a$ in closed form
       (the famous $\hat y - y$ at the output) and check them against `backward()`;
    3. get every parameter's gradient from the deltas with two matrix products, in NumPy,
       and compare with the `.grad` of each weight.
    """),
    code("""
    from pathlib import Path

    import numpy as np
    from IPython.display import Image, display

    import autograd_scalar as ag
    from autograd_scalar import Value, gradcheck
    from nn import MLP, mse, softmax_cross_entropy
    from viz import animate_backward, draw_mlp

    np.set_printoptions(precision=4, suppress=True)
    """),
    md(r"""
    ## 1. A 2-2-1 network built from labelled Values

    Two inputs, two $\tanh$ hidden units, one linear output ($f_2$ = identity, so
    $\hat y = a_2$), and the squared error with a factor $\tfrac12$, which is the Gaussian
    negative log-likelihood with $\sigma = 1$ of notebook 1 (without its constant):

    $$\mathcal{L} = \tfrac12 (\hat y - y)^2 .$$

    Every weight is its own `Value`, named like the matrix entry it is: `W1[j,i]` connects
    input $i$ to hidden unit $j$. A row of $W$ times a vector is one `dot` node. The input
    $x$ stays a pair of plain numbers: `dot` folds numbers in as constants, so they get no
    box in the diagram (we never need $\partial \mathcal{L} / \partial x$ to train).
    """),
    code("""
    x_np = np.array([0.5, -1.0])            # one example
    y_target = 1.0                          # its target
    W1_np = np.array([[0.3, 0.7], [0.2, -1.1]])
    b1_np = np.array([0.1, 0.2])
    W2_np = np.array([[0.8, 0.4]])
    b2_np = np.array([0.2])

    def labelled(array, name):
        \"\"\"A nested list of Values, one per entry, labelled 'name[j,i]' (or 'name[j]').\"\"\"
        if array.ndim == 1:
            return [Value(v, f"{name}[{j}]") for j, v in enumerate(array)]
        return [[Value(v, f"{name}[{j},{i}]") for i, v in enumerate(row)]
                for j, row in enumerate(array)]

    def dense(W, b, inputs, layer, input_name):
        \"\"\"Pre-activations a = W inputs + b of layer 1 or 2, labelled like 'a1[j]'.\"\"\"
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
        h.label = f"h1[{j}]"
    (a2,) = dense(W2, b2, h1, 2, "h1")       # linear output: y_hat = a2
    a2.label = "a2 = y_hat"
    err = a2 - Value(y_target, "y")
    err.label = "y_hat - y"
    loss = Value(0.5, "1/2") * err**2
    loss.label = "L"
    print(f"y_hat = {a2.data:.4f}, target = {y_target}, loss = {loss.data:.4f}")
    """),
    md(r"""
    ## 2. Watching backward, one chain-rule step per frame

    `animate_backward` runs the engine's own backward pass (`loss.backward_steps()`) and
    draws the graph after every step: the node taking its step is red, the gradients it
    just sent are yellow, `grad ?` means "not reached yet" and *(partial)* means "some of
    this value's uses have not sent their share yet" (the `+=` of notebook 2). After it,
    the gradients are exactly those of `loss.backward()`.

    In a live notebook the cell below shows a player (play, step, slider). On a static web
    page the player cannot run: the frames are shown as pictures further down.
    """),
    code("""
    animation = animate_backward(loss, parameters=parameters, rankdir="TB", digits=3)
    print(animation)
    animation
    """),
    md(r"""
    Save it as an animated GIF (to open in any browser or slide), and every frame as a PNG,
    in a folder next to this notebook:
    """),
    code("""
    out_dir = Path("backprop_output")
    out_dir.mkdir(exist_ok=True)
    gif = animation.save(out_dir / "backprop_2_2_1.gif")
    frames = animation.save_frames(out_dir / "frames")
    print(f"{gif} ({gif.stat().st_size // 1024} kB), {len(frames)} PNG frames in {frames[0].parent}")
    """),
    md(r"""
    Three moments of the backward pass. **Frame 0**, after the forward pass: only
    $\partial L / \partial L = 1$ is known.
    """),
    code("""
    display(Image(filename=frames[0], width=1000))
    """),
    md(r"""
    **The step at the output layer's `dot` node**: it has received
    $\partial L / \partial (W_2 h_1) = \hat y - y$ and sends it back multiplied by the
    *other* factor (multiply swaps): each $W_2[0,j]$ gets $h_1[j] \cdot (\hat y - y)$, each
    $h_1[j]$ gets $W_2[0,j] \cdot (\hat y - y)$.
    """),
    code("""
    output_dot = next(k for k, node in enumerate(animation.steps)
                      if node.op == "dot" and h1[0] in node.parents)
    print(animation.captions[output_dot + 1])
    display(Image(filename=frames[output_dot + 1], width=1000))
    """),
    md(r"""
    **The step at the `tanh` of hidden unit 0**: it multiplies the gradient it received
    by its local derivative $1 - h_1[0]^2$ and hands the product to $a_1[0]$. That product
    is the hidden unit's *delta* (section 3).
    """),
    code("""
    hidden_tanh = animation.steps.index(h1[0])
    print(animation.captions[hidden_tanh + 1])
    display(Image(filename=frames[hidden_tanh + 1], width=1000))
    """),
    md(r"""
    **The last frame**: every gradient is known, among them the nine parameters' (blue
    boxes). Note that the constants $y$ and $\tfrac12$ get gradients too; nobody uses them.
    """),
    code("""
    display(Image(filename=frames[-1], width=1000))
    """),
    md(r"""
    ## 3. The deltas

    Call $\delta_2 = \partial \mathcal{L} / \partial a_2$ and
    $\delta_1 = \partial \mathcal{L} / \partial a_1$ the **deltas**: the gradients at the
    pre-activations. They are all backprop needs.

    **Output layer.** With a linear output ($\hat y = a_2$) and
    $\mathcal{L} = \tfrac12 (\hat y - y)^2$:

    $$\delta_2 = \frac{\partial \mathcal{L}}{\partial a_2} = \hat y - y .$$

    **Hidden layer.** $a_1$ reaches the loss through $h_1 = f_1(a_1)$ and then through
    *every* output unit ($a_2 = W_2 h_1 + b_2$). The chain rule, summing over those paths:

    $$\delta_{1,j} = f_1'(a_{1,j}) \sum_k W_{2,kj}\,\delta_{2,k}
      \qquad\text{i.e.}\qquad
      \delta_1 = \bigl(W_2^{\top} \delta_2\bigr) \odot f_1'(a_1),
      \qquad f_1'(a) = 1 - \tanh^2(a) = 1 - h_1^2 .$$

    The deltas travel backwards through the **transposed** weights: the same weights as in
    the forward pass, read in the other direction.
    """),
    code("""
    # Forward pass in NumPy, from the same numbers.
    a1_np = W1_np @ x_np + b1_np
    h1_np = np.tanh(a1_np)
    a2_np = W2_np @ h1_np + b2_np
    y_hat_np = a2_np                             # linear output

    delta2 = y_hat_np - y_target                 # (1,)
    delta1 = (W2_np.T @ delta2) * (1 - h1_np**2)  # (2,)

    print("delta2 (NumPy):", delta2, "   a2.grad:", np.array([a2.grad]))
    print("delta1 (NumPy):", delta1, "   a1 grads:", np.array([a.grad for a in a1]))
    assert np.allclose(delta2, [a2.grad]) and np.allclose(delta1, [a.grad for a in a1])
    """),
    md(r"""
    ## 4. The parameters' gradients come from the deltas

    $a_{1,j} = \sum_i W_{1,ji}\, x_i + b_{1,j}$, so $\partial a_{1,j} / \partial W_{1,ji}
    = x_i$ and $\partial a_{1,j} / \partial b_{1,j} = 1$. One multiplication each:

    $$\frac{\partial \mathcal{L}}{\partial W_1} = \delta_1\, x^{\top}
      \;\;(\text{an outer product, the shape of } W_1), \qquad
      \frac{\partial \mathcal{L}}{\partial b_1} = \delta_1, \qquad
      \frac{\partial \mathcal{L}}{\partial W_2} = \delta_2\, h_1^{\top}, \qquad
      \frac{\partial \mathcal{L}}{\partial b_2} = \delta_2 .$$

    A weight's gradient is (the delta of the unit it feeds) $\times$ (the activation it
    reads). A weight reading an input of 0 gets no gradient from this example.
    """),
    code("""
    dW1 = np.outer(delta1, x_np)
    db1 = delta1
    dW2 = np.outer(delta2, h1_np)
    db2 = delta2

    def grads_of(values):
        \"\"\"The .grad of a (nested) list of Values as a NumPy array of the same shape.\"\"\"
        return np.array([[v.grad for v in row] if isinstance(row, list) else row.grad
                         for row in values])

    for name, from_deltas, engine in [("W1", dW1, grads_of(W1)), ("b1", db1, grads_of(b1)),
                                      ("W2", dW2, grads_of(W2)), ("b2", db2, grads_of(b2))]:
        print(f"dL/d{name} from the deltas:\\n{from_deltas}\\n  .grad of the Values:\\n{engine}")
        assert np.allclose(from_deltas, engine)
    """),
    md(r"""
    And one more, independent check, with no calculus at all: `gradcheck` (central
    differences) on the loss as a function of the nine parameters.
    """),
    code("""
    def loss_of_parameters(w1_00, w1_01, w1_10, w1_11, b1_0, b1_1, w2_00, w2_01, b2_0):
        h_0 = (ag.dot([w1_00, w1_01], x_np) + b1_0).tanh()
        h_1 = (ag.dot([w1_10, w1_11], x_np) + b1_1).tanh()
        y_hat = ag.dot([w2_00, w2_01], [h_0, h_1]) + b2_0
        return 0.5 * (y_hat - y_target) ** 2

    print(gradcheck(loss_of_parameters, [Value(p.data, p.label) for p in parameters]))
    """),
    md(r"""
    ## 5. The factor 2 and the mean: `nn.mse` (PyTorch's convention)

    $\delta_2 = \hat y - y$ needs the $\tfrac12$ in the loss. `nn.mse`, like PyTorch's
    `MSELoss`, has no $\tfrac12$ and takes the **mean over all numbers**: for a batch of
    $N$ examples with $K$ outputs each,

    $$\mathcal{L}_{\text{mse}} = \frac{1}{NK}\sum_{i,k} (\hat y_{ik} - y_{ik})^2
      \quad\Rightarrow\quad
      \frac{\partial \mathcal{L}_{\text{mse}}}{\partial a_{2,ik}}
      = \frac{2}{NK}\,(\hat y_{ik} - y_{ik}).$$

    Same direction, different scale: a factor you can fold into the learning rate, but
    must know about when you compare gradients with a textbook (or with PyTorch). Here
    $N = K = 1$:
    """),
    code("""
    for p in parameters:
        p.grad = 0.0
    loss_mse = mse([a2], [y_target])
    loss_mse.backward()
    print(f"nn.mse: a2.grad = {a2.grad:.6f};  2 (y_hat - y) / (N K) = "
          f"{2 * (a2.data - y_target) / 1:.6f};  with the 1/2 it was {delta2[0]:.6f}")
    assert np.isclose(a2.grad, 2 * delta2[0])
    assert np.allclose(grads_of(W1), 2 * dW1)  # every gradient doubles: the chain is linear
    """),
    md(r"""
    ## 6. Softmax and cross-entropy, on a batch

    Classification with $K$ classes: a linear output layer gives the logits $a_2$, $f_2$ is
    the softmax, $\hat y = \operatorname{softmax}(a_2)$, and the loss is the cross-entropy
    $\ell = -\log \hat y_{y}$ (notebook 1). Its gradient with respect to the logits:

    $$\ell = \operatorname{logsumexp}(a_2) - a_{2,y}
      \quad\Rightarrow\quad
      \frac{\partial \ell}{\partial a_{2,k}} = \frac{e^{a_{2,k}}}{\sum_j e^{a_{2,j}}} - [k = y]
      = \hat y_k - t_k ,$$

    with $t$ the one-hot target: **again "prediction minus target"**. (This is no
    coincidence: both are "canonical link" pairs, whose delta is always $\hat y - y$.) For
    the mean over a batch of $N$ examples each example's delta is divided by $N$:
    $\delta_{2,i} = (\hat y_i - t_i)/N$, which is what PyTorch's `cross_entropy` (mean by
    default) gives too.

    This time the network is an `nn.MLP`: 2 inputs, 3 $\tanh$ hidden units, 2 classes.
    We call its two layers one after the other to see the hidden activations; each
    hidden activation `h` is a `tanh` node, and its only parent `h.parents[0]` is the
    pre-activation $a_1$ (a `Value` remembers where it came from).
    """),
    code("""
    model = MLP(2, [3, 2], activation="tanh", seed=1)
    hidden, output = model.layers
    print(model.layers)
    draw_mlp(model, output_labels=["class 0", "class 1"])
    """),
    md(r"""
    (Blue edges are positive weights, red negative, the width is $|w|$; each circle holds
    its bias, 0 at initialisation.) A forward pass over a batch of four examples, layer by
    layer, keeping the pre-activations, activations and logits of each:
    """),
    code("""

    X = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.0, -0.4]])  # N = 4 examples
    y = np.array([1, 0, 1, 0])                                         # their classes
    N, K = len(X), 2

    A1, H1, A2 = [], [], []           # per example: pre-activations, activations, logits
    for x_i in X:
        h = hidden(x_i)
        A1.append([unit.parents[0] for unit in h])
        H1.append(h)
        A2.append(output(h))          # linear output layer: the logits
    loss = softmax_cross_entropy(A2, y)   # the mean over the batch
    model.zero_grad()
    loss.backward()
    print(f"loss = {loss.data:.4f}")
    """),
    md(r"""
    The output deltas: softmax minus one-hot, divided by $N$, one row per example.
    """),
    code("""
    logits = np.array([[v.data for v in row] for row in A2])
    Y_hat = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)   # softmax
    T = np.eye(K)[y]                                                     # one-hot
    Delta2 = (Y_hat - T) / N
    print("(Y_hat - T) / N:\\n", Delta2)
    print("a2.grad from backward():\\n", grads_of(A2))
    assert np.allclose(Delta2, grads_of(A2))
    """),
    md(r"""
    **A batch in matrix form.** Stack the examples as rows: $X$ is $N \times 2$, $A_1$ and
    $H_1$ are $N \times 3$, $\Delta_2$ is $N \times K$. The per-example formulas become

    $$\Delta_1 = \bigl(\Delta_2 W_2\bigr) \odot (1 - H_1^{2}), \qquad
      \frac{\partial \mathcal{L}}{\partial W_2} = \Delta_2^{\top} H_1, \quad
      \frac{\partial \mathcal{L}}{\partial b_2} = \textstyle\sum_i \Delta_{2,i}, \quad
      \frac{\partial \mathcal{L}}{\partial W_1} = \Delta_1^{\top} X, \quad
      \frac{\partial \mathcal{L}}{\partial b_1} = \textstyle\sum_i \Delta_{1,i} .$$

    $\Delta_1^{\top} X = \sum_i \delta_{1,i}\, x_i^{\top}$ is the sum over the examples of
    the single-example outer products $\delta_1 x^\top$: the weights are shared by all
    examples, so their gradients **add up** over the batch (notebook 2's `+=` again; the
    $1/N$ is already inside the deltas).
    """),
    code("""
    state = model.state_dict()     # the weights as arrays: W is (units, inputs)
    W1_m, W2_m = state["layers.0.weight"], state["layers.1.weight"]
    H1_np = np.array([[v.data for v in row] for row in H1])

    Delta1 = (Delta2 @ W2_m) * (1 - H1_np**2)
    print("Delta1 from the formula:\\n", Delta1)
    print("a1.grad from backward():\\n", grads_of(A1))
    assert np.allclose(Delta1, grads_of(A1))
    """),
    code("""
    from_deltas = {
        "layers.0.weight": Delta1.T @ X,      # dL/dW1, shape (3, 2)
        "layers.0.bias": Delta1.sum(axis=0),  # dL/db1, shape (3,)
        "layers.1.weight": Delta2.T @ H1_np,  # dL/dW2, shape (2, 3)
        "layers.1.bias": Delta2.sum(axis=0),  # dL/db2, shape (2,)
    }
    engine = {
        "layers.0.weight": grads_of([n.w for n in hidden.neurons]),
        "layers.0.bias": grads_of([n.b for n in hidden.neurons]),
        "layers.1.weight": grads_of([n.w for n in output.neurons]),
        "layers.1.bias": grads_of([n.b for n in output.neurons]),
    }
    for name in from_deltas:
        print(f"{name}  from the deltas:\\n{from_deltas[name]}\\n  .grad:\\n{engine[name]}")
        assert np.allclose(from_deltas[name], engine[name])
    """),
    md(r"""
    The same batch with `nn.mse` instead, against the one-hot targets (as if we regressed
    the logits on $T$), to see its convention with $N = 4$ examples of $K = 2$ outputs:
    the output deltas are $\tfrac{2}{NK}(\hat y - T)$, here $\hat y$ being the logits.
    """),
    code("""
    model.zero_grad()
    mse(A2, T).backward()
    print("a2.grad with nn.mse:\\n", grads_of(A2))
    print("2 (logits - T) / (N K):\\n", 2 * (logits - T) / (N * K))
    assert np.allclose(grads_of(A2), 2 * (logits - T) / (N * K))
    """),
    md(r"""
    Every one of the 17 gradients that `backward()` found one scalar at a time is given by
    four small matrix products. That is how fast libraries (and the NumPy reference MLP in
    `benchmarks/`) compute them, and what the next notebooks train with.

    ## Summary

    * The forward pass builds the graph; the backward pass visits it in reverse, each node
      sending `local derivative × its gradient` to its parents.
    * The **delta** at the output pre-activation is "prediction minus target" for a linear
      output with $\tfrac12$ squared error and for softmax with cross-entropy (and sigmoid
      with binary cross-entropy); divided by $N$ for a batch mean; times 2 for
      `nn.mse` / PyTorch's `MSELoss` (no $\tfrac12$), divided by $NK$.
    * Deltas flow back through the transposed weights times the activation's derivative:
      $\delta_1 = (W_2^\top \delta_2) \odot f_1'(a_1)$.
    * A layer's gradients are outer products: $\partial \mathcal{L}/\partial W = \delta\,
      (\text{its input})^\top$, $\partial \mathcal{L}/\partial b = \delta$, summed over the
      examples of a batch.
    """),
]

NOTEBOOKS = {
    "01_likelihood_to_loss.ipynb": NB01,
    "02_graph_and_chain_rule.ipynb": NB02,
    "03_backprop_step_by_step.ipynb": NB03,
}


def write(name: str, cells: list) -> Path:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    path = HERE / name
    nbformat.write(notebook, path)
    return path


def execute(path: Path) -> float:
    """Run a notebook in a kernel whose working folder is notebooks/; store its outputs."""
    import nbclient

    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook, keep outputs")
    parser.add_argument("only", nargs="*", help="notebook name prefixes to build (default all)")
    args = parser.parse_args(argv)
    for name, cells in NOTEBOOKS.items():
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        path = write(name, cells)
        if args.execute:
            seconds = execute(path)
            size = path.stat().st_size / 1024
            print(f"{path.name}: ran in {seconds:.1f} s, {size:.0f} kB with outputs")
        else:
            print(f"{path.name}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
