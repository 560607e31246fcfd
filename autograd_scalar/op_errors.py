"""The errors of the operations, named after the op and the offending numbers.

The interpreter (`ops.SCALAR`) and the compiled program (its `ARRAY`) raise the same ones;
the compiled program adds which sample of the batch it was.
"""

from __future__ import annotations

from typing import Any


def _domain_error(op: str, value: str, reason: str) -> ValueError:
    return ValueError(f"{op} is undefined for {value}: {reason}")


def exp_overflow_error(a: float) -> OverflowError:
    return OverflowError(
        f"exp overflows for {a!r}: the result is larger than the largest float "
        "(about 1.8e308, reached at 709.78). Scale your inputs down, or use "
        "logsumexp/softmax, which are computed without overflow."
    )


def zero_to_negative_power_error(a: float, b: float) -> ValueError:
    return _domain_error("**", f"{a!r} ** {b!r}", "0 to a negative power divides by zero.")


def negative_to_fractional_power_error(a: float, b: float) -> ValueError:
    return _domain_error("**", f"{a!r} ** {b!r}", "a negative number to a fractional power "
                         "is not real.")


def overflow_error(op: str, inputs: tuple) -> OverflowError:
    numbers = (f" for {', '.join(_short(x) for x in inputs)}" if inputs else "")
    return OverflowError(
        f"{op} overflows{numbers}: the inputs are finite but the result is larger than the "
        "largest float (about 1.8e308). Look for inputs that are not normalised, weights that "
        "grew (lower the learning rate), or compute in log space."
    )


def _short(x: Any) -> str:
    """A number as repr, a list of numbers by its length (a neuron has thousands)."""
    return f"{len(x)} numbers" if isinstance(x, (list, tuple)) else repr(x)


def power_overflow_error(a: float, b: float) -> OverflowError:
    return OverflowError(
        f"** overflows for {a!r} ** {b!r}: the result is larger than the largest float."
    )


def log_of_non_positive_error(a: float) -> ValueError:
    return _domain_error(
        "log", repr(a), "the logarithm needs a positive number. If this is a probability "
        "that underflowed to 0, compute log-probabilities directly (for example with "
        "logsumexp)."
    )


def sqrt_of_negative_error(a: float) -> ValueError:
    return _domain_error("sqrt", repr(a), "the square root needs a number >= 0.")


def division_by_zero_error(a: float, b: float) -> ValueError:
    return _domain_error("a / b", f"a={a!r}, b={b!r}", "division by zero")
