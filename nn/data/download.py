"""Download the official CIFAR-10 archive, check its MD5 and unpack it safely.

Where the data lives:
    ``default_data_dir()`` is ``$CIFAR10_DIR`` if that environment variable is set, else
    ``~/.cache/autograd_scalar``. The archive is saved there as ``cifar-10-python.tar.gz``
    and unpacked into ``cifar-10-batches-py/`` beside it.

Why so careful:
    A download can stop half way (a cut connection, a chunked response cut short) or be an
    HTML error page served with status 200. Either must fail now, with `DownloadError`, and
    leave no file behind: a file kept under the archive's name would be reused by every later
    run. So we stream to a temporary file, compare the byte count with Content-Length, check
    the MD5 (or, with ``md5=None``, that the file is a readable tar archive within the size
    limits of `nn.data.archive`), and only then move it into place. Unpacking goes through
    `safe_extract` (see archive.py: no member may escape the folder or expand without end).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from .archive import ArchiveError, list_members, safe_extract

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


def _check_url(url: str) -> None:
    """Only http and https: urllib would also open file:// and ftp:// URLs."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(
            f"refused to download {url!r}: only http:// and https:// URLs are accepted. For a "
            "file already on disk, pass its folder as the root / --data-dir instead."
        )


def _stream(url: str, out, progress: bool, desc: str) -> str:
    """Copy the response body of `url` into `out`; return its MD5. Checks the length."""
    digest, received = hashlib.md5(), 0
    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                  desc=desc, disable=not progress) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total is not None and received != total:
        raise DownloadError(f"the server announced {total:,} bytes but sent {received:,}")
    return digest.hexdigest()


def _check_download(temp: Path, url: str, md5: str | None, actual_md5: str) -> None:
    """The MD5 must match; without an MD5, the file must at least be a sound tar archive."""
    if md5 is not None and actual_md5 != md5.lower():
        raise DownloadError(
            f"MD5 mismatch for {url}: expected {md5}, got {actual_md5}. The download "
            "is corrupt or the server sent a different file; try again, or download the "
            "archive by hand and pass its folder with --data-dir."
        )
    if md5 is None:
        try:
            list_members(temp)
        except ArchiveError as error:
            raise DownloadError(
                f"{url} did not send a usable tar archive ({error}); nothing was kept. Check "
                "the URL (an error page is not an archive) and try again."
            ) from error


def _fetch(url: str, target: Path, md5: str | None, progress: bool) -> None:
    """Stream `url` to a temporary file beside `target`, check it, then move it in place.

    Writing to a temporary file first means an interrupted or bad download never leaves a
    file under the final name, which a later run would mistake for the real archive.
    """
    _check_url(url)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            actual_md5 = _stream(url, out, progress, f"Downloading {target.name}")
        _check_download(temp, url, md5, actual_md5)
        os.replace(temp, target)
    except DownloadError:
        raise
    # urllib raises URLError (an OSError) for a refused connection or an HTTP error status;
    # http.client raises IncompleteRead (not an OSError) when a chunked body is cut short.
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise DownloadError(
            f"could not download {url} to {target}: {type(error).__name__}: {error}. Check your "
            f"internet connection, or download it by hand and put it in {target.parent} (or "
            "pass --data-dir)."
        ) from error
    finally:
        temp.unlink(missing_ok=True)


def _is_usable(archive: Path, md5: str | None) -> bool:
    """A previous download may be reused: its MD5 matches, or (no MD5) it reads as a tar."""
    if not archive.is_file():
        return False
    if md5 is not None:
        return md5_of_file(archive) == md5.lower()
    try:
        list_members(archive)
    except ArchiveError:
        return False
    return True


def download_cifar10(root: str | Path | None = None, url: str = CIFAR10_URL,
                     md5: str | None = CIFAR10_MD5, progress: bool = True) -> Path:
    """Make sure ``root/cifar-10-batches-py`` holds the full CIFAR-10 python version.

    Does nothing if the folder is already complete. Otherwise reuses
    ``root/cifar-10-python.tar.gz`` if its MD5 matches (with ``md5=None``: if it reads as a
    tar archive), else downloads it from `url` (with a progress bar, to a temporary file
    moved into place once verified), then extracts it safely.

    Args:
        root: Folder to put the data in; default `default_data_dir()`.
        url: Where to download the archive from.
        md5: Expected hex MD5 of the archive; ``None`` only checks that the file is a
            readable tar archive within the size limits (not recommended).
        progress: Show a tqdm progress bar.

    Returns:
        The path of the ``cifar-10-batches-py`` folder.

    Raises:
        DownloadError: The URL is not http(s), the download failed or was cut short, its MD5
            does not match, or (``md5=None``) it is not a tar archive. No file is left.
        UnsafeArchiveError: The archive holds a member that could escape `root` or is too
            large (see `nn.data.archive`).
    """
    _check_url(url)  # even when the URL is not needed this time: a bad one is a bug now
    root = Path(root).expanduser() if root is not None else default_data_dir()
    folder, archive = root / FOLDER_NAME, root / ARCHIVE_NAME
    if is_complete_folder(folder):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    if not _is_usable(archive, md5):
        _fetch(url, archive, md5, progress)
    safe_extract(archive, root)
    if not is_complete_folder(folder):
        missing = [name for name in ALL_FILES if not (folder / name).is_file()]
        raise DownloadError(
            f"{archive} was extracted but {folder} still lacks {', '.join(missing)}; the archive "
            "is not the official CIFAR-10 python version."
        )
    return folder
