"""Every typical wrong answer (tests/assignment_mistakes.py) fails exactly the checks meant
for it, with the message meant for it; the teacher's solution passes every check.

The notebooks' cells run in this process (fast), up to the CIFAR-10 data;
test_assignments.py runs every fixture, training included, through nbgrader's autograder.
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

# The cells after the CIFAR-10 data (training, the accuracy check) run only in
# test_assignments.py, in a kernel limited to one BLAS thread: here they would train with
# every thread of a shared machine. So the in-process runs stop at the data.
AFTER_DATA = {"check_accuracy"}
BEFORE_DATA = [m for m in MISTAKES if m.fails[0] not in AFTER_DATA]


@pytest.mark.parametrize("assignment", NAMES)
def test_solution_passes_every_check(assignment: str, capsys) -> None:
    notebook = source_notebook(assignment)
    outcomes = run_in_process(notebook, data=False)
    assert list(outcomes) == [c for c in graded_cells(notebook) if c not in AFTER_DATA]
    assert all(outcome == "OK" for outcome in outcomes.values()), outcomes
    assert "WRONG" not in capsys.readouterr().out


@pytest.mark.parametrize("mistake", BEFORE_DATA,
                         ids=[f"{m.assignment}-{m.name}" for m in BEFORE_DATA])
def test_mistake_fails_its_checks_with_its_message(mistake) -> None:
    outcomes = run_in_process(with_mistake(mistake), data=False)
    first = outcomes[mistake.fails[0]]
    assert first.startswith("CheckFailed: WRONG: ") and mistake.message in first, first
    for cell, outcome in outcomes.items():
        if cell in mistake.fails:
            assert outcome != "OK", f"{cell} should fail with {mistake.name}"
        else:
            assert outcome == "OK", f"{cell} should pass despite {mistake.name}: {outcome}"
