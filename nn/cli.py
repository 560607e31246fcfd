"""`autograd-scalar train`: train an MLP from the command line.

With no arguments it trains on the two-moons toy set in well under a minute. Every run writes
into its own folder (``runs/<dataset>-<engine>-<time>/``, or ``--out``): ``metrics.csv`` and
``history.json`` (loss and accuracy per epoch), ``model.npz`` (the weights, no pickle),
``curves.png`` and, for 2-D data, ``decision_boundary.png``. The options and their checks
are in `nn.cli_options`, the output folder in `nn.cli_outputs`.

Two engines compute the same numbers (``--engine``): "interpreted" builds the graph of every
sample from Values and calls backward(), the engine as the course writes it; "compiled" traces
one sample's graph once and runs it on whole batches with NumPy (`autograd_scalar.compile`).
The toy sets use the interpreter by default; CIFAR-10 uses the compiled engine, which trains
a 3072-64-10 MLP on full-resolution images for 10 epochs in seconds (interpreted: over half
an hour).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data, optim
from .cli_options import (
    ENGINE_NOTES,
    LOSSES,
    TOY_SETS,
    build_parser,
    check_options,
    check_run,
    defaults_for,
)
from .cli_outputs import write_outputs
from .mlp import MLP
from .training import TrainingDiverged, TrainingInterrupted, evaluate, fit
from .validation import finite_inputs

__all__ = ["build_parser", "check_options", "defaults_for", "main", "train_command"]


@dataclass
class Splits:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int


def load_splits(args: argparse.Namespace) -> Splits:
    """The train and test arrays for --dataset, preprocessed and flattened."""
    if args.dataset in TOY_SETS:
        n_train, n_test = args.train_size, args.test_size
        X_train, y_train = data.load_toy(args.dataset, n_samples=n_train, seed=args.seed)
        X_test, y_test = data.load_toy(args.dataset, n_samples=n_test, seed=args.seed + 1)
        return Splits(X_train, y_train, X_test, y_test, int(y_train.max()) + 1)
    root = args.data_dir
    train = data.load_cifar10(root, split="train", size=args.train_size,
                              balanced=args.balanced, download=args.download)
    # Always class-balanced: a test file may be sorted by class (the course's copy is), and
    # the first 1,000 images would then all be airplanes. (size None: all of them.)
    test = data.load_cifar10(root, split="test", size=args.test_size, balanced=True)
    size = None if args.image_size == 32 else args.image_size
    X_train, X_test = data.prepare_images(train.images, test.images, image_size=size,
                                          grayscale=args.grayscale)
    return Splits(X_train, train.labels, X_test, test.labels, len(train.class_names))


def make_optimizer(args: argparse.Namespace, parameters: list) -> object:
    if args.optimizer == "adam":
        return optim.Adam(parameters, lr=args.lr, weight_decay=args.weight_decay)
    return optim.SGD(parameters, lr=args.lr, momentum=args.momentum,
                     weight_decay=args.weight_decay)


def make_scheduler(args: argparse.Namespace, optimizer: optim.Optimizer) -> object | None:
    """linear: lr * (1 - t / epochs) after epoch t, so the last epoch runs at lr / epochs."""
    if args.schedule == "linear":
        return optim.LinearDecay(optimizer, total_steps=args.epochs)
    return None


def describe_training(args: argparse.Namespace) -> str:
    """One line: the optimizer, its settings and the schedule."""
    if args.optimizer == "adam":
        settings = f"Adam lr {args.lr:g}"
    else:
        settings = f"SGD lr {args.lr:g}" + (f" momentum {args.momentum:g}" if args.momentum
                                            else "")
    settings += f" weight decay {args.weight_decay:g}" if args.weight_decay else ""
    schedule = ", decaying linearly towards 0" if args.schedule == "linear" else ""
    epochs = f"{args.epochs} epoch" + ("s" if args.epochs > 1 else "")
    return (f"training: {epochs}, batches of {args.batch_size}, "
            f"{settings}{schedule}")


def train_command(args: argparse.Namespace) -> int:
    """Load the data, train, write the outputs; the exit status (0, 1 diverged, 2 bad data,
    130 interrupted by Ctrl-C)."""
    try:
        splits = load_splits(args)
        finite_inputs(splits.X_train, f"the {args.dataset} training data")
        finite_inputs(splits.X_test, f"the {args.dataset} test data")
    except (OSError, ValueError, TypeError, pickle.UnpicklingError) as error:
        # Missing, damaged or unsafe data: the loaders' messages say where and what to do.
        print(f"autograd-scalar train: error: {error}", file=sys.stderr)
        return 2
    model = MLP(splits.X_train.shape[1], [*args.hidden, splits.n_classes],
                activation=args.activation, seed=args.seed)
    loss = LOSSES[args.loss]
    optimizer = make_optimizer(args, model.parameters())
    describe_run(args, splits, model)
    start = time.perf_counter()
    try:
        history = fit(model, loss, optimizer, (splits.X_train, splits.y_train),
                      val=(splits.X_test, splits.y_test), epochs=args.epochs,
                      batch_size=args.batch_size, seed=args.seed,
                      scheduler=make_scheduler(args, optimizer),
                      progress=not args.no_progress, on_epoch_end=print_epoch,
                      engine=args.engine)
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except TrainingInterrupted as stopped:
        interrupted = {"epoch": stopped.epoch, "batches": stopped.batches}
        written = save_run(args, model, stopped.history, splits, interrupted)
        print(f"interrupted (Ctrl-C) in epoch {stopped.epoch} after {stopped.batches} "
              f"batches; wrote {args.out}/: {', '.join(written)}", file=sys.stderr)
        return 130  # 128 + SIGINT, what a shell reports for a run stopped by Ctrl-C
    elapsed = time.perf_counter() - start
    train_loss, train_acc = evaluate(model, loss, splits.X_train, splits.y_train,
                                     engine=args.engine)
    written = save_run(args, model, history, splits)
    print(f"done in {elapsed:.1f} s: final training accuracy {train_acc:.1%} (loss "
          f"{train_loss:.4f}), test accuracy {history['val_acc'][-1]:.1%}")
    print(f"  (final: the trained model on all training examples; epoch {history['epoch'][-1]}'s "
          f"{history['train_acc'][-1]:.1%} averaged its batches while the model still learned)")
    print(f"wrote {args.out}/: {', '.join(written)}")
    return 0


def describe_run(args: argparse.Namespace, splits: Splits, model: MLP) -> None:
    print(f"{args.dataset}: {len(splits.X_train)} training and {len(splits.X_test)} test "
          f"examples, {splits.X_train.shape[1]} inputs, {splits.n_classes} classes")
    print(f"model: {model!r}")
    print(f"engine: {args.engine} ({ENGINE_NOTES[args.engine]})")
    print(describe_training(args))
    print(f"writing to {args.out}/", flush=True)


def save_run(args: argparse.Namespace, model: MLP, history: dict[str, list], splits: Splits,
             interrupted: dict[str, int] | None = None) -> list[str]:
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    return write_outputs(args.out, config, model, history, splits.X_train, splits.y_train,
                         args.dataset, interrupted)


def print_epoch(history: dict[str, list]) -> None:
    print(f"epoch {history['epoch'][-1]:>3}: train loss {history['train_loss'][-1]:.4f} "
          f"acc {history['train_acc'][-1]:.1%} | test loss {history['val_loss'][-1]:.4f} "
          f"acc {history['val_acc'][-1]:.1%} | {duration(history['seconds'][-1])}", flush=True)


def duration(seconds: float) -> str:
    """'1.3 s', or '40 ms' below a tenth of a second (a compiled toy epoch)."""
    return f"{seconds:.1f} s" if seconds >= 0.1 else f"{1000 * seconds:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # "train" is the only command, and it is required
    check_options(args, parser)
    defaults_for(args)
    check_run(args, parser)
    try:
        return train_command(args)
    except KeyboardInterrupt:  # (during training, fit stops cleanly and train_command saves)
        print("interrupted (Ctrl-C) outside training: nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
