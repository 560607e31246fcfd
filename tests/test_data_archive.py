"""Tar archives: size limits against tar bombs, and one clear error for a broken archive."""

from __future__ import annotations

import io
import tarfile

import pytest

from nn.data import ArchiveError, CIFAR10FormatError, UnsafeArchiveError, load_cifar10, safe_extract
from nn.data.archive import MAX_MEMBER_BYTES, MAX_TOTAL_BYTES, list_members


class Zeros(io.RawIOBase):
    """`size` zero bytes, produced on demand (no 200 MB buffer in the test)."""

    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def write_tar(path, members: dict[str, int], mode: str = "w:gz"):
    """An archive of zero-filled members, name -> size."""
    with tarfile.open(path, mode, **({"compresslevel": 9} if "gz" in mode else {})) as tar:
        for name, size in members.items():
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, Zeros(size))
    return path


def test_official_sizes_fit_with_headroom():
    # official: the largest member is a batch of 31,035,704 bytes; all extract to ~178 MiB
    assert MAX_MEMBER_BYTES >= 2 * 31_035_704 and MAX_TOTAL_BYTES >= 2 * 178 * 2**20


def test_a_small_archive_expanding_to_200_mb_is_refused_before_writing(tmp_path):
    bomb = write_tar(tmp_path / "bomb.tar.gz", {"cifar-10-batches-py/data_batch_1": 200 * 2**20})
    assert bomb.stat().st_size < 400_000  # 200 MB of zeros compress to ~200 KB
    with pytest.raises(UnsafeArchiveError, match=r"data_batch_1' is 209,715,200 bytes \(at "
                                                 r"most 67,108,864 accepted\)"):
        safe_extract(bomb, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_the_total_is_limited_too(tmp_path):
    archive = write_tar(tmp_path / "many.tar.gz", {f"d/{i}": 1000 for i in range(3)})
    with pytest.raises(UnsafeArchiveError, match="'d/2' brings the total to 3,000 bytes"):
        safe_extract(archive, tmp_path / "out", max_member_bytes=1000, max_total_bytes=2500)
    assert list((tmp_path / "out").iterdir()) == []
    safe_extract(archive, tmp_path / "out", max_member_bytes=1000, max_total_bytes=3000)
    assert sorted(p.name for p in (tmp_path / "out" / "d").iterdir()) == ["0", "1", "2"]
    assert (tmp_path / "out" / "d" / "1").read_bytes() == bytes(1000)


def broken_files(tmp_path):
    good = write_tar(tmp_path / "good.tar.gz", {"a": 5000, "b": 5000}).read_bytes()
    plain = write_tar(tmp_path / "good.tar", {"a": 5000, "b": 5000}, mode="w").read_bytes()
    return {
        "truncated_gz": good[: len(good) // 2],
        "truncated_tar": plain[:7000],
        "html": b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>",
        "empty": b"",
        "gz_of_garbage": b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4,
    }


@pytest.mark.parametrize("kind", ["truncated_gz", "truncated_tar", "html", "empty",
                                  "gz_of_garbage"])
def test_a_broken_archive_gives_archive_error_naming_it(tmp_path, kind):
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(broken_files(tmp_path)[kind])
    with pytest.raises(ArchiveError, match="cifar-10-python.tar.gz is not a readable") as info:
        safe_extract(path, tmp_path / "out")
    assert not isinstance(info.value, UnsafeArchiveError)
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(ArchiveError):
        list_members(path)
    with pytest.raises(CIFAR10FormatError, match="cifar-10-python.tar.gz"):
        load_cifar10(path, "test")


def test_reading_in_place_refuses_an_oversized_member(tmp_path):
    archive = write_tar(tmp_path / "cifar-10-python.tar.gz",
                        {"cifar-10-batches-py/test_batch": MAX_MEMBER_BYTES + 1})
    with pytest.raises(CIFAR10FormatError, match="test_batch' is 67,108,865 bytes"):
        load_cifar10(archive, "test")


def test_an_oversized_batch_file_is_not_read_into_memory(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as handle:  # sparse: no disk space used
        handle.truncate(MAX_MEMBER_BYTES + 1)
    with pytest.raises(CIFAR10FormatError, match="67,108,865 bytes, but a CIFAR-10 batch"):
        load_cifar10(folder, "test")
