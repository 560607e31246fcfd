"""Model files: a module's architecture and parameters in one .npz archive, no pickle.

A file written by `write_model_file` holds the state dict (``layers.0.weight``, ...) plus
the architecture under ``config.*`` keys::

    config.format   "autograd_scalar.nn/1"   (checked on reading)
    config.class    "MLP"                    (which Module subclass to rebuild)
    config.nin, config.sizes, ...            (the constructor's arguments)

It is read with ``allow_pickle=False``, so opening a model file can never run code.
`Module.save` and `Module.load` are the public face of this file.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["FORMAT", "ModelFile", "read_model_file", "write_model_file"]

FORMAT = "autograd_scalar.nn/1"  # written into every saved file, checked on load

PathType = str | PathLike
Config = dict[str, int | list[int] | str | float]


@dataclass
class ModelFile:
    """What a model file holds: the class name, its constructor arguments and its arrays."""

    path: Path
    class_name: str
    config: Config
    state: dict[str, np.ndarray]


def write_model_file(path: PathType, class_name: str, config: Config,
                     state: dict[str, np.ndarray]) -> Path:
    """Write the archive exactly at `path` (NumPy appends no ".npz" to a file object)."""
    arrays: dict[str, np.ndarray] = {
        "config.format": np.array(FORMAT),
        "config.class": np.array(class_name),
    }
    for key, value in config.items():
        arrays[f"config.{key}"] = np.array(value)
    arrays.update(state)
    path = Path(path)
    _write_atomically(path, lambda file: np.savez(file, **arrays))
    return path


def _write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write a temporary file beside `path`, flush it to the disk, then rename it to `path`.

    The rename is atomic: `path` holds either the previous file or the complete new one,
    never a half-written file (a full disk, a crash) that would destroy the last good model.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as open() does
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_model_file(path: PathType) -> ModelFile:
    """Read a file written by `write_model_file`; clear errors naming the file.

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: not an archive written by `write_model_file` (corrupt, another format).
    """
    path = Path(path)
    arrays = _read_npz(path)
    if str(arrays.get("config.format", "")) != FORMAT or "config.class" not in arrays:
        raise ValueError(
            f"{path} is an .npz archive but not a model saved by Module.save() "
            f"(no 'config.format' = {FORMAT!r} entry)."
        )
    config = {
        key[len("config.") :]: _from_array(value)
        for key, value in arrays.items()
        if key.startswith("config.") and key not in ("config.format", "config.class")
    }
    state = {key: value for key, value in arrays.items() if not key.startswith("config.")}
    return ModelFile(path, str(arrays["config.class"]), config, state)


def _read_npz(path: Path) -> dict[str, Any]:
    """Every array of an .npz file, read without pickle."""
    if not path.exists():
        hint = ""
        if path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
            hint = f" (did you mean {path.name}.npz?)"
        raise FileNotFoundError(f"no model file at {path}{hint}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"cannot read {path} as a model file (an .npz archive written by "
            f"Module.save()): {error}"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):  # a bad file, not a bad argument
        raise ValueError(
            f"cannot read {path} as a model file: it holds a single .npy array, not an .npz "
            "archive written by Module.save()."
        )
    try:
        with archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"cannot read {path} as a model file: a corrupt entry ({error})") from None


def _from_array(array: np.ndarray) -> int | list[int] | str | float:
    """A config entry back as the Python value `write_model_file` stored."""
    if array.dtype.kind == "U":
        return str(array)
    if array.dtype.kind == "f" and array.ndim == 0:  # a probability such as dropout's p
        return float(array)
    if array.dtype.kind in "iu":
        return int(array) if array.ndim == 0 else [int(n) for n in array.tolist()]
    raise ValueError(f"unexpected config entry of dtype {array.dtype}")
