"""Benchmark the engine against micrograd (karpathy/micrograd 0.1.0), side by side.

1. One sample forward + backward through an MLP 3072-32-10 (ReLU hidden layer, linear
   output, loss = sum of squared outputs), built from scalar Values in both engines: ours
   with ``dot(w, x) + b`` (one node per neuron), micrograd with its own ``nn.MLP``
   (``sum(wi*xi ...) + b``: two nodes per weight). Same weights, same input, Python's
   default garbage-collector settings. Reports the median milliseconds per sample.
2. A chain of relu nodes (``v = v.relu()``, one Value per link in both engines): forward +
   backward time and memory per node (tracemalloc). Each chain runs in a fresh subprocess,
   so that a crash (micrograd's recursive backward) cannot kill this script and every run
   starts from the same empty heap. micrograd is tried on longer and longer chains.

Run:  python benchmarks/bench_engine.py           (a few minutes)
      python benchmarks/bench_engine.py --quick   (a smoke run, well under a minute)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import autograd_scalar as ag

NIN, HIDDEN, NOUT = 3072, 32, 10
CHILD_MEMORY_LIMIT = 8 * 2**30  # bytes of address space for a chain subprocess


# ---------------------------------------------------------------------------------------
# 1. MLP 3072-32-10, one sample
# ---------------------------------------------------------------------------------------


def make_weights(seed: int = 0) -> tuple[list, list, list]:
    """Weights (uniform, scaled by 1/sqrt(fan-in)) and one input image's worth of floats."""
    rng = random.Random(seed)

    def layer(nin: int, nout: int) -> list[tuple[list[float], float]]:
        bound = nin**-0.5
        return [
            ([rng.uniform(-bound, bound) for _ in range(nin)], rng.uniform(-bound, bound))
            for _ in range(nout)
        ]

    x = [rng.random() for _ in range(NIN)]
    return layer(NIN, HIDDEN), layer(HIDDEN, NOUT), x


class OurMLP:
    """3072-32-10 from autograd_scalar Values: a neuron is dot(w, x) + b."""

    def __init__(self, layer1: list, layer2: list) -> None:
        self.layers = [
            [([ag.Value(w) for w in ws], ag.Value(b)) for ws, b in layer]
            for layer in (layer1, layer2)
        ]

    def parameters(self) -> list[ag.Value]:
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def loss(self, x: list[float]) -> ag.Value:
        hidden = [(ag.dot(ws, x) + b).relu() for ws, b in self.layers[0]]
        outputs = [ag.dot(ws, hidden) + b for ws, b in self.layers[1]]
        return ag.sum([o * o for o in outputs])


class MicrogradMLP:
    """The same network with micrograd's own nn.MLP, its weights set to ours."""

    def __init__(self, layer1: list, layer2: list) -> None:
        from micrograd.nn import MLP

        self.model = MLP(NIN, [HIDDEN, NOUT])  # ReLU hidden layer, linear output layer
        for mg_layer, layer in zip(self.model.layers, (layer1, layer2)):
            for neuron, (ws, b) in zip(mg_layer.neurons, layer):
                for value, w in zip(neuron.w, ws):
                    value.data = w
                neuron.b.data = b

    def parameters(self) -> list:
        return self.model.parameters()

    def loss(self, x: list[float]):
        return sum(o * o for o in self.model(x))


def time_sample(model: OurMLP | MicrogradMLP, x: list[float], repeats: int) -> tuple:
    """Median seconds of forward + backward for one sample; also the loss and gradients."""
    times = []
    for _ in range(repeats):
        for p in model.parameters():
            p.grad = 0.0
        start = time.perf_counter()
        loss = model.loss(x)
        loss.backward()
        times.append(time.perf_counter() - start)
        value = loss.data
        del loss  # drop the graph outside the timed region
    grads = [p.grad for p in model.parameters()]
    return statistics.median(times), value, grads


def bench_mlp(quick: bool) -> dict:
    layer1, layer2, x = make_weights()
    ours = OurMLP(layer1, layer2)
    t_ours, loss_ours, g_ours = time_sample(ours, x, repeats=3 if quick else 15)
    gc.collect()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))  # micrograd's backward
    mg = MicrogradMLP(layer1, layer2)
    t_mg, loss_mg, g_mg = time_sample(mg, x, repeats=1 if quick else 5)
    del mg
    gc.collect()
    # The two engines must compute the same thing, or the comparison means nothing.
    scale = max(abs(g) for g in g_mg)
    grad_diff = max(abs(a - b) for a, b in zip(g_ours, g_mg)) / scale
    return {
        "ours_ms": 1e3 * t_ours,
        "mg_ms": 1e3 * t_mg,
        "loss_rel_diff": abs(loss_ours - loss_mg) / abs(loss_mg),
        "grad_rel_diff": grad_diff,
        "params": len(g_ours),
    }


# ---------------------------------------------------------------------------------------
# 2. A long relu chain, one subprocess per (engine, length)
# ---------------------------------------------------------------------------------------


def chain_child(engine: str, n: int, trace: bool) -> None:
    """Run in a fresh subprocess: time one chain, then (if `trace`) measure it; print JSON.

    Memory is measured two ways. The peak resident set size (ru_maxrss, the operating
    system's view: everything, allocator overhead and interpreter frames included) during
    the timed run, and tracemalloc (Python's allocations only): the graph after forward,
    and the peak during forward + backward.
    """
    if engine == "ours":
        make = ag.Value
    else:
        from micrograd.engine import Value as make

        sys.setrecursionlimit(10 * n + 10_000)  # micrograd's build_topo recurses n deep

    def forward():
        leaf = make(1.5)
        v = leaf
        for _ in range(n):
            v = v.relu()
        return leaf, v

    result = {}
    rss_before = _current_rss_bytes()
    start = time.perf_counter()
    leaf, root = forward()
    middle = time.perf_counter()
    root.backward()
    end = time.perf_counter()
    if leaf.grad != 1.0:
        raise AssertionError(f"wrong gradient {leaf.grad}")
    result.update(forward_s=middle - start, backward_s=end - middle)
    if rss_before is not None and n >= 100_000:  # shorter chains fit in memory freed earlier
        result["rss_bytes"] = _max_rss_bytes() - rss_before
    del leaf, root
    gc.collect()

    if trace:  # tracemalloc slows every allocation, so it gets a run of its own
        tracemalloc.start()
        _, root = forward()
        result["graph_bytes"] = tracemalloc.get_traced_memory()[0]
        root.backward()
        result["peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(json.dumps(result))


def _current_rss_bytes() -> int | None:
    """The process's resident set size now (Linux), else its peak so far, else None."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return _max_rss_bytes()


def _max_rss_bytes() -> int | None:
    """The process's peak resident set size so far (None where `resource` is missing)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def run_chain(engine: str, n: int, trace: bool, timeout: float) -> dict:
    """Run chain_child in a fresh interpreter; report a crash or an error instead of dying."""

    def limit_memory() -> None:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))
        except (ImportError, ValueError, OSError):
            pass

    command = [sys.executable, __file__, "--chain-child", engine, str(n)]
    command += ["--trace"] if trace else []
    try:
        done = subprocess.run(
            command,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=limit_memory if sys.platform != "win32" else None,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if done.returncode < 0:
        return {"error": f"killed by signal {-done.returncode} (a crash)"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return {"error": lines[-1][:70]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# micrograd's backward recurses once per node; under tracemalloc that recursion becomes
# quadratic in time (a 40k chain takes 40 s), so micrograd is traced on a short chain only.
# Its bytes per node do not depend on the length: the graph of 100k links measures the same.
MG_TRACE_LENGTH = 10_000


def bench_chains(quick: bool) -> tuple[list, list]:
    """Rows (engine, n, result) for our chain and micrograd's, longer and longer."""
    n_ours = 100_000 if quick else 1_000_000
    ours = [("autograd_scalar", n_ours, run_chain("ours", n_ours, trace=True, timeout=600))]
    mg = [("micrograd", MG_TRACE_LENGTH, run_chain("micrograd", MG_TRACE_LENGTH, True, 300))]
    for n in [] if quick else [100_000, 1_000_000]:
        result = run_chain("micrograd", n, trace=False, timeout=300)
        mg.append(("micrograd", n, result))
        if "error" in result:
            break  # longer chains would fail too
    return ours, mg


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--chain-child", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.chain_child:
        chain_child(args.chain_child[0], int(args.chain_child[1]), args.trace)
        return
    try:
        import micrograd  # noqa: F401
    except ImportError:
        sys.exit("micrograd is needed for the comparison: pip install micrograd==0.1.0")

    print(
        f"autograd_scalar {ag.__version__} vs micrograd 0.1.0 | Python {platform.python_version()}"
        f" | {platform.machine()} | {'quick run' if args.quick else 'full run'}"
    )
    print(f"gc thresholds {gc.get_threshold()} (Python's defaults, in both engines)\n")

    mlp = bench_mlp(args.quick)
    ratio = mlp["mg_ms"] / mlp["ours_ms"]
    print(
        f"1. MLP {NIN}-{HIDDEN}-{NOUT} ({mlp['params']:,} parameters), one sample, "
        "forward + backward (median)"
    )
    print(f"   {'engine':<16}{'ms / sample':>14}")
    print(f"   {'autograd_scalar':<16}{mlp['ours_ms']:>14.1f}")
    print(f"   {'micrograd':<16}{mlp['mg_ms']:>14.1f}")
    print(f"   speed-up: {ratio:.0f}x (target >= 50x: {'met' if ratio >= 50 else 'NOT met'})")
    print(
        f"   same result: loss differs by {mlp['loss_rel_diff']:.1e} (relative), gradients "
        f"by {mlp['grad_rel_diff']:.1e} (relative to the largest)\n"
    )

    ours, mg = bench_chains(args.quick)
    print(
        "2. relu chain (v = v.relu(), one Value per link), forward + backward, fresh process each"
    )
    print(
        "   (B/node: graph = tracemalloc after forward; peak = tracemalloc peak during "
        "forward + backward;\n    RSS = growth of the process's peak resident memory)"
    )
    print(
        f"   {'engine':<16}{'nodes':>11}{'forward s':>11}{'backward s':>12}"
        f"{'graph B/node':>14}{'peak B/node':>13}{'RSS B/node':>12}"
    )

    def per_node(r: dict, key: str, n: int, width: int) -> str:
        return f"{r[key] / n:>{width}.0f}" if key in r else f"{'-':>{width}}"

    for engine, n, r in ours + mg:
        if "error" in r:
            print(f"   {engine:<16}{n:>11,}   FAILED: {r['error']}")
            continue
        print(
            f"   {engine:<16}{n:>11,}{r['forward_s']:>11.2f}{r['backward_s']:>12.2f}"
            + per_node(r, "graph_bytes", n, 14)
            + per_node(r, "peak_bytes", n, 13)
            + per_node(r, "rss_bytes", n, 12)
        )

    _, n_ours, r_ours = ours[0]
    if "error" in r_ours:
        print("   our engine FAILED on the chain (target: no error)")
        return
    survived = [(n, r) for _, n, r in mg if "error" not in r]
    if not survived:
        print("   micrograd survived no chain length")
        return
    print(f"   micrograd's longest surviving chain: {survived[-1][0]:,} nodes")
    for name, key in [("tracemalloc peak", "peak_bytes"), ("peak RSS", "rss_bytes")]:
        rows = [(n, r) for n, r in survived if key in r]
        if not rows or key not in r_ours:
            continue
        n_mg, r_mg = rows[-1]  # the longest chain on which micrograd was measured
        ours_b, mg_b = r_ours[key] / n_ours, r_mg[key] / n_mg
        verdict = "met" if ours_b <= mg_b / 3 else "NOT met"
        print(
            f"   {name:<17} per node: ours {ours_b:4.0f} B ({n_ours:,}) vs micrograd "
            f"{mg_b:4.0f} B ({n_mg:,}): ours = 1/{mg_b / ours_b:.1f} (target <= 1/3: "
            f"{verdict})"
        )


if __name__ == "__main__":
    main()
