"""The restricted unpickler: CIFAR-10 content loads, anything naming other globals is refused."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess

import numpy as np
import pytest

from nn.data import UnsafePickleError, load_pickle


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
