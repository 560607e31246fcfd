"""Fusing a layer: a matrix product, the addition that follows it and a ReLU become one group.

A layer computes its neurons' dot products (one `MatrixProduct`) and then adds their biases
(one `Elementwise` "+" group, a level later). As two groups, W @ X is written into rows of V
that only the addition reads, and backward copies the addition's upstream gradient into
those rows just for the product to read it. As one `AffineProduct`, the product writes the
sum's rows directly, the biases are added in place, and the upstream gradient goes to both
at once: fewer NumPy calls and less memory traffic per step, the same numbers.

A hidden layer's ReLU reads the sums W @ X + b and nothing else does: as a
`ReluAffineProduct`, relu(W @ X + b), the ReLU is applied in place to the rows the sums were
written to, and its derivative is read off its result in backward: one group less, no rows
for the sums.

They are fused only when that changes nothing else: the addition adds, node by node, the
product's rows (in the product's order) to something, the ReLU reads the sums in their
order, and nothing else (no other group, no output, no loss) reads the rows fused away.
"""

from __future__ import annotations

from collections import Counter

from .groups import Elementwise, Group
from .operands import Operand
from .products import AffineProduct, MatrixProduct, ReluAffineProduct

__all__ = ["fuse_additions", "fuse_activations", "row_reads", "producer", "read_once"]


def fuse_additions(groups: list[Group], levels: list[int], readers: list[Operand],
                   ) -> tuple[list[Group], list[int], list[int]]:
    """Replace each (product, addition) pair that can be fused by one `AffineProduct`, run
    where the addition ran (everything both read is ready by then).

    Args:
        groups: the plan's groups in the order they run; their `out` slices are set.
        levels: the level of each group.
        readers: every operand of the plan that is not a group's (the outputs, the loss).

    Returns:
        the groups, the level of each group's results, and the level of each group's first
        nodes (the product's level for a fused group, else the same).
    """
    reads = row_reads(groups, readers)
    product_at = {(g.out.start, g.out.stop): g for g in groups
                  if type(g) is MatrixProduct}
    fused: dict[int, AffineProduct] = {}  # id(addition) -> the fused group
    removed: set[int] = set()  # id(product)
    first_level = {id(g): level for g, level in zip(groups, levels)}
    for group in groups:
        found = _fusable(group, product_at, reads)
        if found is not None:
            product, added = found
            fused[id(group)] = AffineProduct(product, group, added)
            removed.add(id(product))
            first_level[id(group)] = first_level[id(product)]
    kept = [(fused.get(id(g), g), level, first_level[id(g)])
            for g, level in zip(groups, levels) if id(g) not in removed]
    return [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]


def _fusable(group: Group, product_at: dict, reads: Counter,
             ) -> tuple[MatrixProduct, Operand] | None:
    """(product, the other operand) if `group` is an addition that can absorb a product."""
    if type(group) is not Elementwise or str(group.op) != "+":
        return None
    for k, operand in enumerate(group.operands):
        product = producer(operand, product_at)
        if product is not None and product.size == group.size and read_once(product, reads):
            return product, group.operands[1 - k]
    return None


def fuse_activations(groups: list[Group], levels: list[int], first_levels: list[int],
                     readers: list[Operand]) -> tuple[list[Group], list[int], list[int]]:
    """Replace each (AffineProduct, ReLU) pair in which the ReLU is the only reader of the
    sums by one `ReluAffineProduct`, run where the ReLU ran.

    Args:
        groups: the plan's groups in the order they run (after `fuse_additions`).
        levels, first_levels: the level of each group's results and of its first nodes.
        readers: every operand of the plan that is not a group's (the outputs, the loss).

    Returns:
        the groups, levels and first levels, with the fused groups in place.
    """
    reads = row_reads(groups, readers)
    affine_at = {(g.out.start, g.out.stop): g for g in groups if type(g) is AffineProduct}
    first_of = {id(g): first for g, first in zip(groups, first_levels)}
    fused: dict[int, ReluAffineProduct] = {}  # id(relu) -> the fused group
    removed: set[int] = set()  # id(affine)
    for group in groups:
        affine = _relu_of_affine(group, affine_at, reads)
        if affine is not None:
            fused[id(group)] = ReluAffineProduct(affine, group)
            removed.add(id(affine))
            first_of[id(group)] = first_of[id(affine)]
    kept = [(fused.get(id(g), g), level, first_of[id(g)])
            for g, level in zip(groups, levels) if id(g) not in removed]
    return [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]


def _relu_of_affine(group: Group, affine_at: dict, reads: Counter) -> AffineProduct | None:
    """The AffineProduct whose sums `group` applies a ReLU to, if they can be fused."""
    if type(group) is not Elementwise or str(group.op) != "relu":
        return None
    affine = producer(group.operands[0], affine_at)
    return affine if affine is not None and read_once(affine, reads) else None


def row_reads(groups: list[Group], readers: list[Operand]) -> Counter:
    """How many times each row of V is read (by the groups, the outputs and the loss)."""
    operands = [o for g in groups for o in g.operands] + readers
    return Counter(row for operand in operands for row in operand.rows)


def producer(operand: Operand, made_by: dict[tuple[int, int], Group]) -> Group | None:
    """The group (of `made_by`: (first row, end row) -> group) whose results are exactly the
    operand's rows, in order; None if there is none."""
    rows = operand.row_slice
    if operand.source != "rows" or rows is None or rows.step != 1:
        return None
    return made_by.get((rows.start, rows.stop))


def read_once(group: Group, reads: Counter) -> bool:
    """Whether each of the group's results is read exactly once (so it can be fused away)."""
    return all(reads[row] == 1 for row in range(group.out.start, group.out.stop))
