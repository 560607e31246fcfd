"""autograd_scalar: scalar reverse-mode automatic differentiation, for learning backprop.

    >>> from autograd_scalar import Value
    >>> x = Value(2.0, "x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad          # dy/dx = 2x + 3
    7.0
"""

from .compiler import CompiledProgram, CompileError, CompileMismatchError, compile
from .engine import (
    Value,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from .functions import dot, log_softmax, logsumexp, maximum, minimum, softmax, sum
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .transforms import grad, value_and_grad

__version__ = "0.1.0"

__all__ = [
    "Value",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "topological_order",
    "sum",
    "dot",
    "maximum",
    "minimum",
    "logsumexp",
    "softmax",
    "log_softmax",
    "grad",
    "value_and_grad",
    "gradcheck",
    "GradcheckReport",
    "GradcheckError",
    "compile",
    "CompiledProgram",
    "CompileError",
    "CompileMismatchError",
]
