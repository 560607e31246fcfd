"""The CIFAR-10 recipe, one ingredient at a time: test accuracy and seconds per row.

Every row trains a fresh MLP on the 4,000-image subset with the compiled engine and the
training settings of the CLI's CIFAR-10 default (`nn.cli_options.DEFAULTS["cifar10-compiled"]`:
epochs, batch size, SGD learning rate with momentum 0.9 decaying linearly, float32), and
adds one ingredient to the row above it:

    plain            3072-64-10 (the old default's network), no augmentation
    + width          3072-256-10
    + flip           random horizontal flips
    + crop           random crops of the image padded by 4 pixels (shifts up to 4 pixels)
    + weight decay   5e-4
    + dropout        3072-512-10 with dropout 0.3 after the hidden layer

then evaluates on the 10,000 test images. Seconds are the training time (fit) of the row.
All rows run in one process, one after the other, from the same seed.

    python benchmarks/bench_recipe.py             # the table of the README (minutes)
    python benchmarks/bench_recipe.py --quick     # a smoke test: tiny 8x8 data, one epoch
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]  # runs from a checkout, installed or not

from nn import MLP, SGD, LinearDecay, evaluate, fit, softmax_cross_entropy
from nn.cli_options import DEFAULTS
from nn.data import load_cifar10, prepare_images

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "cifar-10-batches-py"
RECIPE = DEFAULTS["cifar10-compiled"]


@dataclass(frozen=True)
class Row:
    name: str
    hidden: int
    augment: str
    weight_decay: float
    dropout: float


ROWS = (
    Row("plain (64 hidden)", 64, "none", 0.0, 0.0),
    Row("+ width (256)", 256, "none", 0.0, 0.0),
    Row("+ flip", 256, "flip", 0.0, 0.0),
    Row("+ crop (padding 4)", 256, "flip,crop", 0.0, 0.0),
    Row("+ weight decay 5e-4", 256, "flip,crop", 5e-4, 0.0),
    Row("+ dropout 0.3 (512 wide)", 512, "flip,crop", 5e-4, 0.3),
)


def train_row(row: Row, data: tuple, epochs: int, seed: int) -> tuple[float, float]:
    """Train one row's model; returns its test accuracy and training seconds."""
    X_train, y_train, X_test, y_test = data
    model = MLP(X_train.shape[1], [row.hidden, 10], seed=seed, dropout=row.dropout)
    # (augment as text: fit reads the image size from the row length, 32x32 or 8x8)
    optimizer = SGD(model.parameters(), lr=RECIPE["sgd_lr"], momentum=0.9,
                    weight_decay=row.weight_decay)
    start = time.perf_counter()
    fit(model, softmax_cross_entropy, optimizer, (X_train, y_train), epochs=epochs,
        batch_size=RECIPE["batch_size"], seed=seed, progress=False, engine="compiled",
        scheduler=LinearDecay(optimizer, total_steps=epochs), augment=row.augment,
        dtype=np.dtype(RECIPE["dtype"]))
    seconds = time.perf_counter() - start
    _, accuracy = evaluate(model, softmax_cross_entropy, X_test, y_test, engine="compiled",
                           dtype=np.dtype(RECIPE["dtype"]))
    return accuracy, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 200 training and 200 test images shrunk to 8x8 "
                        "pixels (crops pad by 1), one epoch")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    train_size, test_size, epochs, size = ((200, 200, 1, 8) if args.quick
                                           else (4000, None, RECIPE["epochs"], None))
    train = load_cifar10(args.data_dir, split="train", size=train_size)
    test = load_cifar10(args.data_dir, split="test", size=test_size, balanced=True)
    X_train, X_test = prepare_images(train.images, test.images, image_size=size)
    data = (X_train, train.labels, X_test, test.labels)
    print(f"CIFAR-10: {len(X_train)} training, {len(X_test)} test images of "
          f"{X_train.shape[1]} numbers; {epochs} epoch{'s' if epochs > 1 else ''}, "
          f"batches of {RECIPE['batch_size']}, SGD lr {RECIPE['sgd_lr']:g} momentum 0.9 "
          f"decaying linearly, compiled engine in {RECIPE['dtype']}\n")
    print(f"{'row':<28}{'augment':<11}{'test acc':>9}{'seconds':>9}")
    for row in ROWS:
        accuracy, seconds = train_row(row, data, epochs, args.seed)
        print(f"{row.name:<28}{row.augment:<11}{accuracy:>9.1%}{seconds:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
