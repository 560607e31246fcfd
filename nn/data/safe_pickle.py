"""Read the official CIFAR-10 pickles without letting a pickle run code.

`pickle.load` is not a file reader, it is a small program interpreter: a pickle may name any
importable function (``os.system``, ``builtins.eval``) and ask for it to be called. A file
downloaded from the internet must therefore never reach plain `pickle.load`.

The CIFAR-10 "python version" files hold only dicts, lists, numbers, strings and NumPy
arrays. Rebuilding an array needs exactly three globals: ``numpy.core.multiarray._reconstruct``
(spelt ``numpy._core.multiarray._reconstruct`` by NumPy 2), ``numpy.ndarray`` and
``numpy.dtype``. `RestrictedUnpickler` admits those and refuses every other name *before*
anything is imported or called.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import IO, Any

import numpy as np

# NumPy's array-rebuilding function, taken from what NumPy itself uses to pickle an array, so
# we need not import its private module (whose name changed between NumPy 1 and 2).
_RECONSTRUCT = np.zeros(0).__reduce__()[0]

#: (module, name) pairs a CIFAR-10 pickle may reference, and the object each one means.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global that is not on the allow-list; nothing was executed."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals listed in `ALLOWED_GLOBALS`.

    Args:
        file: A binary file object to read the pickle from.
        source: A name for the file (its path), used in error messages.
        encoding: How Python 2 ``str`` objects are decoded. ``"latin1"`` (NumPy's advice for
            Python 2 array pickles) turns keys into ``str``; ``"bytes"`` keeps them ``bytes``.
    """

    def __init__(self, file: IO[bytes], source: str = "<pickle>", encoding: str = "latin1"):
        super().__init__(file, encoding=encoding)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        """Return the allowed object for ``module.name``, or refuse without importing it."""
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in ALLOWED_GLOBALS)
            raise UnsafePickleError(
                f"refused global '{module}.{name}' in {self.source}: a CIFAR-10 file never "
                f"references it (allowed: {allowed}), so nothing was loaded or run. "
                "The file is not a genuine CIFAR-10 batch and may be malicious; delete it and "
                "download the data again."
            ) from None


def load_pickle(file: str | Path | IO[bytes] | bytes, source: str | None = None,
                encoding: str = "latin1") -> Any:
    """Unpickle `file` through `RestrictedUnpickler`.

    Args:
        file: A path, an open binary file, or the pickle's bytes.
        source: Name for error messages (defaults to the path, or ``"<pickle>"``).
        encoding: Decoding of Python 2 ``str`` (see `RestrictedUnpickler`).

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: If the pickle names a global outside `ALLOWED_GLOBALS`.
        Any error of `pickle.Unpickler.load` (EOFError, pickle.UnpicklingError, ...) for a
        damaged file: callers that know the file's format wrap these into their own error.
    """
    if isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            return RestrictedUnpickler(handle, source or str(file), encoding).load()
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    return RestrictedUnpickler(file, source or "<pickle>", encoding).load()
