"""Download the official CIFAR-10 archive, check its MD5 and unpack it safely.

Where the data lives:
    ``default_data_dir()`` is ``$CIFAR10_DIR`` if that environment variable is set, else
    ``~/.cache/autograd_scalar``. The archive is saved there as ``cifar-10-python.tar.gz``
    and unpacked into ``cifar-10-batches-py/`` beside it.

Why so careful:
    A tar archive may hold members named ``/etc/x`` or ``../../x``, or links pointing out of
    the target folder; a naive ``extractall`` writes wherever they say. We refuse such members
    ourselves and also use tarfile's ``"data"`` filter where Python provides it (3.12, 3.11.4+).
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

from tqdm import tqdm

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
FOLDER_NAME = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILES = ("test_batch",)
META_FILE = "batches.meta"
ALL_FILES = (*TRAIN_FILES, *TEST_FILES, META_FILE)

_CHUNK = 1 << 20  # read and hash 1 MiB at a time: constant memory for a 163 MB file


class DownloadError(OSError):
    """The download failed, or the file fetched does not have the expected MD5."""


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the target folder (or is a link/device)."""


def default_data_dir() -> Path:
    """Where CIFAR-10 is looked for and downloaded when no root is given.

    Returns:
        ``Path($CIFAR10_DIR)`` if the environment variable is set and non-empty, else
        ``~/.cache/autograd_scalar``.
    """
    env = os.environ.get("CIFAR10_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "autograd_scalar"


def md5_of_file(path: str | Path) -> str:
    """Hex MD5 digest of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_complete_folder(folder: str | Path) -> bool:
    """True if `folder` holds every file of the official CIFAR-10 python version."""
    return all((Path(folder) / name).is_file() for name in ALL_FILES)


def _check_member(member: tarfile.TarInfo, dest: Path, archive: Path) -> None:
    """Refuse a member that is absolute, climbs with '..', escapes `dest`, or is not plain."""
    name = member.name
    parts = PurePosixPath(name.replace("\\", "/")).parts
    problem = None
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        problem = "is an absolute path"
    elif ".." in parts:
        problem = "contains '..'"
    elif not (dest / name).resolve().is_relative_to(dest.resolve()):
        problem = "would be written outside the target folder"
    elif member.issym() or member.islnk():
        problem = f"is a link (to '{member.linkname}'); CIFAR-10 contains none"
    elif not (member.isfile() or member.isdir()):
        problem = "is a device, fifo or other special file"
    if problem:
        raise UnsafeArchiveError(
            f"refused to extract {archive}: member '{name}' {problem}. The archive is not the "
            "official CIFAR-10 file; delete it and download again."
        )


def safe_extract(archive: str | Path, dest: str | Path) -> None:
    """Extract a .tar.gz into `dest`, refusing any member that could escape it.

    Args:
        archive: Path of the tar archive (any compression tarfile understands).
        dest: Folder to extract into (created if needed).

    Raises:
        UnsafeArchiveError: A member is absolute, contains '..', is a link or a special file.
            Nothing is extracted in that case (all members are checked first).
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member, dest, archive)
        try:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: a second line of defence
                tar.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover - older Pythons rely on _check_member alone
                tar.extractall(dest, members=members)
        except getattr(tarfile, "FilterError", ()) as error:  # pragma: no cover - checked above
            raise UnsafeArchiveError(f"refused to extract {archive}: {error}") from error


def _fetch(url: str, target: Path, md5: str | None, progress: bool) -> None:
    """Stream `url` to a temporary file beside `target`, check its MD5, then move it in place.

    Writing to a temporary file first means an interrupted download never leaves a truncated
    file under the final name, which a later run would mistake for the real archive.
    """
    digest = hashlib.md5()
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                      desc=f"Downloading {target.name}", disable=not progress) as bar:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        if md5 is not None and digest.hexdigest() != md5.lower():
            raise DownloadError(
                f"MD5 mismatch for {url}: expected {md5}, got {digest.hexdigest()}. The download "
                "is corrupt or the server sent a different file; try again, or download the "
                f"archive by hand and pass its folder with --data-dir."
            )
        os.replace(temp, target)
    except (urllib.error.URLError, OSError, ValueError) as error:
        if isinstance(error, DownloadError):
            raise
        raise DownloadError(
            f"could not download {url} to {target}: {error}. Check your internet connection, "
            f"or download it by hand and put it in {target.parent} (or pass --data-dir)."
        ) from error
    finally:
        temp.unlink(missing_ok=True)


def download_cifar10(root: str | Path | None = None, url: str = CIFAR10_URL,
                     md5: str | None = CIFAR10_MD5, progress: bool = True) -> Path:
    """Make sure ``root/cifar-10-batches-py`` holds the full CIFAR-10 python version.

    Does nothing if the folder is already complete. Otherwise reuses
    ``root/cifar-10-python.tar.gz`` if its MD5 matches, else downloads it from `url` (with a
    progress bar, to a temporary file moved into place once verified), then extracts it safely.

    Args:
        root: Folder to put the data in; default `default_data_dir()`.
        url: Where to download the archive from.
        md5: Expected hex MD5 of the archive; ``None`` skips the check (not recommended).
        progress: Show a tqdm progress bar.

    Returns:
        The path of the ``cifar-10-batches-py`` folder.

    Raises:
        DownloadError: The download failed, or its MD5 does not match.
        UnsafeArchiveError: The archive holds a member that could escape `root`.
    """
    root = Path(root).expanduser() if root is not None else default_data_dir()
    folder, archive = root / FOLDER_NAME, root / ARCHIVE_NAME
    if is_complete_folder(folder):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    if not (archive.is_file() and (md5 is None or md5_of_file(archive) == md5.lower())):
        _fetch(url, archive, md5, progress)
    safe_extract(archive, root)
    if not is_complete_folder(folder):
        missing = [name for name in ALL_FILES if not (folder / name).is_file()]
        raise DownloadError(
            f"{archive} was extracted but {folder} still lacks {', '.join(missing)}; the archive "
            "is not the official CIFAR-10 python version."
        )
    return folder
