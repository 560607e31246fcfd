"""Every typical wrong answer (tests/assignment_mistakes.py) fails exactly the checks meant
for it, with the message meant for it; the teacher's solution passes every check.

The notebooks' cells run in this process (fast); test_assignments.py runs the same
fixtures through nbgrader's autograder in a real kernel.
"""

from __future__ import annotations

import pytest
from assignment_mistakes import (
    MISTAKES,
    NAMES,
    graded_cells,
    run_in_process,
    source_notebook,
    with_mistake,
)
from conftest import SHARED_DATA

HAS_DATA = (SHARED_DATA / "cifar-10-batches-py").is_dir()


@pytest.fixture(autouse=True)
def _cifar_and_threads(monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(SHARED_DATA / "cifar-10-batches-py"))


def _needs_data(assignment: str, cells: tuple[str, ...]) -> bool:
    return assignment == "a3_challenge" and "check_accuracy" in cells


@pytest.mark.parametrize("assignment", NAMES)
def test_solution_passes_every_check(assignment: str, capsys) -> None:
    notebook = source_notebook(assignment)
    outcomes = run_in_process(notebook, data=HAS_DATA)
    expected = graded_cells(notebook)
    if not HAS_DATA:
        expected = [c for c in expected if not _needs_data(assignment, (c,))]
    assert list(outcomes) == expected
    assert all(outcome == "OK" for outcome in outcomes.values()), outcomes
    assert "WRONG" not in capsys.readouterr().out


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.assignment}-{m.name}" for m in MISTAKES])
def test_mistake_fails_its_checks_with_its_message(mistake, capsys) -> None:
    needs_data = _needs_data(mistake.assignment, mistake.fails[:1])
    if needs_data and not HAS_DATA:
        pytest.skip(f"real CIFAR-10 data not found at {SHARED_DATA}")
    # Train only where the message is about training; test_assignments runs everything.
    outcomes = run_in_process(with_mistake(mistake), data=needs_data)
    first = outcomes[mistake.fails[0]]
    assert first.startswith("CheckFailed: WRONG: ") and mistake.message in first, first
    for cell, outcome in outcomes.items():
        if cell in mistake.fails:
            assert outcome != "OK", f"{cell} should fail with {mistake.name}"
        else:
            assert outcome == "OK", f"{cell} should pass despite {mistake.name}: {outcome}"
