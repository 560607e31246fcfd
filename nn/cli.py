"""`autograd-scalar train`: train an MLP from the command line.

With no arguments it trains on the two-moons toy set in well under a minute. Every run writes
into ``--out``: ``metrics.csv`` and ``history.json`` (loss and accuracy per epoch),
``model.npz`` (the weights, no pickle), ``curves.png`` and, for 2-D data,
``decision_boundary.png``.

Two engines compute the same numbers (``--engine``): "interpreted" builds the graph of every
sample from Values and calls backward(), the engine as the course writes it; "compiled" traces
one sample's graph once and runs it on whole batches with NumPy (`autograd_scalar.compile`).
The toy sets use the interpreter by default; CIFAR-10 uses the compiled engine, which trains
a 3072-256-10 MLP on full-resolution images with random flips and crops for 40 epochs in
well under a minute, to about 49% on the 10,000 test images (interpreted: hours).
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data, losses, optim
from .checks import positive_int
from .data import parse_augment
from .mlp import MLP
from .training import ENGINES, TrainingDiverged, evaluate, fit

TOY_SETS = ("moons", "circles", "spirals", "xor", "blobs")
LOSSES = {"cross_entropy": losses.softmax_cross_entropy, "hinge": losses.hinge}
SCHEDULES = ("constant", "linear")
ENGINE_NOTES = {
    "interpreted": "every sample's graph built from Values, then backward()",
    "compiled": "one sample's graph traced once, run on whole batches with NumPy",
}

# Defaults that depend on the data set and, for CIFAR-10, on the engine: settings that take
# seconds compiled take over half an hour interpreted (3072 inputs x 64 hidden neurons are
# about 200,000 Python objects per image). The compiled CIFAR-10 default is the recipe of
# benchmarks/bench_recipe.py: a wider 3072-256-10 network, random flips and crops (new for
# every batch, so 4,000 images look like many more), weight decay 5e-4, SGD with momentum
# and a linearly decaying learning rate for 40 epochs, in float32: 48.7% to 49.1% on the
# 10,000 test images (seeds 0 and 1), in well under a minute on 2 cores. (The old default,
# 3072-64-10 without augmentation for 10 epochs, reached about 40%.) The interpreted
# settings reach about 36% on 1,000 test images in 5 epochs (about 100 s per epoch at full
# resolution, roughly 4 times less with --image-size 16).
DEFAULTS = {
    "toy": {"hidden": [16, 16], "epochs": 20, "batch_size": 16, "sgd_lr": 0.1,
            "adam_lr": 0.01, "schedule": "constant", "train_size": 200, "test_size": 200,
            "weight_decay": 0.0, "augment": "none", "dropout": 0.0, "dtype": "float64"},
    "cifar10-compiled": {"hidden": [256], "epochs": 40, "batch_size": 64, "sgd_lr": 0.02,
                         "adam_lr": 0.001, "schedule": "linear", "train_size": 4000,
                         "test_size": None,  # None: every test image (10,000)
                         "weight_decay": 5e-4, "augment": "flip,crop", "dropout": 0.0,
                         "dtype": "float32"},
    "cifar10-interpreted": {"hidden": [32], "epochs": 5, "batch_size": 32, "sgd_lr": 0.005,
                            "adam_lr": 0.001, "schedule": "constant", "train_size": 4000,
                            "test_size": 1000, "weight_decay": 0.0, "augment": "none",
                            "dropout": 0.0, "dtype": "float64"},
}


def whole_number(text: str) -> int:
    """An argparse type: a whole number >= 1 (`nn.checks.positive_int`)."""
    return _count(_parse(int, text, "a whole number"), "the number")


def positive_float(text: str) -> float:
    value = _parse(float, text, "a number")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def probability_below_one(text: str) -> float:
    """An argparse type: a number p with 0 <= p < 1 (dropout's probability)."""
    value = _parse(float, text, "a number")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = _parse(float, text, "a number")
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def hidden_sizes(text: str) -> list[int]:
    """'32,32' -> [32, 32]; '' or '0' -> [] (no hidden layer)."""
    if text.strip() in ("", "0"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 32 or 64,32, got {text!r}"
        ) from None
    return [_count(size, "layer sizes") for size in sizes]


def _count(value: int, what: str) -> int:
    try:
        return positive_int(value, what)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).rstrip(".")) from None


def _parse(kind: type, text: str, what: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def default_help(option: str) -> str:
    """The defaults of `option` from DEFAULTS, as the help text says them:
    "toy 20; cifar10 10 compiled, 5 interpreted"."""
    def show(key: str) -> str:
        value = DEFAULTS[key][option]
        if value is None:
            return "all"
        if isinstance(value, list):
            return ",".join(map(str, value))
        return f"{value:g}" if isinstance(value, float) else str(value)

    compiled, interpreted = show("cifar10-compiled"), show("cifar10-interpreted")
    cifar = (compiled if compiled == interpreted
             else f"{compiled} compiled, {interpreted} interpreted")
    return f"toy {show('toy')}; cifar10 {cifar}"


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, except None and False (the help text says those)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-scalar",
        description="Train a multilayer perceptron built from scalar Values.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy 2-D set or on CIFAR-10",
        description="Train an MLP with mini-batch gradient descent and write its metrics, "
        "weights and plots to --out. With no options: the two-moons toy set, in seconds.",
        formatter_class=HelpFormatter,
    )
    add_data_options(train)
    add_model_options(train)
    add_training_options(train)
    return parser


def add_data_options(train: argparse.ArgumentParser) -> None:
    group = train.add_argument_group("data")
    group.add_argument("--dataset", choices=(*TOY_SETS, "cifar10"), default="moons",
                       help="the toy 2-D sets are generated in code; cifar10 reads the "
                       "official 'python version' files")
    group.add_argument("--data-dir", type=Path, default=None,
                       help="CIFAR-10 folder (cifar-10-batches-py), its parent, or the "
                       ".tar.gz archive; default: $CIFAR10_DIR, else "
                       f"{data.default_data_dir()}")
    group.add_argument("--download", action="store_true",
                       help="download CIFAR-10 (about 163 MB) into --data-dir if missing")
    group.add_argument("--train-size", type=whole_number, default=None,
                       help=f"training examples (default: {default_help('train_size')})")
    group.add_argument("--test-size", type=whole_number, default=None,
                       help="test examples, evaluated after every epoch (default: "
                       f"{default_help('test_size')})")
    group.add_argument("--balanced", action="store_true",
                       help="cifar10: the same number of images from every class")
    group.add_argument("--image-size", type=whole_number, default=32,
                       help="cifar10: resize images to N x N (8 or 16 train much faster "
                       "with the interpreted engine)")
    group.add_argument("--grayscale", action="store_true", help="cifar10: one channel")


def add_model_options(train: argparse.ArgumentParser) -> None:
    group = train.add_argument_group("model")
    group.add_argument("--hidden", type=hidden_sizes, default=None,
                       help="hidden layer sizes, comma-separated (default: "
                       f"{default_help('hidden')})")
    group.add_argument("--activation", choices=("relu", "tanh", "sigmoid"), default="relu")
    group.add_argument("--dropout", type=probability_below_one, default=None,
                       help="probability of dropping each hidden unit while training, "
                       f"0 <= p < 1 (default: {default_help('dropout')})")
    group.add_argument("--loss", choices=tuple(LOSSES), default="cross_entropy")


def add_training_options(train: argparse.ArgumentParser) -> None:
    group = train.add_argument_group("training")
    group.add_argument("--engine", choices=ENGINES, default=None,
                       help="compiled: trace one sample's graph once and run whole batches "
                       "with NumPy (fast); interpreted: build every sample's graph of "
                       "Values and call backward() (the same numbers, hundreds of times "
                       "slower). Default: compiled for cifar10, interpreted for toy sets")
    group.add_argument("--epochs", type=whole_number, default=None,
                       help=f"passes over the training data (default: {default_help('epochs')})")
    group.add_argument("--batch-size", type=whole_number, default=None,
                       help=f"examples per gradient step (default: {default_help('batch_size')})")
    group.add_argument("--lr", type=positive_float, default=None,
                       help=f"learning rate (default with sgd: {default_help('sgd_lr')}; "
                       f"with adam: {default_help('adam_lr')})")
    group.add_argument("--schedule", choices=SCHEDULES, default=None,
                       help="learning rate over the epochs: constant, or linear decay from "
                       "--lr towards 0 (the last epoch uses lr / epochs). Default: "
                       f"{default_help('schedule')}")
    group.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    group.add_argument("--momentum", type=non_negative_float, default=0.9,
                       help="sgd momentum")
    group.add_argument("--weight-decay", type=non_negative_float, default=None,
                       help=f"L2 penalty on the parameters (default: "
                       f"{default_help('weight_decay')})")
    group.add_argument("--augment", default=None,
                       help="cifar10: random changes to every training batch, comma-separated: "
                       "flip (mirror half the images), crop (shift by up to 4 pixels, zero "
                       f"padding), or none (default: {default_help('augment')})")
    group.add_argument("--dtype", choices=("float32", "float64"), default=None,
                       help="compiled engine: the float type of its arithmetic (float32: "
                       "faster, about 7 digits); the interpreter is float64 only (default: "
                       f"{default_help('dtype')})")
    group.add_argument("--seed", type=int, default=0,
                       help="initial weights, shuffling and toy data")
    group.add_argument("--no-progress", action="store_true", help="hide progress bars")
    group.add_argument("--out", type=Path, default=None,
                       help="output folder (default runs/<dataset>)")


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


CIFAR_ONLY = ("data_dir", "download", "balanced", "grayscale")


def check_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse image options on a toy set rather than silently ignoring them. Fills in the
    engine (its default depends on the data set)."""
    if args.dataset in TOY_SETS:
        given = [name for name in CIFAR_ONLY if getattr(args, name)]
        given += ["image_size"] if args.image_size != 32 else []
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            parser.error(f"{flags}: only for --dataset cifar10 (got --dataset {args.dataset})")
    args.engine = args.engine or ("interpreted" if args.dataset in TOY_SETS else "compiled")
    if args.dtype == "float32" and args.engine == "interpreted":
        parser.error("--dtype float32: only with --engine compiled (the interpreter's Values "
                     "are Python floats, float64)")
    if args.augment is not None:
        try:
            transforms = augmentation(args).transforms
        except ValueError as error:
            parser.error(f"--augment: {error}")
        if transforms and args.dataset in TOY_SETS:
            parser.error(f"--augment {args.augment}: only for --dataset cifar10 (images); "
                         f"got --dataset {args.dataset}")


def augmentation(args: argparse.Namespace) -> data.augment.Compose:
    """The --augment text as a callable for images of --image-size and --grayscale."""
    channels = 1 if args.grayscale else 3
    return parse_augment(args.augment, image_shape=(channels, args.image_size, args.image_size))


def defaults_for(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the options whose default depends on the data set and the engine."""
    key = "toy" if args.dataset in TOY_SETS else f"cifar10-{args.engine}"
    defaults = DEFAULTS[key]
    args.hidden = args.hidden if args.hidden is not None else list(defaults["hidden"])
    args.epochs = args.epochs or defaults["epochs"]
    args.batch_size = args.batch_size or defaults["batch_size"]
    args.lr = args.lr or defaults["adam_lr" if args.optimizer == "adam" else "sgd_lr"]
    args.schedule = args.schedule or defaults["schedule"]
    args.train_size = args.train_size or defaults["train_size"]
    args.test_size = args.test_size or defaults["test_size"]
    for option in ("weight_decay", "augment", "dropout", "dtype"):  # (0 is a choice here)
        if getattr(args, option) is None:
            setattr(args, option, defaults[option])
    args.out = args.out or Path("runs") / args.dataset
    return args


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
    augment = augmentation(args).transforms
    extras = ", augmentation: " + " + ".join(map(repr, augment)) if augment else ""
    extras += f", {args.dtype}" if args.engine == "compiled" else ""
    return (f"training: {epochs}, batches of {args.batch_size}, "
            f"{settings}{schedule}{extras}")


def final_evaluation(args: argparse.Namespace, model: MLP, loss: object, X: np.ndarray,
                     y: np.ndarray) -> tuple[float, float]:
    """Mean loss and accuracy on (X, y) with the run's engine (the same numbers either way;
    the interpreter would need minutes for 4,000 full-size images)."""
    return evaluate(model, loss, X, y, engine=args.engine, dtype=np.dtype(args.dtype))


def train_command(args: argparse.Namespace) -> int:
    args = defaults_for(args)
    try:
        splits = load_splits(args)
    except (OSError, ValueError, pickle.UnpicklingError) as error:
        # Missing, damaged or unsafe data: the loaders' messages say where and what to do.
        print(f"autograd-scalar train: error: {error}", file=sys.stderr)
        return 2
    n_inputs = splits.X_train.shape[1]
    model = MLP(n_inputs, [*args.hidden, splits.n_classes], activation=args.activation,
                seed=args.seed, dropout=args.dropout)
    loss = LOSSES[args.loss]
    optimizer = make_optimizer(args, model.parameters())
    print(f"{args.dataset}: {len(splits.X_train)} training and {len(splits.X_test)} test "
          f"examples, {n_inputs} inputs, {splits.n_classes} classes")
    print(f"model: {model!r}")
    print(f"engine: {args.engine} ({ENGINE_NOTES[args.engine]})")
    print(describe_training(args))
    start = time.perf_counter()
    try:
        history = fit(model, loss, optimizer, (splits.X_train, splits.y_train),
                      val=(splits.X_test, splits.y_test), epochs=args.epochs,
                      batch_size=args.batch_size, seed=args.seed,
                      scheduler=make_scheduler(args, optimizer),
                      progress=not args.no_progress, on_epoch_end=print_epoch,
                      engine=args.engine, augment=augmentation(args),
                      dtype=np.dtype(args.dtype))
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    train_loss, train_acc = final_evaluation(args, model, loss, splits.X_train, splits.y_train)
    write_outputs(args, model, history, splits)
    print(f"done in {elapsed:.1f} s: final training accuracy {train_acc:.1%} "
          f"(loss {train_loss:.4f}), test accuracy {history['val_acc'][-1]:.1%}")
    print(f"wrote {args.out}/: metrics.csv, history.json, model.npz, curves.png"
          + (", decision_boundary.png" if n_inputs == 2 else ""))
    return 0


def print_epoch(history: dict[str, list]) -> None:
    print(f"epoch {history['epoch'][-1]:>3}: train loss {history['train_loss'][-1]:.4f} "
          f"acc {history['train_acc'][-1]:.1%} | test loss {history['val_loss'][-1]:.4f} "
          f"acc {history['val_acc'][-1]:.1%} | {duration(history['seconds'][-1])}", flush=True)


def duration(seconds: float) -> str:
    """'1.3 s', or '40 ms' below a tenth of a second (a compiled toy epoch)."""
    return f"{seconds:.1f} s" if seconds >= 0.1 else f"{1000 * seconds:.0f} ms"


def write_outputs(args: argparse.Namespace, model: MLP, history: dict, splits: Splits) -> None:
    from viz import plot_decision_boundary, plot_history  # the one place nn meets viz

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "metrics.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(history.keys())
        writer.writerows(zip(*history.values()))
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    (out / "history.json").write_text(json.dumps({"config": config, "history": history},
                                                 indent=2))
    model.save(out / "model.npz")
    curves = plot_history(history, title=f"{args.dataset}: {model!r}", val_label="test")
    curves.savefig(out / "curves.png", dpi=100)
    if splits.X_train.shape[1] == 2:
        figure = plot_decision_boundary(model, splits.X_train, splits.y_train,
                                        title=f"{args.dataset}: decision boundary")
        figure.savefig(out / "decision_boundary.png", dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # "train" is the only command, and it is required
    check_options(args, parser)
    return train_command(args)


if __name__ == "__main__":
    sys.exit(main())
