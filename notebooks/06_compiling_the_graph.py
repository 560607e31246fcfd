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
# # 6. How frameworks go fast: compiling the scalar graph
#
# Lesson 5 trained an MLP on full-size CIFAR-10 images with `fit(..., engine="compiled")`,
# hundreds of times faster than the engine of lessons 2 and 3, the **interpreter**, which
# needs minutes for every epoch of the same training (section 4 measures both). Why is it slow, and what does "compiled" do?
#
# The interpreter builds the graph anew for every sample: for one $32 \times 32$ colour image
# and a hidden layer of 64 neurons that is about 200,000 `Value` objects, each made by a Python
# function call, and `backward()` visits every one of them. Then the next image of the batch
# builds the **same graph** again: the same operations in the same order, only the numbers
# differ.
#
# Array libraries (NumPy, PyTorch, JAX) exploit exactly that. Instead of one number per node,
# they keep a whole **row** of numbers per node, one for each sample of the batch, and one call
# of compiled C code computes an operation for all of them. `autograd_scalar.compile` turns our
# scalar graph into such array code, in three steps you can watch:
#
# 1. **Trace.** Call the function once, on placeholder `Value`s holding one example sample, and
#    record the graph it builds, as the engine always does.
# 2. **Lower.** Sort the nodes into *levels* and *groups* of the same operation, and recognise
#    a layer of neurons as one *matrix product*.
# 3. **Run.** Forward and backward on whole batches with NumPy, group by group, using the very
#    same derivative rules as the interpreter (each operation's rule is written once, in
#    `autograd_scalar.ops`, and works on a float or on an array).
#
# The plan of this notebook:
#
# 1. trace a tiny function and read its plan;
# 2. a small MLP: levels, groups and the two matrix products, with the maths;
# 3. what a trace cannot see: a Python `if` on the data, caught by `program.check`;
# 4. interpreted against compiled on one batch: the time, and the same numbers;
# 5. training with the compiled program, and what real frameworks do.

# %%
import os
import time

import numpy as np

from autograd_scalar import CompileMismatchError, Value, compile
from nn import MLP, SGD, softmax_cross_entropy
from viz import draw_dot

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# The automatic tests run this notebook with `AUTOGRAD_SCALAR_QUICK=1`: the timing experiment
# of section 4 then uses a smaller network and batch. Leave it unset for the real figures (the
# outputs shown here come from a full run).

# %%
QUICK = os.environ.get("AUTOGRAD_SCALAR_QUICK") == "1"
print("quick run (for the tests)" if QUICK else "full run")

# %% [markdown]
# ## 1. Tracing a tiny function
#
# One neuron with two inputs, $f(\mathbf{x}) = \tanh(w_0 x_0 + w_1 x_1 + b)$. The function takes
# **one sample**, a list of two `Value`s, and uses three parameters from outside. Here is the
# graph the interpreter builds for the sample $\mathbf{x} = (1, 2)$:

# %%
w = [Value(0.5, "w0"), Value(-1.0, "w1")]
b = Value(0.1, "b")


def neuron(x):
    # x: ONE sample, a list of 2 Values (or numbers)
    return (w[0] * x[0] + w[1] * x[1] + b).tanh()


out = neuron([Value(1.0, "x0"), Value(2.0, "x1")])
draw_dot(out, parameters=[*w, b], show_grad=False)

# %% [markdown]
# `compile(neuron, example, parameters)` calls `neuron` **once**, on placeholder `Value`s that
# hold the example's numbers, records that graph, and turns it into a *program* for whole
# batches. `parameters` are the `Value`s the program reads at every run and differentiates;
# `print(program)` shows the plan:

# %%
program = compile(neuron, np.array([1.0, 2.0]), parameters=[*w, b])
print(program)

# %% [markdown]
# How to read it:
#
# * **5 scalar operations** (two `*`, two `+`, `tanh`), on 2 inputs and 3 parameters.
#   The function returns one `Value`, which the program treats as a loss: it computes one per
#   sample and differentiates their mean.
# * **Levels.** Inputs, parameters and constants are at level 0; every other node sits one
#   level above its deepest parent:
#   $\text{level}(v) = 1 + \max_{p \in \text{parents}(v)} \text{level}(p)$. Nodes of the same
#   level never depend on each other, so they can be computed at the same time.
# * **Groups.** The nodes of one level with the same operation form a *group*, computed by one
#   NumPy call. Both products $w_0 x_0$ and $w_1 x_1$ are at level 1: the group `2 x *` is a
#   single multiplication of two arrays of shape (2, batch) (inside the program a node's
#   values for the whole batch are stored as one row). Then $+$ (level 2), $+\,b$ (level 3)
#   and $\tanh$ (level 4). In the drawing above, each level's operations stand in one column.
#
# The program runs a whole batch at once, one row per sample. It must give what the interpreter
# gives sample by sample; and it **adds** the gradient of the batch-mean loss to every
# parameter's `.grad`, as `backward()` would for the mean of the samples' results:

# %%
X = np.array([[1.0, 2.0], [3.0, 0.0], [-1.0, 0.5], [0.0, 0.0]])  # a batch of 4 samples
parameters = [*w, b]

for p in parameters:
    p.grad = 0.0
result = program(X)
compiled_grads = [p.grad for p in parameters]
print("compiled, one number per sample:   ", result.losses)

# The interpreter: one graph per sample, then backward() on their mean.
for p in parameters:
    p.grad = 0.0
values = [neuron(row.tolist()) for row in X]
mean = sum(values) / len(values)
mean.backward()
print("interpreter, sample by sample:     ", np.array([v.data for v in values]))
print("gradient (w0, w1, b), compiled:    ", np.array(compiled_grads))
print("gradient (w0, w1, b), interpreter: ", np.array([p.grad for p in parameters]))

# %% [markdown]
# ## 2. An MLP: levels, groups and matrix products
#
# Now a small network, 4 inputs, 8 ReLU neurons, 3 outputs, with the softmax cross-entropy of
# lesson 1. The compiled function again handles one sample: an input vector $\mathbf{x}$ and a
# **one-hot** target $\mathbf{t}$ (for class 2 of 3: $\mathbf{t} = (0, 0, 1)$). Why one-hot and
# not the class index is the subject of section 3. With a probability vector $\mathbf{t}$,
# `softmax_cross_entropy` computes
#
# $$L = \operatorname{logsumexp}(a_2) \sum_j t_j - \mathbf{t} \cdot a_2,$$
#
# which for a one-hot $\mathbf{t}$ is $\operatorname{logsumexp}(a_2) - a_{2,y}$, the loss
# of lesson 1. The function returns the pair (outputs, loss):

# %%
model = MLP(4, [8, 3], seed=0)
print(model)


def one_sample(x, t):
    scores = model(x)  # 3 Values
    return scores, softmax_cross_entropy(scores, t)


x_example, t_example = np.zeros(4), np.eye(3)[0]  # any sample of the right shape
mlp_program = compile(one_sample, (x_example, t_example), parameters=model.parameters())
print(mlp_program)

# %% [markdown]
# The whole network for one sample is 35 scalar operations (on 7 inputs and 67 parameters),
# run as 3 NumPy groups:
#
# | level | group | what it is |
# | --- | --- | --- |
# | 1-3 | `8 x dot of 4 inputs, + b, relu` | $\operatorname{relu}(\mathbf{w}_j \cdot \mathbf{x} + b_j)$ for the 8 hidden neurons: **one matrix product**, plus the biases, then the ReLU, the activations $\mathbf{h}$ |
# | 4-5 | `3 x dot of 8 inputs, 3 x +` | $\mathbf{w}_k \cdot \mathbf{h} + b_k$ for the 3 outputs, the scores $a_2$: **one matrix product**, plus the biases |
# | 6-8 | `1 x softmax cross-entropy of 3 scores` | $L = \operatorname{logsumexp}(a_2) \sum_j t_j - \mathbf{t} \cdot a_2$: five scalar operations (sum, logsumexp, dot, $*$, $-$) |
#
# First every level's nodes with the same operation become a group (level 1 holds the 8 dot
# nodes of the hidden layer and the $\sum_j t_j$ of the loss, level 2 the 8 additions of the
# biases, level 3 the 8 ReLUs, ...). Then the compiler **fuses** groups whose results nothing
# else reads. The `+` of the biases sits one level above its dot nodes: the matrix product
# writes its result and the biases are added in place (levels 1-2 and 4-5). The ReLU reads
# only those sums: it is applied in place too (levels 1-3). And the loss's five groups of
# one node each become one group (levels 6-8), whose backward pass is lesson 3's output
# delta, $\operatorname{softmax}(a_2) \sum_j t_j - \mathbf{t}$, in one line. Fusing changes
# no number: it saves NumPy calls and memory traffic. The plan does not depend on the size of
# the batch: for 64 samples it is the same 3 groups, each on arrays of 64 numbers per node.
#
# ### A layer is a matrix product
#
# A neuron is a `dot` node: $a_j = \mathbf{w}_j \cdot x$ (the bias is added at the next
# level). All the neurons of a layer read the **same** input vector, and their weights are
# parameters. Put the batch's samples as the **rows** of a matrix $X$ (batch $\times$
# inputs: row $n$ is sample $n$, the layout of every lesson) and the neurons' weights as the
# rows of $W$ (neurons $\times$ inputs). Then every neuron for every sample is
#
# $$A_{nj} = \sum_i X_{ni} W_{ji}, \qquad A = X W^\top \quad (\text{batch} \times \text{neurons}),$$
#
# one call of an optimised matrix-product routine instead of (neurons $\times$ batch $\times$
# inputs) Python multiplications. The plan prints it as `one matrix product (8 x 4) @ X + b`:
# inside the program every node's values for the batch form one row, so it computes the
# transpose $W X^\top = A^\top$, the same numbers stored the other way round.
#
# Backward, the group receives $G = \partial L / \partial A$, the gradient of every dot node
# for every sample (the same shape as $A$), and the chain rule gives
#
# $$\frac{\partial L}{\partial W_{ji}} = \sum_n G_{nj} X_{ni}
# \quad\Longrightarrow\quad dW = G^\top X ,
# \qquad\qquad
# \frac{\partial L}{\partial X_{ni}} = \sum_j G_{nj}\, W_{ji}
# \quad\Longrightarrow\quad dX = G\, W .$$
#
# The sum over the batch that a parameter's gradient needs happens inside the product
# $G^\top X$. These are the formulas lesson 3 derived by hand for the deltas
# ($\partial L / \partial W_1 = \Delta_1^\top X$, $\Delta_1 = (\Delta_2 W_2) \odot f_1'(A_1)$);
# the compiler finds them from the graph alone, because it sees dot nodes that share one
# input vector and whose other inputs are parameters. The ReLU fused into the first layer's
# group is **elementwise**: it computes $\max(A_1, 0)$ and, backward, multiplies the upstream
# gradient by its local derivative $[A_1 > 0]$, entry by entry (the diagonal Jacobian of
# lesson 3): the chain rule of lesson 2, for every node and sample at once.
#
# Let us check the matrix formulas: the backward pass of this MLP written by hand with NumPy
# (lesson 3's deltas: $\Delta_2 = (\operatorname{softmax}(A_2) - T)/B$ at the output, for a
# batch of $B$ samples) against the compiled program's gradient of the first layer's weights.

# %%
rng = np.random.default_rng(0)
B = 5
X = rng.standard_normal((B, 4))   # B samples, as rows
y = np.array([0, 2, 1, 2, 0])
T = np.eye(3)[y]                  # one-hot rows

model.zero_grad()
mlp_result = mlp_program(X, T)  # adds dL/d(parameter) to every .grad
dW1_compiled = np.array([[wi.grad for wi in n.w] for n in model.layers[0].neurons])

# By hand: the same network on the batch, samples as rows.
W1, W2 = (np.array([[wi.data for wi in n.w] for n in layer.neurons]) for layer in model.layers)
b1, b2 = (np.array([n.b.data for n in layer.neurons]) for layer in model.layers)
A1 = X @ W1.T + b1                 # (B, 8)   levels 1 and 2
H = np.maximum(A1, 0)              # (B, 8)   level 3
A2 = H @ W2.T + b2                 # (B, 3)   levels 4 and 5: the scores
P = np.exp(A2 - A2.max(axis=1, keepdims=True))
P /= P.sum(axis=1, keepdims=True)  # softmax of every row
Delta2 = (P - T) / B               # dL/dA2 for the batch-mean loss
Delta1 = (Delta2 @ W2) * (A1 > 0)  # dX = G W through the second layer, then relu
dW1_by_hand = Delta1.T @ X         # dW = G^T X

print("loss: compiled", mlp_result.loss, "   by hand",
      np.mean(-np.log(P[np.arange(B), y])))
print("scores, largest difference:", np.abs(mlp_result.outputs - A2).max())
print("dL/dW1, largest difference:", np.abs(dW1_compiled - dW1_by_hand).max())
print("dL/dW1 (first 3 neurons):\n", dW1_compiled[:3])
assert np.abs(dW1_compiled - dW1_by_hand).max() < 1e-12


# %% [markdown]
# ## 3. What a trace cannot see
#
# A trace records the operations that **ran** for the example sample, nothing else. Python
# control flow that looks at a value, `if x.data > 0: ...`, is decided once, during the trace,
# and the compiled program then replays that one branch for every sample. Take an absolute
# value written with an `if`, and trace it on a positive sample:

# %%
def absolute_value(x):
    x = x[0]
    return x if x.data > 0 else -x  # a Python decision on the data


abs_program = compile(absolute_value, np.array([2.0]))  # traced on x = 2: "return x"
print(abs_program)
batch = np.array([[-2.0], [-1.0], [1.0], [2.0]])
print("\ncompiled on -2, -1, 1, 2:", abs_program.forward(batch).losses)

# %% [markdown]
# The trace took the branch `return x`, so the plan has no operation at all and the program
# returns negative numbers unchanged: it computes a different function. `compile` could not
# notice, since it checks only the example it traced (on which the answer was right). This is
# what `program.check(sample)` is for: it runs the interpreter on a sample and raises
# `CompileMismatchError` if the compiled program disagrees on the outputs, the loss or the
# gradients. On a negative sample:

# %%
try:
    abs_program.check(np.array([-1.5]))
except CompileMismatchError as error:
    print("CompileMismatchError:", error)


# %% [markdown]
# The cure is to express the choice with **operations**, which the trace records and which
# then decide per sample: `x.abs()` (or `relu`, `maximum`). The same problem is why the
# compiled loss takes a one-hot target: `scores[y]` would pick an entry with the label of the
# traced sample, while $\mathbf{t} \cdot a_2$ is an operation on the target's numbers.
# `nn.fit(engine="compiled")` checks its program on a training sample of another class
# before training, for this reason.

# %%
def absolute_value_with_an_op(x):
    return x[0].abs()


fixed = compile(absolute_value_with_an_op, np.array([2.0]))
print(fixed)
fixed.check(np.array([-1.5]))  # no error: the interpreter agrees
print("\ncompiled on -2, -1, 1, 2:", fixed.forward(batch).losses)

# %% [markdown]
# ## 4. Interpreted against compiled on one batch
#
# Now a network of the size used on CIFAR-10 in lesson 5: 3072 inputs, 64 hidden neurons,
# 10 outputs (about 197,000 parameters), and a batch of 64 samples. The timing does not depend
# on the pixel values, so random numbers stand in for standardised images here. One training
# step's worth of work: forward, loss, and the gradients of every parameter.

# %%
N_INPUTS, HIDDEN, BATCH = (768, 32, 16) if QUICK else (3072, 64, 64)
rng = np.random.default_rng(1)
X = rng.standard_normal((BATCH, N_INPUTS))  # stand-ins for standardised images
y = rng.integers(0, 10, size=BATCH)
T = np.eye(10)[y]
big = MLP(N_INPUTS, [HIDDEN, 10], seed=0)
params = big.parameters()
print(big, f"  batch of {BATCH}")

# The interpreter: a graph per sample, then backward().
start = time.perf_counter()
big.zero_grad()
outputs = [big(x) for x in X]
loss = softmax_cross_entropy(outputs, y.tolist())
loss.backward()
interpreted_seconds = time.perf_counter() - start
interpreted_outputs = np.array([[v.data for v in out] for out in outputs])
interpreted_grads = np.array([p.grad for p in params])
print(f"interpreted: {interpreted_seconds:.2f} s for the batch "
      f"({1000 * interpreted_seconds / BATCH:.1f} ms per sample)")


# %%
def one_image(x, t):
    scores = big(x)
    return scores, softmax_cross_entropy(scores, t)


start = time.perf_counter()
big_program = compile(one_image, (X[0], T[0]), parameters=params)
compile_seconds = time.perf_counter() - start
print(big_program)
print(f"\ntracing, planning and the check on one sample took {compile_seconds:.2f} s (once)")


# %% [markdown]
# Two ways to run the compiled program on the batch:
#
# * `big_program(X, T)` computes the gradients and **adds them into the `.grad` of every
#   parameter `Value`**: a Python loop over all 197,000 of them, which costs more than the
#   arithmetic itself;
# * `big_program.training(optimizer)` keeps the parameters in one NumPy array during training
#   and lets the optimizer update that array (`optimizer.update(data, grad)`); the `Value`s get
#   the numbers back at the end. This is what `fit(engine="compiled")` uses.
#
# The time of a step is the best of several runs (the first run of anything is slower).

# %%
def best_time(step, repeats=10):
    step()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def call_program():
    big.zero_grad()
    return big_program(X, T)


call_seconds = best_time(call_program)
compiled_result = call_program()
compiled_grads = np.array([p.grad for p in params])

# The training fast path; the parameters are restored afterwards (SGD changes them).
saved = big.state_dict()
with big_program.training(SGD(params, lr=0.01, momentum=0.9)) as session:
    step_seconds = best_time(lambda: session.step(X, T))
big.load_state_dict(saved)  # undo the training steps

print(f"{'interpreted (graph per sample, backward)':<48} {interpreted_seconds:8.4f} s")
print(f"{'compiled, big_program(X, T) (grads into Values)':<48} {call_seconds:8.4f} s   "
      f"{interpreted_seconds / call_seconds:6.0f} x faster")
print(f"{'compiled, session.step (+ the SGD update)':<48} {step_seconds:8.4f} s   "
      f"{interpreted_seconds / step_seconds:6.0f} x faster")

steps_per_epoch = 3200 // BATCH  # lesson 5 trains on 3,200 images
print(f"\none epoch of lesson 5 ({steps_per_epoch} steps of {BATCH}) at these speeds: "
      f"interpreted about {interpreted_seconds * steps_per_epoch / 60:.0f} min, "
      f"compiled about {step_seconds * steps_per_epoch:.2f} s")


# %% [markdown]
# The training path is hundreds of times faster than the interpreter, on the same machine; even
# the plain call, which spends most of its time writing 197,322 gradients into `Value`s one by
# one, is tens of times faster. The speed-up grows with the size of the layers, because the
# interpreter pays for one Python object per multiplication, while a matrix product pays a few
# machine instructions.
#
# **The same numbers.** Speed is worthless if the answer changes. The compiled program must
# agree with the interpreter up to rounding (float64 rounding errors are about $10^{-16}$
# relative; additions in a different order change the last bits):

# %%
def largest_difference(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)).max()


print(f"batch-mean loss:   compiled {compiled_result.loss:.15f}")
print(f"                   interpreted {loss.data:.15f}")
print(f"outputs ({compiled_result.outputs.size} numbers), largest difference: "
      f"{largest_difference(compiled_result.outputs, interpreted_outputs):.1e}")
print(f"gradients ({len(params):,} numbers), largest difference: "
      f"{largest_difference(compiled_grads, interpreted_grads):.1e} "
      f"(largest gradient: {np.abs(interpreted_grads).max():.2f})")

# %% [markdown]
# Agreement to about $10^{-13}$ or better: the compiled program is not an approximation of
# backpropagation, it is the same backpropagation with the same local derivatives, performed
# on rows instead of single numbers.
#
# ## 5. Training with the compiled program
#
# `nn.fit` takes the engine as an argument; everything else stays the same:
#
# ```python
# history = fit(model, softmax_cross_entropy, optimizer, train=(X_train, y_train),
#               val=(X_val, y_val), epochs=20, batch_size=64, engine="compiled")
# ```
#
# It compiles `scores = model(x); loss = softmax_cross_entropy(scores, t)` with a one-hot
# `t` once, checks the program against the interpreter on a training sample, and then runs
# `session.step(X_batch, T_batch)` for every mini-batch. That is how lesson 5 trains on
# full-size CIFAR-10 images, and `autograd-scalar train --dataset cifar10` too.
#
# ### What real frameworks do
#
# * **PyTorch** (eager mode) stores arrays (tensors) instead of scalars from the start: a
#   layer is one `X @ W.T` node in its graph, so its graph is small and each node is a fast
#   C++ call. Its backward pass is exactly our chain rule, with $dW = G^\top X$ and
#   $dX = G\, W$ as the derivative rules of the matrix product.
# * **JAX** (`jax.jit`) and **PyTorch 2** (`torch.compile`) also *trace* a Python function on
#   placeholder values and compile the recorded graph, as we did. They have the same blind
#   spot: an `if` on a value cannot be traced (JAX raises an error and asks for `jax.lax.cond`;
#   PyTorch splits the graph there and runs that part in Python).
# * Compilers go further than our groups: we fuse a layer's bias and ReLU into its matrix
#   product and the loss into one group, patterns written by hand; they **fuse** any chain of
#   elementwise operations into one loop by generating its code, run on GPUs, and choose
#   memory layouts. The idea underneath is the one of this notebook: the graph is the same for every sample, so compute
#   it for all samples at once.
# * They also prepare a step once and replay it: `torch.compile` generates the code of a step,
#   CUDA graphs record its GPU calls. Our plan does a small version of that: at the first
#   training step it binds each group to the arrays it reads and writes, so that the later
#   steps only call NumPy.
