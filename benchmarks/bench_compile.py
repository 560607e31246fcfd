"""The compiled program on real CIFAR-10, beside the interpreted engine and hand-written NumPy.

One run, two parts, on an MLP 3072-64-10 (ReLU hidden layer, linear output), softmax
cross-entropy, SGD with momentum 0.9, batch 64, the first 4,000 training images:

1. Throughput. Four implementations make the SAME updates from the same initial weights on
   the same mini-batches (``iterate_minibatches(X, ..., 64, seed=0, epoch=e)``):
   the compiled program (``autograd_scalar.compile`` of one sample's loss, trained with
   ``program.training(optimizer)``), the interpreted engine (a graph of Values per sample
   and ``backward()``, timed on a few batches only: it takes ~50 ms per sample), and the
   hand-written NumPy MLP of ``numpy_mlp.py``. The compiled program and NumPy each run in
   float64 and in float32 (``compile(..., dtype=np.float32)``; NumPy with float32 arrays),
   on batches already in that dtype. Their epochs alternate, so a busy machine slows all
   alike; the median epoch is reported, and the ratio compiled / NumPy for each dtype, then
   the same ratio round by round (median and quartiles: how much the rounds disagree).
   Beside them runs ``LeanNumpyMLP``: the same updates in NumPy with no framework at all
   (buffers made once, ``out=``, one update of one parameter vector), the fastest this MLP
   gets with NumPy: its ratio to the NumPy MLP shows how much room the target leaves.
   Since the updates are the same, the weights must agree at the end: the largest
   differences are printed (float32: to its rounding).
2. Accuracy. ``nn.fit(engine="compiled")`` for 20 epochs with ``LinearDecay``, from fresh
   weights, then the accuracy on all 10,000 test images.

    python benchmarks/bench_compile.py            # the full run (about a minute)
    python benchmarks/bench_compile.py --quick    # a smoke test (a few seconds)

Targets: compiled >= 1.0x NumPy's samples/s in float64 and in float32 (issue 13) and
>= 100x the interpreter's; the 20-epoch fit in under 60 s, reaching >= 38% on the test
images (issue 6). On a shared machine the ratios are noise: measure on an idle one.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # runs from a checkout, installed or not
from numpy_mlp import LeanNumpyMLP, NumpyMLP

import autograd_scalar
from nn import MLP, SGD, LinearDecay, fit, softmax_cross_entropy
from nn.data import iterate_minibatches, load_cifar10, prepare_images
from nn.training import predict_classes

# ../shared/data beside the checkout, or $AUTOGRAD_SCALAR_SHARED_DATA (as in tests/conftest.py)
SHARED_DATA = Path(os.environ.get("AUTOGRAD_SCALAR_SHARED_DATA", HERE.parent.parent / "shared"
                                  / "data"))
DEFAULT_DATA = SHARED_DATA / "cifar-10-batches-py"
HIDDEN, CLASSES, BATCH, LR, MOMENTUM = 64, 10, 64, 0.01, 0.9

TARGET_VS_NUMPY = 1.0  # compiled samples/s as a fraction of NumPy's (same dtype), at least
TARGET_VS_INTERPRETED = 100.0  # compiled samples/s as a multiple of the interpreter's
TARGET_FIT_SECONDS = 60.0  # the whole 20-epoch fit, at most
TARGET_ACCURACY = 0.38  # on the 10,000 test images, at least

# --quick: sizes for a smoke test (used where the flag itself is not given)
QUICK = {"train_size": 256, "epochs": 2, "timing_epochs": 2, "interpreted_batches": 1,
         "test_size": 500}
FULL = {"train_size": 4000, "epochs": 20, "timing_epochs": 20, "interpreted_batches": 4,
        "test_size": None}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help="the cifar-10-batches-py folder (default: %(default)s)")
    parser.add_argument("--train-size", type=int, help="training images (default 4000)")
    parser.add_argument("--epochs", type=int, help="epochs of the accuracy run (default 20)")
    parser.add_argument("--timing-epochs", type=int,
                        help="epochs timed for the compiled program and NumPy (default 20)")
    parser.add_argument("--interpreted-batches", type=int,
                        help="batches timed for the interpreted engine (default 4)")
    parser.add_argument("--test-size", type=int,
                        help="test images, balanced over the classes (default: all 10,000)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke test: " + ", ".join(
                            f"{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in ("train_size", "epochs", "timing_epochs", "interpreted_batches"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def largest_difference(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """max |a - b| over every array of two state dicts (weights and biases)."""
    return max(float(np.max(np.abs(a[name] - b[name]))) for name in a)


def numpy_state(net: NumpyMLP) -> dict[str, np.ndarray]:
    """The NumPy MLP's arrays under the names of MLP.state_dict()."""
    state = {}
    for k, (W, b) in enumerate(zip(net.W, net.b)):
        state[f"layers.{k}.weight"], state[f"layers.{k}.bias"] = W, b
    return state


def compile_model(model: MLP, x: np.ndarray, t: np.ndarray, dtype: type = np.float64,
                  ) -> autograd_scalar.CompiledProgram:
    """The compiled program of one sample's ``softmax_cross_entropy(model(x), onehot)``."""

    def one_sample(x: list, t: list) -> tuple:
        outputs = model(x)
        return outputs, softmax_cross_entropy(outputs, t)

    # check=False: this times the trace and the lowering; the check is timed on its own.
    return autograd_scalar.compile(one_sample, (x, t), parameters=model.parameters(),
                                   check=False, dtype=dtype)


def interpreted_steps(model: MLP, X: np.ndarray, y: np.ndarray, n_batches: int,
                      ) -> tuple[float, int]:
    """The interpreted engine on the first n_batches of epoch 0 (the loop of nn.fit):
    returns the seconds and the number of samples."""
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    seen, start = 0, time.perf_counter()
    for _, (xb, yb) in zip(range(n_batches), iterate_minibatches(X, y, BATCH, seed=0, epoch=0)):
        optimizer.zero_grad()
        loss = softmax_cross_entropy([model(x) for x in xb], yb.tolist())
        loss.backward()
        optimizer.step()
        seen += len(xb)
    return time.perf_counter() - start, seen


def compiled_steps(program: autograd_scalar.CompiledProgram, model: MLP, X: np.ndarray,
                   T: np.ndarray, n_batches: int) -> None:
    """The compiled program on the first n_batches of epoch 0 (to compare with the
    interpreter: the same batches, from the model's current weights)."""
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    batches = iterate_minibatches(X, np.arange(len(X)), BATCH, seed=0, epoch=0)
    with program.training(optimizer) as session:
        for _, (xb, ib) in zip(range(n_batches), batches):
            session.step(xb, T[ib])


def compiled_epoch(session: Any, X: np.ndarray, T: np.ndarray) -> Callable[[int], None]:
    """One epoch of the compiled program's training steps (nn.fit's batches)."""
    indices = np.arange(len(X))

    def run(epoch: int) -> None:
        for xb, ib in iterate_minibatches(X, indices, BATCH, seed=0, epoch=epoch):
            session.step(xb, T[ib])
    return run


def numpy_epoch(reference: NumpyMLP, X: np.ndarray, y: np.ndarray) -> Callable[[int], None]:
    """One epoch of the hand-written NumPy MLP on the same batches."""
    def run(epoch: int) -> None:
        for xb, yb in iterate_minibatches(X, y, BATCH, seed=0, epoch=epoch):
            _, _, grads_W, grads_b = reference.loss_and_grads(xb, yb)
            reference.sgd_step(grads_W, grads_b, LR, MOMENTUM)
    return run


def timed_epochs(epoch_runners: dict[str, Callable[[int], None]], epochs: range,
                 ) -> dict[str, list[float]]:
    """Run every implementation's epoch in turn, epoch after epoch (so a busy machine slows
    them alike), in the opposite order every other round (so none always runs right after
    the same other one); returns the seconds of each epoch of each."""
    seconds: dict[str, list[float]] = {name: [] for name in epoch_runners}
    for epoch in epochs:
        order = list(epoch_runners.items())
        for name, run in order if epoch % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            run(epoch)
            seconds[name].append(time.perf_counter() - start)
    return seconds


def paired_ratios(reference: list[float], other: list[float]) -> tuple[float, float, float]:
    """Speed of `other` relative to `reference` epoch by epoch (reference seconds / other
    seconds of the same round, which met the same machine): the median and the quartiles.
    On a shared machine whose speed changes from second to second, this is steadier than the
    ratio of the two medians, and the quartiles show how much the rounds disagree."""
    ratios = np.array(reference) / np.array(other)
    low, median, high = np.percentile(ratios, [25, 50, 75])
    return float(median), float(low), float(high)


def numpy_reference(state: dict[str, np.ndarray], dtype: type,
                    kind: type = NumpyMLP) -> NumpyMLP:
    return kind([state["layers.0.weight"], state["layers.1.weight"]],
                [state["layers.0.bias"], state["layers.1.bias"]], dtype=dtype)


def lean_numpy_epoch(lean: LeanNumpyMLP, X: np.ndarray, y: np.ndarray,
                     ) -> Callable[[int], None]:
    """One epoch of the lean NumPy MLP (preallocated, out=, one update) on the same batches."""
    def run(epoch: int) -> None:
        for xb, yb in iterate_minibatches(X, y, BATCH, seed=0, epoch=epoch):
            lean.train_step(xb, yb, LR, MOMENTUM)
    return run


def race(X: np.ndarray, y: np.ndarray, T: np.ndarray, initial: dict[str, np.ndarray],
         epochs: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """The compiled program, the NumPy MLP and the lean NumPy MLP, each in float64 and
    float32, the same updates from the same weights on the same batches: the seconds of their
    epochs, and the largest weight difference between the compiled program and NumPy in each
    dtype after the first `compared_epochs(epochs)` epochs."""
    runners, finals, sessions = {}, {}, []
    with contextlib.ExitStack() as stack:
        for dtype in (np.float64, np.float32):
            name = np.dtype(dtype).name
            Xd, Td = X.astype(dtype), T.astype(dtype)  # both get batches in their dtype
            model = MLP(X.shape[1], [HIDDEN, CLASSES], seed=0)
            model.load_state_dict(initial)
            program = compile_model(model, X[0], T[0], dtype)
            optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
            session = stack.enter_context(program.training(optimizer))
            reference = numpy_reference(initial, dtype)
            runners[f"compiled {name}"] = compiled_epoch(session, Xd, Td)
            runners[f"NumPy {name}"] = numpy_epoch(reference, Xd, y)
            lean = numpy_reference(initial, dtype, LeanNumpyMLP)
            runners[f"lean NumPy {name}"] = lean_numpy_epoch(lean, Xd, y)
            finals[name] = (model, reference, lean)
            sessions.append(session)
        compared = compared_epochs(epochs)
        seconds = timed_epochs(runners, range(compared))
        for session in sessions:
            session.sync()  # (the Values get the session's weights, for state_dict)
        differences = {}
        for name, (model, reference, lean) in finals.items():
            differences[name] = largest_difference(model.state_dict(), numpy_state(reference))
            differences[f"lean {name}"] = largest_difference(numpy_state(lean),
                                                             numpy_state(reference))
        for name, later in timed_epochs(runners, range(compared, epochs)).items():
            seconds[name] += later
    return seconds, differences


def compared_epochs(epochs: int) -> int:
    """After how many epochs the weights are compared: float32 roundings, tiny at first,
    grow along a long trajectory (one ReLU that flips changes every later step), so the
    comparison is made after 10 epochs at most (float32: ~1e-7 there, ~1e-1 after 20)."""
    return min(epochs, 10)


def throughput(X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> None:
    """Part 1: samples per second of the implementations, and the same weights."""
    T = np.eye(CLASSES)[y]  # one-hot targets: the traceable form of "the class y"
    model = MLP(X.shape[1], [HIDDEN, CLASSES], seed=0)
    initial = model.state_dict()

    start = time.perf_counter()
    program = compile_model(model, X[0], T[0])
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    program.check(X[0], T[0])
    check_seconds = time.perf_counter() - start
    print(f"compile (trace + lowering): {compile_seconds:.2f} s; check against the "
          f"interpreter on one sample: {check_seconds:.2f} s. The plan:")
    print(program)

    # The interpreter on a few batches, then the compiled program on the same batches.
    interpreted_model = MLP(X.shape[1], [HIDDEN, CLASSES], seed=0)
    assert largest_difference(interpreted_model.state_dict(), initial) == 0.0
    interpreted_seconds, interpreted_samples = interpreted_steps(
        interpreted_model, X, y, args.interpreted_batches)
    compiled_steps(program, model, X, T, args.interpreted_batches)
    vs_interpreted = largest_difference(model.state_dict(), interpreted_model.state_dict())
    n_interpreted = math.ceil(interpreted_samples / BATCH)

    # The timed epochs, from the initial weights again, in float64 and float32.
    seconds, vs_numpy = race(X, y, T, initial, args.timing_epochs)
    batches_per_epoch = math.ceil(len(X) / BATCH)
    rate = {name: len(X) / statistics.median(s) for name, s in seconds.items()}
    rate["interpreted float64"] = interpreted_samples / interpreted_seconds
    print(f"\n{'':22}{'samples/s':>11}{'ms/batch':>10}   timed over")
    for name, per_second in rate.items():
        over = (f"median of {len(seconds[name])} epochs" if name in seconds
                else f"{interpreted_samples} samples")
        print(f"{name:22}{per_second:>11,.0f}{1000 * BATCH / per_second:>10.2f}   {over}")
    print("epochs (s): " + " | ".join(f"{name} " + " ".join(f"{s:.3f}" for s in epochs)
                                      for name, epochs in seconds.items()))

    print()
    for dtype in ("float64", "float32"):
        ratio = rate[f"compiled {dtype}"] / rate[f"NumPy {dtype}"]
        print(f"ratio compiled / NumPy, {dtype}: {ratio:.2f}x (target >= {TARGET_VS_NUMPY}x) "
              f"-> {verdict(ratio >= TARGET_VS_NUMPY)}")
    for dtype in ("float64", "float32"):  # how much faster NumPy alone can make these steps
        lean = rate[f"lean NumPy {dtype}"] / rate[f"NumPy {dtype}"]
        print(f"ratio lean NumPy / NumPy, {dtype}: {lean:.2f}x (the floor: no framework)")
    for name in ("compiled", "lean NumPy"):  # the same ratios round by round, and their spread
        for dtype in ("float64", "float32"):
            median, low, high = paired_ratios(seconds[f"NumPy {dtype}"], seconds[f"{name} {dtype}"])
            print(f"per round, {name} / NumPy, {dtype}: median {median:.2f}x, quartiles "
                  f"{low:.2f}-{high:.2f}x")
    ratio_interpreted = rate["compiled float64"] / rate["interpreted float64"]
    print(f"ratio compiled / interpreted: {ratio_interpreted:,.0f}x "
          f"(target >= {TARGET_VS_INTERPRETED:.0f}x) -> "
          f"{verdict(ratio_interpreted >= TARGET_VS_INTERPRETED)}")
    steps = plural(compared_epochs(args.timing_epochs) * batches_per_epoch, "step")
    for dtype in ("float64", "float32"):
        print(f"weight difference compiled vs NumPy, {dtype}, after {steps}: "
              f"{vs_numpy[dtype]:.2e}")
    for dtype in ("float64", "float32"):
        print(f"weight difference lean NumPy vs NumPy, {dtype}, after {steps}: "
              f"{vs_numpy['lean ' + dtype]:.2e}")
    print(f"weight difference compiled vs interpreted after {plural(n_interpreted, 'step')}: "
          f"{vs_interpreted:.2e}")


def accuracy_run(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                 args: argparse.Namespace) -> None:
    """Part 2: nn.fit(engine="compiled") from fresh weights, then the test accuracy."""
    model = MLP(X.shape[1], [HIDDEN, CLASSES], seed=0)
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    scheduler = LinearDecay(optimizer, args.epochs)
    start = time.perf_counter()
    history = fit(model, softmax_cross_entropy, optimizer, (X, y), epochs=args.epochs,
                  batch_size=BATCH, engine="compiled", scheduler=scheduler, seed=0,
                  progress=False)
    fit_seconds = time.perf_counter() - start
    accuracy = float(np.mean(predict_classes(model, X_test) == y_test))
    training = sum(history["seconds"])
    print(f"\nnn.fit(engine='compiled'): {args.epochs} epochs on {len(X)} images, SGD lr {LR} "
          f"momentum {MOMENTUM}, LinearDecay, batch {BATCH}")
    print(f"fit wall-clock: {fit_seconds:.1f} s ({training:.1f} s in the epochs, the rest "
          f"compiling and checking) (target < {TARGET_FIT_SECONDS:.0f} s) -> "
          f"{verdict(fit_seconds < TARGET_FIT_SECONDS)}")
    print(f"training loss {history['train_loss'][0]:.3f} -> {history['train_loss'][-1]:.3f}, "
          f"training accuracy in the last epoch {history['train_acc'][-1]:.1%}")
    print(f"test accuracy on {len(X_test):,} images: {accuracy:.1%} "
          f"(target >= {TARGET_ACCURACY:.0%}) -> {verdict(accuracy >= TARGET_ACCURACY)}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    train = load_cifar10(args.data_dir, split="train", size=args.train_size)
    # test_batch is sorted by class: a subset must be balanced to contain every class.
    test = load_cifar10(args.data_dir, split="test", size=args.test_size,
                        balanced=args.test_size is not None)
    X, X_test = prepare_images(train.images, test.images)  # standardised with train stats
    y, y_test = train.labels, test.labels
    print(f"CIFAR-10: {len(X):,} training images, {len(X_test):,} test images, MLP "
          f"{X.shape[1]}-{HIDDEN}-{CLASSES}, softmax cross-entropy, SGD lr {LR} momentum "
          f"{MOMENTUM}, batch {BATCH}" + (" (--quick: targets are for the full run)"
                                          if args.quick else ""))
    # The load average says how busy the machine was (other jobs make every figure slower).
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs{load}\n")
    throughput(X, y, args)
    accuracy_run(X, y, X_test, y_test, args)


if __name__ == "__main__":
    main()
