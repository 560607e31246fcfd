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
# # 2. The computational graph and the chain rule
#
# Every arithmetic operation on `Value`s creates a new `Value` that remembers its
# **parents** (the inputs), its **op** (what was done) and its **local derivatives**
# $\partial\,\text{out} / \partial\,\text{parent}$. Together they form the
# **computational graph**. Backpropagation walks this graph from the output back to the
# inputs, multiplying local derivatives: the **chain rule**.
#
# In this notebook we build a small graph, draw it, backpropagate through it by hand one
# node at a time, then with `backward()`, and check the result numerically. Then two
# lessons: gradients **add up** where a value is used twice, and the three simple
# "gate" rules (add, multiply, max) that make gradients easy to predict.
#
# **Notation** (the lecture's, as in every lesson): $a$ a pre-activation, $h = f(a)$ an
# activation, $L$ the loss, $\partial L / \partial v$ the gradient of the loss with respect to
# a value $v$ (what `v.grad` holds after the backward pass).

# %%
import math

from autograd_scalar import Value, gradcheck, maximum, topological_order
from viz import draw_dot

# %% [markdown]
# ## 1. An expression is a graph
#
# One neuron with one input and a squared error, the smallest piece of a network:
#
# $$a = w x + b, \qquad h = \tanh(a), \qquad L = (h - t)^2 .$$
#
# We give every `Value` a label so that the diagram (and error messages) can name it.
# The diagram is drawn top to bottom (`rankdir="TB"`): the inputs at the top, the
# loss at the bottom.

# %%
def build_neuron_loss():
    """Return the leaves and the output of L = (tanh(w*x + b) - t)**2, all labelled."""
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

# %% [markdown]
# Each box is a `Value`: its label, its `data`, its `grad` (0 until we backpropagate).
# Each oval is an operation. Colours: parameters (the leaves we would train, here $w$ and
# $b$, because we passed `parameters=[w, b]`), other leaves (input $x$ and target $t$),
# intermediate results, and the output.
#
# ## 2. Local derivatives
#
# Every node already knows the derivative of its own output with respect to each of its
# parents, computed during the forward pass (`node.local_grads`, in the order of
# `node.parents`):
#
# | node | local derivatives |
# |---|---|
# | $wx = w \cdot x$ | $\partial/\partial w = x$, $\;\partial/\partial x = w$ |
# | $a = wx + b$ | $1$, $\;1$ |
# | $h = \tanh a$ | $1 - h^2$ |
# | $e = h - t$ | $1$, $\;-1$ |
# | $L = e^2$ | $2e$ |
#
# `topological_order` lists the nodes so that each comes after its parents (the order of
# the forward pass):

# %%
order = topological_order(L)
for node in order:
    if node.parents:
        parents = ", ".join(p.label for p in node.parents)
        locals_ = ", ".join(f"{g:.4f}" for g in node.local_grads)
        print(f"{node.label:>6} = {node.op:<5}({parents:<9})  local grads: {locals_}")
    else:
        print(f"{node.label:>6}   leaf, data = {node.data}")

# %% [markdown]
# ## 3. Backpropagation by hand, node by node
#
# The chain rule says that the gradient of $L$ with respect to a parent is the gradient
# with respect to the child times the local derivative:
#
# $$\frac{\partial L}{\partial\,\text{parent}}
#   \mathrel{+}= \frac{\partial\,\text{child}}{\partial\,\text{parent}} \cdot
#   \frac{\partial L}{\partial\,\text{child}} .$$
#
# So we start at the output with $\partial L / \partial L = 1$ and visit the nodes in
# **reverse** topological order: when we reach a node, every node that uses it has
# already passed its share back, so its gradient is complete. `node.backward_step()`
# applies exactly the formula above for one node.

# %%
L.grad = 1.0                      # dL/dL
for node in reversed(order):
    if not node.parents:
        continue                  # a leaf has nobody to pass its gradient to
    node.backward_step()
    sent = ", ".join(f"{p.label}.grad = {p.grad:.4f}" for p in node.parents)
    print(f"step at {node.label!r:>7} (grad {node.grad:.4f}):  {sent}")

# %% [markdown]
# Check against the chain rule written out with `math` (no `Value`s):
#
# $$\frac{\partial L}{\partial w} = \underbrace{2(h - t)}_{\partial L/\partial h}
#   \cdot \underbrace{(1 - h^2)}_{\partial h / \partial a} \cdot
#   \underbrace{1}_{\partial a / \partial (wx)} \cdot
#   \underbrace{x}_{\partial (wx) / \partial w}, \qquad
#   \frac{\partial L}{\partial b} = 2(h-t)(1-h^2), \qquad
#   \frac{\partial L}{\partial x} = 2(h-t)(1-h^2)\,w .$$

# %%
h_ = math.tanh(-2.0 * 1.5 + 1.0)
dL_da = 2 * (h_ - 0.5) * (1 - h_**2)
expected = {"w": dL_da * 1.5, "b": dL_da, "x": dL_da * -2.0, "t": -2 * (h_ - 0.5)}
for leaf in (w, b, x, t):
    print(f"dL/d{leaf.label} = {leaf.grad:+.6f}   formula: {expected[leaf.label]:+.6f}")
    assert math.isclose(leaf.grad, expected[leaf.label])

# %% [markdown]
# The same algorithm without `backward_step`, computing the products of local derivatives
# ourselves into a dictionary. This loop *is* reverse-mode automatic differentiation:

# %%
grads = {L: 1.0}
for node in reversed(order):
    for parent, local in zip(node.parents, node.local_grads):
        grads[parent] = grads.get(parent, 0.0) + local * grads.get(node, 0.0)

for leaf in (w, b, x, t):
    print(f"dL/d{leaf.label} = {grads[leaf]:+.6f}   (.grad: {leaf.grad:+.6f})")
    assert math.isclose(grads[leaf], leaf.grad)

# %% [markdown]
# ## 4. The same with `backward()`
#
# `backward()` runs this loop for us. On a freshly built graph:

# %%
x2, w2, b2, t2, *_, L2 = build_neuron_loss()
L2.backward()
for by_hand, auto in zip((x, w, b, t), (x2, w2, b2, t2)):
    print(f"dL/d{auto.label}: by hand {by_hand.grad:+.6f}   backward() {auto.grad:+.6f}")
    assert by_hand.grad == auto.grad
draw_dot(L2, parameters=[w2, b2], rankdir="TB")


# %% [markdown]
# Read the diagram from the bottom up: $L$'s grad is 1; $h - t$ gets $2e$; $h$ gets
# the same (a subtraction passes the gradient through) while $t$ gets its negative; $a$
# gets it multiplied by $1-h^2$; then the `+` hands it unchanged to both $w \cdot x$ and
# $b$, and the `*` multiplies by the *other* factor: $w$ gets $x \cdot$ grad, $x$ gets
# $w \cdot$ grad.
#
# Notice how small the gradients above `tanh` are: $a = -2$ puts $\tanh$ on its flat
# part, where $1 - h^2 = 0.07$, so only 7% of the gradient gets through. A **saturated**
# unit learns slowly; this is one reason for careful weight initialisation.
#
# ## 5. Check numerically: `gradcheck`
#
# A derivative is a limit of difference quotients, so we can estimate it without any
# calculus. The **central difference**
#
# $$\frac{\partial f}{\partial x_i} \approx
#   \frac{f(\dots, x_i + \Delta, \dots) - f(\dots, x_i - \Delta, \dots)}{2\Delta}$$
#
# has an error that shrinks like $\Delta^2$ (we write the small step $\Delta$: $\epsilon$ is
# the learning rate in lesson 4). `gradcheck(f, inputs)` compares it with
# `backward()` for every input and prints a table (it raises an error on a mismatch).

# %%
def neuron_loss(x, w, b, t):
    return ((w * x + b).tanh() - t) ** 2

report = gradcheck(neuron_loss, [Value(1.5, "x"), Value(-2.0, "w"), Value(1.0, "b"),
                                 Value(0.5, "t")])
print(report)

# %% [markdown]
# ## 6. A value used twice: gradients add up
#
# If a value feeds several operations, a small change in it changes the output through
# **every** path, and the **multivariable chain rule** adds the contributions:
#
# $$\frac{\partial L}{\partial a} = \sum_{\text{children } c \text{ of } a}
#   \frac{\partial c}{\partial a}\,\frac{\partial L}{\partial c}.$$
#
# The simplest cases: $b = a + a$ has $\partial b/\partial a = 2$, and $b = a \cdot a$
# has $\partial b / \partial a = 2a$. The engine gets both right because every backward
# step **adds** to the parent's gradient (`+=`):

# %%
a = Value(3.0, "a")
double = a + a
double.label = "a + a"
double.backward()
print("d(a + a)/da =", a.grad, "(expected 2)")
assert a.grad == 2.0
draw_dot(double)


# %% [markdown]
# Note the **two** arrows from $a$ into the `+`: $a$ is both of its parents, and each
# arrow brings back a gradient of 1.
#
# Now a backward pass with a plausible-looking bug: it **assigns** the gradient
# (`parent.grad = ...`) instead of adding to it. Each use of $a$ overwrites the previous
# one's contribution, so only the last survives:

# %%
def backward_with_overwrite_bug(root):
    """Like backward(), but with '=' where the chain rule needs '+='. WRONG on purpose."""
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


# %% [markdown]
# The same bug in a less obvious place, $f = x y + x$, where $x$ feeds two *different*
# operations. The correct $\partial f / \partial x = y + 1$; the buggy version keeps
# only one of the two terms. A numerical check catches it at once, which is why every
# new operation deserves a `gradcheck`:

# %%
def f(x, y):
    return x * y + x

x, y = Value(2.0, "x"), Value(-4.0, "y")
backward_with_overwrite_bug(f(x, y))
buggy = x.grad
print(gradcheck(f, [Value(2.0, "x"), Value(-4.0, "y")]))  # the engine: passes
print(f"\nthe buggy backward says df/dx = {buggy}; the right answer is y + 1 = -3")

# %% [markdown]
# The same `+=` explains why a training loop must **zero the gradients**: leaves keep
# adding what every `backward()` brings, so a second backward without clearing doubles
# them (this is how PyTorch behaves too, and it is useful: gradients of several losses,
# or of several samples, add up).

# %%
a = Value(3.0, "a")
out = a * a
out.backward()
print("after one backward: ", a.grad)
out.backward()
print("after two backwards:", a.grad, " <- accumulated")
a.grad = 0.0  # what optimizer.zero_grad() / model.zero_grad() do for every parameter
out.backward()
print("after zeroing:      ", a.grad)

# %% [markdown]
# ## 7. Gate intuitions: add distributes, multiply swaps, max routes
#
# Three rules let you predict most gradients at a glance. Here each gate receives an
# upstream gradient of 2 (`backward(gradient=2.0)`, as if the gate sat inside a larger
# graph whose gradient reaching it is 2). Red grad cells are positive, blue negative.
#
# **Add distributes**: $z = x + y$ has local derivatives 1 and 1, so both inputs get the
# upstream gradient unchanged, whatever their values.

# %%
x, y = Value(3.0, "x"), Value(-4.0, "y")
z = x + y
z.label = "z = x + y"
z.backward(gradient=2.0)
assert (x.grad, y.grad) == (2.0, 2.0)
draw_dot(z, color_by_grad=True)

# %% [markdown]
# **Multiply swaps**: $z = x y$ has $\partial z/\partial x = y$ and
# $\partial z / \partial y = x$: each input's gradient is the *other* input's value times
# the upstream gradient. A large input makes the gradient of the other one large (one
# reason to normalise the data fed to a network).

# %%
x, y = Value(3.0, "x"), Value(-4.0, "y")
z = x * y
z.label = "z = x * y"
z.backward(gradient=2.0)
assert (x.grad, y.grad) == (2.0 * -4.0, 2.0 * 3.0)
draw_dot(z, color_by_grad=True)

# %% [markdown]
# **Max routes**: $z = \max(x, y)$ passes the whole upstream gradient to the larger input
# and 0 to the other (a tiny change in the smaller one does not change the max). ReLU is
# $\max(0, a)$: a hidden unit that is off passes no gradient back.

# %%
x, y = Value(3.0, "x"), Value(-4.0, "y")
z = maximum(x, y)
z.label = "z = max(x, y)"
z.backward(gradient=2.0)
assert (x.grad, y.grad) == (2.0, 0.0)
draw_dot(z, color_by_grad=True)

# %% [markdown]
# All three in one expression, $f = 2\,\bigl(x y + \max(z, w)\bigr)$. Predict the four
# gradients before running the cell: the `*` by 2 sends 2 back to the sum; the sum
# distributes 2 to both branches; the product swaps ($x$ gets $2y$, $y$ gets $2x$); the max
# routes 2 to the larger of $z, w$ and 0 to the other. (The constant 2 gets a gradient
# too, the value of the sum: numbers in an expression become constant leaves of the
# graph, and nothing stops us from differentiating with respect to them.)

# %%
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

# %% [markdown]
# ## Summary
#
# * A `Value` records its parents, its op and its local derivatives: the graph is built
#   as a side effect of the forward computation.
# * Backprop = visit nodes in reverse topological order and apply
#   `parent.grad += local * node.grad` (`backward_step`). `backward()` does exactly that.
# * `gradcheck` compares with central differences: use it whenever you write a new
#   operation.
# * Gradients **add up** over every use of a value (`+=`, not `=`), which is also why
#   gradients must be zeroed between training steps.
# * Add distributes, multiply swaps, max routes.
