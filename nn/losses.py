"""Loss functions: how wrong the model's outputs are, as one Value to call backward() on.

Every loss takes either ONE sample or a BATCH:

* one sample: the model's outputs (a list of Values) and that sample's target;
* a batch: a list of such output lists and a sequence of targets (list or NumPy array),
  one per sample. The batch loss is the MEAN of the per-sample losses, so its size does
  not depend on the batch size (and neither does a good learning rate).

Which form you passed is decided by the target for `binary_cross_entropy`: a number is one
sample, a sequence is a batch. For `mse`, `softmax_cross_entropy` and `hinge` the outputs
decide: a list of lists is a batch (there a target may itself be a list: a sample's K
numbers, or its C class probabilities, e.g. a one-hot vector).

Targets may be Values as well as numbers. The loss is then built from engine operations on
them, so it can be traced on placeholder Values and gradients reach the targets too.

The classification losses take raw scores (logits), not probabilities: computing the
logarithm of a probability that has rounded to 0 would give -inf, while working with logits
through `logsumexp` never overflows or takes log(0).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_scalar import Value, dot, logsumexp
from autograd_scalar import sum as value_sum

__all__ = ["binary_cross_entropy", "hinge", "l2_penalty", "mse", "softmax_cross_entropy"]


# ---------------------------------------------------------------------------------------
# Telling one sample from a batch, and checking targets
# ---------------------------------------------------------------------------------------


def _is_sequence(x: object) -> bool:
    return isinstance(x, list | tuple) or (isinstance(x, np.ndarray) and x.ndim >= 1)


def _is_class_index(t: object) -> bool:
    return isinstance(t, numbers.Integral) and not isinstance(t, bool)


def _as_list(x: Any) -> list:
    return x.tolist() if isinstance(x, np.ndarray) else list(x)


def _batch(outputs: object, targets: object, loss: str) -> tuple[list, list]:
    """The per-sample outputs and targets of a batch, checked to have equal lengths."""
    if not _is_sequence(outputs):
        raise TypeError(
            f"{loss}: with a sequence of targets (a batch), outputs must be a list with one "
            f"entry per sample, got {type(outputs).__name__}."
        )
    outputs, targets = _as_list(outputs), _as_list(targets)
    if len(outputs) != len(targets):
        raise ValueError(
            f"{loss}: the batch has {len(outputs)} outputs but {len(targets)} targets; "
            "give one target per sample."
        )
    if not outputs:
        raise ValueError(f"{loss}: the batch is empty (no samples).")
    return outputs, targets


def _scores(row: object, loss: str, where: str) -> list:
    """One sample's scores (logits) as a non-empty list of Values or numbers."""
    if isinstance(row, Value | numbers.Real):
        raise TypeError(
            f"{loss}: the scores of one sample{where} must be a list with one Value per "
            f"class, got a single {type(row).__name__}. With one output, use "
            "binary_cross_entropy; for a batch, pass one target per sample."
        )
    row = _as_list(row)
    if not row:
        raise ValueError(f"{loss}: the scores of a sample{where} are an empty list.")
    if _is_sequence(row[0]):
        raise ValueError(
            f"{loss}: got a batch of scores (a list of lists) with a single target; pass a "
            "sequence of targets, one per sample."
        )
    return row


def _class_index(target: object, num_classes: int, loss: str, where: str) -> int:
    if not _is_class_index(target):
        raise TypeError(
            f"{loss}: a target{where} must be a class index (an int), got "
            f"{type(target).__name__}: {target!r}."
        )
    if not 0 <= target < num_classes:
        raise ValueError(
            f"{loss}: target class {target}{where} is out of range for {num_classes} scores; "
            f"valid classes are 0 .. {num_classes - 1}."
        )
    return int(target)


def _mean(losses: list[Value]) -> Value:
    """(l_1 + ... + l_B) / B: one sum node and one division node."""
    return value_sum(losses) / len(losses)


def _where(i: int | None) -> str:
    return "" if i is None else f" (sample {i} of the batch)"


# ---------------------------------------------------------------------------------------
# The losses
# ---------------------------------------------------------------------------------------


def softmax_cross_entropy(logits: Sequence, target: int | Sequence | np.ndarray) -> Value:
    """Cross-entropy of softmax(logits) against the target (PyTorch's F.cross_entropy).

    As in PyTorch, the target is either the true CLASS (an index) or class PROBABILITIES.
    For one sample with scores z_1 .. z_C and true class y:

        L = -log softmax(z)_y = logsumexp(z) - z_y

        dL/dz_j = softmax(z)_j - [j == y]        ("softmax minus one-hot", the delta)

    With a probability vector t_1 .. t_C instead (a one-hot vector is the usual case):

        L = -sum_j t_j log softmax(z)_j = logsumexp(z) * sum_j t_j - dot(t, z)

        dL/dz_j = softmax(z)_j * sum_k t_k - t_j,     dL/dt_j = logsumexp(z) - z_j

    For the one-hot vector of class y this is the index form, to the last bit (sum_j t_j is
    exactly 1 and dot(t, z) exactly z_y). It exists because `row[y]` is Python indexing
    chosen by the data: a program traced on placeholder Values (and compiled to run on whole
    batches) cannot record it, while the one-hot form uses only engine operations on t, which
    may itself be placeholder Values (their gradients are computed too).

    As in PyTorch, the probabilities are not checked to sum to 1 (nor to lie in [0, 1]): if
    they sum to s, the loss is s times the cross-entropy against t / s, and the gradient
    softmax(z) * s - t vanishes where softmax(z) = t / s. Pass rows that sum to 1 unless you
    mean that scaling.

    For a batch, the mean over the B samples (each gradient is then divided by B).
    Whether `logits` is one sample or a batch is decided by its nesting (a list of scores, or
    a list of such lists), never by the target: a one-hot [0.0, 1.0, 0.0] is one sample's
    target, not a batch of three class indices.

    Args:
        logits: one sample's scores (a list of C Values or numbers), or a list of B such lists.
        target: for one sample, the true class (an int in 0 .. C-1) or C probabilities (floats
            or Values); for a batch, B class indices (a list or int array), or B rows of C
            probabilities (a list of lists, or a float array (B, C)).

    Raises:
        ValueError: a class index out of range, batch lengths that differ, or a probability
            row whose length is not the number of classes C.
        TypeError: a class index that is not an int; a probability that is not a number or a
            Value, or a probability row of ints (which looks like class indices).
    """
    name = "softmax_cross_entropy"
    # (A batch of scores with a single target is an error that _scores explains.)
    if not _is_batch_of_scores(logits, target) or not _is_sequence(target):
        return _cross_entropy_one(logits, target, name, None)
    rows, targets = _batch(logits, target, name)
    return _mean(
        [_cross_entropy_one(row, t, name, i) for i, (row, t) in enumerate(zip(rows, targets))]
    )


def _is_batch_of_scores(logits: object, target: object) -> bool:
    """A list of rows is a batch, a row of scalars one sample.

    Only when the logits cannot tell (empty, or not a list at all) does the target decide,
    so that those mistakes get the error message that fits the target given.
    """
    if _is_sequence(logits) and len(logits) > 0:
        return _is_sequence(logits[0])
    return _is_sequence(target)


def _cross_entropy_one(row: object, target: object, name: str, i: int | None) -> Value:
    row = _scores(row, name, _where(i))
    if _is_sequence(target):
        t = _probabilities(target, len(row), name, _where(i))
        # Engine operations only (no indexing chosen by the data), so the loss can be traced.
        return logsumexp(row) * value_sum(t) - dot(t, row)
    y = _class_index(target, len(row), name, _where(i))
    return logsumexp(row) - row[y]


def _probabilities(target: object, num_classes: int, loss: str, where: str) -> list:
    """One sample's class probabilities, checked: C numbers or Values, not all ints."""
    t = _as_list(target)
    for k, p in enumerate(t):
        if not isinstance(p, Value) and (isinstance(p, bool) or not isinstance(p, numbers.Real)):
            raise TypeError(
                f"{loss}: a probability target{where} must hold numbers or Values, entry {k} "
                f"is {type(p).__name__}: {p!r}."
            )
    if t and all(_is_class_index(p) for p in t):
        # As in PyTorch, integer targets are class indices, and a sample has only one. Most
        # likely: the class indices of a batch, given with ONE sample's flat list of scores.
        hint = (
            ""
            if where
            else f" The scores are those of ONE sample ({num_classes} classes): for a batch "
            "of class indices, pass the scores as a list of rows, one per sample."
        )
        raise TypeError(
            f"{loss}: the target{where} is a list of ints, {t!r}; integer targets are class "
            "indices, one per sample. For class probabilities use floats or Values (a "
            f"one-hot vector like [0.0, 1.0, 0.0]).{hint}"
        )
    if len(t) != num_classes:
        raise ValueError(
            f"{loss}: the probability target{where} has {len(t)} entries, expected "
            f"{num_classes} (one per class, as many as the sample's scores)."
        )
    return t


def mse(outputs: Sequence, targets: Any) -> Value:
    """Mean squared error, PyTorch's MSELoss convention: the mean over ALL numbers.

        L = (1 / (B K)) * sum_i sum_k (out_ik - target_ik)**2

        dL/dout_ik = 2 (out_ik - target_ik) / (B K)

    for B samples of K outputs each (one sample: B = 1).

    Args:
        outputs: one sample's outputs (a list of K Values, or a single Value), or a list of
            B such lists (a batch).
        targets: the matching numbers or Values: a list of K of them (a plain number or a
            single Value when K == 1) for one sample; for a batch, B of those (a list, or an
            array (B, K) or (B,)). Values stay in the graph: dL/dtarget_ik = -dL/dout_ik.
    """
    name = "mse"
    if _is_sequence(outputs) and len(outputs) > 0 and _is_sequence(_as_list(outputs)[0]):
        if not _is_sequence(targets):
            raise TypeError(
                f"{name}: a batch of outputs needs a sequence of targets, got {targets!r}."
            )
        rows, target_rows = _batch(outputs, targets, name)
        pairs = [_mse_pairs(row, t, name, i) for i, (row, t) in enumerate(zip(rows, target_rows))]
    else:
        pairs = [_mse_pairs(outputs, targets, name, None)]
    squares = [(out - t) ** 2 for sample in pairs for out, t in sample]
    return value_sum(squares) / len(squares)


def _mse_pairs(row: object, target: object, name: str, i: int | None) -> list[tuple[Any, Any]]:
    row = [row] if isinstance(row, Value | numbers.Real) else _as_list(row)
    target = [target] if isinstance(target, Value | numbers.Real) else _as_list(target)
    if not row:
        raise ValueError(f"{name}: the outputs of a sample{_where(i)} are an empty list.")
    if len(row) != len(target):
        raise ValueError(
            f"{name}: a sample{_where(i)} has {len(row)} outputs but {len(target)} targets."
        )
    # A Value target is kept as it is (a graph input, e.g. a placeholder being traced).
    return [(out, t if isinstance(t, Value) else float(t)) for out, t in zip(row, target)]


def binary_cross_entropy(logit: Any, target: float | Sequence[float] | np.ndarray) -> Value:
    """Binary cross-entropy computed from a LOGIT z (PyTorch's binary_cross_entropy_with_logits).

    The model's single output z is a score; p = sigmoid(z) is the probability of class 1.
    For a target y in {0, 1}:

        L = -[y log p + (1 - y) log(1 - p)] = log(1 + e**z) - y z

        dL/dz = sigmoid(z) - y

    log(1 + e**z) is computed as logsumexp([0, z]), which neither overflows for large z nor
    loses the answer for very negative z (the binary case of softmax_cross_entropy with
    scores [0, z]). A probability target in [0, 1] is accepted too, and so is a Value (a
    placeholder being traced, say): the loss is then built on it, dL/dy = -z, and its value
    is not checked (it may not be known yet).

    Args:
        logit: one sample's score: a Value, or the model's output list [Value]; or for a
            batch, a list of B of those.
        target: 0 or 1 (or a probability, or a Value), or a sequence of B of them.
    """
    name = "binary_cross_entropy"
    if not _is_sequence(target):
        return _bce_one(logit, target, name, None)
    logits, targets = _batch(logit, target, name)
    return _mean([_bce_one(z, t, name, i) for i, (z, t) in enumerate(zip(logits, targets))])


def _bce_one(z: Any, y: object, name: str, i: int | None) -> Value:
    if _is_sequence(z):  # the model's output list [z]
        z = _as_list(z)
        if len(z) != 1:
            raise ValueError(
                f"{name}: takes ONE score per sample{_where(i)}, got {len(z)}. For several "
                "classes use softmax_cross_entropy; for a batch pass a sequence of targets."
            )
        z = z[0]
    if not isinstance(z, Value | numbers.Real):
        raise TypeError(f"{name}: a score{_where(i)} must be a Value, got {type(z).__name__}.")
    if isinstance(y, Value):
        return logsumexp([0.0, z]) - z * y
    if isinstance(y, bool) or not isinstance(y, numbers.Real) or not 0.0 <= y <= 1.0:
        raise ValueError(
            f"{name}: a target{_where(i)} must be 0 or 1 (or a probability in [0, 1]), got {y!r}."
        )
    return logsumexp([0.0, z]) - z * float(y)


def hinge(scores: Sequence, target: int | Sequence | np.ndarray, margin: float = 1.0) -> Value:
    """Multi-class hinge (max-margin) loss of Weston-Watkins, as in CS231n's SVM.

    For one sample with scores s_1 .. s_C and true class y:

        L = sum over j != y of max(0, s_j - s_y + margin)

    Zero when the true class beats every other by at least `margin`. For a batch, the mean
    over samples. PyTorch's F.multi_margin_loss (p=1) also divides each sample's sum by the
    number of classes C: it equals hinge(...) / C.

    The target may also be the ONE-HOT vector t of class y (floats or Values), the form a
    traced, compiled program can use (no indexing chosen by the data):

        s_y = dot(t, s),     L = sum over j of (1 - t_j) * max(0, s_j - s_y + margin)

    which for a one-hot t is the sum above, to the last bit. As with
    `softmax_cross_entropy`, one sample or a batch is told by the nesting of `scores`.

    Args:
        scores: one sample's scores (a list of C Values), or a list of B such lists.
        target: the true class (an int) or its one-hot vector; for a batch, B of them.
        margin: the required gap between the true score and the others.
    """
    name = "hinge"
    if not isinstance(margin, numbers.Real) or not math.isfinite(margin):
        raise ValueError(f"{name}: margin must be a finite number, got {margin!r}.")
    if not _is_batch_of_scores(scores, target) or not _is_sequence(target):
        return _hinge_one(scores, target, margin, name, None)
    rows, targets = _batch(scores, target, name)
    return _mean(
        [_hinge_one(row, t, margin, name, i) for i, (row, t) in enumerate(zip(rows, targets))]
    )


def _hinge_one(row: object, target: object, margin: float, name: str, i: int | None) -> Value:
    row = [s if isinstance(s, Value) else Value(s) for s in _scores(row, name, _where(i))]
    if _is_sequence(target):  # one-hot: engine operations only, so it can be traced
        t = _probabilities(target, len(row), name, _where(i))
        true_score = dot(t, row)
        return value_sum([(1 - tj) * (s - true_score + margin).relu() for tj, s in zip(t, row)])
    y = _class_index(target, len(row), name, _where(i))
    true_score = row[y]
    return value_sum([(s - true_score + margin).relu() for j, s in enumerate(row) if j != y])


def l2_penalty(parameters: Sequence[Value], weight: float) -> Value:
    """weight * (sum of the squares of the parameters): add it to the loss to keep weights small.

        P = weight * sum_i w_i**2,    dP/dw_i = 2 * weight * w_i

    It includes whatever you pass: ``model.parameters()`` penalises weights and biases,
    ``model.weights()`` spares the biases (the usual choice: biases do not make a network
    more wiggly). The sum of squares is one `dot(w, w)` node.

    Args:
        parameters: the Values to penalise.
        weight: the strength, >= 0 (often called lambda).
    """
    if hasattr(parameters, "parameters"):
        raise TypeError(
            "l2_penalty takes a list of Values: pass model.parameters() or model.weights(), "
            "not the model itself."
        )
    if (
        isinstance(weight, bool)
        or not isinstance(weight, numbers.Real)
        or not math.isfinite(weight)
        or weight < 0
    ):
        raise ValueError(f"l2_penalty: weight must be a finite number >= 0, got {weight!r}.")
    params = list(parameters)
    for k, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(
                f"l2_penalty: parameters must be Values, item {k} is {type(p).__name__}."
            )
    # dot(w, w) is one node whose parents are w twice: each copy passes back w_i, 2 w_i in all.
    return dot(params, params) * float(weight)
