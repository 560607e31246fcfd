"""One training epoch on real CIFAR-10: the scalar engine beside a hand-written NumPy MLP.

Both train the same network (3072 -> 32 ReLU -> 10, softmax cross-entropy) from the same
initial weights, on the same mini-batches in the same order, with the same SGD updates, so
the two timings measure the same work and the final weights must agree.

    python benchmarks/bench_train.py                       # 4,000 images, one epoch
    python benchmarks/bench_train.py --train-size 500      # a quick look

Target (issue 3): one epoch over 4,000 images in at most 2 minutes.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # runs from a checkout, installed or not
from numpy_mlp import NumpyMLP

from nn import MLP, SGD, fit, softmax_cross_entropy
from nn.data import iterate_minibatches, load_cifar10, prepare_images

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "cifar-10-batches-py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--train-size", type=int, default=4000)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--momentum", type=float, default=0.9)
    args = parser.parse_args()

    train = load_cifar10(args.data_dir, split="train", size=args.train_size)
    X, _ = prepare_images(train.images)
    y = train.labels
    print(f"CIFAR-10: {len(X)} images, {X.shape[1]} inputs, MLP {X.shape[1]}-{args.hidden}-10, "
          f"batch {args.batch_size}, SGD lr {args.lr} momentum {args.momentum}")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}\n")

    model = MLP(X.shape[1], [args.hidden, 10], seed=0)
    state = model.state_dict()
    reference = NumpyMLP([state["layers.0.weight"], state["layers.1.weight"]],
                         [state["layers.0.bias"], state["layers.1.bias"]])

    start = time.perf_counter()
    for xb, yb in iterate_minibatches(X, y, args.batch_size, seed=0, epoch=0):
        _, _, grads_W, grads_b = reference.loss_and_grads(xb, yb)
        reference.sgd_step(grads_W, grads_b, args.lr, args.momentum)
    numpy_seconds = time.perf_counter() - start

    optimizer = SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    history = fit(model, softmax_cross_entropy, optimizer, (X, y), epochs=1,
                  batch_size=args.batch_size, seed=0, progress=False)
    engine_seconds = history["seconds"][0]

    trained = model.state_dict()
    difference = max(
        np.max(np.abs(trained["layers.0.weight"] - reference.W[0])),
        np.max(np.abs(trained["layers.1.weight"] - reference.W[1])),
    )
    per_image = 1000 * engine_seconds / len(X)
    print(f"{'':28}{'seconds/epoch':>14}{'ms/image':>10}{'images/s':>10}")
    print(f"{'autograd_scalar (Values)':28}{engine_seconds:>14.1f}{per_image:>10.2f}"
          f"{len(X) / engine_seconds:>10.0f}")
    print(f"{'hand-written NumPy':28}{numpy_seconds:>14.3f}{1000 * numpy_seconds / len(X):>10.3f}"
          f"{len(X) / numpy_seconds:>10.0f}")
    print(f"\nratio: the scalar engine takes {engine_seconds / numpy_seconds:.0f}x NumPy's time")
    print(f"same updates: largest weight difference after the epoch {difference:.2e}")
    print(f"training accuracy during the epoch: {history['train_acc'][0]:.1%}")
    target = 120.0 * len(X) / 4000
    verdict = "meets" if engine_seconds <= target else "MISSES"
    print(f"target: at most {target:.0f} s for this epoch -> {verdict} it")


if __name__ == "__main__":
    main()
