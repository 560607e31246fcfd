"""Each lesson is written one way: a jupytext text source (py:percent) paired with its .ipynb.

The text file is what a maintainer edits and reviews; the .ipynb is what a student opens,
committed with the outputs of a run. Two things must hold for every lesson:

1. the pair is in sync: the .ipynb has exactly the cells of the text source, in the same
   order, with the same source (`jupytext --sync notebooks/NN_name.py` makes it so);
2. the committed outputs come from one full run of that source, top to bottom: every code
   cell was executed, the execution counts are 1, 2, 3, ... in cell order (a cell run twice,
   skipped or run out of order breaks the sequence), no cell raised, and no lesson was run
   in the quick mode the tests use (`AUTOGRAD_SCALAR_QUICK=1`).

How to re-execute a lesson after editing its text source is in notebooks/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
TEXT_SOURCES = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
PAIRED_FORMATS = "ipynb,py:percent"


def cell_sources(notebook) -> list[tuple[str, str]]:
    """(type, source) of every cell, the part of a notebook its text source holds."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def sync_problems(ipynb, text) -> list[str]:
    """What differs between the cells of a notebook and those of its text source."""
    committed, written = cell_sources(ipynb), cell_sources(text)
    problems = [
        f"cell {k}: the .ipynb has {c[0]} {c[1][:60]!r}, the text source {w[0]} {w[1][:60]!r}"
        for k, (c, w) in enumerate(zip(committed, written))
        if c != w
    ]
    if len(committed) != len(written):
        problems.append(f"{len(committed)} cells in the .ipynb, {len(written)} in the text source")
    return problems


def run_problems(notebook) -> list[str]:
    """Why the outputs of `notebook` are not those of one clean full run, top to bottom."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.get("execution_count") for cell in code]
    problems = []
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"execution counts {counts}, expected 1 to {len(code)} in order")
    for k, cell in enumerate(code):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"code cell {k} raised {output.get('ename')}")
            if "quick run" in str(output.get("text", "")):
                problems.append(f"code cell {k} ran in the quick mode (AUTOGRAD_SCALAR_QUICK)")
    return problems


def test_every_lesson_has_a_text_source_and_every_source_a_notebook() -> None:
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in TEXT_SOURCES]
    assert len(NOTEBOOKS) == 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_pair_is_declared_and_in_sync(path: Path) -> None:
    ipynb = nbformat.read(path, as_version=4)
    text = jupytext.read(path.with_suffix(".py"))
    assert ipynb.metadata.get("jupytext", {}).get("formats") == PAIRED_FORMATS
    assert text.metadata.get("jupytext", {}).get("formats") == PAIRED_FORMATS
    assert sync_problems(ipynb, text) == [], f"run: jupytext --sync {path.with_suffix('.py')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_come_from_one_full_run(path: Path) -> None:
    assert run_problems(nbformat.read(path, as_version=4)) == []


# The two checks above must be able to fail: each is shown a notebook that breaks it.


def _small_notebook():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A lesson"),
        nbformat.v4.new_code_cell("x = 1", execution_count=1),
        nbformat.v4.new_code_cell("print(x)", execution_count=2),
    ]
    return notebook


def test_sync_check_sees_an_edited_cell_and_a_missing_one() -> None:
    text = jupytext.reads(jupytext.writes(_small_notebook(), fmt="py:percent"), fmt="py:percent")
    assert sync_problems(_small_notebook(), text) == []
    edited = _small_notebook()
    edited.cells[2].source = "print(x + 1)"
    assert len(sync_problems(edited, text)) == 1
    shorter = _small_notebook()
    del shorter.cells[0]
    assert sync_problems(shorter, text)


def test_run_check_sees_a_rerun_a_skipped_cell_an_error_and_the_quick_mode() -> None:
    assert run_problems(_small_notebook()) == []
    rerun = _small_notebook()
    rerun.cells[2].execution_count = 3  # cell 1 and then cell 2 run twice
    assert run_problems(rerun)
    skipped = _small_notebook()
    skipped.cells[1].execution_count = None
    assert run_problems(skipped)
    failed = _small_notebook()
    failed.cells[2].outputs = [nbformat.v4.new_output("error", ename="NameError")]
    assert run_problems(failed) == ["code cell 1 raised NameError"]
    quick = _small_notebook()
    quick.cells[2].outputs = [nbformat.v4.new_output("stream", text="quick run (for the tests)\n")]
    assert run_problems(quick)
