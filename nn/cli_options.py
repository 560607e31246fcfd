"""The options of `autograd-scalar train`: the parser, its defaults, and their checks.

Everything here runs before any data is read: a run that could not finish (a flag out of
range, sizes the data set does not have, a memory need beyond the machine's, a --out that
cannot be written) ends with a usage error naming the flag, never after training.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from . import data, losses, memory
from .cli_outputs import check_run_folder, default_run_folder
from .training import ENGINES
from .validation import positive_int

TOY_CLASSES = {"moons": 2, "circles": 2, "spirals": 3, "xor": 2, "blobs": 3}
TOY_SETS = tuple(TOY_CLASSES)
CIFAR10_IMAGES = {"train": 50_000, "test": 10_000}
LOSSES = {"cross_entropy": losses.softmax_cross_entropy, "hinge": losses.hinge}
SCHEDULES = ("constant", "linear")
ENGINE_NOTES = {
    "interpreted": "every sample's graph built from Values, then backward()",
    "compiled": "one sample's graph traced once, run on whole batches with NumPy",
}

# Defaults that depend on the data set and, for CIFAR-10, on the engine: settings that take
# seconds compiled take over half an hour interpreted (3072 inputs x 64 hidden neurons are
# about 200,000 Python objects per image). Measured on 2 cores: the compiled CIFAR-10
# settings reach about 40% on the 10,000 test images in 10 epochs (about 0.3 s per epoch);
# the interpreted ones about 36% on 1,000 test images in 5 epochs (about 100 s per epoch
# at full resolution, roughly 4 times less with --image-size 16).
DEFAULTS = {
    "toy": {"hidden": [16, 16], "epochs": 20, "batch_size": 16, "sgd_lr": 0.1,
            "adam_lr": 0.01, "schedule": "constant", "train_size": 200, "test_size": 200},
    "cifar10-compiled": {"hidden": [64], "epochs": 10, "batch_size": 64, "sgd_lr": 0.01,
                         "adam_lr": 0.001, "schedule": "linear", "train_size": 4000,
                         "test_size": None},  # None: every test image (10,000)
    "cifar10-interpreted": {"hidden": [32], "epochs": 5, "batch_size": 32, "sgd_lr": 0.005,
                            "adam_lr": 0.001, "schedule": "constant", "train_size": 4000,
                            "test_size": 1000},
}


def whole_number(text: str) -> int:
    """An argparse type: a whole number >= 1 (`nn.validation.positive_int`)."""
    return _count(_parse(int, text, "a whole number"), "the number")


def positive_float(text: str) -> float:
    value = _finite(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = _finite(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def momentum_factor(text: str) -> float:
    """In [0, 1): the momentum buffer sums past gradients with weights momentum**k, which
    grows without bound for momentum >= 1 (5 trained to a loss of 1e43)."""
    value = _finite(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def seed_number(text: str) -> int:
    value = _parse(int, text, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _finite(text: str) -> float:
    value = _parse(float, text, "a number")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
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
    group.add_argument("--momentum", type=momentum_factor, default=0.9,
                       help="sgd momentum, in [0, 1)")
    group.add_argument("--weight-decay", type=non_negative_float, default=0.0)
    group.add_argument("--seed", type=seed_number, default=0,
                       help="initial weights, shuffling and toy data")
    group.add_argument("--no-progress", action="store_true", help="hide progress bars")
    group.add_argument("--out", type=Path, default=None,
                       help="output folder (default: a new runs/<dataset>-<engine>-<time>); "
                       "a folder that already holds files needs --overwrite")
    group.add_argument("--overwrite", action="store_true",
                       help="let --out replace the files of an earlier run")


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
    args.out = args.out or default_run_folder(args.dataset, args.engine)
    return args


def check_run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse, before any data is loaded, a run that could not finish: sizes the data set
    does not have, a memory need beyond the machine's, a --out it could not write."""
    check_sizes(args, parser)
    check_memory(args, parser)
    try:
        check_run_folder(args.out, args.overwrite)
    except ValueError as error:
        parser.error(f"--out: {error}")


def check_sizes(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Each toy split needs an example of every class; CIFAR-10 has only so many images."""
    for split, flag in (("train", "--train-size"), ("test", "--test-size")):
        size = getattr(args, f"{split}_size")
        if size is None:  # (CIFAR-10's whole test split)
            continue
        if args.dataset in TOY_SETS and size < TOY_CLASSES[args.dataset]:
            parser.error(f"{flag} must be at least {TOY_CLASSES[args.dataset]} for --dataset "
                         f"{args.dataset} (one example of each class), got {size}")
        if args.dataset == "cifar10" and size > CIFAR10_IMAGES[split]:
            parser.error(f"{flag}: CIFAR-10's {split} split has {CIFAR10_IMAGES[split]:,} "
                         f"images, got {size:,}")


def check_memory(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    layer_sizes, n_examples, bytes_per_example = run_shape(args)
    needed = memory.run_bytes(layer_sizes, n_examples, bytes_per_example, args.batch_size,
                              args.engine)
    available = memory.available_bytes()
    if available is not None and needed > available:
        parser.error(f"this run needs about {memory.format_bytes(needed)} of memory, and the "
                     f"machine has {memory.format_bytes(available)} free: use a smaller "
                     "--hidden, --train-size or --test-size")


def run_shape(args: argparse.Namespace) -> tuple[list[int], int, int]:
    """The layer sizes, the number of examples and the bytes one example takes in memory,
    all known from the options before any data is read."""
    if args.dataset in TOY_SETS:
        # ~100 B while the generator runs, then X, y and the checks' copies
        n_inputs, n_classes, per_example = 2, TOY_CLASSES[args.dataset], 150
    else:
        n_inputs = args.image_size**2 * (1 if args.grayscale else 3)
        n_classes = 10
        per_example = 3072 + 3 * 8 * n_inputs  # the uint8 image, float64 copies
    n_examples = args.train_size + (args.test_size or CIFAR10_IMAGES["test"])
    return [n_inputs, *args.hidden, n_classes], n_examples, per_example
