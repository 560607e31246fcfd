"""Draw the pictures the README shows, with the project's own code (run from the repo root).

    python notebooks/images/make_images.py

Each picture is what a student gets from the call shown beside it in the README, so when the
look of a diagram or plot changes, running this keeps the README honest.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, installed or not

from autograd_scalar import Value
from nn import MLP, SGD, fit, softmax_cross_entropy
from nn.data import load_toy
from viz import animate_backward, draw_dot, draw_mlp, plot_decision_boundary, plot_history

HERE = Path(__file__).resolve().parent


def neuron() -> tuple[Value, list[Value]]:
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), with its gradients."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]


def main() -> None:
    o, parameters = neuron()
    o.backward()
    draw_dot(o, parameters=parameters, title="o = tanh(x1*w1 + x2*w2 + b)").save(
        HERE / "neuron.png")

    o, parameters = neuron()
    frames = animate_backward(o, parameters=parameters).images()
    frames[3].save(HERE / "backprop_frame.png")

    X, y = load_toy("moons", n_samples=200)
    model = MLP(2, [16, 16, 2], activation="relu", seed=0)
    history = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1, momentum=0.9),
                  (X, y), epochs=20, batch_size=16, progress=False)
    draw_mlp(MLP(2, [4, 4, 2], seed=0), title="MLP 2-4-4-2").save(HERE / "mlp.png")
    plot_history(history).savefig(HERE / "history.png", dpi=80)
    plot_decision_boundary(model, X, y, split="training",
                           title="2-16-16-2 MLP on two moons").savefig(
        HERE / "decision_boundary.png", dpi=80)


if __name__ == "__main__":
    main()
