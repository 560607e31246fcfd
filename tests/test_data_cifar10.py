"""CIFAR-10 loading (folder, archive, real data), damaged files, and the safe download."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading
import warnings
from typing import ClassVar

import numpy as np
import pytest

import nn.data.cifar10 as cifar10_module
from nn.data import (
    CIFAR10_CLASSES,
    CIFAR10FormatError,
    CIFAR10NotFoundError,
    DownloadError,
    UnsafeArchiveError,
    UnsafePickleError,
    default_data_dir,
    download_cifar10,
    load_cifar10,
    safe_extract,
)

PER_BATCH = 20  # fake batches: 20 images each, 2 per class
ALL_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]


# ---------------------------------------------------------------- fake official files


def fake_batch(seed: int, n: int = PER_BATCH, bytes_keys: bool = False) -> dict:
    """A dict shaped like an official batch; labels 0..9 repeated, pixels random."""
    rng = np.random.default_rng(seed)
    batch = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
             "labels": [i % 10 for i in range(n)], "batch_label": f"fake {seed}",
             "filenames": [f"img_{seed}_{i}.png" for i in range(n)]}
    if bytes_keys:
        batch = {k.encode(): v for k, v in batch.items()}
    return batch


def fake_files(bytes_keys: bool = False) -> dict[str, bytes]:
    """Every official file name -> pickled bytes (protocol 4: native bytes, numpy arrays)."""
    files = {f"data_batch_{i}": fake_batch(i, bytes_keys=bytes_keys) for i in range(1, 6)}
    files["test_batch"] = fake_batch(0, n=30, bytes_keys=bytes_keys)
    names = [n.encode() if bytes_keys else n for n in CIFAR10_CLASSES]
    files["batches.meta"] = {(b"label_names" if bytes_keys else "label_names"): names}
    return {name: pickle.dumps(obj, protocol=4) for name, obj in files.items()}


def write_folder(root, names=ALL_NAMES, bytes_keys=False):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for name, blob in fake_files(bytes_keys).items():
        if name in names:
            (folder / name).write_bytes(blob)
    return folder


def write_archive(path, members: dict[str, bytes]):
    """A .tar.gz holding `members` (name -> bytes) as regular files."""
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def official_archive(path):
    return write_archive(path, {f"cifar-10-batches-py/{n}": b for n, b in fake_files().items()})


def md5(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def spy(monkeypatch):
    """Record the name of every file the loader unpickles."""
    names = []
    real = cifar10_module.load_pickle

    def recording(handle, source=None, encoding="latin1"):
        names.append(source.split("/")[-1].rstrip(")"))
        return real(handle, source, encoding)

    monkeypatch.setattr(cifar10_module, "load_pickle", recording)
    return names


# ---------------------------------------------------------------- loading fake data


def test_rows_are_converted_from_channel_major_to_hwc(tmp_path):
    folder = write_folder(tmp_path)
    data = load_cifar10(folder, "train", size=3)
    rows = fake_batch(1)["data"]
    assert data.images.shape == (3, 32, 32, 3) and data.images.dtype == np.uint8
    # pixel (row r, column c, channel ch) is byte ch * 1024 + r * 32 + c of the row
    for i, r, c, ch in [(0, 0, 0, 0), (1, 5, 7, 1), (2, 31, 30, 2)]:
        assert data.images[i, r, c, ch] == rows[i, ch * 1024 + r * 32 + c]
    assert data.labels.dtype == np.int64 and list(data.labels) == [0, 1, 2]
    assert data.class_names == list(CIFAR10_CLASSES) and len(data) == 3


@pytest.mark.parametrize("bytes_keys", [False, True])
def test_str_and_bytes_keys_both_load(tmp_path, bytes_keys):
    folder = write_folder(tmp_path, bytes_keys=bytes_keys)
    data = load_cifar10(folder, "test")
    np.testing.assert_array_equal(flat_chw(data.images), fake_batch(0, n=30)["data"])
    assert data.class_names[9] == "truck"


def flat_chw(images):
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1)


@pytest.mark.parametrize("where", ["folder", "parent", "archive", "archive_parent"])
def test_root_may_be_folder_parent_or_archive(tmp_path, where):
    if where.startswith("archive"):
        archive = official_archive(tmp_path / "cifar-10-python.tar.gz")
        root = archive if where == "archive" else tmp_path
    else:
        folder = write_folder(tmp_path)
        root = folder if where == "folder" else tmp_path
    data = load_cifar10(root, "train", size=25)
    expected = np.concatenate([fake_batch(1)["data"], fake_batch(2)["data"][:5]])
    np.testing.assert_array_equal(flat_chw(data.images), expected)
    if where.startswith("archive"):
        assert not (tmp_path / "cifar-10-batches-py").exists()  # read in place, not extracted


def test_default_root_comes_from_cifar10_dir(tmp_path, monkeypatch):
    write_folder(tmp_path)
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    assert len(load_cifar10(split="test")) == 30
    monkeypatch.delenv("CIFAR10_DIR")
    assert default_data_dir() == default_data_dir().home() / ".cache" / "autograd_scalar"


@pytest.mark.parametrize("split,size,balanced,expected", [
    ("train", 20, False, ["batches.meta", "data_batch_1"]),
    ("train", 21, False, ["batches.meta", "data_batch_1", "data_batch_2"]),
    ("train", None, False, ["batches.meta"] + [f"data_batch_{i}" for i in range(1, 6)]),
    ("train", 30, True, ["batches.meta", "data_batch_1", "data_batch_2"]),  # 3 per class
    ("test", 5, False, ["batches.meta", "test_batch"]),
])
def test_reads_only_the_files_the_subset_needs(tmp_path, spy, split, size, balanced, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_cifar10(write_folder(tmp_path), split, size=size, balanced=balanced)
    assert spy == expected


def test_balanced_takes_the_first_of_each_class_in_file_order(tmp_path):
    folder = write_folder(tmp_path)
    data = load_cifar10(folder, "train", size=34, balanced=True)  # 4 each for classes 0-3, else 3
    np.testing.assert_array_equal(data.class_counts(), [4, 4, 4, 4, 3, 3, 3, 3, 3, 3])
    # batch 1 supplies 2 per class, batch 2 the rest: the first 2 of class 0 in batch 2 etc.
    rows = np.concatenate([fake_batch(1)["data"], fake_batch(2)["data"]])
    labels = np.arange(40) % 10
    chosen = np.sort(np.concatenate(
        [np.flatnonzero(labels == c)[:q] for c, q in enumerate([4] * 4 + [3] * 6)]))
    np.testing.assert_array_equal(flat_chw(data.images), rows[chosen])
    np.testing.assert_array_equal(data.labels, labels[chosen])


def test_asking_for_more_than_the_files_hold_names_counts_and_missing_files(tmp_path):
    folder = write_folder(tmp_path, names=["data_batch_1", "test_batch"])
    with pytest.raises(ValueError, match="has only data_batch_1: they hold 20") as info:
        load_cifar10(folder, "train", size=21)
    message = str(info.value)
    assert "20" in message and "data_batch_2, data_batch_3, data_batch_4, data_batch_5" in message
    assert "--download" in message and "--train-size" in message
    with pytest.raises(ValueError, match="3 per class.*fewest of any class is 2"):
        load_cifar10(folder, "train", size=30, balanced=True)


def test_missing_batches_meta_falls_back_to_the_official_names(tmp_path):
    folder = write_folder(tmp_path, names=["test_batch"])
    assert load_cifar10(folder, "test").class_names == list(CIFAR10_CLASSES)


def test_not_found_lists_every_path_tried_and_how_to_get_the_data(tmp_path):
    with pytest.raises(CIFAR10NotFoundError) as info:
        load_cifar10(tmp_path / "empty")
    message = str(info.value)
    assert str(tmp_path / "empty" / "cifar-10-batches-py") in message
    assert str(tmp_path / "empty" / "cifar-10-python.tar.gz") in message
    for hint in ("download=True", "--download", "--data-dir", "CIFAR10_DIR"):
        assert hint in message


def test_folder_without_the_split_is_reported(tmp_path):
    folder = write_folder(tmp_path, names=["data_batch_1"])
    with pytest.raises(CIFAR10NotFoundError, match="no test batch"):
        load_cifar10(folder, "test")


def test_subset_missing_classes_warns(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batch = fake_batch(0, n=30)
    batch["labels"] = sorted(batch["labels"])  # ordered by class, like the course's test_batch
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=4))
    with pytest.warns(UserWarning, match="balanced=True"):
        load_cifar10(folder, "test", size=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_cifar10(folder, "test", size=12, balanced=True)) == 12


@pytest.mark.parametrize("kwargs", [{"split": "valid"}, {"size": 0}, {"size": 2.5}, {"size": True}])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        load_cifar10(write_folder(tmp_path), **kwargs)


# ---------------------------------------------------------------- damaged and hostile files


def good_batch_bytes() -> bytes:
    return pickle.dumps(fake_batch(1), protocol=4)


def bad_structure(change) -> bytes:
    batch = fake_batch(1)
    change(batch)
    return pickle.dumps(batch, protocol=4)


@pytest.mark.parametrize("blob,match", [
    (good_batch_bytes()[:5000], "truncated or damaged"),
    (b"", "truncated or damaged"),
    (b"GIF89a not a pickle at all", "truncated or damaged"),
    (pickle.dumps([1, 2, 3], protocol=4), "holds a list"),
    (bad_structure(lambda b: b.pop("labels")), "no 'labels' entry"),
    (bad_structure(lambda b: b.update(data=b["data"][:, :100])), r"shape \(N, 3072\)"),
    (bad_structure(lambda b: b.update(data=b["data"].astype(np.float32))), "uint8"),
    (bad_structure(lambda b: b.update(labels=b["labels"][:-1])), "20 integers"),
    (bad_structure(lambda b: b.update(labels=[12] * 20)), r"0\.\.9"),
])
def test_damaged_or_malformed_batch_raises_format_error_naming_the_file(tmp_path, blob, match):
    folder = write_folder(tmp_path)
    (folder / "data_batch_1").write_bytes(blob)
    with pytest.raises(CIFAR10FormatError, match=match) as info:
        load_cifar10(folder, size=5)
    assert str(folder / "data_batch_1") in str(info.value)
    assert isinstance(info.value, ValueError)


def test_malicious_batch_is_refused_and_not_executed(tmp_path):
    class Exploit:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'pwned'}",)

    folder = write_folder(tmp_path)
    (folder / "data_batch_1").write_bytes(pickle.dumps({"data": Exploit()}, protocol=2))
    with pytest.raises(UnsafePickleError, match="system.*data_batch_1"):
        load_cifar10(folder, size=5)
    assert not (tmp_path / "pwned").exists()


def test_truncated_archive_raises_format_error_naming_it(tmp_path):
    archive = official_archive(tmp_path / "full.tar.gz")
    cut = tmp_path / "cifar-10-python.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CIFAR10FormatError, match="cifar-10-python.tar.gz"):
        load_cifar10(cut, "test")


# ---------------------------------------------------------------- the real course data


@pytest.fixture(scope="module")
def real_test(cifar_dir):
    return load_cifar10(cifar_dir, "test")


def test_real_test_split(real_test, shared_data):
    assert real_test.images.shape == (10000, 32, 32, 3) and real_test.images.dtype == np.uint8
    assert real_test.labels.dtype == np.int64
    np.testing.assert_array_equal(real_test.class_counts(), np.full(10, 1000))
    assert 110 < real_test.images.mean() < 130  # CIFAR-10's mean pixel is about 121
    # the first cat image equals cifar10-test-jpg/cat/0000.jpg (JPEG decode: small error)
    from PIL import Image

    jpeg = np.asarray(Image.open(shared_data / "cifar10-test-jpg" / "cat" / "0000.jpg"))
    first_cat = real_test.images[np.flatnonzero(real_test.labels == 3)[0]]
    assert np.abs(first_cat.astype(int) - jpeg).mean() < 2.0
    second_cat = real_test.images[np.flatnonzero(real_test.labels == 3)[1]]
    assert np.abs(second_cat.astype(int) - jpeg).mean() > 20.0


def test_real_train_4000_reads_only_data_batch_1(cifar_dir, spy):
    train = load_cifar10(cifar_dir.parent, "train", size=4000)
    assert spy == ["batches.meta", "data_batch_1"]
    assert train.images.shape == (4000, 32, 32, 3)
    assert train.labels.min() == 0 and train.labels.max() == 9
    assert list(train.labels[:5]) == [6, 9, 9, 4, 1]  # the official order: frog, truck, truck...
    np.testing.assert_array_equal(
        train.class_counts(), [396, 366, 420, 384, 422, 393, 414, 385, 407, 413])
    # channel means of a natural-image set: blue the darkest, all mid-grey
    means = train.images.mean(axis=(0, 1, 2))
    assert means[2] < means[0] and (means > 100).all() and (means < 140).all()


def test_real_train_works_with_only_data_batch_1_present(cifar_dir, tmp_path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").symlink_to(cifar_dir / "data_batch_1")
    balanced = load_cifar10(tmp_path, "train", size=1000, balanced=True)
    np.testing.assert_array_equal(balanced.class_counts(), np.full(10, 100))


def test_real_train_too_large_says_how_many_exist(cifar_dir):
    with pytest.raises(ValueError, match="hold 4000.*missing files: data_batch_2"):
        load_cifar10(cifar_dir, "train", size=5000)


# ---------------------------------------------------------------- download (local server only)


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        CountingHandler.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields (base URL, request log)."""
    www = tmp_path / "www"
    www.mkdir()
    CountingHandler.requests = []
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(www)))
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www, CountingHandler.requests
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_extracts_and_then_skips(server, tmp_path):
    base, www, requests = server
    archive = official_archive(www / "cifar-10-python.tar.gz")
    root = tmp_path / "data"
    url = f"{base}/cifar-10-python.tar.gz"
    folder = download_cifar10(root, url=url, md5=md5(archive), progress=False)
    assert folder == root / "cifar-10-batches-py"
    assert sorted(p.name for p in folder.iterdir()) == sorted(ALL_NAMES)
    assert (root / "cifar-10-python.tar.gz").read_bytes() == archive.read_bytes()
    assert not list(root.glob("*.part"))
    assert len(load_cifar10(root, "train", size=50)) == 50
    download_cifar10(root, url=url, md5=md5(archive), progress=False)
    assert requests == ["/cifar-10-python.tar.gz"]  # second call found the folder complete


def test_download_reuses_a_verified_archive_without_the_network(tmp_path):
    archive = official_archive(tmp_path / "cifar-10-python.tar.gz")
    unreachable = "http://127.0.0.1:9/never-fetched.tar.gz"
    folder = download_cifar10(tmp_path, url=unreachable, md5=md5(archive), progress=False)
    assert len(load_cifar10(folder, "test")) == 30


def tampered_archive(path):
    """A well-formed archive, complete, but not the official one: its test batch holds 5
    images instead of 30. Extracting it would succeed, so only the MD5 can refuse it."""
    files = fake_files()
    files["test_batch"] = pickle.dumps(fake_batch(0, n=5), protocol=4)
    return write_archive(path, {f"cifar-10-batches-py/{n}": b for n, b in files.items()})


def test_an_archive_on_disk_with_the_wrong_md5_is_never_extracted(tmp_path):
    """Offline, a stale or tampered archive is refused rather than silently used."""
    official = official_archive(tmp_path / "elsewhere.tar.gz")
    root = tmp_path / "data"
    root.mkdir()
    tampered_archive(root / "cifar-10-python.tar.gz")
    unreachable = "http://127.0.0.1:9/cifar-10-python.tar.gz"
    with pytest.raises(DownloadError, match="could not download .*127.0.0.1:9"):
        download_cifar10(root, url=unreachable, md5=md5(official), progress=False)
    assert not (root / "cifar-10-batches-py").exists()


def test_an_archive_on_disk_with_the_wrong_md5_is_fetched_again(server, tmp_path):
    base, www, requests = server
    official = official_archive(www / "cifar-10-python.tar.gz")
    root = tmp_path / "data"
    root.mkdir()
    tampered_archive(root / "cifar-10-python.tar.gz")
    folder = download_cifar10(root, url=f"{base}/cifar-10-python.tar.gz", md5=md5(official),
                              progress=False)
    assert requests == ["/cifar-10-python.tar.gz"]
    assert (root / "cifar-10-python.tar.gz").read_bytes() == official.read_bytes()
    assert len(load_cifar10(folder, "test")) == 30  # the official test batch, not the 5


def test_md5_mismatch_is_refused_and_leaves_nothing_behind(server, tmp_path):
    base, www, _ = server
    official_archive(www / "cifar-10-python.tar.gz")
    root = tmp_path / "data"
    with pytest.raises(DownloadError, match="MD5 mismatch.*expected 0{32}"):
        download_cifar10(root, url=f"{base}/cifar-10-python.tar.gz", md5="0" * 32, progress=False)
    assert list(root.iterdir()) == []


def test_unreachable_server_names_the_url(server, tmp_path):
    base, _, _ = server
    with pytest.raises(DownloadError, match="could not download .*/missing.tar.gz"):
        download_cifar10(tmp_path, url=f"{base}/missing.tar.gz", progress=False)


def test_path_traversal_archive_is_refused(server, tmp_path):
    base, www, _ = server
    members = {f"cifar-10-batches-py/{n}": b for n, b in fake_files().items()}
    members["cifar-10-batches-py/../../escaped.txt"] = b"gotcha"
    archive = write_archive(www / "evil.tar.gz", members)
    root = tmp_path / "data"
    with pytest.raises(UnsafeArchiveError, match=r"escaped.txt' contains '\.\.'"):
        download_cifar10(root, url=f"{base}/evil.tar.gz", md5=md5(archive), progress=False)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (root / "cifar-10-batches-py").exists()  # checked before extracting anything


def link_member(name, kind, target):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize("member,match", [
    (tarfile.TarInfo("/tmp/absolute.txt"), "absolute path"),
    (link_member("cifar-10-batches-py/passwd", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    (link_member("cifar-10-batches-py/up", tarfile.SYMTYPE, "../../x"), "is a link"),
    (link_member("cifar-10-batches-py/hard", tarfile.LNKTYPE, "/etc/passwd"), "is a link"),
    (link_member("cifar-10-batches-py/fifo", tarfile.FIFOTYPE, ""), "special file"),
])
def test_safe_extract_refuses_escaping_or_special_members(tmp_path, member, match):
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(member, io.BytesIO(b"") if member.isfile() else None)
    with pytest.raises(UnsafeArchiveError, match=match):
        safe_extract(archive, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_load_cifar10_download_true_fetches_into_root(server, tmp_path, monkeypatch):
    base, www, requests = server
    archive = official_archive(www / "cifar-10-python.tar.gz")
    local = functools.partial(download_cifar10, url=f"{base}/cifar-10-python.tar.gz",
                              md5=md5(archive))
    monkeypatch.setattr(cifar10_module, "download_cifar10", local)
    data = load_cifar10(tmp_path / "fresh", "test", download=True, progress=False)
    assert len(data) == 30 and (tmp_path / "fresh" / "cifar-10-batches-py").is_dir()
    assert requests == ["/cifar-10-python.tar.gz"]
