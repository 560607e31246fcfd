"""Load CIFAR-10 from the official "python version" (a folder or the .tar.gz archive).

The official files (https://www.cs.toronto.edu/~kriz/cifar.html) are Python 2 pickles of a
dict: ``data`` is a uint8 array (N, 3072) with each row channel-major (1024 red values, then
1024 green, then 1024 blue, each a 32x32 image in row-major order); ``labels`` is a list of
ints 0..9. We return images channels-last, (N, 32, 32, 3), the layout pillow and matplotlib
use. Keys are ``bytes`` or ``str`` depending on how a pickle is read; both are accepted.
Finding the files (a folder or the archive) and the two errors are in `cifar10_source`.

Only the batch files the requested subset needs are read: 4,000 training images need only
``data_batch_1``; the test split needs only ``test_batch``. Every file goes through the
restricted unpickler of `nn.data.safe_pickle`, so a tampered file cannot run code.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..validation import positive_int
from .archive import MAX_MEMBER_BYTES
from .cifar10_source import CIFAR10FormatError, CIFAR10NotFoundError, Source, open_source
from .dataset import ImageDataset
from .download import (
    FOLDER_NAME,
    META_FILE,
    TEST_FILES,
    TRAIN_FILES,
    default_data_dir,
    download_cifar10,
)
from .safe_pickle import UnsafePickleError, load_pickle

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
IMAGE_SHAPE = (32, 32, 3)  # height, width, channels
_ROW_LENGTH = 32 * 32 * 3  # 3072 bytes per image in the official files
_IMAGES_PER_FILE = 10_000  # in each official batch file


# --------------------------------------------------------------------------------------------
# Reading one file of a source (the folder or the archive of cifar10_source.py)
# --------------------------------------------------------------------------------------------


def _read(source: Source, name: str) -> Any:
    """Unpickle one file of `source`, turning any sign of damage into CIFAR10FormatError."""
    where = source.describe(name)
    if source.size(name) > MAX_MEMBER_BYTES:  # the whole file is read into memory
        raise CIFAR10FormatError(
            f"{where} is {source.size(name):,} bytes, but a CIFAR-10 batch is 31 MB (at most "
            f"{MAX_MEMBER_BYTES:,} accepted); it is not an official file. Delete it and "
            "download CIFAR-10 again (download=True / --download)."
        )
    with source.open(name) as handle:
        try:
            return load_pickle(handle, where)
        except UnsafePickleError:
            raise  # a refused global is a security event, not mere damage: keep its own type
        # A damaged pickle can fail in many ways (EOFError, UnpicklingError, ValueError from
        # NumPy, zlib.error inside a broken archive, ...); all mean the same to the user.
        except Exception as error:
            raise CIFAR10FormatError(
                f"{where} is truncated or damaged ({type(error).__name__}: {error}). Delete it "
                "and download CIFAR-10 again (download=True / --download)."
            ) from error



# --------------------------------------------------------------------------------------------
# Checking and converting the pickled dicts
# --------------------------------------------------------------------------------------------


def _get(batch: dict, key: str, where: str) -> Any:
    """``batch[key]`` whether the pickle was read with str keys or with bytes keys."""
    for candidate in (key, key.encode("ascii")):
        if candidate in batch:
            return batch[candidate]
    found = ", ".join(repr(k) for k in batch)
    raise CIFAR10FormatError(f"{where} has no '{key}' entry (keys found: {found or 'none'})")


def _parse_batch(batch: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a batch dict and return (rows uint8 (N, 3072), labels int64 (N,))."""
    if not isinstance(batch, dict):
        raise CIFAR10FormatError(
            f"{where} holds a {type(batch).__name__}, not the dict of a CIFAR-10 batch"
        )
    data = _get(batch, "data", where)
    labels = np.asarray(_get(batch, "labels", where))
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == _ROW_LENGTH):
        shape = getattr(data, "shape", None)
        raise CIFAR10FormatError(
            f"{where}: 'data' must be a uint8 array of shape (N, {_ROW_LENGTH}), got "
            f"{type(data).__name__} {getattr(data, 'dtype', '')} {shape}"
        )
    if labels.shape != (len(data),) or (len(labels) and labels.dtype.kind not in "iu"):
        raise CIFAR10FormatError(
            f"{where}: 'labels' must be {len(data)} integers (one per image), got "
            f"{labels.dtype} array of shape {labels.shape}"
        )
    if len(labels) and not 0 <= labels.min() <= labels.max() < len(CIFAR10_CLASSES):
        raise CIFAR10FormatError(
            f"{where}: labels must lie in 0..9, got {labels.min()}..{labels.max()}"
        )
    return data, labels.astype(np.int64)


def _rows_to_images(rows: np.ndarray) -> np.ndarray:
    """(N, 3072) rows [R plane | G plane | B plane] -> a (N, 32, 32, 3) channels-last view."""
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _class_names(source: Source) -> list[str]:
    """Class names from batches.meta when present, else the official list."""
    if not source.has(META_FILE):
        return list(CIFAR10_CLASSES)
    where = source.describe(META_FILE)
    meta = _read(source, META_FILE)
    if not isinstance(meta, dict):
        raise CIFAR10FormatError(f"{where} holds a {type(meta).__name__}, not a dict")
    names = _get(meta, "label_names", where)
    if not isinstance(names, list) or len(names) != len(CIFAR10_CLASSES):
        raise CIFAR10FormatError(f"{where}: 'label_names' must be a list of 10 names")
    return [n.decode("latin1") if isinstance(n, bytes) else str(n) for n in names]


# --------------------------------------------------------------------------------------------
# Choosing the subset
# --------------------------------------------------------------------------------------------


def _quotas(size: int, n_classes: int) -> np.ndarray:
    """Images per class for a balanced subset: size // n_classes, the remainder to the first."""
    return np.array([size // n_classes + (c < size % n_classes) for c in range(n_classes)])


class _Subset:
    """Chooses the subset batch by batch, in file order, and copies it into one array.

    The rules ("the first `size` images", "the first quota of each class") depend only on
    the images before, so each batch can be decided as it is read and then dropped: with a
    `size`, the result array is allocated once and filled in place, and memory stays at the
    result plus one batch (50,000 images: 147 MiB + 30 MiB), never a list of all batches
    plus their concatenation.
    """

    def __init__(self, size: int | None, balanced: bool, n_files: int):
        n_classes = len(CIFAR10_CLASSES)
        self.size, self.balanced = size, balanced
        self.quotas = _quotas(size, n_classes) if size is not None and balanced else None
        self.taken = np.zeros(n_classes, np.int64)  # chosen so far, per class
        self.seen = np.zeros(n_classes, np.int64)  # read so far, per class
        # Allocate up front only what the official files can fill: a size beyond that will
        # be refused as too large once the files are read, not by a giant allocation.
        fits = size is not None and size <= _IMAGES_PER_FILE * n_files
        self.images = np.empty((size, *IMAGE_SHAPE), np.uint8) if fits else None
        self.labels = np.empty(size, np.int64) if fits else None
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # when not allocated up front

    def complete(self) -> bool:
        if self.size is None:
            return False  # read every file of the split
        if self.quotas is not None:
            return bool(np.all(self.taken >= self.quotas))
        return int(self.taken.sum()) >= self.size

    def _chosen(self, labels: np.ndarray) -> np.ndarray | slice:
        """Indices of this batch's images that join the subset."""
        if self.size is None:
            return slice(None)
        if self.quotas is None:
            return slice(0, self.size - int(self.taken.sum()))
        wanted = self.quotas - self.taken
        chosen = [np.flatnonzero(labels == c)[:max(n, 0)] for c, n in enumerate(wanted)]
        return np.sort(np.concatenate(chosen))

    def add(self, rows: np.ndarray, labels: np.ndarray) -> None:
        """Take what the rule wants from one batch (rows (N, 3072), labels (N,))."""
        self.seen += np.bincount(labels, minlength=len(self.seen))
        chosen = self._chosen(labels)
        images, labels = _rows_to_images(rows[chosen]), labels[chosen]
        if self.images is None:
            self.parts.append((np.ascontiguousarray(images), labels))
        else:
            start = int(self.taken.sum())
            self.images[start:start + len(labels)] = images  # the HWC copy, made in place
            self.labels[start:start + len(labels)] = labels
        self.taken += np.bincount(labels, minlength=len(self.taken))

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        if self.images is not None:
            return self.images, self.labels  # complete() was checked: every row is filled
        if len(self.parts) == 1:
            return self.parts[0]
        return (np.concatenate([images for images, _ in self.parts]),
                np.concatenate([labels for _, labels in self.parts]))


def _download_dir(root: Path | None) -> Path:
    """The folder download_cifar10 should fill for a given `root` argument."""
    if root is None:
        return default_data_dir()
    if root.name == FOLDER_NAME or root.is_file() or root.name.endswith(".tar.gz"):
        return root.parent
    return root


def load_cifar10(root: str | Path | None = None,
                 split: Literal["train", "test"] = "train",
                 size: int | None = None,
                 balanced: bool = False,
                 download: bool = False,
                 progress: bool = True) -> ImageDataset:
    """Load (a subset of) a CIFAR-10 split, reading only the batch files it needs.

    Which images: the first `size` in file order (``data_batch_1``, then ``data_batch_2``, ...),
    or with ``balanced=True`` the first ``size // 10`` of each class (the remainder of
    ``size % 10`` goes one each to the first classes). Both rules are deterministic, so the
    official files and the course's subset give the same images. Note: the course's
    ``test_batch`` is sorted by class, so a test subset should use ``balanced=True``
    (a warning is issued when a subset misses whole classes).

    Memory: the result is allocated once (uint8; all 50,000 training images take 147 MiB)
    and filled batch by batch, so the peak is the result plus one batch being read.

    Args:
        root: The ``cifar-10-batches-py`` folder, its parent, or ``cifar-10-python.tar.gz``
            (read in place, not extracted). Default: `default_data_dir()` (``$CIFAR10_DIR``
            or ``~/.cache/autograd_scalar``).
        split: ``"train"`` (data_batch_1..5, 50,000 images) or ``"test"`` (10,000 images).
        size: How many images; ``None`` means every image of the split found on disk.
        balanced: Take the same number of images from each class.
        download: First fetch the official archive into the root folder if the data is not
            complete there (see `download_cifar10`).
        progress: Show the download progress bar.

    Returns:
        ImageDataset with images uint8 (size, 32, 32, 3), labels int64 (size,), class_names.

    Raises:
        CIFAR10NotFoundError: No folder or archive found (the message lists the paths tried).
        CIFAR10FormatError: A file is truncated, damaged or has the wrong structure.
        UnsafePickleError: A file references a global a CIFAR-10 pickle never contains.
        ValueError: Bad arguments, or more images requested than the files found hold.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if size is not None:
        size = positive_int(size, "size (the number of images, or None for all)")
    root = Path(root).expanduser() if root is not None else None
    if download:
        root = download_cifar10(_download_dir(root), progress=progress)
    source = open_source(root if root is not None else default_data_dir())
    files = TRAIN_FILES if split == "train" else TEST_FILES
    subset, read, missing = _Subset(size, balanced, len(files)), [], []
    try:
        class_names = _class_names(source)
        for name in files:
            if subset.complete():
                break
            if not source.has(name):
                missing.append(name)
                continue
            subset.add(*_parse_batch(_read(source, name), source.describe(name)))
            read.append(name)
    finally:
        source.close()
    if not read:
        raise CIFAR10NotFoundError(
            f"{source.location} has no {split} batch (looked for {', '.join(files)}). Download "
            "the full set with download=True / --download."
        )
    if size is not None and not subset.complete():
        _raise_too_few(split, size, balanced, subset.seen, source.location, read, missing)
    dataset = ImageDataset(*subset.result(), class_names)
    absent = [class_names[c] for c in np.flatnonzero(dataset.class_counts() == 0)]
    if absent and len(dataset) >= len(class_names):
        warnings.warn(
            f"the first {len(dataset)} {split} images contain no {', '.join(absent)} "
            "(the file is ordered by class); pass balanced=True for a subset with every class.",
            stacklevel=2,
        )
    return dataset


def _raise_too_few(split: str, size: int, balanced: bool, counts: np.ndarray, location: Path,
                   read: list[str], missing: list[str]) -> None:
    """Explain that the files found (holding `counts` images per class) are too few."""
    if balanced:
        quota = _quotas(size, len(CIFAR10_CLASSES)).max()
        wanted = f"{size} {split} images balanced ({quota} per class)"
        have = f"the fewest of any class is {counts.min()} ({CIFAR10_CLASSES[counts.argmin()]})"
        limit = counts.min() * len(CIFAR10_CLASSES)
    else:
        total = int(counts.sum())
        wanted, have, limit = f"{size} {split} images", f"they hold {total}", total
    absent = f"; missing files: {', '.join(missing)}" if missing else ""
    raise ValueError(
        f"asked for {wanted}, but {location} has only {', '.join(read)}: {have}{absent}. "
        f"Ask for at most {limit} (--{split}-size), or get the full CIFAR-10 with "
        "download=True / --download."
    )
