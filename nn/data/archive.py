"""Read and unpack a tar archive without trusting it.

Three things a hostile or broken archive can do, and what we do about each:

- **Escape the folder**: members named ``/etc/x`` or ``../../x``, or links pointing out. Every
  member is checked before anything is written, and tarfile's ``"data"`` filter is used where
  Python provides it (3.12, 3.11.4+) as a second line of defence.
- **Expand without end** (a "tar bomb"): 200 KB of gzip can hold 200 MB of zeros, or 200 GB.
  We add up the sizes the headers declare while reading them and stop at the first member over
  `MAX_MEMBER_BYTES` or the first total over `MAX_TOTAL_BYTES`, before writing anything.
  The official archive is 163 MB compressed and 178 MiB extracted, its largest member
  (a batch of 10,000 images) 31 MB: the limits leave about 2x headroom on each.
- **Be something else**: truncated, an HTML error page, a zip. tarfile, gzip and zlib each
  raise their own exception; we raise `ArchiveError` naming the file.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

MAX_MEMBER_BYTES = 64 * 2**20  # 64 MiB: a CIFAR-10 batch file is 31 MB
MAX_TOTAL_BYTES = 384 * 2**20  # 384 MiB: the official archive extracts to 178 MiB
MAX_MEMBERS = 1000  # the official archive has 9 entries


class ArchiveError(ValueError):
    """The file is not a readable tar archive (truncated, another format, or damaged)."""


class UnsafeArchiveError(ArchiveError):
    """A member would escape the target folder, is a link or device, or is too large."""


def _unsafe(archive: Path, name: str, problem: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"refused to extract {archive}: member '{name}' {problem}. The archive is not the "
        "official CIFAR-10 file; delete it and download again."
    )


def _check_path(member: tarfile.TarInfo, dest: Path, archive: Path) -> None:
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
        raise _unsafe(archive, name, problem)


def _members_within_limits(tar: tarfile.TarFile, archive: Path, max_member_bytes: int,
                           max_total_bytes: int) -> Iterator[tarfile.TarInfo]:
    """Yield the members one by one, stopping at the first that breaks a size limit.

    Reading a header costs no more than skipping the previous member's data, so a bomb is
    refused after at most `max_total_bytes` of decompression, never after all of it.
    """
    total = 0
    for count, member in enumerate(tar, start=1):
        total += member.size
        if count > MAX_MEMBERS:
            raise _unsafe(archive, member.name, f"is entry number {count} (at most "
                                                f"{MAX_MEMBERS} accepted)")
        if member.size > max_member_bytes:
            raise _unsafe(archive, member.name, f"is {member.size:,} bytes (at most "
                                                f"{max_member_bytes:,} accepted)")
        if total > max_total_bytes:
            raise _unsafe(archive, member.name, f"brings the total to {total:,} bytes (at "
                                                f"most {max_total_bytes:,} accepted)")
        yield member


def _not_readable(archive: Path, error: Exception) -> ArchiveError:
    return ArchiveError(
        f"{archive} is not a readable .tar.gz archive ({type(error).__name__}: {error}); it "
        "may be truncated or be an error page. Delete it and download again "
        "(download=True / --download)."
    )


def read_members(tar: tarfile.TarFile, archive: Path, max_member_bytes: int = MAX_MEMBER_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> list[tarfile.TarInfo]:
    """All members of an open archive (read to its end), within the size limits.

    Raises:
        ArchiveError: The archive is truncated or damaged.
        UnsafeArchiveError: A member or the total exceeds its limit.
    """
    try:
        return list(_members_within_limits(tar, archive, max_member_bytes, max_total_bytes))
    except ArchiveError:
        raise
    except Exception as error:  # tarfile.ReadError, EOFError, gzip.BadGzipFile, zlib.error
        raise _not_readable(archive, error) from error


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except Exception as error:  # not a tar, an unknown compression, an empty file
        raise _not_readable(archive, error) from error


def list_members(archive: str | Path, max_member_bytes: int = MAX_MEMBER_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> list[tarfile.TarInfo]:
    """Every member of `archive`, read to the end, with the size limits enforced.

    Raises:
        ArchiveError: Not a tar archive, or truncated anywhere (the whole stream is read).
        UnsafeArchiveError: A member or the total exceeds its limit.
    """
    archive = Path(archive)
    with _open(archive) as tar:
        return read_members(tar, archive, max_member_bytes, max_total_bytes)


def safe_extract(archive: str | Path, dest: str | Path,
                 max_member_bytes: int = MAX_MEMBER_BYTES,
                 max_total_bytes: int = MAX_TOTAL_BYTES) -> None:
    """Extract a tar archive into `dest`, refusing any member that could escape it.

    Args:
        archive: Path of the tar archive (any compression tarfile understands).
        dest: Folder to extract into (created if needed).
        max_member_bytes: Largest member accepted (default `MAX_MEMBER_BYTES`, 64 MiB).
        max_total_bytes: Largest sum of member sizes (default `MAX_TOTAL_BYTES`, 384 MiB).

    Raises:
        UnsafeArchiveError: A member is absolute, contains '..', is a link or a special
            file, or a size limit is exceeded. Nothing is extracted in that case (all members
            are checked first).
        ArchiveError: The file is not a tar archive or is truncated (then nothing is
            extracted either: the whole archive is read before the first write).
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with _open(archive) as tar:
        members = read_members(tar, archive, max_member_bytes, max_total_bytes)
        for member in members:
            _check_path(member, dest, archive)
        try:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: a second line of defence
                tar.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover - older Pythons rely on _check_path alone
                tar.extractall(dest, members=members)
        except getattr(tarfile, "FilterError", ()) as error:  # pragma: no cover - checked above
            raise UnsafeArchiveError(f"refused to extract {archive}: {error}") from error
