"""Shared fixtures: optional references (PyTorch) and the shared CIFAR-10 folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The course's real CIFAR-10 subset lives beside the project as ../shared/data (see
# ../shared/data/README.md); a user's machine does not have it, so tests skip there.
SHARED_DATA = Path(os.environ.get("AUTOGRAD_SCALAR_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder, or skip the test where it is absent."""
    if not (SHARED_DATA / "cifar-10-batches-py").is_dir():
        pytest.skip(f"real CIFAR-10 data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def cifar_dir(shared_data: Path) -> Path:
    """../shared/data/cifar-10-batches-py (4,000 training images, the full test set)."""
    return shared_data / "cifar-10-batches-py"


@pytest.fixture(scope="session")
def torch():
    """PyTorch in float64, or skip where it is not installed."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch
