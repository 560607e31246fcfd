"""Function transformations in the style of JAX: `grad(f)` and `value_and_grad(f)`.

`grad(f)` is a new function that returns df/dx instead of f(x). Arguments may be numbers,
Values, or (nested) lists and tuples of them; the gradient has the same shape. Each call
builds the graph on fresh leaves, so the Values you pass in are never modified, and records
it even inside `no_grad()` (as `torch.enable_grad` would), so the gradient is right wherever
it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, enable_grad

__all__ = ["grad", "value_and_grad"]


def value_and_grad(
    f: Callable[..., Value | float], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[float, Any]]:
    """Return a function computing ``(f(*args), df/dargs[argnums])`` in one pass.

    Args:
        f: a function of numbers or Values returning one scalar Value (or a number).
        argnums: which positional argument(s) to differentiate: an int gives one gradient,
            a tuple of ints gives a tuple of gradients.

    Example:
        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any) -> tuple[float, Any]:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(
                    f"argnums={argnums!r} asks for argument {i}, but f was called with "
                    f"{len(args)} positional argument(s)."
                )
        args = list(args)
        leaves = {}
        for i in positions:
            leaves[i] = args[i] = _fresh_leaves(args[i])
        with enable_grad():  # our own graph, recorded even inside no_grad()
            out = f(*args)
        if isinstance(out, Value):
            out.backward()
            value = out.data
        elif isinstance(out, (int, float)) and not isinstance(out, bool):
            value = float(out)  # f does not depend on its arguments: gradient 0
        else:
            raise TypeError(
                f"grad needs f to return one scalar Value, got {type(out).__name__}. "
                "Reduce the outputs to a scalar first, for example with sum(...)."
            )
        grads = tuple(_grads_of(leaves[i]) for i in positions)
        return value, grads[0] if isinstance(argnums, int) else grads

    return wrapped


def grad(
    f: Callable[..., Value | float], argnums: int | Sequence[int] = 0
) -> Callable[..., Any]:
    """Return a function computing df/dargs[argnums] (see `value_and_grad`).

    Example:
        >>> grad(lambda x: x ** 3)(2.0)    # d/dx x**3 = 3 x**2
        12.0
    """
    with_value = value_and_grad(f, argnums)
    return lambda *args: with_value(*args)[1]


def _fresh_leaves(arg: Any) -> Any:
    """New leaf Values with the same numbers (and labels) as `arg`, in the same structure."""
    if isinstance(arg, Value):
        return Value(arg.data, arg.label)
    if isinstance(arg, (list, tuple)):
        return type(arg)(_fresh_leaves(a) for a in arg)
    if hasattr(arg, "tolist") and not isinstance(arg, (int, float)):  # NumPy array
        return _fresh_leaves(arg.tolist())
    return Value(arg)  # a number; Value() raises a clear TypeError for anything else


def _grads_of(leaves: Any) -> Any:
    if isinstance(leaves, Value):
        return leaves.grad
    return type(leaves)(_grads_of(leaf) for leaf in leaves)
