"""Checks for the course's assignments: "OK", or what is wrong in words a student understands.

One module per assignment, each comparing a student's code with `autograd_scalar` (the
oracle that knows the right gradients)::

    from nn.checks import micrograd   # assignment 1: a student's Value class
    from nn.checks import backprop    # assignment 2: deltas and gradients in NumPy
    from nn.checks import challenge   # assignment 3: the CIFAR-10 MLP without autodiff

A passing check prints ``OK: ...`` and returns True; a failing one raises `CheckFailed`
(an AssertionError, so nbgrader and pytest count it as failed) with the message. They work
the same in a graded notebook, a plain notebook or a script.
"""

from .report import CheckFailed, rel_error

__all__ = ["CheckFailed", "rel_error"]
