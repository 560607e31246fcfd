"""The two ways compiling can fail."""

from __future__ import annotations

__all__ = ["CompileError", "CompileMismatchError"]


class CompileError(ValueError):
    """The function cannot be compiled (for example, a node with an unknown op)."""


class CompileMismatchError(AssertionError):
    """The compiled program and the interpreter disagree on a sample (see `check`)."""
