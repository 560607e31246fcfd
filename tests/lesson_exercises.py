"""The "your turn" exercises of lessons 01-04, read from the committed notebooks, and typical
wrong answers kept as fixtures (as tests/assignment_mistakes.py does for the assignments).

An exercise is a solution cell (nbgrader metadata "solution": true, the teacher's answer
between ### BEGIN SOLUTION and ### END SOLUTION) followed by its check cell ("grade": true),
whose grade_id is "check_" + the solution's grade_id. A mistake replaces text of one
solution with what a student typically writes; its check must then fail with `message`.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ("01_likelihood_to_loss", "02_graph_and_chain_rule", "03_backprop_step_by_step",
           "04_gradient_descent")
COURSE = NOTEBOOKS / "assignments"  # the nbgrader course folder; the lessons are "lessons"
ASSIGNMENT = "lessons"


@dataclass(frozen=True)
class Mistake:
    lesson: str
    exercise: str  # grade_id of the solution cell it edits
    edits: tuple[tuple[str, str], ...]  # (the solution's text, the wrong text)
    message: str  # words the check's WRONG message must contain


L1, L2, L3, L4 = LESSONS
MISTAKES = [
    Mistake(L1, "lesson01_bce", (("my_bce = np.mean(", "my_bce = np.sum("),),
            "this is the SUM of the per-example losses"),
    Mistake(L1, "lesson01_bce", (("my_bce = np.mean(-(", "my_bce = np.mean(+("),),
            "the sign is wrong"),
    Mistake(L1, "lesson01_softmax_gradient", ((" / len(A_new)", ""),),
            "the loss is a MEAN, so divide by m"),
    Mistake(L1, "lesson01_softmax_gradient", (("(P_new - np.eye(4)[y_cls])", "P_new"),),
            "the one-hot target is missing"),
    Mistake(L2, "lesson02_sigmoid", (("return s * (1 - s)", "return 1 - s**2"),),
            "is the rule of tanh"),
    Mistake(L2, "lesson02_used_twice", (("df_dx = x + (x + y)", "df_dx = x + y"),),
            "keeps only the path where x multiplies"),
    Mistake(L3, "lesson03_weight_gradients", (("Delta.T @ inputs", "inputs.T @ Delta"),),
            "It is transposed"),
    Mistake(L3, "lesson03_weight_gradients", (("Delta.sum(axis=0)", "Delta.mean(axis=0)"),),
            "db is the SUM of the deltas"),
    Mistake(L3, "lesson03_relu_delta", (("(Delta2 @ W2) * (A1 > 0)", "Delta2 @ W2"),),
            "the ReLU's derivative is missing"),
    Mistake(L4, "lesson04_stable_lr", (("return 2.0 / curvature", "return 1.0 / curvature"),),
            "lands on the minimum in ONE step"),
    Mistake(L4, "lesson04_sweep", (("steps=SWEEP_STEPS + 1", "steps=SWEEP_STEPS"),),
            "record the loss AFTER the last step"),
]


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def lesson(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def exercises(notebook) -> dict[str, tuple[str, str]]:
    """grade_id of each solution cell -> (its source, the source of its check cell)."""
    cells = {grade_id(c): c.source for c in notebook.cells if grade_id(c)}
    return {name: (source, cells.get(f"check_{name}", "")) for name, source in cells.items()
            if not name.startswith("check_")}


def with_mistake(mistake: Mistake) -> str:
    """The solution cell of `mistake.exercise` with the mistake's edits applied."""
    source, _ = exercises(lesson(mistake.lesson))[mistake.exercise]
    for right, wrong in mistake.edits:
        assert source.count(right) == 1, f"{mistake.exercise}: {right!r} not found once"
        source = source.replace(right, wrong)
    return source


def _run(source: str, namespace: dict) -> str:
    """Run one cell's code; "OK", or the error it raised as "Name: message"."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<cell>", "exec"), namespace)
    except Exception as error:  # the cell's failure is what we record
        return f"{type(error).__name__}: {error}"
    return "OK"


def lesson_namespace(name: str, folder: Path) -> dict:
    """The names a student has when reaching the exercises: every code cell of the lesson
    before its first exercise, run in this process (in `folder`, plots drawn off-screen)."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__lesson__", "display": lambda *args, **kwargs: None}
    here = os.getcwd()
    os.chdir(folder)  # a lesson may save files (lesson 03's frames): not into the repository
    try:
        for cell in lesson(name).cells:
            if grade_id(cell):
                break
            if cell.cell_type == "code":
                outcome = _run(cell.source, namespace)
                assert outcome == "OK", f"{name}: a cell before the exercises raised {outcome}"
    finally:
        os.chdir(here)
    return namespace


def check_outcome(namespace: dict, solution: str, check: str) -> str:
    """Run an exercise's solution cell (any error is the student's) then its check cell,
    in a copy of `namespace`; the check cell's outcome."""
    scope = dict(namespace)
    _run(solution, scope)
    return _run(check, scope)
