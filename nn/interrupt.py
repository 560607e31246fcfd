"""Ctrl-C during training: stop after the current batch instead of in the middle of it.

Python turns Ctrl-C (SIGINT) into a KeyboardInterrupt wherever the program happens to be,
for example halfway through an optimizer step that has updated only some parameters.
Inside ``with StopRequest() as stop:`` the first Ctrl-C only sets ``stop.requested``; the
training loop looks at it after every batch and stops cleanly. A second Ctrl-C interrupts
at once, as usual, for a loop that does not stop.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

__all__ = ["StopRequest"]


class StopRequest:
    """A flag set by Ctrl-C while the ``with`` block runs (in the main thread only: Python
    delivers signals there; elsewhere Ctrl-C keeps its usual meaning)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, self._on_ctrl_c)
            # (None: a handler set outside Python; Python's own raises KeyboardInterrupt)
            self._previous = previous if previous is not None else signal.default_int_handler
        return self

    def _on_ctrl_c(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        self._restore()  # a second Ctrl-C interrupts at once

    def _restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def __exit__(self, *exc_info: object) -> None:
        self._restore()
