"""Fuzz the restricted unpickler: whatever the bytes, valid data or the loader's error.

Hypothesis generates random byte strings, random opcode sequences (with well-formed
arguments, the allowed NumPy names and some forbidden ones among them) and mutations of a
real batch pickle. All examples run in ONE subprocess, so a segmentation fault (which no
`try` can catch) fails the test instead of killing pytest, and we pay the start-up once.

For each example, `load_pickle` must either raise PickleFormatError / UnsafePickleError or
return plain data: dicts, lists, tuples, sets, numbers, strings, bytes and NumPy arrays of
plain number types, nested at most MAX_DEPTH deep. The forbidden globals would create a
marker file if ever called; the test checks it never appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("AUTOGRAD_SCALAR_FUZZ_EXAMPLES", "300"))  # per strategy

WORKER = textwrap.dedent('''
    import pickle
    import struct
    import sys

    import numpy as np
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from nn.data import PickleFormatError, UnsafePickleError, load_pickle
    from nn.data.pickle_depth import MAX_DEPTH

    MARKER = sys.argv[1]
    EXAMPLES = int(sys.argv[2])
    PLAIN = (str, bytes, bytearray, int, float, complex, bool, type(None))


    def check_plain(result):
        """Walk the result (no recursion): only plain types, bounded depth."""
        pending, seen = [(result, 0)], set()
        while pending:
            item, depth = pending.pop()
            assert depth <= MAX_DEPTH + 1, f"depth {depth}"
            if id(item) in seen or isinstance(item, PLAIN):
                continue
            seen.add(id(item))
            if isinstance(item, np.ndarray):
                assert item.dtype.kind in "biuf" and not item.dtype.hasobject, item.dtype
            elif isinstance(item, np.dtype):
                assert item.kind in "biuf", item
            elif isinstance(item, dict):
                pending.extend((x, depth + 1) for pair in item.items() for x in pair)
            elif isinstance(item, (list, tuple, set, frozenset)):
                pending.extend((x, depth + 1) for x in item)
            else:
                raise AssertionError(f"unexpected type {type(item)!r}")


    def check(blob):
        try:
            result = load_pickle(blob)
        except (PickleFormatError, UnsafePickleError):
            return
        check_plain(result)


    def short_bytes(text):
        return b"C" + bytes([len(text)]) + text


    def unicode(text):
        data = text.encode()
        return b"X" + struct.pack("<I", len(data)) + data


    NO_ARG = [bytes([c]) for c in b"N\\x88\\x89]a)e}lt\\x85\\x86\\x87ds\\x8f\\x90\\x91u012(Rb\\x81"
                                  b"\\x92\\x93\\x94o.\\x97\\x98"]
    GLOBALS = [b"cnumpy\\ndtype\\n", b"cnumpy\\nndarray\\n",
               b"cnumpy.core.multiarray\\n_reconstruct\\n",
               b"cnumpy._core.multiarray\\n_reconstruct\\n",
               b"cposix\\nsystem\\n", b"cos\\nsystem\\n", b"cbuiltins\\neval\\n",
               b"c__builtin__\\nexec\\n", b"cnumpy\\nload\\n"]
    TEXTS = ["u1", "f8", "<i4", "O", "V8", "b", "|", "<", "data", "labels", "numpy", "ndarray",
             "dtype", "_reconstruct", "system", "touch " + MARKER, "1 + 1"]
    op = st.one_of(
        st.sampled_from(NO_ARG),
        st.sampled_from(GLOBALS),
        st.builds(lambda code, n: code + bytes([n]),
                  st.sampled_from([b"K", b"h", b"q", b"\\x82"]), st.integers(0, 255)),
        st.builds(lambda code, n: code + struct.pack("<i", n),
                  st.sampled_from([b"J", b"j", b"r"]), st.integers(-2, 40)),
        st.builds(short_bytes, st.binary(max_size=24)),
        st.builds(unicode, st.sampled_from(TEXTS)),
    )
    opcode_programs = st.builds(lambda ops, proto: bytes([0x80, proto]) + b"".join(ops) + b".",
                                st.lists(op, max_size=40), st.integers(2, 5))

    batch = {"data": np.arange(24, dtype=np.uint8).reshape(2, 12), "labels": [3, 7],
             "filenames": ["a.png", "b.png"], "big": np.ones((2, 2), ">f8")}
    SEEDS = [pickle.dumps(batch, protocol=p) for p in (2, 3, 4)]


    @st.composite
    def mutated_batches(draw):
        blob = bytearray(draw(st.sampled_from(SEEDS)))
        for _ in range(draw(st.integers(1, 4))):
            position = draw(st.integers(0, len(blob) - 1))
            action = draw(st.sampled_from(["set", "delete", "insert", "cut"]))
            if action == "set":
                blob[position] = draw(st.integers(0, 255))
            elif action == "delete":
                del blob[position]
            elif action == "insert":
                blob[position:position] = draw(st.sampled_from(NO_ARG + GLOBALS))
            else:
                del blob[position:]
            if not blob:
                break
        return bytes(blob)


    common = settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))

    for name, strategy in [("random bytes", st.binary(max_size=300)),
                           ("opcode programs", opcode_programs),
                           ("mutated batches", mutated_batches())]:
        common(given(strategy)(lambda blob: check(blob)))()
        print("ok", name, flush=True)
''')


def test_restricted_unpickler_fuzz_never_crashes_nor_runs_anything(tmp_path):
    marker = tmp_path / "pwned"
    run = subprocess.run([sys.executable, "-c", WORKER, str(marker), str(EXAMPLES)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (
        f"exit code {run.returncode} (-11 = segfault)\n{run.stdout}\n{run.stderr[-4000:]}")
    assert run.stdout.split("\n")[:3] == ["ok random bytes", "ok opcode programs",
                                          "ok mutated batches"]
    assert not marker.exists()  # no forbidden global was ever called
