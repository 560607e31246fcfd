"""benchmarks/bench_compile.py --quick on the real CIFAR-10 subset: it runs, reports the two
speed ratios, and the compiled program, the interpreter and the NumPy MLP make the same
updates (their weights agree). No timing is asserted: the machine is shared and noisy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_compile.py"


def test_quick_run_reports_ratios_and_equal_weights(cifar_dir: Path) -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--data-dir", str(cifar_dir)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout

    for name in ("NumPy, float64", "NumPy, float32", "interpreted"):
        ratio = re.search(rf"^ratio compiled / {name}: ([\d,.]+)x \(target >= [\d.]+x\) -> "
                          r"(meets|MISSES)$", out, re.MULTILINE)
        assert ratio, f"no ratio line for {name} in:\n{out}"
        assert float(ratio.group(1).replace(",", "")) > 0

    # --quick: 256 images = 4 batches of 64 per epoch, 2 timed epochs; 1 interpreted batch.
    differences = dict(re.findall(r"^weight difference compiled vs ([\w, ]+?),? after "
                                  r"(?:\d+ steps?): (\S+)$", out, re.MULTILINE))
    assert set(differences) == {"NumPy, float64", "NumPy, float32", "interpreted"}, out
    assert "compiled vs NumPy, float64, after 8 steps" in out
    assert "compiled vs interpreted after 1 step:" in out
    # The same updates: equal to rounding (float64), or to float32's rounding (the compiled
    # session keeps float64 master weights, NumPy float32 ones: ~1e-6 after 8 steps).
    tolerance = {"NumPy, float64": 1e-9, "interpreted": 1e-9, "NumPy, float32": 1e-4}
    for name, difference in differences.items():
        assert float(difference) < tolerance[name], f"compiled vs {name}: {difference}"

    # The lean NumPy MLP (the floor) makes the same updates as the NumPy MLP, and its ratio
    # is reported for both dtypes.
    lean = dict(re.findall(r"^weight difference lean NumPy vs NumPy, (\w+), after 8 steps: "
                           r"(\S+)$", out, re.MULTILINE))
    assert float(lean["float64"]) < 1e-9 and float(lean["float32"]) < 1e-4, out
    assert len(re.findall(r"^ratio lean NumPy / NumPy, float(64|32): [\d.]+x", out,
                          re.MULTILINE)) == 2, out

    # The ratios round by round: a median between its quartiles, for both and both dtypes.
    rounds = re.findall(r"^per round, (compiled|lean NumPy) / NumPy, (float64|float32): "
                        r"median ([\d.]+)x, quartiles ([\d.]+)-([\d.]+)x$", out, re.MULTILINE)
    assert {(name, dtype) for name, dtype, *_ in rounds} == {
        (name, dtype) for name in ("compiled", "lean NumPy") for dtype in ("float64", "float32")
    }, out
    for *_, median, low, high in rounds:
        assert 0 < float(low) <= float(median) <= float(high), out

    assert "one matrix product (64 x 3072) @ X" in out  # the plan was printed
    accuracy = re.search(r"^test accuracy on 500 images: ([\d.]+)%", out, re.MULTILINE)
    # 2 epochs on 256 images (seeded, so the same every run) give ~18%: above chance (10%).
    assert accuracy and 12.0 < float(accuracy.group(1)) <= 100.0, out
    assert re.search(r"^fit wall-clock: [\d.]+ s", out, re.MULTILINE), out
