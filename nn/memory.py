"""How much memory a training run needs, estimated before anything is allocated.

A run that cannot fit is better refused at once, with the estimate, than left to grow until
the machine swaps or kills it (``--hidden 100000000`` asks for hundreds of GB). The figures
are per-object costs measured with tracemalloc on CPython 3.12 and rounded up; the estimate
is meant to catch runs that are far too big, not to budget to the megabyte.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["available_bytes", "format_bytes", "run_bytes"]

# Per parameter: its Value (~175 B) and the optimizer's arrays (~250 B at the peak of step()).
BYTES_PER_PARAMETER = 450
# The compiled engine traces one sample's graph (~450 B per parameter at its peak).
COMPILED_BYTES_PER_PARAMETER = 450
# The interpreter keeps a batch's graphs until backward(): ~20 B per weight per sample.
INTERPRETED_BYTES_PER_PARAMETER_AND_SAMPLE = 20
# The interpreter itself, NumPy, the plotting library: what an empty run already uses.
BASELINE_BYTES = 300 * 2**20


def run_bytes(layer_sizes: Sequence[int], n_examples: int, bytes_per_example: int,
              batch_size: int, engine: str) -> int:
    """Bytes a run needs: the model and optimizer, the engine's working memory, the data.

    Args:
        layer_sizes: inputs, hidden sizes and outputs, e.g. [3072, 64, 10].
        n_examples: training plus test examples.
        bytes_per_example: what one example takes once loaded and preprocessed.
        batch_size: examples per gradient step.
        engine: "interpreted" or "compiled".
    """
    parameters = sum((fan_in + 1) * size for fan_in, size in zip(layer_sizes, layer_sizes[1:]))
    if engine == "compiled":
        working = COMPILED_BYTES_PER_PARAMETER * parameters
    else:
        working = INTERPRETED_BYTES_PER_PARAMETER_AND_SAMPLE * parameters * batch_size
    return (BASELINE_BYTES + BYTES_PER_PARAMETER * parameters + working
            + bytes_per_example * n_examples)


def available_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Memory the machine can give a new run now (Linux's MemAvailable), else its physical
    memory, or None where neither can be read."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the file counts in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: int) -> str:
    """'1.5 GB', '300 MB'."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"
