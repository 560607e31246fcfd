"""Compile a function of scalar Values into vectorised NumPy that runs a whole batch at once.

This is how real frameworks go fast, in three steps you can watch (``print(program)``):

1. **Trace.** Call your function once, on placeholder Values that hold one example sample.
   The engine records the graph it builds, as always: every node with its op and parents.
2. **Lower.** Every scalar node becomes a *row* of numbers, one per sample of a batch. Nodes
   are put in *levels* (a node's level is one more than its deepest parent's), and the nodes
   of one level with the same op form a *group*: one NumPy call computes all of them for all
   samples. A layer's neurons are ``dot`` nodes that share their input vector; their group
   becomes one matrix product with the weights stacked into a matrix, W @ X; when the next
   level only adds the layer's biases to it, the two groups are fused into W @ X + b, and a
   ReLU after that joins them: relu(W @ X + b). The five small groups of a softmax
   cross-entropy against one-hot targets become one, whose backward is the lecture's delta,
   softmax(z) - t.
3. **Run.** Forward: the groups level by level, each with the op's rule from `ops` (the very
   rule the interpreter uses, applied to arrays). Backward: the groups in reverse, each
   passing ``upstream * local derivative`` to its parents' rows (the chain rule, for every
   node and every sample at once). Parameter gradients are summed over the batch.

**What a trace cannot see.** Tracing records the operations that ran for the example sample.
Python control flow on *values* (``if x.data > 0: ...``, indexing with a class label
``row[y]``) is replayed as it went for that example, for every sample: the compiled program
then computes a different function. Write such choices with ops (``relu``, ``maximum``, a
one-hot target in a ``dot``), and use `CompiledProgram.check` on real samples: it runs the
interpreter on them and raises `CompileMismatchError` if the results differ. `compile` runs
this check on its example, and `nn.fit(engine="compiled")` on a training sample.

Example:
    >>> import numpy as np
    >>> from autograd_scalar import Value, compile
    >>> w = [Value(0.5), Value(-1.0)]
    >>> def f(x):  # one sample x: a list of 2 Values
    ...     return (w[0] * x[0] + w[1] * x[1]).tanh()
    >>> program = compile(f, np.zeros(2), parameters=w)
    >>> result = program(np.array([[1.0, 2.0], [3.0, 0.0]]))  # a batch of 2 samples
    >>> result.losses.round(4).tolist()  # f for each sample
    [-0.9051, 0.9051]

The wing, one idea per file, in the order a program is made and run:

* ``trace.py``       run the function on placeholders, record the graph
* ``plan.py``        levels, groups and a place for every node; running the plan
* ``lower.py``       one group of nodes -> the runtime group that computes it
* ``fuse.py``        a layer's groups -> one group, W @ X + b or relu(W @ X + b)
* ``cross_entropy.py``  logsumexp(z) * sum(t) - t . z -> one group, the loss and its delta
* ``groups.py``      the runtime groups (elementwise, reduction, matrix product, layers)
* ``operands.py``    where a group reads its inputs and sends their gradients
* ``array_math.py``  the rules of ``ops`` on NumPy arrays (`ARRAY`)
* ``program.py``     `compile` and `CompiledProgram`, the API
* ``session.py``     `CompiledProgram.training`: fast training steps
* ``check.py``       comparing with the interpreter on one sample
* ``errors.py``      `CompileError`, `CompileMismatchError`
"""

from .errors import CompileError, CompileMismatchError
from .plan import CompiledResult
from .program import CompiledProgram, GroupSummary, compile

__all__ = ["compile", "CompiledProgram", "CompiledResult", "CompileError", "CompileMismatchError",
           "GroupSummary"]
