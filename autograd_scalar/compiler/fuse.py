"""Fusing: a matrix product and the addition that follows it become one group, W @ X + b.

A layer computes its neurons' dot products (one `MatrixProduct`) and then adds their biases
(one `Elementwise` "+" group, a level later). As two groups, W @ X is written into rows of V
that only the addition reads, and backward copies the addition's upstream gradient into
those rows just for the product to read it. As one `AffineProduct`, the product writes the
sum's rows directly, the biases are added in place, and the upstream gradient goes to both
at once: fewer NumPy calls and less memory traffic per step, the same numbers.

They are fused only when that changes nothing else: the addition adds, node by node, the
product's rows (in the product's order) to something, and nothing else (no other group, no
output, no loss) reads the product's rows.
"""

from __future__ import annotations

from collections import Counter

from .groups import AffineProduct, Elementwise, Group, MatrixProduct
from .operands import Operand

__all__ = ["fuse_additions"]


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
    reads = Counter(row for operand in _operands(groups, readers) for row in operand.rows)
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
        rows = operand.row_slice
        if operand.source != "rows" or rows is None or rows.step != 1:
            continue
        product = product_at.get((rows.start, rows.stop))
        if product is None or product.size != group.size:
            continue
        if all(reads[row] == 1 for row in range(rows.start, rows.stop)):  # only we read them
            return product, group.operands[1 - k]
    return None


def _operands(groups: list[Group], readers: list[Operand]) -> list[Operand]:
    return [o for g in groups for o in g.operands] + readers
