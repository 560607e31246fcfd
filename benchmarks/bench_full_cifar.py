"""Load all 50,000 CIFAR-10 training images: time and peak memory (RSS) of the data path.

The real five training batches are not on the course machines, so by default the script
writes five synthetic batches of 10,000 random images in the official format (Python 2
pickles, protocol 2, the pixels as one byte string, exactly as the Toronto files are laid
out) to a temporary folder, then measures in a fresh process:

1. ``load_cifar10(split="train", size=50000)``  -> uint8 (50000, 32, 32, 3)
2. ``prepare_images(train, dtype=float32)``     -> float32 (50000, 3072), standardised

    python benchmarks/bench_full_cifar.py                     # synthetic official batches
    python benchmarks/bench_full_cifar.py --data-dir ~/.cache/autograd_scalar  # real files

Peak RSS comes from ``resource.getrusage`` (the whole process: interpreter and NumPy
included, so the baseline after imports is printed too).
"""

from __future__ import annotations

import argparse
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]  # runs from a checkout, installed or not


# --------------------------------------------------------------------------------------------
# Writing batches in the official format (by opcodes: Python 3's pickle would store bytes
# through a codecs call, which no official file contains and our loader rightly refuses)
# --------------------------------------------------------------------------------------------


def _string(text: str | bytes) -> bytes:
    """A Python 2 str: SHORT_BINSTRING or BINSTRING."""
    data = text.encode("latin1") if isinstance(text, str) else text
    if len(data) < 256:
        return b"U" + bytes([len(data)]) + data
    return b"T" + struct.pack("<i", len(data)) + data


def _unicode(text: str) -> bytes:
    """A Python 2 unicode string: BINUNICODE."""
    data = text.encode("utf-8")
    return b"X" + struct.pack("<I", len(data)) + data


def _int(value: int) -> bytes:
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def _list(items: list[bytes]) -> bytes:
    """EMPTY_LIST, then APPENDS in runs of 1,000 as Python 2's pickler wrote them."""
    out = b"]"
    for start in range(0, len(items), 1000):
        out += b"(" + b"".join(items[start:start + 1000]) + b"e"
    return out


def _uint8_array(rows: np.ndarray) -> bytes:
    """numpy 1.x's pickle of a C-ordered uint8 (n, 3072) array (what the official files hold)."""
    dtype = (b"cnumpy\ndtype\n" + _unicode("u1") + b"\x89\x88\x87R"  # dtype(u'u1', False, True)
             + b"(" + _int(3) + _unicode("|") + b"NNN" + b"J\xff\xff\xff\xff" * 2 + _int(0)
             + b"tb")
    shape = b"".join(_int(n) for n in rows.shape) + b"\x86"  # TUPLE2: (n, 3072)
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + _int(0) + b"\x85"
            + _string("b") + b"\x87R" + b"(" + _int(1) + shape + dtype + b"\x89"
            + _string(np.ascontiguousarray(rows).tobytes()) + b"tb")


def official_batch_bytes(rows: np.ndarray, labels, batch_label: str,
                         filenames: list[str]) -> bytes:
    """The bytes of a CIFAR-10 batch file: {'batch_label', 'labels', 'data', 'filenames'}."""
    entries = [
        _string("batch_label") + _string(batch_label),
        _string("labels") + _list([_int(int(label)) for label in labels]),
        _string("data") + _uint8_array(rows),
        _string("filenames") + _list([_string(name) for name in filenames]),
    ]
    return b"\x80\x02}(" + b"".join(entries) + b"u."


def write_synthetic_cifar(root: Path, n_per_batch: int = 10_000, seed: int = 0) -> Path:
    """Five training batches and a test batch of random images; returns the batches folder."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for index, name in enumerate(names):
        rows = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n_per_batch)
        files = [f"synthetic_{index}_{k:05d}.png" for k in range(n_per_batch)]
        blob = official_batch_bytes(rows, labels, f"synthetic batch {index}", files)
        (folder / name).write_bytes(blob)
    return folder


# --------------------------------------------------------------------------------------------
# Measuring, in a fresh process so nothing from the writing counts
# --------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(data_dir: Path, size: int) -> None:
    from nn.data import load_cifar10, prepare_images

    baseline = _peak_rss_mib()
    start = time.perf_counter()
    train = load_cifar10(data_dir, split="train", size=size)
    loaded = time.perf_counter()
    after_load = _peak_rss_mib()
    X, _ = prepare_images(train, dtype=np.float32)
    prepared = time.perf_counter()
    print(f"images: {train.images.shape} {train.images.dtype} "
          f"({train.images.nbytes / 2**20:.0f} MiB); X: {X.shape} {X.dtype} "
          f"({X.nbytes / 2**20:.0f} MiB)")
    print(f"load_cifar10:   {loaded - start:6.2f} s, peak RSS {after_load:7.1f} MiB")
    print(f"prepare_images: {prepared - loaded:6.2f} s, peak RSS {_peak_rss_mib():7.1f} MiB")
    print(f"(baseline after imports: {baseline:.1f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="real CIFAR-10 (default: synthetic)")
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.data_dir, args.size)
        return
    if args.write:
        write_synthetic_cifar(args.write, min(10_000, -(-args.size // 5)))
        return
    # Writing and measuring each run in their own process: Linux carries a process's peak
    # RSS over into the program it starts, so this parent must stay small.
    with tempfile.TemporaryDirectory() as temp:
        data_dir = args.data_dir
        if data_dir is None:
            print(f"writing 5 synthetic training batches ({args.size:,} images) to {temp}")
            subprocess.run([sys.executable, __file__, "--write", temp, "--size",
                            str(args.size)], check=True)
            data_dir = Path(temp) / "cifar-10-batches-py"
        command = [sys.executable, __file__, "--measure", "--data-dir", str(data_dir),
                   "--size", str(args.size)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
