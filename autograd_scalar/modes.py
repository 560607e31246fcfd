"""The engine's modes: recording the graph (no_grad) and checking gradients (detect_anomaly).

Each is a count of the blocks open in the current thread, so that threads never change each
other's mode and blocks may close in any order.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "modes"]


class Modes(threading.local):
    """How many `no_grad` and `detect_anomaly` blocks are open, counted per thread.

    Per thread, as PyTorch's grad mode is: a thread evaluating under no_grad never turns
    recording off for a thread that trains. A count rather than a saved on/off value, so
    that blocks which do not close in the order they opened (two generators, each inside its
    own `with no_grad():`, advanced in turn) still leave the mode exactly as it was: recording
    is on again as soon as every block has closed.
    """

    no_grad_blocks = 0
    anomaly_blocks = 0


modes = Modes()  # the engine reads modes.no_grad_blocks for every new Value


def is_grad_enabled() -> bool:
    """True unless this thread is inside a `no_grad()` block."""
    return modes.no_grad_blocks == 0


class _Mode(contextlib.ContextDecorator):
    """Open one of the `Modes` for a block (``with``) or for a decorated call (``@``)."""

    counter: str  # the name of the attribute of Modes counting open blocks

    def __enter__(self) -> _Mode:
        setattr(modes, self.counter, getattr(modes, self.counter) + 1)
        return self

    def __exit__(self, *exc_info: object) -> None:
        setattr(modes, self.counter, getattr(modes, self.counter) - 1)


class no_grad(_Mode):
    """Stop recording the graph: results of operations have no parents.

    Use it for evaluation, where no gradient is needed: it saves the memory of the graph.
    Works as a context manager (``with no_grad(): ...``) and as a decorator
    (``@no_grad()``). Blocks may be nested; each thread has its own mode.
    """

    counter = "no_grad_blocks"


class detect_anomaly(_Mode):
    """Make `backward()` stop at the first gradient that becomes NaN or infinite.

    The error names the node whose local step produced it (its op and label) and the parent
    that received it, so you can find the operation to blame (typically ``log`` of something
    tiny, ``sqrt`` at 0, or a learning rate so large that values overflow).
    """

    counter = "anomaly_blocks"


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph inside this block even within `no_grad` (as ``torch.enable_grad``).

    `grad`, `value_and_grad` and `gradcheck` use it: they build and differentiate a graph
    of their own, so they give the right gradient wherever they are called.
    """
    saved = modes.no_grad_blocks
    modes.no_grad_blocks = 0
    try:
        yield
    finally:
        modes.no_grad_blocks = saved
