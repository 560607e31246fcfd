"""The restricted unpickler: CIFAR-10 content loads, anything naming other globals is refused."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess

import numpy as np
import pytest

from nn.data import PickleFormatError, UnsafePickleError, load_pickle


class Exploit:
    """Unpickling this calls `func(*args)`: the classic pickle attack."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def test_os_system_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": Exploit(os.system, f"touch {marker}")}, protocol=2))
    with pytest.raises(UnsafePickleError) as info:
        load_pickle(path)
    assert not marker.exists()
    message = str(info.value)
    assert f"{os.system.__module__}.system" in message  # 'posix.system' on Linux
    assert str(path) in message


@pytest.mark.parametrize("func,args", [
    (builtins.eval, ("1 + 1",)),
    (builtins.exec, ("import os",)),
    (subprocess.call, (["true"],)),
])
@pytest.mark.parametrize("protocol", [2, 4])
def test_other_globals_are_refused_even_when_nested(func, args, protocol):
    payload = pickle.dumps([{"labels": [1, 2]}, {"x": Exploit(func, *args)}], protocol=protocol)
    # protocol 2 stores Python 2 module names (__builtin__.eval), so match the function name
    with pytest.raises(UnsafePickleError, match=rf"global '[\w.]+\.{func.__name__}'.*evil\.pkl"):
        load_pickle(payload, source="evil.pkl")


@pytest.mark.parametrize("protocol", [3, 4])
def test_numpy_arrays_lists_and_both_key_kinds_load(protocol):
    data = np.arange(12, dtype=np.uint8).reshape(3, 4)
    obj = {"data": data, b"labels": [1, 2, 3], "names": ["a", b"b"], "n": 3.5}
    out = load_pickle(pickle.dumps(obj, protocol=protocol))
    np.testing.assert_array_equal(out["data"], data)
    assert out["data"].dtype == np.uint8
    assert out[b"labels"] == [1, 2, 3] and out["names"] == ["a", b"b"] and out["n"] == 3.5


def test_real_meta_keys_are_str_with_latin1_and_bytes_with_bytes_encoding(cifar_dir):
    as_str = load_pickle(cifar_dir / "batches.meta")
    as_bytes = load_pickle(cifar_dir / "batches.meta", encoding="bytes")
    assert as_str["label_names"][0] == "airplane"
    assert as_bytes[b"label_names"][0] == b"airplane"


def test_real_batch_loads_through_the_allow_list(cifar_dir):
    batch = load_pickle(cifar_dir / "data_batch_1")
    assert batch["data"].shape == (4000, 3072) and batch["data"].dtype == np.uint8
    assert batch["labels"][:5] == [6, 9, 9, 4, 1]  # the official first labels: frog, truck, ...


# ---------------------------------------------------------------- what the allowed names may build


def array_pickle(shape, dtype_state, raw, spec=b"u1") -> bytes:
    """Opcodes of a NumPy array pickle, with every part of its state chosen by the test."""
    def short(text: bytes) -> bytes:
        return b"C" + bytes([len(text)]) + text  # SHORT_BINBYTES

    shape_ops = b"(" + b"".join(b"K" + bytes([n]) for n in shape) + b"t"
    dtype_ops = (b"cnumpy\ndtype\n" + short(spec) + b"\x89\x88\x87R"  # dtype(spec, False, True)
                 + dtype_state + b"b")
    return (b"\x80\x03cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85"
            + short(b"b") + b"\x87R" + b"(K\x01" + shape_ops + dtype_ops + b"\x89"
            + short(raw) + b"tb.")


# (3, '|', None, None, None, -1, -1, 0): what NumPy writes for a plain one-byte type
PLAIN_STATE = b"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t"


def test_handwritten_array_pickle_loads_like_numpy():
    blob = array_pickle((2, 3), PLAIN_STATE, bytes(range(6)))
    out = load_pickle(blob)
    np.testing.assert_array_equal(out, np.arange(6, dtype=np.uint8).reshape(2, 3))
    reference = pickle.loads(blob)  # plain pickle agrees on these (trusted) bytes
    assert out.dtype == reference.dtype and np.array_equal(out, reference)
    assert out.flags.writeable  # the loader's arrays own their memory


@pytest.mark.parametrize("spec,match", [
    (b"O", "only plain numbers"),  # object pointers read from raw bytes would crash NumPy
    (b"V8", "only plain numbers"),
    (b"(2,)u1", "only plain numbers"),  # a sub-array type
])
def test_non_numeric_array_types_are_refused(spec, match):
    with pytest.raises(PickleFormatError, match=match):
        load_pickle(array_pickle((1,), PLAIN_STATE, b"\x00" * 8, spec=spec))


def test_a_dtype_state_claiming_object_flags_is_refused():
    hasobject = PLAIN_STATE.replace(b"K\x00t", b"K\x3ft")  # flags 63: NPY_ITEM_HASOBJECT etc.
    with pytest.raises(PickleFormatError, match="unexpected state"):
        load_pickle(array_pickle((1,), hasobject, b"\x00"))


@pytest.mark.parametrize("shape,raw", [((2, 3), b"\x00" * 5), ((200, 200), b"\x00" * 6)])
def test_shape_must_match_the_bytes_present(shape, raw):
    """A huge shape with few bytes is refused before anything is allocated."""
    with pytest.raises(PickleFormatError, match=r"needs \d+ bytes, the file holds"):
        load_pickle(array_pickle(shape, PLAIN_STATE, raw))


def test_allowed_globals_cannot_be_modified_by_build():
    # numpy.dtype, then BUILD with a state that would set its attributes: GLOBAL is stopped
    # by the opcode scan, STACK_GLOBAL (built from two strings) by the object itself
    state = b"}X\x05\x00\x00\x00buildK\x01sb."
    with pytest.raises(PickleFormatError, match="adds items to a value that is not a container"):
        load_pickle(b"\x80\x03cnumpy\ndtype\n" + state)
    stack_global = b"\x80\x04\x8c\x05numpy\x8c\x05dtype\x93"
    with pytest.raises(PickleFormatError, match="tried to change the state of numpy.dtype"):
        load_pickle(stack_global + state)
    assert load_pickle(pickle.dumps(np.zeros(2, np.float32), protocol=4)).dtype == np.float32


def test_a_bare_global_is_not_data():
    with pytest.raises(PickleFormatError, match="is not data"):
        load_pickle(b"\x80\x03cnumpy\nndarray\n.")


@pytest.mark.parametrize("blob", [b"", b"\x80\x04", b"\x80\x04]a.", b"\x80\x04j\x05\x00\x00\x00.",
                                  b"\x80\x04K\x01K\x02\x85\x85\x85"])
def test_damage_is_one_error_type(blob):
    with pytest.raises(PickleFormatError, match="<pickle>"):
        load_pickle(blob)


def test_the_unpickler_used_alone_returns_real_arrays():
    import io

    from nn.data import RestrictedUnpickler

    data = np.arange(6, dtype=np.int16).reshape(2, 3)
    out = RestrictedUnpickler(io.BytesIO(pickle.dumps({"x": data}, protocol=4))).load()
    assert isinstance(out["x"], np.ndarray) and out["x"].dtype == np.int16
    np.testing.assert_array_equal(out["x"], data)
