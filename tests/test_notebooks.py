"""Run every lesson notebook top to bottom, as a student would (nbclient, a real kernel).

Under test the notebooks read two environment settings (documented in notebooks/README.md):
CIFAR10_DIR, where CIFAR-10 is, and AUTOGRAD_SCALAR_QUICK=1, which shrinks data sets and
epochs so that each notebook finishes in well under 3 minutes on a small machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_PER_NOTEBOOK = 180  # seconds: the limit for a whole notebook


def needs_cifar(path: Path) -> bool:
    return "cifar" in path.name.lower()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch) -> None:
    cifar = SHARED_DATA / "cifar-10-batches-py"
    if needs_cifar(path):
        if not cifar.is_dir():
            pytest.skip(f"real CIFAR-10 data not found at {cifar}")
        monkeypatch.setenv("CIFAR10_DIR", str(cifar))
    monkeypatch.setenv("AUTOGRAD_SCALAR_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIMEOUT_PER_NOTEBOOK,
        kernel_name="python3",
        # Run in a scratch folder so files the lesson saves do not land in the repository;
        # the project root goes on the kernel's path through PYTHONPATH.
        resources={"metadata": {"path": str(tmp_path)}},
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
