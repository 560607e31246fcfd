"""The full training set: five official-format batches of 10,000 images, memory bounded.

The real batches 2..5 are not on the course machines, so the batches are synthetic, written
by benchmarks/bench_full_cifar.py in the official byte layout (checked against the real
data_batch_1 where ../shared/data exists).
"""

from __future__ import annotations

import importlib.util
import pickletools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from nn.data import load_cifar10, load_pickle, prepare_images

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "bench_full_cifar", ROOT / "benchmarks" / "bench_full_cifar.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

PER_BATCH = 10_000
MiB = 2**20


def opcodes(blob: bytes) -> list:
    """(name, argument) of every opcode but the memo writes, which differ between picklers."""
    return [(op.name, arg) for op, arg, _ in pickletools.genops(blob) if "PUT" not in op.name]


def test_the_writer_reproduces_the_official_byte_layout(cifar_dir):
    real = (cifar_dir / "data_batch_1").read_bytes()
    batch = load_pickle(real)
    written = bench.official_batch_bytes(batch["data"], batch["labels"], batch["batch_label"],
                                         batch["filenames"])
    assert opcodes(written) == opcodes(real)


@pytest.fixture(scope="module")
def full_set(tmp_path_factory):
    """Five official-size training batches; returns (folder, rows per batch, labels)."""
    folder = tmp_path_factory.mktemp("full") / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for index in range(5):
        batch_rows = rng.integers(0, 256, (PER_BATCH, 3072), dtype=np.uint8)
        batch_labels = rng.permutation(np.arange(PER_BATCH) % 10)  # 1,000 per class
        names = [f"img_{index}_{k}.png" for k in range(PER_BATCH)]
        blob = bench.official_batch_bytes(batch_rows, batch_labels, f"batch {index}", names)
        (folder / f"data_batch_{index + 1}").write_bytes(blob)
        rows.append(batch_rows)
        labels.append(batch_labels)
    return folder, rows, np.concatenate(labels)


def assert_same_images(images: np.ndarray, rows: list[np.ndarray], chosen: np.ndarray):
    """images[i] is row chosen[i] of the concatenated batches, converted to HWC."""
    for index, batch_rows in enumerate(rows):
        here = (chosen >= index * PER_BATCH) & (chosen < (index + 1) * PER_BATCH)
        hwc = batch_rows[chosen[here] - index * PER_BATCH].reshape(-1, 3, 32, 32)
        np.testing.assert_array_equal(images[here], hwc.transpose(0, 2, 3, 1))


def test_all_50000_images_load_exactly_with_bounded_memory(full_set):
    folder, rows, labels = full_set
    tracemalloc.start()
    try:
        train = load_cifar10(folder, "train", size=50_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert train.images.shape == (50_000, 32, 32, 3) and train.images.dtype == np.uint8
    np.testing.assert_array_equal(train.labels, labels)
    assert_same_images(train.images, rows, np.arange(50_000))
    # The result (146 MiB) plus one batch in flight; the old loader held every batch, their
    # concatenation and a re-indexed copy at once (~3x the result).
    assert peak < train.images.nbytes + 160 * MiB, f"peak {peak / MiB:.0f} MiB"


def test_a_balanced_subset_spanning_three_batches(full_set):
    folder, rows, labels = full_set
    balanced = load_cifar10(folder, "train", size=23_456, balanced=True)
    quotas = [2346] * 6 + [2345] * 4
    np.testing.assert_array_equal(balanced.class_counts(), quotas)
    chosen = np.sort(np.concatenate(
        [np.flatnonzero(labels == c)[:q] for c, q in enumerate(quotas)]))
    assert chosen.max() >= 2 * PER_BATCH  # the subset spans three batches
    np.testing.assert_array_equal(balanced.labels, labels[chosen])
    assert_same_images(balanced.images, rows, chosen)


def test_prepare_images_float32_is_the_float64_result_in_one_array(full_set):
    folder, _, _ = full_set
    train = load_cifar10(folder, "train", size=4_000)
    X64, _ = prepare_images(train)
    tracemalloc.start()
    try:
        X32, _ = prepare_images(train, dtype=np.float32)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert X32.dtype == np.float32 and X32.shape == (4_000, 3072)
    np.testing.assert_allclose(X32, X64, rtol=0, atol=1e-5)
    planes = X32.reshape(-1, 3, 1024)
    np.testing.assert_allclose(planes.mean(axis=(0, 2), dtype=np.float64), 0.0, atol=1e-6)
    np.testing.assert_allclose(planes.std(axis=(0, 2), dtype=np.float64), 1.0, atol=1e-6)
    # the float32 result (47 MiB) plus a few chunk-sized temporaries (6 MiB each), never a
    # float64 copy of the whole set (94 MiB) as converting all at once would make
    assert peak < X32.nbytes + 24 * MiB < X64.nbytes, f"peak {peak / MiB:.0f} MiB"


def test_prepare_images_refuses_a_non_float_dtype():
    with pytest.raises(ValueError, match="dtype must be a float type, got uint8"):
        prepare_images(np.zeros((2, 4, 4, 3), np.uint8), dtype=np.uint8)


def test_the_benchmark_script_runs_and_reports_time_and_memory():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_full_cifar.py"),
                          "--size", "500"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "images: (500, 32, 32, 3) uint8" in run.stdout
    assert "X: (500, 3072) float32" in run.stdout
    for step in ("load_cifar10:", "prepare_images:"):
        line = next(line for line in run.stdout.splitlines() if line.startswith(step))
        assert " s, peak RSS " in line and line.endswith(" MiB")
