"""Where the CIFAR-10 files come from: a folder, or the .tar.gz archive read in place.

Both kinds of source answer the same four questions about a batch file (is it there, how to
name it in a message, how large is it, open it), so the loader never asks which kind it has.
The archive is read member by member with `read_members`, which refuses a tar bomb, and
nothing is written to disk.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import IO

from .archive import ArchiveError, read_members
from .download import ARCHIVE_NAME, CIFAR10_URL, FOLDER_NAME, TEST_FILES, TRAIN_FILES


class CIFAR10FormatError(ValueError):
    """A CIFAR-10 file is truncated, damaged, or does not have the official structure."""


class CIFAR10NotFoundError(FileNotFoundError):
    """No CIFAR-10 folder or archive was found (the message lists every path tried)."""


class FolderSource:
    """Batch files in a ``cifar-10-batches-py`` folder."""

    def __init__(self, folder: Path):
        self.location = folder

    def has(self, name: str) -> bool:
        return (self.location / name).is_file()

    def describe(self, name: str) -> str:
        return str(self.location / name)

    def size(self, name: str) -> int:
        return (self.location / name).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        return open(self.location / name, "rb")

    def close(self) -> None:
        pass


class ArchiveSource:
    """Batch files read straight out of ``cifar-10-python.tar.gz``, nothing written to disk."""

    def __init__(self, archive: Path):
        self.location = archive
        self._tar = None
        try:
            self._tar = tarfile.open(archive, "r:*")  # noqa: SIM115 - closed by close()
            self._members = {m.name: m for m in read_members(self._tar, archive) if m.isfile()}
        except ArchiveError as error:  # truncated, or a member too large (a tar bomb)
            self.close()
            raise CIFAR10FormatError(str(error)) from error
        except Exception as error:  # tarfile, gzip and zlib each raise their own kind
            self.close()
            raise CIFAR10FormatError(
                f"{archive} is not a readable .tar.gz archive ({type(error).__name__}: {error}); "
                "it may be truncated. Delete it and download again (download=True / --download)."
            ) from error

    def has(self, name: str) -> bool:
        return f"{FOLDER_NAME}/{name}" in self._members

    def describe(self, name: str) -> str:
        return f"{self.location} (member {FOLDER_NAME}/{name})"

    def size(self, name: str) -> int:
        return self._members[f"{FOLDER_NAME}/{name}"].size

    def open(self, name: str) -> IO[bytes]:
        handle = self._tar.extractfile(self._members[f"{FOLDER_NAME}/{name}"])
        assert handle is not None  # only regular files are kept in _members
        return handle

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()


Source = FolderSource | ArchiveSource


def _candidates(root: Path) -> list[tuple[str, Path]]:
    """Every (kind, path) where CIFAR-10 might be, in the order we try them."""
    if root.is_file():
        return [("archive", root)]
    candidates = [("folder", root / FOLDER_NAME), ("archive", root / ARCHIVE_NAME)]
    if root.name == FOLDER_NAME or any((root / n).is_file() for n in (*TRAIN_FILES, *TEST_FILES)):
        candidates.insert(0, ("folder", root))  # root is the batches folder itself
    return candidates


def open_source(root: Path) -> Source:
    """Find CIFAR-10 under `root` or raise CIFAR10NotFoundError listing every path tried."""
    candidates = _candidates(root)
    for kind, path in candidates:
        if kind == "folder" and path.is_dir():
            return FolderSource(path)
        if kind == "archive" and path.is_file():
            return ArchiveSource(path)
    tried = "\n".join(f"  - {path} ({kind})" for kind, path in candidates)
    raise CIFAR10NotFoundError(
        f"CIFAR-10 not found. Looked for:\n{tried}\n"
        f"To get it: call load_cifar10(download=True) or pass --download to the CLI (fetches "
        f"163 MB from {CIFAR10_URL}), or point to an existing copy with --data-dir PATH or the "
        "CIFAR10_DIR environment variable (PATH may be the cifar-10-batches-py folder, its "
        f"parent, or {ARCHIVE_NAME})."
    )
