"""Typical wrong answers to the assignments, kept as fixtures: each must lose marks and get
the message meant for it.

A mistake is a small edit of one solution cell of a source notebook (found by its nbgrader
grade_id): the `edits` replace text of the teacher's solution by what a student typically
writes. `fails` lists every graded cell that must then score 0, the first one being where
`message` (words of the check's feedback) must appear; every other graded cell must still
give full marks, so a check that fails for the wrong reason is caught too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "notebooks" / "assignments"
NAMES = ("a1_micrograd", "a2_backprop", "a3_challenge")


@dataclass(frozen=True)
class Mistake:
    assignment: str
    name: str
    cell: str  # grade_id of the solution cell it edits
    edits: tuple[tuple[str, str], ...]  # (the solution's text, the wrong text)
    fails: tuple[str, ...]  # graded cells that lose their points; the message is in the first
    message: str


A1, A2, A3 = NAMES
MISTAKES = [
    # -- Assignment 1: the micrograd Value ---------------------------------------------------
    Mistake(A1, "assign_instead_of_accumulate", "value_class",
            (("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
             ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad")),
            ("check_accumulation", "check_backward", "check_random_graphs"),
            "never assign it (self.grad = ...)"),
    Mistake(A1, "backward_in_forward_order", "value_class",
            (("for node in reversed(order):", "for node in order:"),),
            ("check_backward", "check_random_graphs", "check_gradient_descent",
             "check_deep_chain"),
            "REVERSE topological order"),
    Mistake(A1, "output_gradient_not_seeded", "value_class",
            (("self.grad = 1.0  # d(self)/d(self)", "pass"),),
            ("check_backward", "check_random_graphs", "check_gradient_descent",
             "check_deep_chain"),
            "backward() starts with self.grad = 1.0"),
    Mistake(A1, "gradient_not_reset", "descend",
            (("        w.grad = 0.0\n", ""),),
            ("check_gradient_descent",),
            "the gradient was not reset"),
    Mistake(A1, "tanh_local_derivative", "value_class",
            (("(1 - t**2) * out.grad", "(1 - t) * out.grad"),),
            ("check_local_gradients", "check_backward", "check_random_graphs"),
            "Remember d/dx tanh(x) = 1 - tanh(x)**2"),
    Mistake(A1, "recursive_sort", "value_class",
            (("""        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, operands_done = stack.pop()
            if operands_done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev if child not in visited)
""", """        order, visited = [], set()

        def build_topo(node):
            if node not in visited:
                visited.add(node)
                for child in node._prev:
                    build_topo(child)
                order.append(node)

        build_topo(self)
"""),),
            ("check_deep_chain",),
            "hit Python's recursion limit"),
    # -- Assignment 2: backprop by hand -------------------------------------------------------
    Mistake(A2, "missing_transpose", "backward",
            (("dW1 = delta1.T @ X", "dW1 = X.T @ delta1"),),
            ("check_backward_linear", "check_backward_softmax"),
            "It is transposed"),
    Mistake(A2, "wrong_sign", "backward",
            (("delta2 = (y_hat - target) / n", "delta2 = (target - y_hat) / n"),),
            ("check_backward_linear", "check_backward_softmax"),
            "wrong sign"),
    Mistake(A2, "softmax_delta_without_one_hot", "backward",
            (('target = Y if output == "linear" else np.eye(W2.shape[0])[Y]',
              'target = Y if output == "linear" else 0.0'),),
            ("check_backward_softmax",),
            "forgot to subtract the one-hot target"),
    Mistake(A2, "missing_activation_derivative", "backward",
            (("delta1 = (delta2 @ W2) * (1 - h**2)", "delta1 = delta2 @ W2"),),
            ("check_backward_linear", "check_backward_softmax"),
            "the factor f1'(a1) is missing"),
    Mistake(A2, "bias_gradient_not_summed", "backward",
            (("db1 = delta1.sum(axis=0)", "db1 = delta1"),),
            ("check_backward_linear", "check_backward_softmax"),
            "summed over the examples"),
    Mistake(A2, "loss_summed_not_averaged", "forward",
            (("return 0.5 * np.sum((y_hat - Y) ** 2) / n",
              "return 0.5 * np.sum((y_hat - Y) ** 2)"),),
            ("check_loss",),
            "the loss is the MEAN"),
    # -- Assignment 3: the challenge ----------------------------------------------------------
    Mistake(A3, "affine_missing_transpose", "layers",
            (("dW = dout.T @ X", "dW = X.T @ dout"),),
            ("check_affine", "check_network", "check_accuracy"),
            "It is transposed"),
    Mistake(A3, "softmax_delta_without_one_hot", "layers",
            (("    dscores[np.arange(n), y] -= 1.0\n", ""),),
            ("check_softmax", "check_network", "check_accuracy"),
            "you forgot to subtract 1 at the true class"),
    Mistake(A3, "relu_backward_without_dout", "layers",
            (("da = dout * (cache > 0)", "da = (cache > 0).astype(float)"),),
            ("check_relu", "check_network", "check_accuracy"),
            "multiply it by dout (the chain rule)"),
    Mistake(A3, "sgd_step_uphill", "train",
            (("params[name] -= lr * grads[name]", "params[name] += lr * grads[name]"),),
            ("check_accuracy",),
            "is below 35%"),
]


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    """The committed source notebook (.ipynb) of an assignment."""
    return nbformat.read(ASSIGNMENTS / "source" / assignment / f"{assignment}.ipynb", 4)


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def graded_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [grade_id(c) for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]


def with_mistake(mistake: Mistake) -> nbformat.NotebookNode:
    """The source notebook with the mistake typed into its solution cell."""
    notebook = source_notebook(mistake.assignment)
    (cell,) = [c for c in notebook.cells if grade_id(c) == mistake.cell]
    for right, wrong in mistake.edits:
        # The fixture must still fit the solution: a silent no-op would prove nothing.
        assert cell.source.count(right) == 1, f"{mistake.name}: {right!r} not in {mistake.cell}"
        cell.source = cell.source.replace(right, wrong)
    return notebook


def run_in_process(notebook: nbformat.NotebookNode, *, data: bool) -> dict[str, str]:
    """Run the code cells in order in this process, as a fast stand-in for a kernel.

    Returns, for each graded cell reached, "OK" or the text of the error it raised. With
    data=False the run stops at the cell that loads CIFAR-10 (grade_id "data").
    """
    namespace: dict = {"__name__": "__assignment__"}
    outcomes: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if grade_id(cell) == "data" and not data:
            break
        try:
            exec(compile(cell.source, grade_id(cell) or "<cell>", "exec"), namespace)
            outcome = "OK"
        except Exception as error:  # a graded cell's failure is what we record
            outcome = f"{type(error).__name__}: {error}"
        if cell.metadata.get("nbgrader", {}).get("grade"):
            outcomes[grade_id(cell)] = outcome
    return outcomes


def solution_namespace(assignment: str) -> dict:
    """The names the teacher's solution defines (cells before the data, graded ones skipped)."""
    namespace: dict = {"__name__": "__assignment__"}
    for cell in source_notebook(assignment).cells:
        if grade_id(cell) == "data":
            break
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade"):
            exec(compile(cell.source, grade_id(cell), "exec"), namespace)
    return namespace
