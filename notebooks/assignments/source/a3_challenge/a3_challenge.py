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
# # Assignment 3: The challenge
#
# *Implement the forward and backward pass of an MLP and optimize it with mini-batch
# gradient descent on CIFAR-10, without torch modules* (and without autodiff).
#
# The network: 3,072 pixels $\to$ 64 ReLU units $\to$ 10 class scores, softmax
# cross-entropy. In the lecture's notation, for a batch $X$ ($N \times 3072$):
# $a_1 = X W_1^\top + b_1$, $h = \operatorname{relu}(a_1)$, $a_2 = h W_2^\top + b_2$,
# $\mathcal{L} = \frac1N \sum_i -\log \operatorname{softmax}(a_{2,i})_{y_i}$.
#
# You write each layer as a pair, like CS231n: a **forward** that returns its output and a
# `cache` (whatever its backward will need), and a **backward** that takes the gradient of
# the loss with respect to the output, `dout`, and returns the gradients with respect to
# the inputs and parameters. Then you chain them into the whole network, check it against
# the engine, and train it on 4,000 real images. Goal: **at least 35%** on the 10,000 test
# images (chance is 10%).
#
# **How you are graded.** The `check.` cells compare your layers with
# `autograd_scalar`'s `backward()` and print `OK: ...` or `WRONG: ...` with a hint.
# Write only where it says `YOUR CODE HERE`. Before you hand in: *Kernel > Restart & Run
# All* (it takes well under three minutes).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import time

import numpy as np

from nn.checks import challenge as check

# %% [markdown] nbgrader={"grade": false, "grade_id": "part1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 1: the layers
#
# `W` has one row per unit (units $\times$ inputs), as in `nn` and in the lecture.
#
# * affine: $\text{out} = X W^\top + b$. Backward: $dX = \text{dout}\, W$,
#   $dW = \text{dout}^\top X$, $db = \sum_i \text{dout}_i$ (each has the shape of what it is
#   the gradient of).
# * ReLU: $\max(a, 0)$. Backward: `dout` where $a > 0$, else 0.
# * softmax cross-entropy: the mean loss and its delta
#   $\partial\mathcal{L}/\partial a_2 = (\operatorname{softmax}(a_2) - \text{one\_hot}(y)) / N$.
#   Subtract each row's maximum before `np.exp`: the checks also try scores near 1,000.

# %% nbgrader={"grade": false, "grade_id": "layers", "locked": false, "schema_version": 3, "solution": true, "task": false}
def affine_forward(X, W, b):
    ### BEGIN SOLUTION
    out = X @ W.T + b
    cache = (X, W)
    ### END SOLUTION
    return out, cache


def affine_backward(dout, cache):
    ### BEGIN SOLUTION
    X, W = cache
    dX = dout @ W
    dW = dout.T @ X
    db = dout.sum(axis=0)
    ### END SOLUTION
    return dX, dW, db


def relu_forward(a):
    ### BEGIN SOLUTION
    out = np.maximum(a, 0.0)
    cache = a
    ### END SOLUTION
    return out, cache


def relu_backward(dout, cache):
    ### BEGIN SOLUTION
    da = dout * (cache > 0)
    ### END SOLUTION
    return da


def softmax_cross_entropy(scores, y):
    n = len(scores)
    ### BEGIN SOLUTION
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    ### END SOLUTION
    return loss, dscores


# %% nbgrader={"grade": true, "grade_id": "check_affine", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check.check_affine_forward(affine_forward)
check.check_affine_backward(affine_forward, affine_backward)

# %% nbgrader={"grade": true, "grade_id": "check_relu", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check.check_relu_forward(relu_forward)
check.check_relu_backward(relu_forward, relu_backward)

# %% nbgrader={"grade": true, "grade_id": "check_softmax", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check.check_softmax_cross_entropy(softmax_cross_entropy)

# %% [markdown] nbgrader={"grade": false, "grade_id": "part2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 2: the whole network, and its gradient check
#
# Chain the layers: forward through affine, ReLU, affine, softmax cross-entropy (keeping
# each cache), then backward in the reverse order. Return the loss and a dict of the four
# gradients. The check runs your function on a small random network and compares every
# gradient with the same network built from `Value`s and `backward()`.

# %% nbgrader={"grade": false, "grade_id": "network", "locked": false, "schema_version": 3, "solution": true, "task": false}
def loss_and_gradients(params, X, y):
    ### BEGIN SOLUTION
    a1, affine1 = affine_forward(X, params["W1"], params["b1"])
    h, relu1 = relu_forward(a1)
    a2, affine2 = affine_forward(h, params["W2"], params["b2"])
    loss, delta2 = softmax_cross_entropy(a2, y)
    dh, dW2, db2 = affine_backward(delta2, affine2)
    delta1 = relu_backward(dh, relu1)
    _, dW1, db1 = affine_backward(delta1, affine1)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION
    return loss, grads


# %% nbgrader={"grade": true, "grade_id": "check_network", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check.check_network_gradients(loss_and_gradients)
### BEGIN HIDDEN TESTS
check.check_network_gradients(loss_and_gradients, seed=11)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part3", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 3: mini-batch gradient descent on CIFAR-10
#
# The data: the first 4,000 training images and the 10,000 test images, at full
# resolution, each pixel standardised per colour channel (statistics from the training
# images only). `load_cifar10` looks in `$CIFAR10_DIR`, then `~/.cache/autograd_scalar`. If it
# finds nothing, download the official archive (170 MB) once, in a cell of your own:
# `from nn.data import download_cifar10; download_cifar10()`.

# %% nbgrader={"grade": false, "grade_id": "data", "locked": true, "schema_version": 3, "solution": false, "task": false}
from nn.data import load_cifar10, prepare_images

train_set = load_cifar10(split="train", size=4000)
test_set = load_cifar10(split="test")
X_train, X_test = prepare_images(train_set, test_set)  # float64 (N, 3072), standardised
y_train, y_test = train_set.labels, test_set.labels
print(X_train.shape, X_test.shape)


def init_params(inputs, hidden, classes, seed=0):
    """He initialisation: weights with variance 2 / fan_in keep ReLU activations in scale."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(hidden, inputs)) * np.sqrt(2 / inputs),
            "b1": np.zeros(hidden),
            "W2": rng.normal(size=(classes, hidden)) * np.sqrt(2 / hidden),
            "b2": np.zeros(classes)}


def accuracy(params, X, y):
    """The fraction of examples whose highest score is the right class."""
    h = np.maximum(X @ params["W1"].T + params["b1"], 0.0)
    return float(np.mean((h @ params["W2"].T + params["b2"]).argmax(axis=1) == y))


# %% [markdown] nbgrader={"grade": false, "grade_id": "train_md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Write the training loop: every epoch, shuffle the examples (`rng.permutation`), cut them
# into batches of `batch_size`, and for each batch compute the gradients and take a step
# $\theta \leftarrow \theta - \eta\, \partial\mathcal{L}/\partial\theta$ for every
# parameter. Record the mean loss of each epoch in `history`. The settings below reach
# about 39%; a few seconds per epoch.

# %% nbgrader={"grade": false, "grade_id": "train", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train(params, X, y, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    ### BEGIN SOLUTION
    for _ in range(epochs):
        order = rng.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_gradients(params, X[batch], y[batch])
            for name in params:
                params[name] -= lr * grads[name]
            losses.append(loss)
        history.append(float(np.mean(losses)))
    ### END SOLUTION
    return history


params = init_params(3072, 64, 10)
start = time.perf_counter()
history = train(params, X_train, y_train, epochs=6, batch_size=50, lr=0.02)
numpy_seconds = time.perf_counter() - start
test_accuracy = accuracy(params, X_test, y_test)
print("loss per epoch:", np.round(history, 3))
print(f"{numpy_seconds:.1f} s, train accuracy {accuracy(params, X_train, y_train):.1%}, "
      f"test accuracy {test_accuracy:.1%}")

# %% nbgrader={"grade": true, "grade_id": "check_accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check.check_accuracy(test_accuracy, at_least=0.35)

# %% [markdown] nbgrader={"grade": false, "grade_id": "part4", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 4 (not graded): the same network with the engine
#
# `nn.MLP(3072, [64, 10])` is this network built from `Value`s. Load your trained weights
# into it, run both on the same two images and compare the gradients; then train both from
# the same weights for a few steps and compare the weights and the time. The engine computes
# the same numbers one scalar at a time: count how many times slower it is, and why every
# framework computes in arrays.

# %% nbgrader={"grade": false, "grade_id": "engine", "locked": true, "schema_version": 3, "solution": false, "task": false}
from nn import MLP, SGD
from nn import softmax_cross_entropy as engine_loss
from nn.checks import rel_error


def to_state(params):
    return {"layers.0.weight": params["W1"], "layers.0.bias": params["b1"],
            "layers.1.weight": params["W2"], "layers.1.bias": params["b2"]}


model = MLP(3072, [64, 10], activation="relu")
model.load_state_dict(to_state(params))
X_two, y_two = X_train[:2], y_train[:2]
start = time.perf_counter()
model.zero_grad()
engine_loss([model(x) for x in X_two], list(y_two)).backward()
engine_seconds = time.perf_counter() - start
start = time.perf_counter()
_, grads = loss_and_gradients(params, X_two, y_two)
mine_seconds = time.perf_counter() - start
engine_grads = {"W1": [[w.grad for w in n.weights()] for n in model.layers[0].neurons],
                "W2": [[w.grad for w in n.weights()] for n in model.layers[1].neurons]}
for name in ("W1", "W2"):
    print(f"dL/d{name}: relative error between your NumPy and the engine "
          f"{rel_error(grads[name], engine_grads[name]):.1e}")
print(f"one forward+backward on 2 images: engine {engine_seconds:.2f} s, "
      f"NumPy {mine_seconds * 1e3:.2f} ms ({engine_seconds / mine_seconds:,.0f}x)")

# %%
steps, lr = 3, 0.02
start_params = {name: value.copy() for name, value in params.items()}
optimizer = SGD(model.parameters(), lr=lr)
for step in range(steps):
    batch = slice(2 * step, 2 * step + 2)
    optimizer.zero_grad()
    engine_loss([model(x) for x in X_train[batch]], list(y_train[batch])).backward()
    optimizer.step()
    _, grads = loss_and_gradients(params, X_train[batch], y_train[batch])
    for name in params:
        params[name] -= lr * grads[name]
state = model.state_dict()
print(f"after {steps} steps, W1 relative error engine vs NumPy: "
      f"{rel_error(state['layers.0.weight'], params['W1']):.1e}")
print(f"one NumPy epoch took {numpy_seconds / 6:.2f} s; at the engine's speed it would take "
      f"about {engine_seconds / 2 * len(X_train) / 60:.0f} min "
      f"(nn.fit(..., engine='compiled') closes most of that gap by compiling the graph).")
