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
# Everything so far was built for this: a multi-layer perceptron made of scalar `Value`s,
# trained with mini-batch gradient descent, classifying real photographs.
#
# **CIFAR-10** holds $32 \times 32$ colour images of ten classes: airplane, automobile, bird,
# cat, deer, dog, frog, horse, ship, truck. Guessing gives 10% accuracy. An MLP sees an image
# as one long vector of pixel values: it knows nothing about neighbouring pixels, edges or
# shapes, so do not expect miracles; convolutional networks (a later course) do far better.
# Beating chance by a wide margin is the challenge.
#
# The plan:
#
# 1. load a subset of CIFAR-10 and look at it;
# 2. preprocess: scale, standardise (and why, with the maths);
# 3. train an MLP with mini-batch SGD with momentum, watching training and validation curves;
# 4. look inside: overfitting, the first-layer weights as images, the accuracy per class.
#
# The engine of notebooks 2 and 3 is slow: every multiplication is a Python object, and a
# network for full-size images makes about 200,000 of them per image. So we train with
# `engine="compiled"` (section 3): the same graph, the same derivative rules, run on whole
# batches with NumPy. That lets us use the images at their full $32 \times 32$ resolution and
# test on all 10,000 test images; the whole notebook runs in well under a minute.

# %%
import math
import os
import time

import numpy as np

from autograd_scalar import compile
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
# The automatic tests of the project run this notebook with the environment variable
# `AUTOGRAD_SCALAR_QUICK=1`: then it uses 500 training images, 1,000 test images and 2 epochs,
# so that the test finishes in seconds. The results are then meaningless; leave the variable
# unset (the normal case) to run the real experiment below, whose outputs are the ones shown in
# this notebook.

# %%
QUICK = os.environ.get("AUTOGRAD_SCALAR_QUICK") == "1"

N_TRAIN = 500 if QUICK else 4000   # training images, 20% of them held out for validation
N_TEST = 1000 if QUICK else None   # test images, the same number from each class; None: all
EPOCHS = 2 if QUICK else 20        # passes over the training images
HIDDEN = 64                        # neurons in the hidden layer
BATCH_SIZE = 64
LEARNING_RATE = 0.01
MOMENTUM = 0.9
print("quick run (for the tests)" if QUICK else "full run")

# %% [markdown]
# ## 1. The data
#
# ### Where the files are
#
# The notebook reads the official "CIFAR-10 python version" files (a folder
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
#      (notebook 4, section 2): with unit variance it is predictable ($\approx$ the number of
#      inputs) and one learning rate suits every channel.
#    * The statistics come from the training images **only**, and the very same $\mu_c,
#      \sigma_c$ are applied to validation and test images. A new image at test time is
#      processed the same way; computing statistics on the test set would let information
#      about it leak into the model.
# 3. **Flatten** each image to a vector of $32 \cdot 32 \cdot 3 = 3072$ numbers, channel by
#    channel (all red values, then all green, then all blue: the layout of the CIFAR-10 files).
#
# (`prepare_images` can also shrink the images first, `image_size=16`: four times fewer
# inputs. Earlier versions of this notebook did that to make the interpreted engine bearable.)

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
# ## 3. The model and the training
#
# An MLP with one hidden layer of 64 ReLU neurons and 10 outputs, one score (logit) per class:
#
# $$\mathbf{h} = \mathrm{relu}(W_1 \mathbf{x} + \mathbf{b}_1), \qquad
# \mathbf{z} = W_2 \mathbf{h} + \mathbf{b}_2, \qquad
# L = -\log \operatorname{softmax}(\mathbf{z})_y = \log \sum_{k} e^{z_k} - z_y ,$$
#
# the softmax cross-entropy of notebook 1, averaged over a mini-batch. The predicted class is
# the largest score. $W_1$ alone has $64 \times 3072 = 196{,}608$ weights.

# %%
model = MLP(X_train.shape[1], [HIDDEN, 10], seed=0)
initial_weights = model.state_dict()["layers.0.weight"]  # a copy, (64, 3072), for section 5
print(model)


# %% [markdown]
# ### Two engines, the same numbers
#
# For one image, `model(x)` builds a graph of about 200,000 `Value`s and `backward()` walks it:
# the **interpreted** engine, the one you wrote in notebooks 2 and 3. Every image of every batch
# builds the very same graph again; only the numbers differ. The **compiled** engine uses that:
#
# * it calls the function (here: the model and the loss for one image) **once**, on
#   placeholder `Value`s, and records the graph: it is *traced* once;
# * it computes each group of identical operations (for example the 64 hidden neurons' dot
#   products, which become one matrix product $W_1 X$) for a whole batch at once with NumPy,
#   using **the same rules** (result and local derivatives) of the same operations as the
#   interpreter, forward and backward;
# * it **checks** itself against the interpreter on real samples before it is used, and
#   refuses (`CompileMismatchError`) if they disagree.
#
# The numbers are the same up to rounding (about $10^{-13}$); only the time differs.
# `fit(..., engine="compiled")` trains this way, and `autograd_scalar.compile` is the tool
# underneath, which we use directly for evaluation below. Notebook 6 opens it up: the plan it
# makes, the maths of the matrix products, and what a trace cannot see.
#
# The target is given as a **one-hot** vector $\mathbf{t}$ (class 3 is $(0,0,0,1,0,\dots,0)$),
# for which `softmax_cross_entropy` computes $\operatorname{logsumexp}(\mathbf{z}) - \mathbf{t}
# \cdot \mathbf{z} = \operatorname{logsumexp}(\mathbf{z}) - z_y$: picking `scores[y]` with the
# label would be a Python choice that a trace of one image cannot record (notebook 6).

# %%
def one_hot(labels):
    return np.eye(10)[labels]


def one_image(x, t):
    # x: one image (3072 Values), t: its one-hot label (10 Values)
    scores = model(x)
    return scores, softmax_cross_entropy(scores, t)


# Traced once, on the first training image; checked against the interpreter on it. The
# program reads the model's current weights at every call.
evaluator = compile(one_image, (X_train[0], one_hot(y_train[0])),
                    parameters=model.parameters())


def evaluate_compiled(X, y, batch_size=1000):
    # The mean loss and the accuracy on (X, y), like nn.evaluate, with the compiled program.
    total_loss, correct = 0.0, 0
    for start in range(0, len(X), batch_size):
        xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        result = evaluator.forward(xb, one_hot(yb))  # no gradients
        total_loss += result.losses.sum()
        correct += np.sum(result.outputs.argmax(axis=1) == yb)
    return total_loss / len(X), correct / len(X)


# Both engines on the first validation images: the same numbers.
n = 20 if QUICK else 100
start = time.perf_counter()
interpreted = evaluate(model, softmax_cross_entropy, X_val[:n], y_val[:n])
interpreted_seconds = time.perf_counter() - start
start = time.perf_counter()
compiled = evaluate_compiled(X_val[:n], y_val[:n])
compiled_seconds = time.perf_counter() - start
print(f"{n} validation images, interpreted: loss {interpreted[0]:.15f}, accuracy "
      f"{interpreted[1]:.0%}  ({interpreted_seconds:.2f} s)")
print(f"{n} validation images, compiled:    loss {compiled[0]:.15f}, accuracy "
      f"{compiled[1]:.0%}  ({compiled_seconds:.4f} s)")

# %% [markdown]
# Before training, a sanity check. If all ten scores were equal, the softmax would give every
# class $1/10$ and the loss would be $-\log(1/10) = \log 10 \approx 2.303$. The random initial
# weights make the scores random numbers around 0, with some spread $s$; then the expected loss
# is a little larger, about $\log 10 + s^2/2$ (for small $s$), and the accuracy about 10%. A
# loss far above that (10, 100) would point to badly scaled inputs or weights.

# %%
spread = model.predict(X_val).std()  # the spread s of the initial scores (NumPy, no graph)
loss_before, accuracy_before = evaluate_compiled(X_val, y_val)
print(f"before training: scores spread s = {spread:.2f}, so expect a loss of about "
      f"log 10 + s^2/2 = {math.log(10) + spread**2 / 2:.2f}")
print(f"measured: validation loss {loss_before:.3f}, accuracy {accuracy_before:.1%}")

# %% [markdown]
# ### How long will it take? One batch, both engines
#
# One training step on a batch of images, with each engine, on a throw-away copy of the network
# (so that the real one stays untouched): forward, loss, backward. Then we compare the gradients
# of all 197,322 parameters.

# %%
probe = MLP(X_train.shape[1], [HIDDEN, 10], seed=1)
probe_batch = 8 if QUICK else BATCH_SIZE
xb, yb = X_train[:probe_batch], y_train[:probe_batch]

start = time.perf_counter()
probe.zero_grad()
outputs = [probe(x) for x in xb]  # a graph per image
loss = softmax_cross_entropy(outputs, yb.tolist())
loss.backward()
interpreted_step = time.perf_counter() - start
interpreted_grads = np.array([p.grad for p in probe.parameters()])


def probe_image(x, t):
    scores = probe(x)
    return scores, softmax_cross_entropy(scores, t)


start = time.perf_counter()
probe_program = compile(probe_image, (xb[0], one_hot(yb[0])), parameters=probe.parameters())
compile_seconds = time.perf_counter() - start
probe.zero_grad()
result = probe_program(xb, one_hot(yb))  # forward and backward on the whole batch
compiled_grads = np.array([p.grad for p in probe.parameters()])
with probe_program.training(SGD(probe.parameters(), lr=LEARNING_RATE)) as session:
    session.step(xb, one_hot(yb))  # (the first call of anything is slower)
    start = time.perf_counter()
    for _ in range(10):
        session.step(xb, one_hot(yb))  # forward, backward and the SGD update, in arrays
    compiled_step = (time.perf_counter() - start) / 10

steps_per_epoch = math.ceil(len(X_train) / BATCH_SIZE)
per_epoch = {name: seconds * BATCH_SIZE / probe_batch * steps_per_epoch
             for name, seconds in (("interpreted", interpreted_step),
                                   ("compiled", compiled_step))}
print(f"batch of {probe_batch}: loss interpreted {loss.data:.12f}, compiled {result.loss:.12f}")
print(f"largest difference between the {len(interpreted_grads):,} gradients: "
      f"{np.abs(interpreted_grads - compiled_grads).max():.1e}")
print(f"one step: interpreted {interpreted_step:.2f} s, compiled {1000 * compiled_step:.1f} ms "
      f"({interpreted_step / compiled_step:.0f} times faster; compiling took "
      f"{compile_seconds:.1f} s, once)")
for name, seconds in per_epoch.items():
    total = seconds * EPOCHS
    total = f"{total:.0f} s" if total < 120 else f"{total / 60:.0f} min"
    print(f"expected with the {name} engine: about {seconds:.1f} s per epoch "
          f"({steps_per_epoch} steps of {BATCH_SIZE}), {total} for {EPOCHS} epochs")

# %% [markdown]
# ### SGD with momentum, and a decaying learning rate
#
# Plain SGD moves each weight by $-\eta g$. **Momentum** keeps a running "velocity" per weight:
#
# $$v \leftarrow \mu\, v + g, \qquad \theta \leftarrow \theta - \eta\, v .$$
#
# Where successive gradients agree (a long, gentle slope: the flat directions of notebook 4,
# section 3) the velocity builds up to about $g / (1 - \mu)$: with $\mu = 0.9$, steps ten times
# larger. Where they alternate in sign (the zig-zag across a steep valley) they cancel out.
# So momentum speeds up the slow directions without destabilising the steep ones.
#
# **Learning-rate decay.** Mini-batch gradients are noisy, so with a fixed $\eta$ the weights
# keep jittering around a minimum. `LinearDecay(optimizer, EPOCHS)` lowers the learning rate a
# little after every epoch, in a straight line: epoch $e$ (from 1 to $E$) uses
# $\eta\,(1 - (e-1)/E)$, large steps first to travel, small steps at the end to settle.
#
# The learning rate $\eta = 0.01$ was chosen as notebook 4 (section 6) recommends: by trying
# values a factor of 2 apart (0.005, 0.01, 0.02) and comparing the validation curves; they
# differ little here. It is larger than the $1/D \approx 0.0003$ that notebook 4 found for a
# single neuron with $D = 3072$ standardised inputs and a squared loss: in this network the
# curvature seen by a first-layer weight is scaled down by the softmax (its second derivative
# $p(1-p)$ is at most $1/4$) and by the small weights of the second layer; $\eta = 1$ would
# still diverge at once.
#
# ### Training
#
# `nn.fit` runs the mini-batch loop of notebook 4 (shuffle; for each batch: `zero_grad`, forward,
# loss, `backward`, `step`) and evaluates on the validation set after every epoch; with
# `engine="compiled"` each batch is one run of the compiled program. The function
# `after_each_epoch` below is called by `fit` at the end of each epoch: it prints a line and
# keeps a copy of the weights (`model.state_dict()`) whenever the validation accuracy is the
# best so far, for *early stopping* (see section 4).

# %%
optimizer = SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
schedule = LinearDecay(optimizer, total_steps=EPOCHS)  # lr -> 0 over the epochs
best = {"val_acc": -1.0, "epoch": 0, "weights": None}


def after_each_epoch(history):
    epoch = history["epoch"][-1]
    print(f"epoch {epoch:2d}/{EPOCHS}  training: loss {history['train_loss'][-1]:.3f}, "
          f"accuracy {history['train_acc'][-1]:5.1%}  |  validation: loss "
          f"{history['val_loss'][-1]:.3f}, accuracy {history['val_acc'][-1]:5.1%}  |  "
          f"{history['seconds'][-1]:.2f} s", flush=True)
    if history["val_acc"][-1] > best["val_acc"]:
        best.update(val_acc=history["val_acc"][-1], epoch=epoch, weights=model.state_dict())


start = time.perf_counter()
history = fit(model, softmax_cross_entropy, optimizer, train=(X_train, y_train),
              val=(X_val, y_val), epochs=EPOCHS, batch_size=BATCH_SIZE, seed=0,
              scheduler=schedule, progress=False, on_epoch_end=after_each_epoch,
              engine="compiled")
training_seconds = time.perf_counter() - start
print(f"\ntraining took {training_seconds:.1f} s for {EPOCHS} epochs of {len(X_train)} images "
      f"(compiled engine; the interpreted one would need about "
      f"{per_epoch['interpreted'] * EPOCHS / 60:.0f} min)")

# %% [markdown]
# ## 4. Overfitting and generalisation
#
# The curves below show loss and accuracy per epoch, for the training images (blue) and the
# validation images (orange). The dashed line is chance (10%); the dotted line marks the epoch
# with the lowest validation loss.

# %%
plot_history(history, chance=0.1,
             title=f"MLP {X_train.shape[1]}-{HIDDEN}-10 on {len(X_train)} CIFAR-10 images")

# %% [markdown]
# How to read these curves:
#
# * The **training** loss keeps going down and the training accuracy climbs towards 100%:
#   with about 197,000 parameters and 3,200 training images, the network can more and more
#   memorise the training set, down to details that are particular to those images (a certain
#   background, a certain colour).
# * The **validation** loss goes down during the first epochs, while the network learns
#   regularities that hold for all images (e.g. blue above and below: ship or airplane). Then
#   it turns up, while the training loss keeps falling: the model now learns the training
#   images' noise. That widening gap is **overfitting**.
# * **Generalisation** is the performance on new images, which is what we care about. The
#   validation curves estimate it; the training curves do not.
# * Accuracy and loss need not agree: after the lowest validation loss (dotted line) the
#   validation **accuracy** stays about level, or even improves, for many epochs. The network
#   becomes more and more *confident*, and the loss punishes a confident wrong answer heavily
#   ($-\log$ of a tiny probability), so the loss rises while the number of right answers does
#   not fall.
#
# Remedies, from the simplest: stop early (**early stopping**: keep the weights of the best
# validation epoch, done below), more training data (the full CIFAR-10 has 50,000 training
# images), weight decay (an L2 penalty, `SGD(..., weight_decay=1e-3)`), a smaller network.
# Since accuracy is the figure we report, we keep the weights of the epoch with the best
# validation **accuracy**, then measure the **test** accuracy, once, on all the test images:

# %%
model.load_state_dict(best["weights"])
test_loss, test_accuracy = evaluate_compiled(X_test, y_test)
lowest_loss_epoch = int(np.argmin(history["val_loss"])) + 1
print(f"kept the weights of epoch {best['epoch']} (best validation accuracy, "
      f"{best['val_acc']:.1%}); the lowest validation loss was at epoch {lowest_loss_epoch}")
print(f"TEST ACCURACY: {test_accuracy:.1%} on {len(y_test)} test images "
      f"(test loss {test_loss:.3f}; chance: 10%)")
print(f"reached with {len(X_train)} training images of 32x32 pixels, "
      f"{training_seconds:.1f} s of training with the compiled engine")

# %% [markdown]
# ## 5. Looking inside
#
# ### The first-layer weights as images
#
# Hidden neuron $j$ computes $\mathrm{relu}(\mathbf{w}_j \cdot \mathbf{x} + b_j)$. The dot
# product is largest when the image $\mathbf{x}$ looks like $\mathbf{w}_j$, so the 3072 weights
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
print(f"spread of the change made by training:      {change.std():.4f}")
show_weights(final_weights, image_shape=(32, 32, 3), channel_first=True,
             ncols=8, max_neurons=16, title="First-layer weights after training (16 of 64)")

# %% [markdown]
# Noise! The random initial weights (notebook 4, section 5) are still there, and they are more
# than twice as large as what training added (compare the two spreads above): every pixel of
# every neuron keeps its own random starting value. Take the starting point away and look only at what training
# **added**, $W - W_\text{init}$:

# %%
show_weights(change, image_shape=(32, 32, 3), channel_first=True, ncols=8, max_neurons=32,
             title="What training added to each neuron's weights (final - initial, 32 of 64)")

# %% [markdown]
# Now there are templates: blotchy colour blobs and contrasts rather than objects. A bright or
# dark centre (an object in front of a background), blue or green regions (sky, water, grass:
# airplanes and ships, animals outdoors), colour differences between the middle and the edges.
# The gradient of neuron $j$'s weights is $\delta_j\,\mathbf{x}$ (notebook 3): every step adds a
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
# holds the correct answers, the rest the confusions. Typically vehicles (airplane, automobile,
# ship, truck) are recognised better than most animals, and the confusions make sense: cat with
# dog, deer with bird, automobile with truck, airplane with ship. An MLP mostly
# sees overall colour and layout, and those are shared within these pairs.
#
# Some test images with the model's answer (green: right, red: wrong):

# %%
pick = np.random.default_rng(0).choice(len(y_test), size=16, replace=False)
show_images(test_set.images[pick], y_test[pick], class_names, n=16, ncols=8,
            predictions=predictions[pick])

# %% [markdown]
# ## 6. Going further
#
# * **The command line.** The command-line program trains the same kind of MLP on the
#   $32 \times 32$ images with the compiled engine (3072-64-10, SGD with momentum and a linear
#   decay, 10 epochs, on the 4,000 training images; evaluated on all 10,000 test images) and
#   writes curves, metrics and the weights to `runs/cifar10/`:
#
#   ```
#   autograd-scalar train --dataset cifar10
#   ```
#
#   (from the project folder without installing: `python -m nn.cli train --dataset cifar10`).
#   It finds the data the same way as this notebook (`CIFAR10_DIR`, else the default folder;
#   or `--data-dir PATH`) and reaches about 40% test accuracy in seconds. `--engine
#   interpreted` trains with the engine of notebooks 2 and 3 instead (with smaller defaults:
#   about ten minutes at full resolution, a few with `--image-size 16`); `--help` lists every
#   option.
# * **Things to try here**, one at a time (and compare on the validation set, not the test set):
#   `HIDDEN = 128`; a second hidden layer, `MLP(3072, [128, 64, 10])`; `LEARNING_RATE = 0.02`
#   or `0.005`; `weight_decay=1e-3` in `SGD`; `nn.Adam(model.parameters(), lr=0.001)`;
#   `prepare_images(..., image_size=16)` (how much accuracy does the resolution buy?);
#   `engine="interpreted"` for one epoch, to feel the difference. With the official download
#   you can also raise `N_TRAIN` up to 50,000, the best cure for overfitting.
# * **Why not much higher?** An MLP treats the 3072 inputs as unrelated numbers: shift a cat by
#   one pixel and, to the network, it is a completely different vector. Convolutional networks
#   reuse the same small templates at every position and reach over 90% on CIFAR-10, with
#   libraries that compute on whole arrays at once (PyTorch, JAX), as our compiled engine does
#   for a small network.
