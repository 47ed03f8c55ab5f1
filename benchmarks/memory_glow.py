"""Glow training memory: peak RSS of one training step and RSS growth over many steps (leak check).

    python benchmarks/memory_glow.py [--size 64 --levels 3 --steps 8 --width 128 --batch 16]
                                     [--precision float32|mixed_bfloat16] [--train-steps 1000 --warmup 100]
                                     [--stock] [--record]

Builds an nfzoo Glow for size x size x 3 images (L levels x K steps of ActNorm -> LU 1x1 conv -> affine
coupling with a conv net of the given width, as in bench_glow.py), initialises ActNorm on the first batch,
and trains ``--train-steps`` steps of GradientTape + Adam(1e-3) in one tf.function, cycling over 4 fixed
random batches (uniform in [-0.5, 0.5)). Measured in this process (Linux):

- peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) right after the first step, which traces the
  tf.function and so holds the graph construction's transient memory, and again at the end;
- the current RSS (``/proc/self/statm``, resident pages) every ``--every`` steps;
- growth = RSS at the last step - RSS at step ``--warmup``, and the least-squares slope in KB/step over the
  samples from the warm-up on; also how often the step function was retraced after step 1 (a retrace per
  step is the commonest way a tf.function loop leaks; a variable-creating first call traces twice).

The warm-up leaves out what is allocated once and then reused: the first steps' allocator pools, oneDNN's
primitive cache, glibc's per-thread malloc arenas filling up.

Verdict "no growth" needs growth < ``--max-growth-mb`` (20 MB) AND slope < ``--max-slope-kb`` (10 KB/step)
AND no retrace after step 1.
Why these: anything that keeps a step's tensors alive leaks at least one activation per step. In the default
config the smallest (half of the last level's [16, 8, 8, 48] float32 input, as a coupling reads it) is 96 KB
and the first level's are 768 KB each, so such a leak shows up as >= ~100 KB/step, >= 90 MB over 900 steps; a
retrace per step leaks a whole graph (MBs). The leak reported against tfb.Glow (TFP issue 1177) was ~0.1 GB
every 5 s. On the other side, RSS is not constant without a leak: allocator pools, oneDNN caches and glibc
arenas grow for a while and then level off, and RSS jitters by a few MB. 20 MB (~1 % of the process) is above
that and well below a tensor leak's 90 MB, and 10 KB/step (9 MB per 900 steps) is 10x below the smallest
per-step tensor leak. Small per-step leaks (a Python float per step) are below this resolution on purpose: they
cannot matter at training lengths. What the limits must leave room for is allocator growth that saturates: in
the first recorded run (RESULTS.md) RSS crept +10.8 MB from step 100 to ~550 and then stayed flat to the KB for
450 steps, for a slope of 8.8 KB/step over the whole window. The report therefore also prints the slope over
the last half of the post-warm-up samples (0.6 KB/step in that run), which a leak keeps and saturating growth
does not; if the verdict fails on slope alone, look at that number and rerun with a longer ``--warmup`` /
``--train-steps`` before calling it a leak.

``--stock`` also measures stock TFP ``tfb.Glow`` (GlowDefaultNetwork of the same width, same shape and data)
in a separate child process, so the two peaks do not mix. ``--record`` appends a dated row per model to
benchmarks/RESULTS.md under "## Glow training memory (benchmarks/memory_glow.py)" (written at the very end of
the run). ``--json PATH`` writes the measurement as JSON (used by tests/test_memory.py and by ``--stock``).
"""
import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from results_table import append_rows

SECTION = "## Glow training memory (benchmarks/memory_glow.py)"
TABLE_HEAD = ("| date | config | model | peak RSS after step 1 (MB) | RSS at warm-up -> end (MB) | growth (MB) | "
              "slope (KB/step) | retraces after step 1 | s/step | verdict | machine |")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# -- RSS helpers (no TensorFlow needed) -----------------------------------------------------------------------
def rss_kb():
    """Current resident set size of this process in KB: /proc/self/statm (resident pages), else VmRSS."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return vmrss_kb()


def vmrss_kb():
    """VmRSS of /proc/self/status in KB (the same number as statm's, as the kernel reports it)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise OSError("no VmRSS in /proc/self/status")


def peak_rss_kb():
    """Peak RSS of this process so far in KB (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def slope(xs, ys):
    """Least-squares slope of ys against xs (0.0 for fewer than 2 distinct xs)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


@dataclasses.dataclass
class MemoryTrace:
    """What `track_memory` measured; sizes in KB, ``samples`` = [(step, RSS KB)] with step 1 the traced one."""
    rss_before_kb: int
    peak_after_first_kb: int
    rss_after_first_kb: int
    first_step_s: float
    samples: list
    warmup: int
    peak_end_kb: int
    seconds_per_step: float
    traces_after_first: int = None
    traces: int = None

    def after_warmup(self):
        return [(s, r) for s, r in self.samples if s >= self.warmup]

    @property
    def rss_warmup_kb(self):
        return self.after_warmup()[0][1]

    @property
    def rss_end_kb(self):
        return self.samples[-1][1]

    @property
    def growth_kb(self):
        return self.rss_end_kb - self.rss_warmup_kb

    @property
    def slope_kb_per_step(self):
        steps, rss = zip(*self.after_warmup())
        return slope(steps, rss)

    @property
    def late_slope_kb_per_step(self):
        """The slope over the last half of the post-warm-up samples: a leak keeps its slope there, allocator
        growth that saturates (arenas, pools) does not."""
        late = self.after_warmup()
        steps, rss = zip(*late[len(late) // 2:])
        return slope(steps, rss)

    @property
    def retraces(self):
        """Traces after step 1 (0 unless the step function was retraced; None if not counted)."""
        return None if self.traces is None else self.traces - self.traces_after_first

    def verdict(self, max_growth_mb=20.0, max_slope_kb=10.0):
        """(passed, text): no growth if growth < max_growth_mb, slope < max_slope_kb per step and no retrace."""
        ok = (self.growth_kb < 1024 * max_growth_mb and self.slope_kb_per_step < max_slope_kb
              and not self.retraces)
        text = (f"{'no growth' if ok else 'GROWTH'} (growth {self.growth_kb / 1024:+.1f} MB vs < {max_growth_mb:g}, "
                f"slope {self.slope_kb_per_step:+.2f} KB/step vs < {max_slope_kb:g}, retraces {self.retraces})")
        return ok, text

    def to_json(self):
        d = dataclasses.asdict(self)
        d.update(rss_warmup_kb=self.rss_warmup_kb, rss_end_kb=self.rss_end_kb, growth_kb=self.growth_kb,
                 slope_kb_per_step=self.slope_kb_per_step, late_slope_kb_per_step=self.late_slope_kb_per_step)
        return d

    @classmethod
    def from_json(cls, d):
        values = {f.name: d[f.name] for f in dataclasses.fields(cls)}
        values["samples"] = [tuple(sample) for sample in values["samples"]]
        return cls(**values)


def track_memory(step, batches, n_steps, every=10, warmup=100, sync=float, progress=None, tracing_count=None):
    """Runs ``step(batches[i % len(batches)])`` n_steps times, sampling RSS after step 1, every ``every`` steps,
    at ``warmup`` and at the end. ``sync(output)`` waits for the step (``float`` of the loss tensor);
    ``progress(step, rss_kb)`` is called at each sample; ``tracing_count()``, if given, is read after the first
    step and at the end (a tf.function's ``experimental_get_tracing_count``)."""
    if not 1 <= warmup < n_steps:
        raise ValueError(f"need 1 <= warmup < n_steps, got warmup={warmup}, n_steps={n_steps}")
    rss_before = rss_kb()
    start = time.perf_counter()
    sync(step(batches[0]))
    first_step_s = time.perf_counter() - start
    peak_after_first, rss_after_first = peak_rss_kb(), rss_kb()
    samples = [(1, rss_after_first)]
    traces_after_first = tracing_count() if tracing_count else None
    start = time.perf_counter()
    for i in range(2, n_steps + 1):
        sync(step(batches[(i - 1) % len(batches)]))
        if i % every == 0 or i in (warmup, n_steps):
            samples.append((i, rss_kb()))
            if progress is not None:
                progress(i, samples[-1][1])
    seconds_per_step = (time.perf_counter() - start) / (n_steps - 1)
    return MemoryTrace(rss_before, peak_after_first, rss_after_first, first_step_s, samples, warmup, peak_rss_kb(),
                       seconds_per_step, traces_after_first, tracing_count() if tracing_count else None)


# -- the models -----------------------------------------------------------------------------------------------
def random_batches(size, batch, count=4, seed=0):
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-0.5, 0.5, (count, batch, size, size, 3)).astype("float32"))


def glow_common():
    """benchmarks/glow_common.py (the stock baseline and training step bench_glow.py uses), imported lazily so the
    RSS helpers load without TensorFlow."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import glow_common

    return glow_common


def nfzoo_step(args, batches):
    """-> (tf.function training step, parameter count) for an nfzoo Glow, ActNorm initialised on batches[0]."""
    import keras

    from nfzoo.models.glow import glow

    model = glow((args.size, args.size, 3), levels=args.levels, steps=args.steps, hidden=args.width, n_bits=8,
                 precision=args.precision)
    model.initialize(batches[0])
    step = glow_common().tape_train_step(lambda x: model.log_prob(x, training=True),
                                         lambda: model.trainable_variables, keras.optimizers.Adam(1e-3))
    return step, model.count_params()


def stock_step(args, batches):
    """-> (tf.function training step, parameter count) for stock TFP tfb.Glow (as in bench_glow.py)."""
    import numpy as np
    import tensorflow as tf

    common = glow_common()
    dist = common.stock_glow((args.size, args.size, 3), args.levels, args.steps, args.width)
    dist.log_prob(batches[0])  # builds the variables (and ActNorm's data-dependent init)
    step = common.tape_train_step(dist.log_prob, lambda: dist.trainable_variables,
                                  tf.optimizers.Adam(1e-3))  # TFP's variables are tf_keras variables
    return step, sum(int(np.prod(v.shape)) for v in dist.trainable_variables)


MODELS = {"nfzoo": nfzoo_step, "stock": stock_step}


def model_label(args, model):
    if model == "stock":
        return "stock tfb.Glow (float32)"
    return f"nfzoo Glow ({args.precision})"


def measure(args, model="nfzoo", progress=None):
    """Builds ``model`` for ``args`` and tracks its memory -> (MemoryTrace, parameter count)."""
    batches = random_batches(args.size, args.batch)
    step, parameters = MODELS[model](args, batches)
    return track_memory(step, batches, args.train_steps, every=args.every, warmup=args.warmup, progress=progress,
                        tracing_count=step.experimental_get_tracing_count), parameters


def measure_in_child(args, model):
    """Runs this script for ``model`` in a fresh Python process (its own peak RSS) -> (MemoryTrace, parameters)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--model", model, "--json", str(out), "--no-report"]
        if args.progress:
            command.append("--progress")
        for name in ("size", "levels", "steps", "width", "batch", "precision", "train_steps", "warmup", "every",
                     "print_every", "max_growth_mb", "max_slope_kb"):
            command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        subprocess.run(command, check=True)
        result = json.loads(out.read_text())
    return MemoryTrace.from_json(result["trace"]), result["parameters"]


# -- reporting ------------------------------------------------------------------------------------------------
def config_text(args):
    return f"{args.size}x{args.size}x3, {args.levels}x{args.steps}, width {args.width}, batch {args.batch}"


def summary_lines(args, label, trace, parameters):
    mb = lambda kb: kb / 1024
    _, verdict = trace.verdict(args.max_growth_mb, args.max_slope_kb)
    return [
        f"{label}: {parameters:,d} parameters; {args.train_steps} steps, {trace.seconds_per_step:.2f} s/step "
        f"(first, traced step {trace.first_step_s:.1f} s); step function traced {trace.traces_after_first} time(s) "
        f"by step 1 (2 = the variable-creating trace + the one reused), {trace.retraces} retrace(s) after it",
        f"  RSS before step 1 {mb(trace.rss_before_kb):8.1f} MB",
        f"  peak RSS after step 1 {mb(trace.peak_after_first_kb):8.1f} MB (ru_maxrss); RSS after step 1 "
        f"{mb(trace.rss_after_first_kb):.1f} MB; peak RSS at the end {mb(trace.peak_end_kb):.1f} MB",
        f"  RSS at step {trace.warmup} (warm-up) {mb(trace.rss_warmup_kb):.1f} MB -> step {trace.samples[-1][0]} "
        f"{mb(trace.rss_end_kb):.1f} MB: growth {mb(trace.growth_kb):+.1f} MB, least-squares slope "
        f"{trace.slope_kb_per_step:+.2f} KB/step over {len(trace.after_warmup())} samples (over their last half, "
        f"from step {trace.after_warmup()[len(trace.after_warmup()) // 2][0]}: {trace.late_slope_kb_per_step:+.2f} "
        f"KB/step)",
        f"  verdict: {verdict}",
    ]


def print_report(args, results):
    print(f"config: {config_text(args)}; {args.train_steps} training steps, RSS sampled every {args.every} steps, "
          f"warm-up {args.warmup} steps")
    labels = list(results)
    shown = [s for s, _ in results[labels[0]][0].samples if s in (1, args.warmup, args.train_steps)
             or s % args.print_every == 0]
    width = max(len(label) for label in labels) + len(" RSS MB")
    print(f"{'step':>6s} " + " ".join(f"{label + ' RSS MB':>{width}s}" for label in labels))
    for s in shown:
        cells = []
        for label in labels:
            rss = dict(results[label][0].samples).get(s)
            cells.append(f"{rss / 1024:{width}.1f}" if rss is not None else " " * width)
        print(f"{s:6d} " + " ".join(cells))
    for label in labels:
        print("\n".join(summary_lines(args, label, *results[label])))


def section_about():
    """The text under the RESULTS.md section's heading."""
    return textwrap.fill(
        "`python benchmarks/memory_glow.py --record` (64x64x3 Glow, 3x8, width 128, batch 16, 1000 steps of "
        "GradientTape + Adam in one tf.function on 4 fixed random batches): peak RSS (ru_maxrss) after the first, "
        "traced step; RSS (/proc/self/statm) growth from the end of the warm-up to the last step and its least-squares "
        "slope. \"no growth\" = growth < 20 MB, slope < 10 KB/step and no retrace of the step function after step 1 "
        "(thresholds justified in the script's docstring). The check for the leak reported against tfb.Glow in TFP "
        "issue 1177.", width=115)


def table_head():
    """The section's table head and separator line."""
    return TABLE_HEAD + "\n|" + "---|" * (TABLE_HEAD.count(" | ") + 1)


def record(args, results, path=None):
    """Appends a row per model to the memory section of RESULTS.md (creating the section at the end if missing)."""
    from nfzoo.machine import cpu_name  # here: importing nfzoo imports TensorFlow

    path = Path(path) if path else Path(__file__).resolve().parent / "RESULTS.md"
    cpu = cpu_name()
    machine = f"{os.cpu_count()} cores, {cpu}, tf {importlib.metadata.version('tensorflow')}"
    rows = []
    for label, (trace, _) in results.items():
        ok, _ = trace.verdict(args.max_growth_mb, args.max_slope_kb)
        rows.append(
            f"| {datetime.date.today()} | {config_text(args)}, {args.train_steps} steps (warm-up {args.warmup}) | "
            f"{label} | {trace.peak_after_first_kb / 1024:.0f} | {trace.rss_warmup_kb / 1024:.0f} -> "
            f"{trace.rss_end_kb / 1024:.0f} | {trace.growth_kb / 1024:+.1f} | {trace.slope_kb_per_step:+.2f} | "
            f"{trace.retraces} | {trace.seconds_per_step:.2f} | {'no growth' if ok else 'GROWTH'} | {machine} |")
    append_rows(SECTION, table_head(), rows, intro=section_about(), path=path)
    print(f"recorded in {path}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="float32",
                        help="nfzoo conditioner precision (stock tfb.Glow always runs in float32)")
    parser.add_argument("--train-steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100, help="growth and slope are measured from this step")
    parser.add_argument("--every", type=int, default=10, help="sample RSS every this many steps")
    parser.add_argument("--print-every", type=int, default=100, help="print the RSS table every this many steps")
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    parser.add_argument("--max-slope-kb", type=float, default=10.0)
    parser.add_argument("--model", choices=tuple(MODELS), default="nfzoo", help="the model measured in this process")
    parser.add_argument("--stock", action="store_true", help="also measure stock tfb.Glow, in a child process")
    parser.add_argument("--progress", action="store_true", help="print RSS at every sample while running")
    parser.add_argument("--record", action="store_true", help="append the result to benchmarks/RESULTS.md")
    parser.add_argument("--json", help="write the measurement of --model to this JSON file")
    parser.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)  # --stock's child process
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    progress = (lambda s, r: print(f"step {s}: RSS {r / 1024:.1f} MB", flush=True)) if args.progress else None
    results = {}
    trace, parameters = measure(args, args.model, progress)
    results[model_label(args, args.model)] = (trace, parameters)
    if args.json:
        Path(args.json).write_text(json.dumps({"trace": trace.to_json(), "parameters": parameters}))
    if args.stock and args.model != "stock":
        results[model_label(args, "stock")] = measure_in_child(args, "stock")
    if not args.no_report:
        print_report(args, results)
    if args.record:
        record(args, results)
    return 0 if all(t.verdict(args.max_growth_mb, args.max_slope_kb)[0] for t, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
