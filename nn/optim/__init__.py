"""Optimizers (SGD, Adam) and learning-rate schedules, with PyTorch's exact update rules.

An optimizer holds a list of parameter Values. One training step is::

    optimizer.zero_grad()      # gradients accumulate, so clear them first
    loss = ...                 # forward pass
    loss.backward()            # every parameter's .grad = d(loss)/d(parameter)
    optimizer.step()           # move every parameter against its gradient

The maths of each optimizer lives in one method, `update(data, grad)`, which works on NumPy
arrays: `data` holds every parameter's value and `grad` every gradient, one entry per
parameter in the order given. `step()` gathers the Values into two such arrays, calls
`update` and writes the new values back. A compiled program that keeps all its parameters in
one flat array calls `update` directly, with no Python loop over the parameters.

Float64 NumPy arithmetic rounds exactly as Python floats do, and `update` keeps PyTorch's
order of operations, so the results are the same to the last bit as a loop over floats.

`update` also takes float32 arrays (a float32 compiled program's parameters): it then computes,
and keeps its state, in float32, as PyTorch's optimizers keep the dtype of their parameters.

The per-parameter state (momentum, Adam's averages) is kept in arrays, one entry per
parameter; `state_dict()` returns it as plain lists of floats, so it is JSON-serialisable.
"""

from .adam import Adam
from .base import Optimizer
from .schedules import LinearDecay, StepLR
from .sgd import SGD

__all__ = ["SGD", "Adam", "LinearDecay", "Optimizer", "StepLR"]
