"""Data for autograd_scalar: toy 2-D sets, CIFAR-10, image folders, preprocessing, batches.

Quick tour::

    from nn.data import load_toy, load_cifar10, prepare_images, iterate_minibatches
    from nn.data import parse_augment

    X, y = load_toy("moons")                                   # float64 (200, 2), int64
    train = load_cifar10(split="train", size=4000)             # uint8 (4000, 32, 32, 3)
    test = load_cifar10(split="test", size=1000, balanced=True)
    X_train, X_test = prepare_images(train, test, image_size=8)  # float64 (N, 192)
    augment = parse_augment("flip,crop", image_shape=(3, 8, 8))  # random flips and shifts
    rng = np.random.default_rng(0)
    for xb, yb in iterate_minibatches(X_train, train.labels, 32, epoch=0):
        xb = augment(xb, rng)                                   # a new array, same shape
        ...
"""

from .archive import ArchiveError, UnsafeArchiveError, safe_extract
from .augment import Compose, RandomCrop, RandomHorizontalFlip, parse_augment
from .batches import iterate_minibatches, train_val_split
from .cifar10 import (
    CIFAR10_CLASSES,
    CIFAR10FormatError,
    CIFAR10NotFoundError,
    load_cifar10,
)
from .dataset import ImageDataset
from .download import (
    CIFAR10_MD5,
    CIFAR10_URL,
    DownloadError,
    default_data_dir,
    download_cifar10,
)
from .image_folder import ImageFolderError, load_image_folder
from .preprocess import (
    ChannelStandardizer,
    flatten,
    prepare_images,
    resize,
    to_float,
    to_grayscale,
)
from .safe_pickle import PickleFormatError, RestrictedUnpickler, UnsafePickleError, load_pickle
from .toy import (
    TOY_DATASETS,
    load_toy,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
)

__all__ = [
    "ArchiveError",
    "CIFAR10_CLASSES",
    "CIFAR10_MD5",
    "CIFAR10_URL",
    "TOY_DATASETS",
    "CIFAR10FormatError",
    "CIFAR10NotFoundError",
    "ChannelStandardizer",
    "Compose",
    "DownloadError",
    "ImageDataset",
    "ImageFolderError",
    "PickleFormatError",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RestrictedUnpickler",
    "UnsafeArchiveError",
    "UnsafePickleError",
    "default_data_dir",
    "download_cifar10",
    "flatten",
    "iterate_minibatches",
    "load_cifar10",
    "load_image_folder",
    "load_pickle",
    "load_toy",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "parse_augment",
    "prepare_images",
    "resize",
    "safe_extract",
    "to_float",
    "to_grayscale",
    "train_val_split",
]
