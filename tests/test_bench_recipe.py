"""benchmarks/bench_recipe.py --quick on the real CIFAR-10 subset: it runs every row of the
ablation and prints the table (a row name, its augmentation, a test accuracy and seconds).
No accuracy or timing is asserted: one epoch on 200 tiny images says nothing about either."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_recipe.py"
sys.path.insert(0, str(ROOT / "benchmarks"))


def test_quick_run_prints_one_line_per_row(cifar_dir: Path) -> None:
    from bench_recipe import ROWS

    run = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--data-dir", str(cifar_dir)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert "200 training, 200 test images of 192 numbers; 1 epoch," in lines[0]
    header = lines.index(next(line for line in lines if line.startswith("row")))
    assert lines[header].split() == ["row", "augment", "test", "acc", "seconds"]
    table = lines[header + 1:]
    assert len(table) == len(ROWS) == 6
    for line, row in zip(table, ROWS):
        assert line.startswith(row.name)
        match = re.fullmatch(r"(\S+)\s+(\d+\.\d)%\s+(\d+\.\d)", line[len(row.name):].strip())
        assert match, line
        augment, accuracy, seconds = match.groups()
        assert augment == row.augment
        assert 0.0 <= float(accuracy) <= 100.0 and float(seconds) >= 0.0
    assert [row.hidden for row in ROWS] == [64, 256, 256, 256, 256, 512]
    assert [row.dropout for row in ROWS][-2:] == [0.0, 0.3]
