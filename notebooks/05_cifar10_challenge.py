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
# # 5. The challenge: an MLP on CIFAR-10
#
# The lecture's challenge: train the two-layer perceptron of lessons 3 and 4 with mini-batch
# stochastic gradient descent to classify real photographs, and beat chance by a wide margin.
#
# **CIFAR-10** holds $32 \times 32$ colour images of ten classes: airplane, automobile, bird,
# cat, deer, dog, frog, horse, ship, truck. Guessing gives 10% accuracy. An MLP sees an image
# as one long vector of pixel values: it knows nothing about neighbouring pixels, edges or
# shapes, so do not expect miracles; convolutional networks (a later course) do far better.
#
# The plan:
#
# 1. load a subset of CIFAR-10 and look at it;
# 2. preprocess: scale, standardise (and why, with the maths);
# 3. the model, the loss, and a check of its gradient against PyTorch;
# 4. train with plain mini-batch SGD, the algorithm of the lecture, watching training and
#    validation curves; overfitting, early stopping, the test accuracy;
# 5. look inside: the first-layer weights as images, the accuracy per class;
# 6. beyond this lecture: momentum and a learning-rate schedule.
#
# Notation as in the lecture: $x$ an image (3,072 numbers), $a_1 = W_1 x + b_1$,
# $h = f_1(a_1)$ with $f_1 = \mathrm{relu}$, $a_2 = W_2 h + b_2$ the ten class scores,
# $\hat y = \operatorname{softmax}(a_2)$, $L$ the mean cross-entropy over a mini-batch,
# $\epsilon$ the learning rate, $m$ the number of training examples. In arrays the examples
# are the rows: `X_train` is $m \times 3072$.

# %%
import math
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import PercentFormatter

from nn import (
    MLP,
    SGD,
    LinearDecay,
    evaluate,
    fit,
    load_cifar10,
    predict_classes,
    prepare_images,
    softmax_cross_entropy,
)
from nn.data import default_data_dir, train_val_split
from viz import (
    plot_confusion_matrix,
    plot_history,
    plot_per_class_accuracy,
    show_images,
    show_weights,
)

# %% [markdown]
# ### Settings
#
# The automatic tests of the project run this lesson with the environment variable
# `AUTOGRAD_SCALAR_QUICK=1`: then it uses 500 training images, 1,000 test images and 2 epochs,
# so that the test finishes in seconds. The results are then meaningless; leave the variable
# unset (the normal case) to run the real experiment below, whose outputs are the ones shown
# here.

# %%
QUICK = os.environ.get("AUTOGRAD_SCALAR_QUICK") == "1"

N_TRAIN = 500 if QUICK else 4000   # training images, 20% of them held out for validation
N_TEST = 1000 if QUICK else None   # test images, the same number from each class; None: all
EPOCHS = 2 if QUICK else 20        # passes over the training images
HIDDEN = 64                        # neurons in the hidden layer
BATCH_SIZE = 64
LEARNING_RATE = 0.03               # epsilon, for plain SGD (section 4 says how it was chosen)
print("quick run (for the tests)" if QUICK else "full run")

# %% [markdown]
# ## 1. The data
#
# ### Where the files are
#
# The lesson reads the official "CIFAR-10 python version" files (a folder
# `cifar-10-batches-py`, or the archive `cifar-10-python.tar.gz`). One setting says where:
#
# * the environment variable **`CIFAR10_DIR`**, if set: the `cifar-10-batches-py` folder, its
#   parent folder, or the `.tar.gz` archive. Set it before starting Jupyter, for example
#   `CIFAR10_DIR=/data/cifar-10-batches-py jupyter lab notebooks/`;
# * otherwise the library's default folder, `~/.cache/autograd_scalar` (printed below).
#
# `nn.data.default_data_dir()` returns exactly this choice. If the data is not there, set
# `DOWNLOAD = True` in the next cell and run it again: it downloads the official archive
# (163 MB, from www.cs.toronto.edu, checked against its published MD5) into that folder.
# Nothing is downloaded unless you ask.

# %%
DOWNLOAD = False  # True: download CIFAR-10 (163 MB) into DATA_DIR if it is not there
DATA_DIR = default_data_dir()  # $CIFAR10_DIR if set, else ~/.cache/autograd_scalar
print("CIFAR-10 is read from:", DATA_DIR)

# %% [markdown]
# Loading: the first `N_TRAIN` images of the training files, and the test images with
# `balanced=True`, which takes the same number from each class when we ask for a subset
# (`N_TEST = None` takes all 10,000, 1,000 per class). This matters for subsets: the course's
# copy of the test file is **sorted by class**, so "the first 1,000 test images" would all be
# airplanes. If the data is missing, the cell prints where it looked and how to get it, then
# stops.

# %%
try:
    train_set = load_cifar10(DATA_DIR, split="train", size=N_TRAIN, download=DOWNLOAD)
    test_set = load_cifar10(DATA_DIR, split="test", size=N_TEST, balanced=True)
except (FileNotFoundError, ValueError) as error:
    print(error)
    raise SystemExit("CIFAR-10 is needed from here on: see the message above.") from None

class_names = train_set.class_names
print("training images:", train_set.images.shape, train_set.images.dtype,
      "labels:", train_set.labels.shape)
print("test images:    ", test_set.images.shape)
print("training images per class:", dict(zip(class_names, train_set.class_counts().tolist())))
print("test images per class:    ", test_set.class_counts().tolist())

# %%
show_images(train_set.images, train_set.labels, class_names, n=24, ncols=8,
            title="The first training images, 32 x 32 pixels")

# %% [markdown]
# Small, blurry, and varied: a cat may be a face filling the image or a dot on a sofa; trucks
# come from every angle. Each image is an array of $32 \times 32 \times 3 = 3072$ numbers from
# 0 to 255 (red, green and blue per pixel).
#
# ## 2. Preprocessing
#
# ### Training, validation and test sets
#
# Three disjoint sets, three roles:
#
# * **training** (80% of the training images): the gradient steps are computed on these;
# * **validation** (the other 20%): measured after every epoch, never trained on; it tells us
#   how well the model does on images it has not seen, while we still choose settings
#   (learning rate, number of epochs, size of the network...);
# * **test** (separate file): used once, at the very end, for the final figure. Choosing
#   settings by their test accuracy would make it an optimistic, biased estimate.
#
# We split the raw images first, so that nothing computed below can see the validation images.

# %%
train_images, val_images, y_train, y_val = train_val_split(
    train_set.images, train_set.labels, val_fraction=0.2, seed=0)
y_test = test_set.labels
print(f"training {len(y_train)}, validation {len(y_val)}, test {len(y_test)} images")

# %% [markdown]
# ### Scale, standardise, flatten
#
# `nn.data.prepare_images` applies three steps:
#
# 1. **Scale** the pixels from 0..255 to 0..1: $x \leftarrow x / 255$.
# 2. **Standardise each colour channel** $c$ (red, green, blue):
#    $$\tilde x = \frac{x - \mu_c}{\sigma_c},$$
#    where $\mu_c$ and $\sigma_c$ are the mean and standard deviation of channel $c$ over all
#    pixels of all **training** images. Afterwards every input has mean about 0 and variance
#    about 1. Why:
#    * Inputs all positive (0..1) make the gradient of a neuron's weights,
#      $\partial L / \partial w_i = \delta\, x_i$, have the **same sign** for all $i$ on each
#      example: the weights can only all go up or all go down together, a zig-zag path to the
#      minimum. Centred inputs remove that.
#    * The scale of the inputs sets the curvature of the loss, $\approx \|\mathbf{x}\|^2$
#      (lesson 4, section 2): with unit variance it is predictable ($\approx$ the number of
#      inputs) and one learning rate suits every channel.
#    * The statistics come from the training images **only**, and the very same $\mu_c,
#      \sigma_c$ are applied to validation and test images. A new image at test time is
#      processed the same way; computing statistics on the test set would let information
#      about it leak into the model.
# 3. **Flatten** each image to a vector of $32 \cdot 32 \cdot 3 = 3072$ numbers, channel by
#    channel (all red values, then all green, then all blue: the layout of the CIFAR-10 files).
#
# (`prepare_images` can also shrink the images first, `image_size=16`: four times fewer
# inputs; the resolution costs little here.)

# %%
X_train, X_val = prepare_images(train_images, val_images)
_, X_test = prepare_images(train_images, test_set.images)
# (the second call fits the same statistics on train_images again and applies them to test)
print("X_train", X_train.shape, X_train.dtype, "  X_val", X_val.shape, "  X_test", X_test.shape)

# Check: per channel, mean 0 and std 1 on the training set, and only about so elsewhere.
for name, X in (("training", X_train), ("validation", X_val), ("test", X_test)):
    channels = X.reshape(len(X), 3, -1)  # (images, channel, pixels): channel-major rows
    print(f"{name:>10}: mean per channel {channels.mean(axis=(0, 2)).round(3) + 0.0}, "
          f"std {channels.std(axis=(0, 2)).round(3)}")

# %%
show_images(X_train, y_train, class_names, n=16, ncols=8, image_shape=(32, 32, 3),
            channel_first=True,
            title="What the network sees: standardised pixels (rescaled for display)")

# %% [markdown]
# ## 3. The model, and its gradient checked against PyTorch
#
# An MLP with one hidden layer of 64 ReLU neurons and 10 outputs, one score (logit) per class:
#
# $$a_1 = W_1 x + b_1, \qquad h = \mathrm{relu}(a_1), \qquad a_2 = W_2 h + b_2, \qquad
# \hat y = \operatorname{softmax}(a_2),$$
#
# $$L = \frac1m \sum_{i=1}^{m} L^{(i)}, \qquad
#   L^{(i)} = -\log \hat y^{(i)}_{y^{(i)}} = \operatorname{logsumexp}\bigl(a_2^{(i)}\bigr) - a^{(i)}_{2,y^{(i)}} ,$$
#
# the softmax cross-entropy of lesson 1, averaged over the examples (over a mini-batch
# during training). The predicted class is the largest score. $W_1$ alone has
# $64 \times 3072 = 196{,}608$ weights.

# %%
model = MLP(X_train.shape[1], [HIDDEN, 10], seed=0)
initial_weights = model.state_dict()["layers.0.weight"]  # a copy, (64, 3072), for section 5
print(model)

# %% [markdown]
# Before training, a sanity check. If all ten scores were equal, the softmax would give every
# class $1/10$ and the loss would be $-\log(1/10) = \log 10 \approx 2.303$. The random initial
# weights make the scores random numbers around 0, with some spread $s$; then the expected loss
# is a little larger, about $\log 10 + s^2/2$ (for small $s$), and the accuracy about 10%. A
# loss far above that (10, 100) would point to badly scaled inputs or weights.
#
# (`evaluate` computes the mean loss and the accuracy without recording a graph;
# `engine="compiled"` runs the model's graph on whole batches with NumPy, with the same
# derivative rules as the `Value`s and the same numbers up to rounding. Lesson 6 shows how.)

# %%
spread = model.predict(X_val).std()  # the spread s of the initial scores (NumPy, no graph)
loss_before, accuracy_before = evaluate(model, softmax_cross_entropy, X_val, y_val,
                                        engine="compiled")
print(f"before training: scores spread s = {spread:.2f}, so expect a loss of about "
      f"log 10 + s^2/2 = {math.log(10) + spread**2 / 2:.2f}")
print(f"measured: validation loss {loss_before:.3f}, accuracy {accuracy_before:.1%}")

# %% [markdown]
# **The gradient, checked against PyTorch.** Last week's lab computed gradients with
# `torch.autograd`. Here is the same network written in PyTorch from our weights (examples as
# rows, so a layer is $X W^\top + b$), on a few training images: the loss and the gradient of
# $W_1$ must be the same as our engine's, up to rounding (both in float64). Without PyTorch
# the cell says so and moves on.

# %%
check_x, check_y = X_train[:4], y_train[:4]
model.zero_grad()
loss_ours = softmax_cross_entropy([model(x) for x in check_x], check_y.tolist())
loss_ours.backward()                       # our engine: one graph per image, then backward
dW1_ours = np.array([[w.grad for w in neuron.w] for neuron in model.layers[0].neurons])
model.zero_grad()

try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed here: skipping the cross-check "
          "(pip install torch to run it).")
if torch is not None:
    weights = {k: torch.tensor(v, dtype=torch.float64) for k, v in model.state_dict().items()}
    W1 = weights["layers.0.weight"].requires_grad_()
    X_t = torch.tensor(check_x, dtype=torch.float64)
    h_t = torch.relu(X_t @ W1.T + weights["layers.0.bias"])
    a2_t = h_t @ weights["layers.1.weight"].T + weights["layers.1.bias"]
    loss_torch = torch.nn.functional.cross_entropy(a2_t, torch.tensor(check_y))
    loss_torch.backward()                  # torch.autograd
    difference = np.abs(W1.grad.numpy() - dW1_ours).max()
    print(f"loss: ours {loss_ours.data:.15f}, PyTorch {loss_torch.item():.15f}")
    print(f"dL/dW1 ({dW1_ours.size:,} numbers): largest difference {difference:.1e}, "
          f"largest entry {np.abs(dW1_ours).max():.1e}")
    assert math.isclose(loss_ours.data, loss_torch.item(), rel_tol=1e-12)
    assert difference <= 1e-12 * max(1.0, np.abs(dW1_ours).max())

# %% [markdown]
# ## 4. Training with mini-batch SGD
#
# The lecture's algorithm, exactly as in lesson 4: shuffle the training images, cut them into
# mini-batches $B$ of 64, and for each batch take one step
#
# $$\theta \leftarrow \theta - \epsilon\, g_B, \qquad
#   g_B = \frac{1}{|B|}\sum_{i \in B} \nabla_\theta L^{(i)} ,$$
#
# for every parameter $\theta$ at once. One pass over the 3,200 training images (an epoch)
# is 50 steps. `nn.fit` runs this loop (for each batch: `zero_grad`, forward, loss,
# `backward`, `step`) and evaluates on the validation set after every epoch; with
# `engine="compiled"` each batch runs as whole arrays in NumPy, hundreds of times faster
# than building a graph of `Value`s for every image (lesson 6 explains how, and measures it).
#
# **The learning rate.** Lesson 4 (section 2) showed that a single linear neuron on $D =
# 3072$ standardised inputs with a squared error needs $\epsilon < 2/D \approx 0.0007$. This
# network tolerates more: the curvature seen by a first-layer weight is scaled down by the
# softmax (its second derivative $\hat y_k(1-\hat y_k)$ is at most $1/4$) and by the small
# weights of the second layer. As lesson 4 (section 6) advises, we tried values about a
# factor of 3 apart, $\epsilon$ = 0.01, 0.03 and 0.1, 20 epochs each, and compared their
# validation accuracy (best epoch: 39.0%, 40.1% and 39.3%; with 0.1 the validation accuracy
# jumps by several points from one epoch to the next, with 0.01 it is still climbing slowly).
# We keep $\epsilon = 0.03$.
#
# The function `after_each_epoch` below is called by `fit` at the end of each epoch: it
# prints a line and keeps a copy of the weights (`model.state_dict()`) whenever the
# validation accuracy is the best so far, for *early stopping* (see below).

# %%
def keep_the_best(model, best):
    """An on_epoch_end function for fit: print the epoch, keep the best validation weights."""
    def after_each_epoch(history):
        epoch = history["epoch"][-1]
        print(f"epoch {epoch:2d}/{EPOCHS}  training: loss {history['train_loss'][-1]:.3f}, "
              f"accuracy {history['train_acc'][-1]:5.1%}  |  validation: loss "
              f"{history['val_loss'][-1]:.3f}, accuracy {history['val_acc'][-1]:5.1%}",
              flush=True)
        if history["val_acc"][-1] > best["val_acc"]:
            best.update(val_acc=history["val_acc"][-1], epoch=epoch, weights=model.state_dict())
    return after_each_epoch


optimizer = SGD(model.parameters(), lr=LEARNING_RATE)  # plain SGD: p.data -= lr * p.grad
best = {"val_acc": -1.0, "epoch": 0, "weights": None}
start = time.perf_counter()
history = fit(model, softmax_cross_entropy, optimizer, train=(X_train, y_train),
              val=(X_val, y_val), epochs=EPOCHS, batch_size=BATCH_SIZE, seed=0,
              progress=False, on_epoch_end=keep_the_best(model, best), engine="compiled")
print(f"\ntraining took {time.perf_counter() - start:.0f} s for {EPOCHS} epochs of "
      f"{len(X_train)} images")

# %% [markdown]
# ### Overfitting and generalisation
#
# The curves below show loss and accuracy per epoch, for the training images (blue) and the
# validation images (orange). The dashed line is chance (10%); the dotted line marks the epoch
# with the lowest validation loss.

# %%
plot_history(history, chance=0.1,
             title=f"MLP {X_train.shape[1]}-{HIDDEN}-10 on {len(X_train)} CIFAR-10 images, "
                   f"SGD, $\\epsilon$ = {LEARNING_RATE}")

# %% [markdown]
# How to read these curves:
#
# * The **training** loss keeps going down and the training accuracy keeps climbing: with
#   about 197,000 parameters and 3,200 training images, the network can more and more
#   memorise the training set, down to details that are particular to those images (a certain
#   background, a certain colour).
# * The **validation** loss goes down during the first epochs, while the network learns
#   regularities that hold for all images (e.g. blue above and below: ship or airplane). Then
#   it turns up, while the training loss keeps falling: the model now learns the training
#   images' noise. That widening gap is **overfitting**. In the terms of lesson 1: the loss we
#   minimise is an expectation over $\hat p_\text{data}$, the 3,200 images we have; what we care
#   about is the expectation over $p_\text{data}$, all images, which the validation set
#   estimates.
# * **Generalisation** is the performance on new images. The validation curves estimate it;
#   the training curves do not.
# * Accuracy and loss need not agree: after the lowest validation loss (dotted line) the
#   validation **accuracy** stays about level for many epochs. The network becomes more and
#   more *confident*, and the loss punishes a confident wrong answer heavily ($-\log$ of a
#   tiny probability), so the loss rises while the number of right answers does not fall.
#
# Remedies, from the simplest: stop early (**early stopping**: keep the weights of the best
# validation epoch, done below), more training data (the full CIFAR-10 has 50,000 training
# images), weight decay (an L2 penalty, `SGD(..., weight_decay=1e-3)`), a smaller network.
# Since accuracy is the figure we report, we keep the weights of the epoch with the best
# validation **accuracy**, then measure the **test** accuracy, once, on all the test images:

# %%
model.load_state_dict(best["weights"])
test_loss, test_accuracy = evaluate(model, softmax_cross_entropy, X_test, y_test,
                                    engine="compiled")
lowest_loss_epoch = int(np.argmin(history["val_loss"])) + 1
print(f"kept the weights of epoch {best['epoch']} (best validation accuracy, "
      f"{best['val_acc']:.1%}); the lowest validation loss was at epoch {lowest_loss_epoch}")
print(f"TEST ACCURACY: {test_accuracy:.1%} on {len(y_test)} test images "
      f"(test loss {test_loss:.3f}; chance: 10%)")

# %% [markdown]
# ## 5. Looking inside
#
# ### The first-layer weights as images
#
# Hidden neuron $j$ computes $h_j = \mathrm{relu}(\mathbf{w}_j \cdot x + b_{1,j})$, with
# $\mathbf{w}_j$ row $j$ of $W_1$. The dot product is largest when the image $x$ looks like
# $\mathbf{w}_j$, so the 3072 weights
# of a neuron, put back into the shape of a $32 \times 32$ colour image, show the *template* the
# neuron responds to. Each image is rescaled from its smallest to its largest weight: bright
# means the neuron wants a lot of that colour there, dark means it wants little of it.
#
# `model.state_dict()["layers.0.weight"]` holds these weights as an array, one row per neuron
# (we kept the early-stopping epoch's weights). First as they are:

# %%
final_weights = model.state_dict()["layers.0.weight"]  # (64, 3072): row j = neuron j
change = final_weights - initial_weights               # what training added
print(f"spread (std) of the initial random weights: {initial_weights.std():.4f}")
print(f"spread of the change made by training:      {change.std():.4f}  "
      f"(ratio {initial_weights.std() / change.std():.1f})")
show_weights(final_weights, image_shape=(32, 32, 3), channel_first=True,
             ncols=8, max_neurons=16, title="First-layer weights after training (16 of 64)")

# %% [markdown]
# Noise! The random initial weights (lesson 4, section 5) are still there, and they are
# larger than what training added (compare the two spreads above): every pixel of every
# neuron keeps its own random starting value. Take the starting point away and look only at
# what training **added**, $W_1 - W_1^\text{init}$:

# %%
show_weights(change, image_shape=(32, 32, 3), channel_first=True, ncols=8, max_neurons=32,
             title="What training added to each neuron's weights (final - initial, 32 of 64)")

# %% [markdown]
# Now there are templates: blotchy colour blobs and contrasts rather than objects. A bright or
# dark centre (an object in front of a background), blue or green regions (sky, water, grass:
# airplanes and ships, animals outdoors), colour differences between the middle and the edges.
# The gradient of neuron $j$'s weights is $\delta_{1,j}\, x$ (lesson 3): every step adds a
# multiple of training images to $\mathbf{w}_j$, so the change is literally a weighted sum of
# images, with weights chosen by backpropagation. (With 3,200 training images and 3072 weights
# per neuron, part of every template is still the noise of particular images.)
#
# ### Which classes are easy?

# %%
predictions = predict_classes(model, X_test)  # the argmax of the 10 scores, for every image
plot_per_class_accuracy(y_test, predictions, class_names, chance=0.1,
                        title="Test accuracy per class")

# %%
plot_confusion_matrix(y_test, predictions, class_names)

# %% [markdown]
# Row $i$ of the confusion matrix shows where the test images of class $i$ went: the diagonal
# holds the correct answers, the rest the confusions. Here ships and trucks are recognised
# best and dogs worst, and the largest confusions make sense: dog taken for cat, deer for
# bird, automobile for truck, airplane for ship. An MLP mostly sees overall colour and
# layout, and those are shared within these pairs (blue sky or sea around an airplane or a
# ship, green or brown around an animal).
#
# Some test images with the model's answer (green: right, red: wrong):

# %%
pick = np.random.default_rng(0).choice(len(y_test), size=16, replace=False)
show_images(test_set.images[pick], y_test[pick], class_names, n=16, ncols=8,
            predictions=predictions[pick])

# %% [markdown]
# ## 6. Beyond this lecture: momentum and a learning-rate schedule
#
# *This section goes past the lecture, which stops at plain mini-batch SGD. It shows the two
# changes almost every practical training run makes next.*
#
# **Momentum.** Plain SGD moves each weight by $-\epsilon g$. Momentum keeps a running
# "velocity" $v$ per weight, with a factor $\mu$ (typically 0.9):
#
# $$v \leftarrow \mu\, v + g, \qquad \theta \leftarrow \theta - \epsilon\, v .$$
#
# Where successive gradients agree (a long, gentle slope: the flat directions of lesson 4,
# section 3) the velocity builds up to about $g / (1 - \mu)$: with $\mu = 0.9$, steps ten
# times larger. Where they alternate in sign (the zig-zag across a steep valley) they cancel
# out. So momentum speeds up the slow directions without destabilising the steep ones. With
# $\mu = 0.9$ a learning rate of $\epsilon = 0.01$ makes steady steps like plain SGD with
# $0.1$, but with less zig-zag.
#
# **A learning-rate schedule.** Mini-batch gradients are noisy, so with a fixed $\epsilon$ the
# weights keep jittering around a minimum (the jumps of the validation accuracy above).
# `LinearDecay(optimizer, EPOCHS)` lowers the learning rate after every epoch, in a straight
# line: epoch $e$ (from 1 to $E$) uses $\epsilon\,(1 - (e-1)/E)$, large steps first to
# travel, small steps at the end to settle.
#
# The same network from the same initial weights, trained this way, compared with the plain
# SGD run above on the validation set (the test set stays untouched: it measured the model
# we chose once, and choosing between methods by it would make it optimistic):

# %%
momentum_model = MLP(X_train.shape[1], [HIDDEN, 10], seed=0)  # the same start as `model`
momentum_optimizer = SGD(momentum_model.parameters(), lr=0.01, momentum=0.9)
momentum_history = fit(momentum_model, softmax_cross_entropy, momentum_optimizer,
                       train=(X_train, y_train), val=(X_val, y_val), epochs=EPOCHS,
                       batch_size=BATCH_SIZE, seed=0,
                       scheduler=LinearDecay(momentum_optimizer, total_steps=EPOCHS),
                       progress=False, engine="compiled")

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
for name, run, color in (("plain SGD, $\\epsilon$ = 0.03", history, "tab:orange"),
                         ("momentum 0.9, $\\epsilon$ = 0.01, linear decay",
                          momentum_history, "tab:purple")):
    ax_loss.plot(run["epoch"], run["val_loss"], marker="o", markersize=3, color=color,
                 label=name)
    ax_acc.plot(run["epoch"], run["val_acc"], marker="o", markersize=3, color=color,
                label=name)
ax_loss.set(xlabel="epoch", ylabel="validation loss", title="validation loss")
ax_acc.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
ax_acc.yaxis.set_major_formatter(PercentFormatter(1.0))
ax_acc.axhline(0.1, color="gray", ls="--", label="chance")
ax_acc.legend()
fig.tight_layout()
plt.show()
for name, run in (("plain SGD", history), ("momentum + decay", momentum_history)):
    best_epoch = int(np.argmax(run["val_acc"]))
    print(f"{name:>16}: best validation accuracy {run['val_acc'][best_epoch]:.1%} "
          f"(epoch {best_epoch + 1}), last epoch {run['val_acc'][-1]:.1%}")

# %% [markdown]
# Read the two curves side by side. Both runs reach about the same best validation accuracy
# (printed above), the momentum run in fewer epochs: its steps are effectively larger. For
# the same reason its validation loss turns up sooner and climbs faster: it memorises the
# training images sooner. As its learning rate decays, its accuracy curve settles, so its
# last epochs stay close to its best one, while plain SGD with a fixed $\epsilon$ keeps
# jumping. With 3,200 training images it is overfitting, not the optimiser, that limits
# the accuracy here. Momentum, schedules and adaptive methods like Adam (`nn.Adam`) are the
# subject of a later lecture.
#
# ## 7. Going further
#
# * **The command line.** The command-line program trains the same kind of MLP on the
#   $32 \times 32$ images (3072-64-10, SGD with momentum and a linear decay as in section 6,
#   10 epochs, on the 4,000 training images; evaluated on all 10,000 test images) and writes
#   curves, metrics and the weights to `runs/cifar10/`:
#
#   ```
#   autograd-scalar train --dataset cifar10
#   ```
#
#   (from the project folder without installing: `python -m nn.cli train --dataset cifar10`).
#   It finds the data the same way as this lesson (`CIFAR10_DIR`, else the default folder;
#   or `--data-dir PATH`); `--help` lists every option.
# * **Things to try here**, one at a time (and compare on the validation set, not the test set):
#   the learning rates of section 4 (`LEARNING_RATE = 0.01` or `0.1`); `HIDDEN = 128`; a second
#   hidden layer, `MLP(3072, [128, 64, 10])`; `weight_decay=1e-3` in `SGD`;
#   `prepare_images(..., image_size=16)` (how much accuracy does the resolution buy?). With
#   the official download you can also raise `N_TRAIN` up to 50,000, the best cure for
#   overfitting.
# * **Why not much higher?** An MLP treats the 3072 inputs as unrelated numbers: shift a cat by
#   one pixel and, to the network, it is a completely different vector. Convolutional networks
#   reuse the same small templates at every position and reach over 90% on CIFAR-10.
# * **How is the training so fast?** Lesson 6 opens up `engine="compiled"`: how the graph of
#   one image is traced once and run on whole batches, why the compiled loss takes one-hot
#   targets, and how much faster it is than building a graph of `Value`s per image.
