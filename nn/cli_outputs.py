"""Where a CLI run writes, checked before it trains, and what it writes.

Every run gets its own folder: ``runs/<dataset>-<engine>-<YYYYmmdd-HHMMSS>/`` unless
``--out`` names one. A folder that already holds files is refused without ``--overwrite``
(runs never overwrite each other by accident), and so is any place the files cannot be
written: all of it is checked BEFORE training, so that no run is lost at the end.

This file and `nn.cli` are the one place where nn meets viz (for the plots).
"""

from __future__ import annotations

import csv
import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["OUTPUT_FILES", "check_run_folder", "default_run_folder", "write_outputs"]

#: What a run writes into its folder (decision_boundary.png only for 2-D data).
OUTPUT_FILES = ("metrics.csv", "history.json", "model.npz", "curves.png",
                "decision_boundary.png")


def default_run_folder(dataset: str, engine: str, now: datetime | None = None,
                       root: Path = Path("runs")) -> Path:
    """``runs/<dataset>-<engine>-<timestamp>``, made unique if a run started the same second."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = root / f"{dataset}-{engine}-{stamp}"
    number = 2
    while folder.exists():
        folder = root / f"{dataset}-{engine}-{stamp}-{number}"
        number += 1
    return folder


def check_run_folder(out: Path, overwrite: bool) -> None:
    """Raise ValueError, saying what to do, if a run could not write its files into `out`.

    Nothing is created: the folder is made only when the run has something to write.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder: give --out a folder for the run.")
    if out.is_dir():
        blocking = [name for name in OUTPUT_FILES if (out / name).is_dir()]
        if blocking:
            raise ValueError(f"{out / blocking[0]} is a folder, where the run writes a file: "
                             "move it away or choose another --out.")
        if any(out.iterdir()) and not overwrite:
            raise ValueError(f"{out} already holds files (another run?); pass --overwrite to "
                             "replace them, or choose another --out.")
    _check_writable(_nearest_existing(out))


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _check_writable(folder: Path) -> None:
    """Create and delete a file in `folder`: the only test that holds for every user (root
    passes os.access) and every file system (read-only mounts)."""
    if not folder.is_dir():
        raise ValueError(f"cannot create the --out folder inside {folder}: it is a file.")
    probe = folder / f".autograd-scalar-probe-{secrets.token_hex(4)}"
    try:
        probe.touch(exist_ok=False)
        probe.unlink()
    except OSError as error:
        raise ValueError(f"cannot write into {folder} ({error.strerror}): choose another "
                         "--out.") from None


def write_outputs(out: Path, config: dict[str, Any], model: Any, history: dict[str, list],
                  X_train: np.ndarray, y_train: np.ndarray, dataset: str,
                  interrupted: dict[str, int] | None = None) -> list[str]:
    """Write the run's files into `out` and return their names.

    `interrupted` ({"epoch": k, "batches": n}) marks a run stopped by Ctrl-C: history.json
    records it, and the history holds the epochs finished before epoch k.
    """
    from viz import plot_decision_boundary, plot_history  # the one place nn meets viz

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "metrics.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(history.keys())
        writer.writerows(zip(*history.values()))
    record = {"config": config, "history": history}
    if interrupted is not None:
        record["interrupted"] = interrupted
    (out / "history.json").write_text(json.dumps(record, indent=2))
    model.save(out / "model.npz")
    written = ["metrics.csv", "history.json", "model.npz"]
    if history["epoch"]:  # (no curve to draw before the first epoch ends)
        curves = plot_history(history, title=f"{dataset}: {model!r}", val_label="test")
        curves.savefig(out / "curves.png", dpi=100)
        written.append("curves.png")
    if X_train.shape[1] == 2:
        figure = plot_decision_boundary(model, X_train, y_train, split="training",
                                        title=f"{dataset}: decision boundary")
        figure.savefig(out / "decision_boundary.png", dpi=100)
        written.append("decision_boundary.png")
    return written
