"""The assignments end to end, with nbgrader as a teacher runs it (notebooks/assignments/README.md).

For each assignment, in a course folder built in tmp_path from the committed sources:
generate the release (it must equal the committed one, and hold no solution code or hidden
test), submit the source notebook, the unmodified release and every wrong-answer fixture
of tests/assignment_mistakes.py as students, autograde them all in one run, and read the
gradebook: full marks for the source, zero on every graded cell of the release, and each
mistake loses exactly its cells' points, with its message in the autograded notebook.
The jupytext text source of each notebook is checked to be in sync with it.

Slow (each submission runs in a real kernel); assignment 3 needs ../shared/data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from assignment_mistakes import (
    ASSIGNMENTS,
    MISTAKES,
    NAMES,
    grade_id,
    graded_cells,
    with_mistake,
)
from conftest import ROOT, SHARED_DATA
from nbgrader_support import hidden_lines, leaked_lines

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402  (after the importorskip above)


def _nbgrader(course: Path, *args: str) -> None:
    """Run the nbgrader command line in `course`, as the README tells a teacher to."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path,
               CIFAR10_DIR=str(SHARED_DATA / "cifar-10-batches-py"), MPLBACKEND="Agg",
               # One BLAS thread per kernel: on a shared 2-core machine more threads only fight.
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}"


def _course(tmp: Path, assignment: str) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(ASSIGNMENTS / "nbgrader_config.py", course)
    shutil.copytree(ASSIGNMENTS / "source" / assignment, course / "source" / assignment)
    return course


def _submit(course: Path, student: str, assignment: str, notebook) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")


_GRADED: dict[str, tuple[Path, dict]] = {}


def graded(assignment: str, tmp_path_factory) -> tuple[Path, dict[str, dict[str, float]]]:
    """The course folder after autograding every submission, and the scores per student."""
    if assignment == "a3_challenge" and not (SHARED_DATA / "cifar-10-batches-py").is_dir():
        pytest.skip(f"real CIFAR-10 data not found at {SHARED_DATA}")
    if assignment not in _GRADED:
        course = _course(tmp_path_factory.mktemp(assignment), assignment)
        _nbgrader(course, "generate_assignment", assignment, "--force")
        name = f"{assignment}.ipynb"
        _submit(course, "solution", assignment,
                nbformat.read(course / "source" / assignment / name, 4))
        _submit(course, "release", assignment,
                nbformat.read(course / "release" / assignment / name, 4))
        for mistake in MISTAKES:
            if mistake.assignment == assignment:
                _submit(course, mistake.name.replace("_", "-"), assignment, with_mistake(mistake))
        _nbgrader(course, "autograde", assignment, "--create", "--force")
        scores = {}
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            for student in os.listdir(course / "submitted"):
                notebook = gradebook.find_submission_notebook(assignment, assignment, student)
                scores[student] = {g.name: (g.score, g.max_score) for g in notebook.grades}
        _GRADED[assignment] = course, scores
    return _GRADED[assignment]


def _error_text(course: Path, student: str, assignment: str, cell_id: str) -> str:
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    (cell,) = [c for c in nbformat.read(path, 4).cells if grade_id(c) == cell_id]
    return "\n".join(out.get("evalue", "") + "\n".join(out.get("traceback", []))
                     for out in cell.outputs if out.output_type == "error")


# ---------------------------------------------------------------------------------------
# The committed files: jupytext pairs in sync, releases generated from the sources
# ---------------------------------------------------------------------------------------


def _cells(notebook) -> list[tuple[str, str, dict]]:
    return [(c.cell_type, c.source.strip(), c.metadata.get("nbgrader", {})) for c in notebook.cells]


@pytest.mark.parametrize("assignment", NAMES)
def test_text_source_and_notebook_are_in_sync(assignment: str) -> None:
    folder = ASSIGNMENTS / "source" / assignment
    text = jupytext.read(folder / f"{assignment}.py")
    notebook = nbformat.read(folder / f"{assignment}.ipynb", 4)
    assert _cells(text) == _cells(notebook), (
        f"{assignment}.py and .ipynb differ: run `jupytext --sync {folder}/{assignment}.py`")


@pytest.mark.parametrize("assignment", NAMES)
def test_committed_release_holds_no_solution(assignment: str) -> None:
    source = nbformat.read(ASSIGNMENTS / "source" / assignment / f"{assignment}.ipynb", 4)
    release = nbformat.read(ASSIGNMENTS / "release" / assignment / f"{assignment}.ipynb", 4)
    hidden = hidden_lines(source.cells)
    assert hidden, "the source should have solutions and hidden tests to hide"
    leaked = leaked_lines(release.cells, hidden)
    assert not leaked, f"the release of {assignment} shows solution code: {leaked[:5]}"
    assert not list((ASSIGNMENTS / "release" / assignment).glob("*.py"))


@pytest.mark.parametrize("assignment", NAMES)
def test_release_is_generated_from_the_source(assignment: str, tmp_path) -> None:
    course = _course(tmp_path, assignment)
    _nbgrader(course, "generate_assignment", assignment, "--force")
    generated = course / "release" / assignment
    assert sorted(p.name for p in generated.iterdir()) == [f"{assignment}.ipynb"]
    committed = nbformat.read(ASSIGNMENTS / "release" / assignment / f"{assignment}.ipynb", 4)
    assert _cells(nbformat.read(generated / f"{assignment}.ipynb", 4)) == _cells(committed), (
        "the committed release is out of date: regenerate it (notebooks/assignments/README.md)")


# ---------------------------------------------------------------------------------------
# Autograding
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", NAMES)
def test_source_gets_full_marks(assignment: str, tmp_path_factory) -> None:
    _, scores = graded(assignment, tmp_path_factory)
    cells = scores["solution"]
    assert set(cells) == set(graded_cells(nbformat.read(
        ASSIGNMENTS / "source" / assignment / f"{assignment}.ipynb", 4)))
    assert all(score == full > 0 for score, full in cells.values()), cells


@pytest.mark.parametrize("assignment", NAMES)
def test_unmodified_release_scores_zero_on_every_graded_cell(assignment, tmp_path_factory) -> None:
    _, scores = graded(assignment, tmp_path_factory)
    assert all(score == 0 for score, _ in scores["release"].values()), scores["release"]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.assignment}-{m.name}" for m in MISTAKES])
def test_mistake_loses_marks_with_its_message(mistake, tmp_path_factory) -> None:
    course, scores = graded(mistake.assignment, tmp_path_factory)
    student = mistake.name.replace("_", "-")
    cells = scores[student]
    lost = {cell for cell, (score, full) in cells.items() if score < full}
    assert lost == set(mistake.fails), f"{mistake.name}: lost {lost}"
    message = _error_text(course, student, mistake.assignment, mistake.fails[0])
    assert "WRONG: " in message and mistake.message in message, message
