"""`python -m autograd_scalar`: a one-screen demonstration of the engine."""

from __future__ import annotations

from . import Value, gradcheck


def main() -> None:
    """Build a small neuron, run backward, and check it against central differences."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    out.backward()
    print(f"out = tanh(x1*w1 + x2*w2 + b) = {out.data:.6f}")
    for v in (x1, x2, w1, w2, b):
        print(f"  d out / d {v.label:<2} = {v.grad:+.6f}")
    print("\nchecked against central differences:")
    print(gradcheck(lambda *v: (v[0] * v[2] + v[1] * v[3] + v[4]).tanh(), [x1, x2, w1, w2, b]))


if __name__ == "__main__":
    main()
