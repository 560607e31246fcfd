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
