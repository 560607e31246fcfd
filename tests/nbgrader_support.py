"""What nbgrader hides: the lines between its solution markers, for the release tests."""

from __future__ import annotations

import re

MARKERS = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def hidden_lines(cells: list) -> set[str]:
    """The stripped lines a release must not show: those inside nbgrader's markers, less any
    line also written outside them (that one is no secret)."""
    hidden, shown = set(), set()
    for cell in cells:
        inside = False
        for line in cell.source.splitlines():
            if MARKERS.search(line):
                inside = line.strip().startswith("### BEGIN")
            elif line.strip():
                (hidden if inside else shown).add(line.strip())
    return hidden - shown


def leaked_lines(release_cells: list, hidden: set[str]) -> list[str]:
    """The release's lines that are hidden ones, or markers left behind."""
    return [line for cell in release_cells for line in cell.source.splitlines()
            if line.strip() in hidden or MARKERS.search(line)]
