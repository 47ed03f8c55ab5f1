"""Glow training memory (benchmarks/memory_glow.py): its RSS helpers (fast) and no RSS growth over a small
Glow's training steps (slow; the full 64x64 check is `python benchmarks/memory_glow.py`)."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "memory_glow.py"


def load_script():
    if str(SCRIPT.parent) not in sys.path:  # the script imports its sibling benchmarks/results_table.py
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("memory_glow", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mg = load_script()


def test_rss_readers_agree_and_are_positive():
    rss, status, peak = mg.rss_kb(), mg.vmrss_kb(), mg.peak_rss_kb()
    assert rss > 1000  # a Python process with numpy holds more than 1 MB
    assert abs(rss - status) < 10 * 1024  # statm and VmRSS are the same counter, read a moment apart
    assert peak >= rss - 1024


def test_rss_sees_touched_memory():
    before = mg.rss_kb()
    block = np.ones(64 * 2**20 // 8)  # 64 MB, every page written
    assert mg.rss_kb() - before > 48 * 1024
    del block


def test_slope_on_synthetic_data():
    xs = list(range(100, 1001, 10))
    assert mg.slope(xs, [3.0 * x + 5 for x in xs]) == pytest.approx(3.0)
    assert mg.slope(xs, [7.0] * len(xs)) == 0.0
    noise = np.random.default_rng(0).normal(0, 2048, len(xs))  # +-2 MB jitter around a flat line
    assert abs(mg.slope(xs, list(1.5e6 + noise))) < 10
    assert mg.slope([5], [1.0]) == 0.0 and mg.slope([5, 5], [1.0, 2.0]) == 0.0


def test_late_slope_tells_saturating_growth_from_a_leak():
    steps = list(range(100, 1001, 10))
    saturating = [1_500_000 + min(s - 100, 450) * 24 for s in steps]  # +10.5 MB by step 550, then flat
    leak = [1_500_000 + (s - 100) * 24 for s in steps]
    flat_late = mg.MemoryTrace(0, 0, 0, 0.0, list(zip(steps, saturating)), 100, 0, 0.0, 2, 2)
    linear = mg.MemoryTrace(0, 0, 0, 0.0, list(zip(steps, leak)), 100, 0, 0.0, 2, 2)
    assert flat_late.slope_kb_per_step > 10 and flat_late.late_slope_kb_per_step == 0.0
    assert linear.late_slope_kb_per_step == pytest.approx(24.0)


def test_track_memory_flags_a_leak_and_passes_a_steady_step():
    kept = []

    def leaky(batch):
        kept.append(np.full(2**20 // 8, float(batch)))  # keeps 1 MB per step
        return 0.0

    def steady(batch):
        return float(np.full(2**20 // 8, float(batch)).sum())  # 1 MB allocated and freed every step

    leak = mg.track_memory(leaky, [1.0, 2.0], n_steps=60, every=5, warmup=10)
    assert leak.samples[0][0] == 1 and leak.samples[-1][0] == 60
    assert leak.growth_kb > 40 * 1024
    assert 900 < leak.slope_kb_per_step < 1150
    assert not leak.verdict()[0] and "GROWTH" in leak.verdict()[1]
    kept.clear()

    steady_trace = mg.track_memory(steady, [1.0, 2.0], n_steps=60, every=5, warmup=10, tracing_count=lambda: 2)
    ok, text = steady_trace.verdict()
    assert ok, text
    assert steady_trace.retraces == 0
    assert mg.MemoryTrace.from_json(json.loads(json.dumps(steady_trace.to_json()))) == steady_trace

    retraced = mg.track_memory(steady, [1.0], n_steps=20, every=5, warmup=5,
                               tracing_count=iter([2, 5]).__next__)
    assert retraced.retraces == 3 and not retraced.verdict()[0]


def test_record_creates_the_section_once_and_leaves_others(tmp_path):
    results_md = tmp_path / "RESULTS.md"
    other = "# results\n\n## Other (x.py)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    results_md.write_text(other)
    args = mg.parse_args(["--train-steps", "20", "--warmup", "5", "--every", "5"])
    trace = mg.track_memory(lambda b: 0.0, [0], n_steps=20, every=5, warmup=5, tracing_count=lambda: 2)
    results = {"nfzoo Glow (float32)": (trace, 123)}
    mg.record(args, results, results_md)
    mg.record(args, results, results_md)
    text = results_md.read_text()
    assert text.startswith(other)
    assert text.count(mg.SECTION) == 1 and text.count(mg.TABLE_HEAD) == 1
    rows = [line for line in text.splitlines() if "| nfzoo Glow (float32) |" in line]
    assert len(rows) == 2 and rows[0].count("|") == mg.TABLE_HEAD.count("|")


@pytest.mark.slow
def test_small_glow_training_has_no_rss_growth(tmp_path):
    """600 steps of a 16x16 Glow (2 levels x 2 steps, width 16, batch 8) in a fresh process: after 100 warm-up
    steps RSS grows < 10 MB with slope < 10 KB/step (keeping a step's tensors alive would keep dozens of
    activations of 6-24 KB, [8, 4, 4, 12] to [8, 8, 8, 12] float32, per step) and the step function is never
    retraced."""
    out = tmp_path / "memory.json"
    command = [sys.executable, str(SCRIPT), "--size", "16", "--levels", "2", "--steps", "2", "--width", "16",
               "--batch", "8", "--train-steps", "600", "--warmup", "100", "--every", "10", "--json", str(out),
               "--max-growth-mb", "10", "--max-slope-kb", "10"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    trace = mg.MemoryTrace.from_json(json.loads(out.read_text())["trace"])
    ok, text = trace.verdict(max_growth_mb=10, max_slope_kb=10)
    assert trace.retraces == 0
    assert ok, text + "\n" + run.stdout[-3000:]
    assert run.returncode == 0
