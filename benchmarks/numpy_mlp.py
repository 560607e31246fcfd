"""A hand-written NumPy MLP: the reference that the benchmarks compare the engine against.

The same network and the same updates as `nn.MLP` + `nn.losses.softmax_cross_entropy` +
`nn.optim.SGD` (PyTorch's momentum rule), written with matrices the way the lecture derives
it: forward a1 = W1 x + b1, h = relu(a1), a2 = W2 h + b2; the output delta is
softmax(a2) - onehot(y); the deltas flow back through W2^T and the ReLU mask.
"""

from __future__ import annotations

import numpy as np


class NumpyMLP:
    """An MLP with ReLU hidden layers and a linear output, trained with SGD, in float64 (or
    another dtype: all its arrays and arithmetic; give it inputs of that dtype too)."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray],
                 dtype: type = np.float64) -> None:
        self.W = [w.astype(dtype) for w in weights]  # each (n_out, n_in), a copy
        self.b = [b.astype(dtype) for b in biases]
        self.velocity = None

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Logits (B, n_classes) and the activations each layer received."""
        inputs = []
        h = X
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            inputs.append(h)
            a = h @ W.T + b
            h = a if i == len(self.W) - 1 else np.maximum(a, 0.0)
        return h, inputs

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray):  # noqa: ANN201
        """Batch-mean softmax cross-entropy and its gradients for every W and b."""
        logits, inputs = self.forward(X)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(len(y)), y].mean()
        delta = np.exp(log_probs)
        delta[np.arange(len(y)), y] -= 1.0
        delta /= len(y)  # the batch mean
        grads_W, grads_b = [None] * len(self.W), [None] * len(self.W)
        for i in reversed(range(len(self.W))):
            grads_W[i] = delta.T @ inputs[i]
            grads_b[i] = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ self.W[i]) * (inputs[i] > 0)  # back through the ReLU
        return loss, logits, grads_W, grads_b

    def sgd_step(self, grads_W, grads_b, lr: float, momentum: float = 0.0) -> None:  # noqa: ANN001
        """PyTorch's SGD: v <- momentum * v + g (v = g on the first step); p <- p - lr * v."""
        grads = grads_W + grads_b
        params = self.W + self.b
        if momentum and self.velocity is None:
            self.velocity = [g.copy() for g in grads]
        elif momentum:
            for v, g in zip(self.velocity, grads):
                v *= momentum
                v += g
        steps = self.velocity if momentum else grads
        for p, s in zip(params, steps):
            p -= lr * s

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float((self.forward(X)[0].argmax(axis=1) == y).mean())


def train_epoch(
    net: NumpyMLP, X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int,
    lr: float, momentum: float,
) -> float:
    """One epoch over X in the given order; returns the mean training loss."""
    total = 0.0
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        loss, _, gW, gb = net.loss_and_grads(X[idx], y[idx])
        net.sgd_step(gW, gb, lr, momentum)
        total += loss * len(idx)
    return total / len(X)


class LeanNumpyMLP(NumpyMLP):
    """The same network and the same updates as `NumpyMLP`, written for speed the way a
    compiler would emit them: every parameter in one vector (W and b are views of it, so the
    SGD update is four NumPy calls on one array), results written into buffers made once per
    batch size (``out=``), each layer's bias and ReLU applied in place. No checks, no
    generality beyond this MLP: the floor that the compiled program's overhead is measured
    against (`bench_compile.py` prints its speed beside `NumpyMLP`'s)."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray],
                 dtype: type = np.float64) -> None:
        super().__init__(weights, biases, dtype)
        arrays = self.W + self.b
        self.theta = np.concatenate([a.ravel() for a in arrays])
        self.grad = np.zeros_like(self.theta)
        self.W, self.b = self._views(self.theta)
        self.grad_W, self.grad_b = self._views(self.grad)
        self.scratch = np.empty_like(self.theta)
        self._buffers: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}

    def _views(self, vector: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Weights and biases as views of one parameter-sized vector (W first, then b)."""
        shapes = [w.shape for w in self.W] + [b.shape for b in self.b]
        views, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            views.append(vector[start:start + size].reshape(shape))
            start += size
        return views[:len(self.W)], views[len(self.W):]

    def _activations(self, batch: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each layer's output and its gradient, (batch, units), made once per batch size."""
        if batch not in self._buffers:
            self._buffers[batch] = ([np.empty((batch, len(b)), self.theta.dtype) for b in self.b],
                                    [np.empty((batch, len(b)), self.theta.dtype) for b in self.b])
        return self._buffers[batch]

    def train_step(self, X: np.ndarray, y: np.ndarray, lr: float, momentum: float) -> float:
        """Forward, backward and PyTorch's SGD step with momentum (as `sgd_step`); returns
        the batch-mean loss (as `loss_and_grads` does)."""
        outs, deltas = self._activations(len(X))
        h, last = X, len(self.W) - 1
        for i, (W, b, out) in enumerate(zip(self.W, self.b, outs)):
            np.matmul(h, W.T, out=out)
            out += b
            if i < last:
                np.maximum(out, 0.0, out=out)
            h = out
        logits = outs[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.log(totals).sum() - shifted[rows, y].sum()) / len(y)
        delta = deltas[-1]
        np.divide(exps, totals, out=delta)  # softmax
        delta[rows, y] -= 1.0
        delta /= len(y)  # the batch mean
        for i in range(last, -1, -1):
            inputs = X if i == 0 else outs[i - 1]
            np.matmul(delta.T, inputs, out=self.grad_W[i])
            np.add.reduce(delta, axis=0, out=self.grad_b[i])
            if i > 0:
                np.matmul(delta, self.W[i], out=deltas[i - 1])
                deltas[i - 1] *= inputs > 0  # back through the ReLU
                delta = deltas[i - 1]
        if self.velocity is None:
            self.velocity = self.grad.copy()
        else:
            self.velocity *= momentum
            self.velocity += self.grad
        np.multiply(lr, self.velocity, out=self.scratch)
        self.theta -= self.scratch
        return loss
