"""The right answers, computed by the engine: a two-layer network built from Values.

The lecture's network, for a batch X of N examples (one per row)::

    a1 = X W1^T + b1     h = f1(a1)     a2 = h W2^T + b2     y_hat = f2(a2)

with W1 (hidden, inputs) and W2 (outputs, hidden), as in `nn` (a weight matrix has one row
per unit). Two outputs and their losses, each a mean over the N examples:

* "linear":  y_hat = a2,            L = 1/N sum_i 1/2 ||y_hat_i - y_i||^2  (y: N x K targets)
* "softmax": y_hat = softmax(a2),   L = 1/N sum_i -log y_hat_i[y_i]        (y: N class indices)

Nothing here is derived by hand: `backward()` fills in every gradient, including the deltas
dL/da1 and dL/da2 (the .grad of the pre-activation nodes). That is the point: the engine is
the oracle the students' hand-derived NumPy code is checked against.
"""

from __future__ import annotations

import numpy as np

from autograd_scalar import Value, dot, logsumexp, softmax

__all__ = ["two_layer", "affine", "softmax_cross_entropy", "values", "data", "grads"]


def values(array: np.ndarray) -> np.ndarray:
    """An object array of leaf Values with the entries and shape of `array`."""
    array = np.asarray(array, dtype=float)
    out = np.empty(array.shape, dtype=object)
    for index, v in np.ndenumerate(array):
        out[index] = Value(float(v))
    return out


def data(nodes: np.ndarray) -> np.ndarray:
    """The numbers held by an array of Values."""
    return np.vectorize(lambda v: v.data, otypes=[float])(nodes)


def grads(nodes: np.ndarray) -> np.ndarray:
    """The gradients held by an array of Values."""
    return np.vectorize(lambda v: v.grad, otypes=[float])(nodes)


def _dense(inputs: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """inputs W^T + b for a batch, each entry one dot node plus a bias."""
    return np.array([[dot(list(w), list(x)) + bias for w, bias in zip(W, b)] for x in inputs])


def _activate(a: np.ndarray, name: str) -> np.ndarray:
    return np.vectorize(lambda v: getattr(v, name)(), otypes=[object])(a)


def two_layer(X, Y, W1, b1, W2, b2, *, hidden: str = "tanh", output: str = "linear") -> dict:
    """Forward and backward through the engine; every quantity as a float array."""
    X, P = np.asarray(X, dtype=float), {k: values(v) for k, v in
                                        dict(W1=W1, b1=b1, W2=W2, b2=b2).items()}
    n = len(X)
    a1 = _dense(X, P["W1"], P["b1"])
    h = _activate(a1, hidden)
    a2 = _dense(h, P["W2"], P["b2"])
    if output == "linear":
        y_hat = a2
        per_example = [0.5 * sum((p - t) ** 2 for p, t in zip(row, target))
                       for row, target in zip(a2, np.asarray(Y, dtype=float))]
    elif output == "softmax":
        y_hat = np.array([softmax(list(row)) for row in a2])
        per_example = [logsumexp(list(row)) - row[int(t)] for row, t in zip(a2, Y)]
    else:
        raise ValueError(f"output is 'linear' or 'softmax', got {output!r}")
    loss = sum(per_example) / n
    loss.backward()
    result = dict(a1=data(a1), h=data(h), a2=data(a2), y_hat=data(y_hat), L=loss.data,
                  delta1=grads(a1), delta2=grads(a2))
    result.update({f"d{k}": grads(v) for k, v in P.items()})
    return result


def affine(X, W, b, dout) -> dict:
    """out = X W^T + b, and the gradients of sum(out * dout): dX, dW, db."""
    Xv, Wv, bv = values(X), values(W), values(b)
    out = np.array([[dot(list(w), list(x)) + bias for w, bias in zip(Wv, bv)] for x in Xv])
    total = dot(list(out.ravel()), list(np.asarray(dout, dtype=float).ravel()))
    total.backward()
    return dict(out=data(out), dX=grads(Xv), dW=grads(Wv), db=grads(bv))


def softmax_cross_entropy(scores, y) -> dict:
    """L = 1/N sum_i (logsumexp(s_i) - s_i[y_i]), softmax p, and dL/dscores from backward()."""
    s = values(scores)
    loss = sum(logsumexp(list(row)) - row[int(t)] for row, t in zip(s, y)) / len(s)
    loss.backward()
    p = np.array([[v.data for v in softmax(list(row))] for row in s])
    return dict(L=loss.data, p=p, dscores=grads(s))
