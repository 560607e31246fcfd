"""The READMEs are a tested contract: every ```python block in them runs, as written, in order.

Sybil, a maintained runner of the code blocks in documentation, finds the ```python blocks
of README.md and notebooks/README.md and runs each one (with tracebacks that point at the
README's own lines). Here every block is one test, named by its README and line, and the
blocks of one README run in the README's order in ONE namespace, as for a reader who types
them in one after another: a later block may use what an earlier one defined (picked alone,
with -k, a block first runs the blocks above it), so a block that fails makes the ones that
use its names fail too: read the first failure. Blocks marked ```bash or ```text, or not
marked, are not Python and are not run.

A ```text block right below a ```python block shows what that block prints: it is compared
with what the block prints now. Each README runs in an empty temporary folder, so the files
its blocks save (``neuron.svg``, ``curves.png``, ...) land there, never in the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

try:
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser
except ImportError as error:  # a test dependency: fail loudly, the README must be checked
    raise ImportError('the README\'s code blocks are run with sybil, which is not installed: '
                      'install the test dependencies with  pip install ".[test]"') from error

READMES = [ROOT / "README.md", ROOT / "notebooks" / "README.md"]
PYTHON_BLOCKS = Sybil(parsers=[PythonCodeBlockParser()])


def readme_blocks() -> list:
    """One pytest parameter per ```python block, in the READMEs' order, named README:line."""
    blocks = []
    for path in READMES:
        for block in PYTHON_BLOCKS.parse(path):  # its blocks share the document's namespace
            name = f"{path.relative_to(ROOT).as_posix()}:{block.line}"
            blocks.append(pytest.param(block, id=name))
    return blocks


@pytest.fixture(scope="module")
def in_empty_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run the blocks with an empty temporary folder as the working directory."""
    folder = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


@pytest.mark.parametrize("path", READMES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_python_block_is_run(path: Path) -> None:
    """Sybil finds as many blocks as the README has ```python fences (none is skipped by a
    fence it does not read), and the main README shows its examples in such blocks."""
    fences = [line for line in path.read_text(encoding="utf-8").splitlines()
              if line.strip().startswith("```py")]
    found = list(PYTHON_BLOCKS.parse(path))
    assert len(found) == len(fences)
    assert all(line.strip() == "```python" for line in fences), fences
    if path.name == "README.md" and path.parent == ROOT:
        assert len(found) >= 5


def shown_output(block) -> str | None:
    """The ```text block right after a ```python block: what the README says it prints."""
    after = block.document.text[block.region.end:]
    shown = re.match(r"\s*```text\n(.*?)^```", after, re.DOTALL | re.MULTILINE)
    return None if shown is None else shown.group(1)


_ALREADY_RUN: set[tuple[str, int]] = set()  # (README, offset) of the blocks run so far


def run(block) -> None:
    """Run one block in its README's namespace, and remember that it ran (even if it failed:
    its failure is reported once, by its own test)."""
    _ALREADY_RUN.add((block.path, block.start))
    block.evaluate()


def run_blocks_above(block) -> None:
    """Run the blocks above this one that have not run yet: they have when the whole file
    runs in order, not when one block is picked, as in
    ``python -m pytest tests/test_readme.py -k "README.md:185"``."""
    for earlier in block.document.examples():
        if earlier.start < block.start and (earlier.path, earlier.start) not in _ALREADY_RUN:
            run(earlier)


@pytest.mark.parametrize("block", readme_blocks())
def test_readme_block_runs(block, in_empty_folder: Path, capsys: pytest.CaptureFixture) -> None:
    """The block runs without an error, after the blocks above it in its README; where the
    README shows its output in a ```text block below it, it prints exactly that."""
    run_blocks_above(block)
    capsys.readouterr()  # what the blocks above printed is theirs
    run(block)
    expected = shown_output(block)
    if expected is not None:
        assert capsys.readouterr().out.rstrip() == expected.rstrip()
