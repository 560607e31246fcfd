"""Check backward against numerical differentiation (central differences).

For each input x_i, the derivative is estimated as

    df/dx_i ~ (f(..., x_i + eps, ...) - f(..., x_i - eps, ...)) / (2 eps)

whose error shrinks like eps**2 (a one-sided difference only shrinks like eps). The check
passes where |analytic - numeric| <= atol + rtol * |numeric| for every input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .conversion import to_float
from .engine import Value
from .modes import enable_grad, no_grad

__all__ = ["gradcheck", "GradcheckReport", "GradcheckError"]


@dataclass(frozen=True)
class GradcheckRow:
    """One input's comparison."""

    index: int
    label: str
    value: float
    analytic: float
    numeric: float
    ok: bool

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


@dataclass(frozen=True)
class GradcheckReport:
    """The per-input results of `gradcheck`; ``str(report)`` is a readable table."""

    rows: tuple[GradcheckRow, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __str__(self) -> str:
        header = f"{'input':>12} {'value':>12} {'backward':>14} {'numeric':>14} {'error':>10}"
        lines = [header]
        for r in self.rows:
            name = r.label or f"x[{r.index}]"
            mark = "ok" if r.ok else "MISMATCH"
            lines.append(
                f"{name:>12} {r.value:>12.6g} {r.analytic:>14.8g} {r.numeric:>14.8g} "
                f"{r.error:>10.2e}  {mark}"
            )
        verdict = "all gradients match" if self.ok else "some gradients do NOT match"
        lines.append(
            f"{verdict} (central differences, eps={self.eps:g}; "
            f"passes if error <= {self.atol:g} + {self.rtol:g} * |numeric|)"
        )
        return "\n".join(lines)

    # Jupyter shows the table as text rather than a dataclass repr.
    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when backward and central differences disagree."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__("gradcheck failed:\n" + str(report))
        self.report = report


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare the gradient from `backward()` with central differences, input by input.

    Args:
        f: a function of ``len(inputs)`` Values returning one scalar Value.
        inputs: the point to check at (numbers or Values; their labels name the rows).
        eps: the step of the central difference.
        atol, rtol: the tolerance, |analytic - numeric| <= atol + rtol * |numeric|.

    Returns:
        The report (print it for a table). Raises `GradcheckError` with that report if any
        input mismatches.
    """
    if isinstance(inputs, (int, float, Value)):
        inputs = (inputs,)
    points = [x.data if isinstance(x, Value) else to_float(x) for x in inputs]
    labels = [x.label if isinstance(x, Value) else "" for x in inputs]

    leaves = [Value(x, label) for x, label in zip(points, labels)]
    with enable_grad():  # our own graph, recorded even when called inside no_grad()
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs f to return one Value, got {type(out).__name__}.")
    out.backward()

    rows = []
    for i, (x, leaf) in enumerate(zip(points, leaves)):
        numeric = (_evaluate(f, points, i, x + eps) - _evaluate(f, points, i, x - eps)) / (
            2 * eps
        )
        ok = abs(leaf.grad - numeric) <= atol + rtol * abs(numeric)
        rows.append(GradcheckRow(i, labels[i], x, leaf.grad, numeric, ok))
    report = GradcheckReport(tuple(rows), eps, atol, rtol)
    if not report.ok:
        raise GradcheckError(report)
    return report


@no_grad()
def _evaluate(f: Callable[..., Value], points: list[float], i: int, x_i: float) -> float:
    """f at `points` with input i moved to x_i (no graph is recorded)."""
    args = [Value(x) for x in points]
    args[i] = Value(x_i)
    out = f(*args)
    return out.data if isinstance(out, Value) else to_float(out)
