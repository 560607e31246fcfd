"""Read the official CIFAR-10 pickles without letting a pickle run code or crash Python.

`pickle.load` is not a file reader, it is a small program interpreter: a pickle may name any
importable function (``os.system``, ``builtins.eval``) and ask for it to be called. A file
downloaded from the internet must therefore never reach plain `pickle.load`.

The CIFAR-10 "python version" files hold only dicts, lists, numbers, strings and NumPy
arrays. Three defences, in the order a file meets them:

1. `check_depth` reads the opcodes first and refuses objects nested more than
   `MAX_DEPTH` levels deep, which would otherwise crash the interpreter (see pickle_depth.py).
2. `RestrictedUnpickler` resolves only the three names a NumPy array pickle uses
   (``numpy.core.multiarray._reconstruct``, spelt ``numpy._core...`` by NumPy 2,
   ``numpy.ndarray`` and ``numpy.dtype``) and refuses every other name *before* anything is
   imported or called.
3. Even those three never reach NumPy with the pickle's arguments: they build `_ArrayRecipe`
   and `_DtypeRecipe` placeholders that check the recorded shape, type and bytes, and the
   array is made with ``np.frombuffer`` only once everything fits. So a crafted dtype state
   (object pointers hidden in bytes) or a terabyte shape never reaches NumPy's internals.

Anything else wrong with the bytes raises `PickleFormatError`, one error for all damage.
"""

from __future__ import annotations

import io
import math
import pickle
from pathlib import Path
from typing import IO, Any

import numpy as np

from .pickle_depth import MAX_DEPTH, PickleStructureError, check_depth

__all__ = ["MAX_DEPTH", "PickleFormatError", "RestrictedUnpickler", "UnsafePickleError",
           "load_pickle"]

# Array element types a CIFAR-10 file may hold: booleans, integers, floats (no objects,
# strings, dates or structured types, whose raw bytes NumPy would interpret as pointers).
_PLAIN_KINDS = "biuf"


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global that is not on the allow-list; nothing was executed."""


class PickleFormatError(pickle.UnpicklingError):
    """The pickle is truncated, damaged, too deeply nested, or holds an array we do not accept."""


# --------------------------------------------------------------------------------------------
# What the three allowed names build: placeholders, checked, then turned into real objects
# --------------------------------------------------------------------------------------------


class _Refusing:
    """Base of the objects a pickle can reach: no attribute may be set on them from a pickle."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise PickleFormatError(f"a pickle tried to change the state of {self!r}")


class _DtypeRecipe(_Refusing):
    """``numpy.dtype(spec, align, copy)`` then BUILD with (version, byte order, ...)."""

    __slots__ = ("dtype", "has_state")

    def __init__(self, spec: Any, align: Any = False, copy: Any = True):
        if isinstance(spec, bytes):
            spec = spec.decode("latin1")
        if not isinstance(spec, str) or len(spec) > 8:
            raise PickleFormatError(f"unexpected array type {spec!r} (want e.g. 'u1', 'f8')")
        dtype = np.dtype(spec)
        if dtype.kind not in _PLAIN_KINDS or dtype.fields is not None or dtype.subdtype:
            raise PickleFormatError(f"refused array type {spec!r}: only plain numbers allowed")
        self.dtype, self.has_state = dtype, False

    def __setstate__(self, state: Any) -> None:
        # NumPy writes (3, byte order, None, None, None, -1, -1, 0) for a plain number type.
        if (self.has_state or not isinstance(state, tuple) or len(state) != 8
                or state[0] != 3 or state[1] not in ("<", ">", "|", "=")
                or state[2:] != (None, None, None, -1, -1, 0)):
            raise PickleFormatError(f"unexpected state {state!r} for array type {self.dtype}")
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])
        self.has_state = True


class _ArrayRecipe(_Refusing):
    """``_reconstruct(ndarray, shape, dtype)`` then BUILD with (version, shape, dtype, ...)."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if self.array is not None or not isinstance(state, tuple) or len(state) not in (4, 5):
            raise PickleFormatError("unexpected array state (want (version, shape, type, "
                                    "fortran, bytes))")
        shape, dtype, fortran, raw = state[-4:]
        if not (isinstance(shape, tuple) and len(shape) <= 32 and all(
                type(n) is int and n >= 0 for n in shape)):
            raise PickleFormatError(f"array shape must be a tuple of sizes, got {shape!r}")
        if not isinstance(dtype, _DtypeRecipe) or not isinstance(fortran, bool):
            raise PickleFormatError("array state must hold a number type and a bool")
        if isinstance(raw, str):  # a Python 2 str read with encoding='latin1'
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)):
            raise PickleFormatError(f"array data must be bytes, got {type(raw).__name__}")
        expected = math.prod(shape) * dtype.dtype.itemsize
        if len(raw) != expected:
            raise PickleFormatError(
                f"array of shape {shape} and type {dtype.dtype} needs {expected} bytes, "
                f"the file holds {len(raw)}"
            )
        flat = np.frombuffer(raw, dtype.dtype).copy()  # own, writable memory
        self.array = flat.reshape(shape, order="F" if fortran else "C")


class _NdarrayType(_Refusing):
    """Stands for ``numpy.ndarray``: only good as the first argument of `_reconstruct`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "numpy.ndarray"


_NDARRAY = _NdarrayType()


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> _ArrayRecipe:
    """What NumPy pickles call first: (ndarray, (0,), b'b'); the data comes by BUILD."""
    if subtype is not _NDARRAY:
        raise PickleFormatError(f"_reconstruct builds only numpy.ndarray, got {subtype!r}")
    return _ArrayRecipe()


class _Global(_Refusing):
    """An allowed global: calls `build`, and cannot be modified by the pickle."""

    __slots__ = ("name", "build")

    def __init__(self, name: str, build: Any):
        self.name, self.build = name, build

    def __call__(self, *args: Any) -> Any:
        try:
            return self.build(*args)
        except TypeError as error:  # wrong number of arguments
            raise PickleFormatError(f"bad arguments for {self.name}: {error}") from None

    def __repr__(self) -> str:
        return self.name


_RECONSTRUCT = _Global("numpy _reconstruct", _reconstruct)
_DTYPE = _Global("numpy.dtype", _DtypeRecipe)

#: (module, name) pairs a CIFAR-10 pickle may reference, and what each one stands for.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DTYPE,
}


_SCALARS = (str, bytes, bytearray, int, float, complex, type(None))


def _finish(obj: Any, done: dict[int, Any]) -> Any:
    """Replace every recipe in the loaded structure with its NumPy object.

    Recursion is safe: `check_depth` bounded the nesting to MAX_DEPTH levels. `done` maps
    id -> result so an object shared through the memo is converted once.
    """
    if isinstance(obj, _SCALARS):  # most of a batch (labels, file names): nothing to do
        return obj
    key = id(obj)
    if key in done:
        return done[key]
    if isinstance(obj, (list, dict)):
        done[key] = obj  # recorded before its items: they may share it through the memo
        _finish_in_place(obj, done)
        return obj
    result = _finished_copy(obj, done)
    done[key] = result
    return result


def _finish_in_place(container: list | dict, done: dict[int, Any]) -> None:
    """Finish the items of a list or the values of a dict, keeping the container itself."""
    if isinstance(container, list):
        container[:] = [_finish(item, done) for item in container]
        return
    for name, value in container.items():
        _check_plain(name)
        container[name] = _finish(value, done)


def _finished_copy(obj: Any, done: dict[int, Any]) -> Any:
    """What stands for `obj` in the result: a recipe's NumPy object, a finished tuple, ..."""
    if isinstance(obj, _ArrayRecipe):
        if obj.array is None:
            raise PickleFormatError("an array was declared but its data never followed")
        return obj.array
    if isinstance(obj, _DtypeRecipe):
        return obj.dtype
    if isinstance(obj, _Refusing):
        raise PickleFormatError(f"{obj!r} is not data; a CIFAR-10 file never stores it")
    if isinstance(obj, tuple):  # immutable, so a new tuple replaces it
        return tuple(_finish(item, done) for item in obj)
    if isinstance(obj, (set, frozenset)):  # hashed items cannot hold a recipe: only checked
        for item in obj:
            _check_plain(item)
    return obj


def _check_plain(key: Any) -> None:
    """Dict keys and set items are hashed, so they hold no recipe (nor anything holding one)."""
    pending = [key]
    while pending:
        item = pending.pop()
        if isinstance(item, _Refusing):
            raise PickleFormatError("an array or type is used as a dict key or set member")
        if isinstance(item, (tuple, frozenset)):
            pending.extend(item)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals listed in `ALLOWED_GLOBALS`.

    Prefer `load_pickle`: it also bounds the nesting depth before unpickling (this class
    reads a stream once, so it cannot look ahead) and turns every failure into one error.

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

    def load(self) -> Any:
        """Unpickle, then turn the array and dtype placeholders into NumPy objects."""
        return _finish(super().load(), {})


def _read_all(file: str | Path | IO[bytes] | bytes) -> bytes:
    if isinstance(file, (str, Path)):
        return Path(file).read_bytes()
    if isinstance(file, (bytes, bytearray)):
        return bytes(file)
    return file.read()


def load_pickle(file: str | Path | IO[bytes] | bytes, source: str | None = None,
                encoding: str = "latin1") -> Any:
    """Unpickle `file` safely: depth checked, globals restricted, arrays rebuilt by us.

    Args:
        file: A path, an open binary file, or the pickle's bytes.
        source: Name for error messages (defaults to the path, or ``"<pickle>"``).
        encoding: Decoding of Python 2 ``str`` (see `RestrictedUnpickler`).

    Returns:
        The unpickled object (dicts, lists, tuples, numbers, strings, NumPy arrays).

    Raises:
        UnsafePickleError: If the pickle names a global outside `ALLOWED_GLOBALS`.
        PickleFormatError: For anything else wrong: truncated, damaged, nested more than
            `MAX_DEPTH` levels, or an array of a type or size we do not accept.
    """
    if source is None:
        source = str(file) if isinstance(file, (str, Path)) else "<pickle>"
    data = _read_all(file)
    try:
        check_depth(data)
        return RestrictedUnpickler(io.BytesIO(data), source, encoding).load()
    except (UnsafePickleError, PickleFormatError):
        raise
    except PickleStructureError as error:
        raise PickleFormatError(f"{source}: {error}") from None
    # Damaged bytes fail in many ways (EOFError, UnpicklingError, KeyError on the memo,
    # AttributeError on APPEND to a non-list, MemoryError on a huge length, ...): one error.
    except Exception as error:
        raise PickleFormatError(
            f"{source} is not a valid pickle ({type(error).__name__}: {error})"
        ) from error
