"""Load a folder of images laid out one sub-folder per class: ``root/<class>/*.png|jpg|...``.

Classes are the sub-folder names sorted alphabetically (label 0 = first name), the same rule
as torchvision's ImageFolder. For CIFAR-10 class names that order is also the official one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .dataset import ImageDataset
from .image_modes import pil_to_rgb
from .preprocess import resize_pil

# The formats torchvision's ImageFolder reads, among them TIFF for 16-bit and float images.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


class ImageFolderError(ValueError):
    """The folder is empty, a class has no images, an image cannot be decoded or sizes differ."""


def _class_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        raise FileNotFoundError(
            f"image folder {root} does not exist (expected {root}/<class name>/<image>.png)"
        )
    folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.name)
    if not folders:
        raise ImageFolderError(
            f"{root} has no class sub-folders; expected {root}/<class name>/<image>.png|jpg|jpeg"
        )
    return folders


def _image_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ImageFolderError(
            f"class folder {folder} holds no images ({', '.join(IMAGE_EXTENSIONS)})"
        )
    return files


def _read_rgb(path: Path, image_size: int | tuple[int, int] | None) -> np.ndarray:
    """Decode one file to uint8 (H, W, 3) (see image_modes.py for each mode), resized if asked."""
    try:
        with Image.open(path) as image:
            rgb = pil_to_rgb(image)  # also forces pillow to decode the whole file now
    except Image.DecompressionBombError as error:  # not an OSError: caught on its own
        raise ImageFolderError(
            f"refused image {path}: {error} Pillow stops there to protect memory; if the file "
            "is genuine, resize it first or raise PIL.Image.MAX_IMAGE_PIXELS."
        ) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ImageFolderError(f"cannot decode image {path}: {error}") from error
    if image_size is None:
        return rgb
    return np.asarray(resize_pil(Image.fromarray(rgb), image_size), dtype=np.uint8)


def load_image_folder(root: str | Path,
                      image_size: int | tuple[int, int] | None = None) -> ImageDataset:
    """Load every image under ``root/<class>/`` as RGB.

    Args:
        root: Folder holding one sub-folder per class (hidden folders and non-image files
            are ignored).
        image_size: Resize each image to this side length (or (height, width)) with box
            filtering. Required when the images do not all have the same size.

    Returns:
        ImageDataset: images uint8 (N, H, W, 3) in class order, then file-name order; labels
        int64; class_names the sorted sub-folder names.

    Raises:
        FileNotFoundError: `root` does not exist.
        ImageFolderError: No class folders, a class without images, an undecodable image
            (named), or images of different sizes without `image_size`.
    """
    root = Path(root).expanduser()
    images, labels, first = [], [], None
    class_folders = _class_folders(root)
    for label, folder in enumerate(class_folders):
        for path in _image_files(folder):
            image = _read_rgb(path, image_size)
            if first is None:
                first = (path, image.shape)
            elif image.shape != first[1]:
                raise ImageFolderError(
                    f"{path} is {image.shape[1]}x{image.shape[0]} but {first[0]} is "
                    f"{first[1][1]}x{first[1][0]}; pass image_size to resize them all"
                )
            images.append(image)
            labels.append(label)
    return ImageDataset(np.stack(images), np.array(labels, dtype=np.int64),
                        [folder.name for folder in class_folders])
