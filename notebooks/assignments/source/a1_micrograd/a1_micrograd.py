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
# # Assignment 1: Build your own micrograd
#
# You will write a scalar `Value` class that remembers how it was computed and can
# differentiate itself: reverse-mode automatic differentiation in about 80 lines.
# Every operation creates its result **and** a small function, the closure `_backward`,
# that pushes the result's gradient to the operands with the chain rule:
#
# $$\texttt{operand.grad} \mathrel{+}= \frac{\partial\, \texttt{out}}{\partial\, \texttt{operand}} \cdot \texttt{out.grad}$$
#
# `backward()` then sorts the graph so that every node comes after its operands, and calls
# the `_backward` of each node from the output back to the inputs.
#
# **How you are graded.** Each cell that starts with `check.` compares your class with the
# project's engine (`autograd_scalar.Value`) on the same expressions. It prints `OK: ...`
# or `WRONG: ...` with what is wrong and a hint. Run them as often as you like; the grader
# runs the same checks and a few hidden ones. Write your code only where it says
# `YOUR CODE HERE` (delete the `raise NotImplementedError()` line), and do not rename
# anything. Before you hand in: *Kernel > Restart & Run All*, and every check prints OK.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

from nn.checks import micrograd as check

# %% [markdown] nbgrader={"grade": false, "grade_id": "part1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 1: the operations
#
# Complete the class below. `__init__` is written for you. For each operation:
#
# 1. compute the result `out` (a new `Value` whose `_prev` are the operands), and
# 2. define `_backward()`, which adds *local derivative × `out.grad`* to each operand's
#    `grad`, and store it as `out._backward`.
#
# Here is the pattern for an operation you will not need, $\sin$:
#
# ```python
# def sin(self):
#     out = Value(math.sin(self.data), (self,), "sin")
#
#     def _backward():
#         self.grad += math.cos(self.data) * out.grad  # d sin(x)/dx = cos(x)
#
#     out._backward = _backward
#     return out
# ```
#
# The closure remembers `self` and `out`: when `backward()` calls it later, `out.grad`
# holds the gradient that has arrived at `out` by then.
#
# | operation | local derivatives |
# |---|---|
# | `x + y` | $\partial/\partial x = 1$, $\partial/\partial y = 1$ |
# | `x * y` | $\partial/\partial x = y$, $\partial/\partial y = x$ |
# | `x ** n` (n a number) | $n\,x^{n-1}$ |
# | `x.tanh()` | $1 - \tanh^2 x$ |
# | `x.exp()` | $e^x$ |
# | `x.relu()` | $1$ if $x > 0$, else $0$ |
#
# Subtraction, division and negation need **no** `_backward` of their own: write them with
# the operations above (`x - y` is `x + (-y)`, `x / y` is `x * y**-1`, `-x` is `x * -1`),
# and their gradients come for free. Plain numbers must work too: `x + 1`, `2 * x`, `1 / x`.
#
# Why `+=` and not `=`? A Value can be used more than once (`x * x`, or a weight shared by
# every example of a batch); each use sends its own gradient, and the chain rule adds them.

# %% nbgrader={"grade": false, "grade_id": "value_class", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Value:
    """A number that remembers the operations that made it, so it can be differentiated."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0  # d(output)/d(self), filled in by backward()
        self._backward = lambda: None  # a leaf has nothing to pass on
        self._prev = tuple(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        ### BEGIN SOLUTION
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad  # d(x + y)/dx = 1
            other.grad += out.grad  # d(x + y)/dy = 1

        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        ### BEGIN SOLUTION
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad  # d(x * y)/dx = y
            other.grad += self.data * out.grad  # d(x * y)/dy = x

        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, n):
        if not isinstance(n, int | float):
            raise TypeError(f"only a number exponent (x ** 2), got {type(n).__name__}")
        ### BEGIN SOLUTION
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad  # d(x**n)/dx = n x**(n-1)

        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        ### BEGIN SOLUTION
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad  # d tanh(x)/dx = 1 - tanh(x)**2

        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self):
        ### BEGIN SOLUTION
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad  # d e**x/dx = e**x, which out already holds

        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self):
        ### BEGIN SOLUTION
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad  # 1 where the input was positive

        out._backward = _backward
        return out
        ### END SOLUTION

    # Derived operations: no _backward of their own, only the ones above.
    def __neg__(self):  # -self
        ### BEGIN SOLUTION
        return self * -1
        ### END SOLUTION

    def __sub__(self, other):  # self - other
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __truediv__(self, other):  # self / other
        ### BEGIN SOLUTION
        return self * other**-1
        ### END SOLUTION

    # A number on the left (2 * x) asks the Value on the right: x.__rmul__(2).
    def __radd__(self, other):  # other + self
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def __rsub__(self, other):  # other - self
        return Value(other) - self

    def __rtruediv__(self, other):  # other / self
        return Value(other) / self

    def backward(self):
        """Fill in .grad of every Value this one depends on (Part 2)."""
        ### BEGIN SOLUTION
        # Topological order without recursion: a node is appended after all its operands.
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, operands_done = stack.pop()
            if operands_done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev if child not in visited)
        self.grad = 1.0  # d(self)/d(self)
        for node in reversed(order):  # the output first: each node has its full gradient
            node._backward()
        ### END SOLUTION


# %% [markdown] nbgrader={"grade": false, "grade_id": "check_forward_md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# First the forward values. This check needs no gradient at all.

# %% nbgrader={"grade": true, "grade_id": "check_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check.check_forward(Value)

# %% [markdown] nbgrader={"grade": false, "grade_id": "check_local_md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Now each operation's `_backward`, run by hand as you would on paper: make `out`, set
# `out.grad = 1`, call `out._backward()` and look at the operands' `grad`. Try it yourself:
# `x = Value(2.0); out = x.tanh(); out.grad = 1.0; out._backward(); x.grad`.

# %% nbgrader={"grade": true, "grade_id": "check_local_gradients", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check.check_local_gradients(Value)

# %% nbgrader={"grade": true, "grade_id": "check_accumulation", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check.check_accumulation(Value)

# %% [markdown] nbgrader={"grade": false, "grade_id": "part2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 2: `backward()`
#
# Go back to the class and write `backward()`:
#
# 1. list every node the output depends on in **topological order**: each node after all
#    of its operands (`_prev`), each node once (keep a `visited` set);
# 2. set the output's gradient to 1 ($\partial\,\text{out}/\partial\,\text{out} = 1$);
# 3. call `_backward()` on every node in **reverse** order, the output first, so that a
#    node has received its whole gradient before it passes it on.
#
# The checks compare your gradients with the engine's, first on three small graphs chosen
# to catch the classic mistakes, then on 200 random expressions.

# %% nbgrader={"grade": true, "grade_id": "check_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check.check_backward(Value)

# %% nbgrader={"grade": true, "grade_id": "check_random_graphs", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check.check_random_graphs(Value, graphs=200, seed=0)
### BEGIN HIDDEN TESTS
check.check_random_graphs(Value, graphs=300, seed=2026)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "part3", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 3: gradient descent with your `Value`
#
# Minimise $L(w) = (w - 3)^2$ from $w = 0$. Write `descend(Value, steps, lr)`, which makes
# `w = Value(0.0)` and repeats `steps` times: reset `w.grad` to 0, compute the loss, call
# `backward()`, update `w.data -= lr * w.grad`. Return the list of `w.data` after each step.
# (Why reset? `backward()` *adds* to the gradients, so the previous step's would pile up.)

# %% nbgrader={"grade": false, "grade_id": "descend", "locked": false, "schema_version": 3, "solution": true, "task": false}
def descend(Value, steps, lr):
    ### BEGIN SOLUTION
    w = Value(0.0)
    path = []
    for _ in range(steps):
        w.grad = 0.0
        loss = (w - 3) ** 2
        loss.backward()
        w.data -= lr * w.grad
        path.append(w.data)
    return path
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_gradient_descent", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check.check_gradient_descent(descend, Value)

# %% [markdown] nbgrader={"grade": false, "grade_id": "stretch", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Stretch goal (1 point): a chain deeper than Python's recursion limit
#
# micrograd sorts the graph with a recursive function, and Python allows about 1,000
# nested calls: a network with CIFAR-10's 3,072 inputs already goes deeper. If the check
# below fails with a message about the recursion limit, rewrite your sort with an explicit
# stack (a list you `append` to and `pop` from) instead of recursion.

# %% nbgrader={"grade": true, "grade_id": "check_deep_chain", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check.check_deep_chain(Value, depth=5000)
