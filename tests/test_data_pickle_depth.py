"""Deeply nested pickles: the loader's own error, never a RecursionError or a crash.

A nesting of 200,000 levels takes 200 KB; before the depth bound, unpickling one with a tuple
as a dict key crashed Python with a segmentation fault (hashing recurses in C). The big
files are therefore loaded in a subprocess: a crash shows as a non-zero exit code.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nn.data import CIFAR10FormatError, PickleFormatError, load_cifar10, load_pickle
from nn.data.pickle_depth import MAX_DEPTH, PickleStructureError, check_depth

ROOT = Path(__file__).resolve().parent.parent  # the subprocess imports nn from the checkout

# One level of nesting = opcodes before the inner object + opcodes after it (protocol 2).
LEVELS = {
    "list": (b"(", b"l"),  # MARK inner LIST -> [inner]
    "tuple": (b"", b"\x85"),  # inner TUPLE1 -> (inner,)
    "dict_value": (b"(K\x01", b"d"),  # MARK 1 inner DICT -> {1: inner}
    "dict_key": (b"(", b"Nd"),  # MARK inner None DICT -> {inner: None}; inner is hashed
    "set": (b"\x8f(", b"\x90"),  # EMPTY_SET MARK inner ADDITEMS -> {inner}
    "frozenset": (b"(", b"\x91"),  # MARK inner FROZENSET -> frozenset({inner})
}
# name -> (outer levels, then a cycle of levels). A set or a dict key hashes what it holds,
# so only tuples and frozensets may be inside one.
SHAPES = {
    "lists": ([], ["list"]),
    "tuples": ([], ["tuple"]),
    "dicts": ([], ["dict_value"]),
    "tuple_keys": (["dict_key"], ["tuple"]),
    "sets_of_frozensets": (["set"], ["frozenset"]),
    "mixed": (["list", "dict_value", "set"], ["tuple", "frozenset"]),
}


def nested(shape: str, depth: int) -> bytes:
    """A CIFAR-10-like batch {'data': <object nested `depth` levels>, 'labels': []}."""
    head, cycle = SHAPES[shape]
    kinds = (head + [cycle[i % len(cycle)] for i in range(depth)])[:depth]
    before = b"".join(LEVELS[k][0] for k in kinds)
    after = b"".join(LEVELS[k][1] for k in reversed(kinds))
    deep = before + b")" + after  # the innermost object is an empty tuple
    key = b"X\x04\x00\x00\x00data"
    return b"\x80\x02}" + key + deep + b"sX\x06\x00\x00\x00labels]s."


def write_batch(root, blob: bytes):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    (folder / "data_batch_1").write_bytes(blob)
    return folder


@pytest.mark.parametrize("shape", SHAPES)
def test_nested_bytes_are_what_they_claim(shape):
    """The generator is right: a shallow file unpickles to the shape it names."""
    batch = pickle.loads(nested(shape, 3))
    assert set(batch) == {"data", "labels"}
    depth, item = 0, batch["data"]
    while item != ():
        if isinstance(item, dict):  # {1: inner} or {inner: None}
            key, value = next(iter(item.items()))
            item = key if value is None else value
        else:
            item = next(iter(item))
        depth += 1
    assert depth == 3


@pytest.mark.parametrize("shape", SHAPES)
def test_10000_levels_give_the_format_error(tmp_path, shape):
    folder = write_batch(tmp_path, nested(shape, 10_000))
    with pytest.raises(CIFAR10FormatError, match=f"nested more than {MAX_DEPTH} levels"):
        load_cifar10(folder, size=1)


def test_200000_levels_give_the_format_error_without_crashing(tmp_path):
    """Every shape in one subprocess (a crash of any one fails the test), to keep it fast."""
    folders = []
    for shape in SHAPES:
        blob = nested(shape, 200_000)
        assert len(blob) < 1_000_000  # a small file: the danger is not its size
        folders.append(str(write_batch(tmp_path / shape, blob)))
    script = textwrap.dedent("""
        import sys
        from nn.data import CIFAR10FormatError, load_cifar10
        for folder in sys.argv[1:]:
            try:
                load_cifar10(folder, size=1)
                print("loaded", folder, flush=True)
            except CIFAR10FormatError as error:
                print("format error:", error, flush=True)
    """)
    run = subprocess.run([sys.executable, "-c", script, *folders], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"exit code {run.returncode} (-11 = segfault): {run.stdout}"
    lines = run.stdout.splitlines()
    assert len(lines) == len(SHAPES)
    for folder, line in zip(folders, lines):
        assert line.startswith(f"format error: {folder}/data_batch_1")
        assert f"nested more than {MAX_DEPTH} levels" in line


def test_the_bound_is_exact_at_max_depth():
    # The dict holding 'data' adds one level: data nested MAX_DEPTH - 1 tuples deep is fine.
    check_depth(nested("tuples", MAX_DEPTH - 1))
    with pytest.raises(PickleStructureError, match="nested more than"):
        check_depth(nested("tuples", MAX_DEPTH))


def memo_list_chain(n: int, forward: bool) -> bytes:
    """Lists L0..L(n-1), memoised while empty, then L(i).append(L(i+1)) through the memo.

    Appending in forward order nests the lists n deep although each container is shallow
    when something is added to it: the depth must be tracked through later changes.
    """
    ops = b"\x80\x04"
    for i in range(n):
        ops += b"]r" + i.to_bytes(4, "little") + b"0"  # EMPTY_LIST, LONG_BINPUT i, POP
    order = range(n - 1) if forward else reversed(range(n - 1))
    for i in order:
        ops += b"j" + i.to_bytes(4, "little") + b"j" + (i + 1).to_bytes(4, "little") + b"a0"
    return ops + b"j\x00\x00\x00\x00."


@pytest.mark.parametrize("forward", [True, False])
def test_nesting_built_through_the_memo_is_measured(forward):
    shallow = load_pickle(memo_list_chain(10, forward))
    assert shallow[0][0][0][0][0][0][0][0][0] == []  # nine levels, as built
    with pytest.raises(PickleFormatError, match="nested more than"):
        load_pickle(memo_list_chain(MAX_DEPTH + 10, forward))


def test_a_container_holding_itself_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(PickleFormatError, match="holds itself"):
        load_pickle(pickle.dumps(loop, protocol=4))


def test_a_real_sized_batch_passes_the_scan():
    batch = {"data": np.zeros((100, 3072), np.uint8), "labels": list(range(10)) * 10,
             "filenames": [f"{i}.png" for i in range(100)], "batch_label": "x"}
    out = load_pickle(pickle.dumps(batch, protocol=4))
    assert out["labels"] == batch["labels"] and out["data"].shape == (100, 3072)
