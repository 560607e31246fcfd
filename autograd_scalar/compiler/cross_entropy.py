"""Fusing the softmax cross-entropy: five small groups of the loss become one.

`nn.softmax_cross_entropy` against a probability (one-hot) target t writes the loss with the
engine's ops only, so that it can be traced:

    L = logsumexp(z) * sum(t) - dot(t, z)

Compiled as it is, that is five groups of one node per sample (sum, logsumexp, dot, *, -),
each with its own gathers, rows of V and backward pass: for a small model they cost more
than the layer that computes z. `SoftmaxCrossEntropy` computes the same numbers in one
group, and its backward is the lecture's delta in one line:

    dL/dz_j = softmax(z)_j * sum(t) - t_j          dL/dt_j = logsumexp(z) - z_j

Forward uses the same NumPy arithmetic as the five rules (`array_math`), in the same order,
so the loss is the same to the last bit; it writes every result into arrays made once when
the group is bound (`out=`), so a training step allocates nothing here. Where some number
is not finite (an infinite score, a NaN target, an overflow) it runs the five original
groups instead, so the interpreter's rules for infinities and its overflow errors hold
exactly as before.

`fuse_cross_entropies` finds the pattern among a plan's groups; they are fused only when
nothing else (no other group, no output, no loss) reads the intermediate results.
"""

from __future__ import annotations

import copy
import math
from collections import Counter

import numpy as np

from .. import ops
from .fuse import producer, read_once, row_reads
from .groups import Elementwise, Group, Reduction, Step, forward_only
from .operands import Operand, Tables

__all__ = ["SoftmaxCrossEntropy", "fuse_cross_entropies"]


class SoftmaxCrossEntropy(Group):
    """logsumexp(z) * sum(t) - dot(t, z) for k losses of n scores each, as one group.

    Attributes:
        parts: the five groups it replaces (sum, logsumexp, dot, *, -, in the order they
            ran), run instead where some number is not finite.
        scores, targets: the operands z and t, n entries per loss each.
    """

    def __init__(self, parts: dict[str, Group], scores: Operand, targets: Operand) -> None:
        self.op = ops.LOGSUMEXP  # (its first op; see op_names for all five)
        self.parts = [parts[name] for name in ("sum", "logsumexp", "dot", "*", "-")]
        self.n = parts["logsumexp"].n  # scores per loss
        # Copies: the plan may let these write their gradients instead of adding them
        # (`Operand.grad_view`), which the five groups' own operands must not do.
        self.scores, self.targets = copy.copy(scores), copy.copy(targets)
        self.operands = [self.scores, self.targets]
        self.size = sum(part.size for part in self.parts)  # the scalar nodes it computes
        self.losses = parts["-"].size
        self.out = parts["-"].out  # the rows of the losses in V
        self.needs_grad = scores.needs_grad or targets.needs_grad

    def bind(self, tables: Tables, G: np.ndarray, grad: np.ndarray | None,
             ) -> tuple[Step, Step]:
        """Forward and backward of the k losses, computed into arrays made once for these
        tables (no temporaries per step); where a loss is not finite, the five original
        groups run instead (bound here too)."""
        work = _Work(self.losses, self.n, G.shape[1], G.dtype)
        parts = [(part, *part.bind(tables, G, grad)) for part in self.parts]
        forward = self._forward(tables, work, parts)
        if grad is None:
            return forward, forward_only
        return forward, self._backward(G, grad, work, parts)

    def _forward(self, tables: Tables, work: _Work, parts: list) -> Step:
        """L = logsumexp(z) * sum(t) - t . z, by the rules' arithmetic in their order."""
        scores, targets = self.scores.reader(tables), self.targets.reader(tables)
        losses, shape = tables.V[self.out], (self.losses, self.n, -1)
        top, exps, total, lse = work.top, work.exps, work.total, work.lse
        t_sum, products, dots = work.t_sum, work.products, work.dots

        def forward() -> None:
            z, t = scores().reshape(shape), targets().reshape(shape)
            # logsumexp_rule for finite scores: shift by the largest, so no exp overflows
            np.maximum.reduce(z, axis=1, out=top)  # ARRAY.largest
            np.exp(np.subtract(z, work.top_each, out=exps), out=exps)  # ARRAY.exp_each
            np.add.reduce(exps, axis=1, out=total)  # ARRAY.total
            np.add(top, np.log(total, out=lse), out=lse)  # top + log(total)
            np.add.reduce(t, axis=1, out=t_sum)
            np.add.reduce(np.multiply(t, z, out=products), axis=1, out=dots)  # ARRAY.sumprod
            np.subtract(np.multiply(lse, t_sum, out=losses), dots, out=losses)
            # A sum is finite only if every term is: one check for the whole batch. A finite
            # loss means z and t are finite too (an infinite z_j or t_j makes dot or sum not).
            if math.isfinite(np.add.reduce(losses, axis=None)):
                work.inputs = z, t
                return
            work.inputs = None
            for _, part_forward, _ in parts:  # the rules, one by one
                part_forward()
        return forward

    def _backward(self, G: np.ndarray, grad: np.ndarray, work: _Work, parts: list) -> Step:
        """dL/dz = softmax(z) * sum(t) - t (the output delta), dL/dt = logsumexp(z) - z."""
        upstream = G[self.out][:, None, :]
        scores, targets = self.scores, self.targets
        delta = work.products  # (free after forward: the softmax delta is computed in it)

        def backward() -> None:
            if work.inputs is None:  # forward ran the five groups: so does backward
                for part, _, part_backward in reversed(parts):
                    if part.needs_grad:
                        part_backward()
                return
            z, t = work.inputs
            if scores.needs_grad:  # ARRAY.divide_each(exps, total) * t_sum - t
                np.divide(work.exps, work.total_each, out=delta)
                np.subtract(np.multiply(delta, work.t_sum_each, out=delta), t, out=delta)
                self._pass_back(scores, delta, upstream, G, grad)
            if targets.needs_grad:
                self._pass_back(targets, work.lse[:, None, :] - z, upstream, G, grad)
        return backward

    def _pass_back(self, operand: Operand, local: np.ndarray, upstream: np.ndarray,
                   G: np.ndarray, grad: np.ndarray) -> None:
        """upstream * local to the operand's nodes: into its rows of G if it is their only
        writer (no temporary), else added where they are."""
        rows = operand.grad_view(G)
        if rows is not None:
            np.multiply(local, upstream, out=rows.reshape(local.shape))  # (a view of G)
        else:
            operand.scatter((local * upstream).reshape(self.losses * self.n, -1), G, grad)

    @property
    def op_names(self) -> str:
        return "sum, logsumexp, dot, *, -"

    def describe(self) -> str:
        return (f"{self.losses:>6} x softmax cross-entropy of {self.n} scores: "
                "logsumexp(z) * sum(t) - t . z (5 ops)")


class _Work:
    """The arrays a bound cross-entropy computes into, made once: for k losses of n scores
    and a batch, (k, n, batch) for the exponentials and products, (k, batch) for the rest,
    and (k, 1, batch) views of those to broadcast over the n scores."""

    def __init__(self, k: int, n: int, batch: int, dtype: np.dtype) -> None:
        self.exps, self.products = np.empty((2, k, n, batch), dtype=dtype)
        self.top, self.total, self.lse, self.t_sum, self.dots = np.empty((5, k, batch),
                                                                         dtype=dtype)
        self.top_each, self.total_each, self.t_sum_each = (
            a[:, None, :] for a in (self.top, self.total, self.t_sum))
        self.inputs: tuple[np.ndarray, np.ndarray] | None = None  # z and t of the last forward


def fuse_cross_entropies(groups: list[Group], levels: list[int], first_levels: list[int],
                         readers: list[Operand],
                         ) -> tuple[list[Group], list[int], list[int]]:
    """Replace each set of five groups that computes logsumexp(z) * sum(t) - dot(t, z) by one
    `SoftmaxCrossEntropy`, run where the subtraction ran (z and t are ready by then).

    Args:
        groups: the plan's groups in the order they run; their `out` slices are set.
        levels, first_levels: the level of each group's results and of its first nodes.
        readers: every operand of the plan that is not a group's (the outputs, the loss).

    Returns:
        the groups, levels and first levels, with the fused groups in place.
    """
    reads = row_reads(groups, readers)
    made_by = {(g.out.start, g.out.stop): g for g in groups}
    level_of = {id(g): (first, last) for g, first, last in zip(groups, first_levels, levels)}
    fused: dict[int, SoftmaxCrossEntropy] = {}  # id(subtraction) -> the fused group
    removed: set[int] = set()
    for group in groups:
        parts = _cross_entropy_parts(group, made_by, reads)
        if parts is not None:
            scores, targets = parts["logsumexp"].operands[0], parts["sum"].operands[0]
            fused[id(group)] = SoftmaxCrossEntropy(parts, scores, targets)
            removed.update(id(part) for name, part in parts.items() if name != "-")
            level_of[id(group)] = (level_of[id(parts["logsumexp"])][0], level_of[id(group)][1])
    kept = [fused.get(id(g), g) for g in groups if id(g) not in removed]
    return kept, [level_of[_original(g)][1] for g in kept], \
        [level_of[_original(g)][0] for g in kept]


def _original(group: Group) -> int:
    """The id under which a group's levels were recorded (a fused group: its subtraction)."""
    return id(group.parts[-1]) if isinstance(group, SoftmaxCrossEntropy) else id(group)


def _cross_entropy_parts(group: Group, made_by: dict, reads: Counter,
                         ) -> dict[str, Group] | None:
    """{"sum": ..., "logsumexp": ..., "dot": ..., "*": ..., "-": group} if `group` is the
    subtraction of logsumexp(z) * sum(t) - dot(t, z) and the other four can be fused into
    it, else None."""
    if not _is(group, Elementwise, "-"):
        return None
    product, dot = (producer(o, made_by) for o in group.operands)
    if not (_is(product, Elementwise, "*") and _is(dot, Reduction, "dot")):
        return None
    lse, total = (producer(o, made_by) for o in product.operands)
    if _is(lse, Reduction, "sum"):
        lse, total = total, lse  # (sum(t) * logsumexp(z))
    if not (_is(lse, Reduction, "logsumexp") and _is(total, Reduction, "sum")):
        return None
    parts = {"sum": total, "logsumexp": lse, "dot": dot, "*": product, "-": group}
    if any(p.size != group.size or getattr(p, "constants", None) is not None
           for p in parts.values()) or not lse.n == total.n == dot.n:
        return None
    scores, targets = lse.operands[0].refs, total.operands[0].refs
    dotted = [operand.refs for operand in dot.operands]
    if not (_same(dotted, [targets, scores]) or _same(dotted, [scores, targets])):
        return None
    if not all(read_once(part, reads) for part in (total, lse, dot, product)):
        return None  # (something else reads an intermediate result)
    return parts


def _is(group: Group | None, kind: type, op: str) -> bool:
    return type(group) is kind and str(group.op) == op


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))
