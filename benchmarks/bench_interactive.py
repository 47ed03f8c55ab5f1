"""Interactive latency as a new user meets it: every figure from a fresh Python process.

    nice -n 2 python benchmarks/bench_interactive.py [--model glow_celeba] [--repeats 3] [--record]

Measured, each in its own new process (median of ``--repeats``; wall-clock seconds):

* ``nfzoo --help`` and ``nfzoo list``: the installed console script, start to exit;
* ``import nfzoo`` and ``nfzoo.load(MODEL)``;
* the first call of each `ZooModel` method right after the load, one process per method (``encode`` and
  ``bits_per_dim`` of the model's example face, ``decode`` of its latent, ``sample(4)``, ``manipulate`` of one image
  at 5 alphas, ``interpolate`` of 2 images at 8 steps), then its second call;
* ``nfzoo manipulate MODEL --attribute Smiling``: the README's command, start to exit (PNG written).

Targets (issue 18): first call of each method <= 2 s, ``--help`` and ``list`` <= 1 s, manipulate <= 10 s.
``--record`` appends one dated row per measurement to the "Interactive latency" section of benchmarks/RESULTS.md.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from results_table import append_rows

HEADING = "## Interactive latency (benchmarks/bench_interactive.py)"
INTRO = ("`nice -n 2 python benchmarks/bench_interactive.py --record`: wall-clock seconds, each figure from a fresh "
         "process (median of the repeats), as a new user meets them. Targets (issue 18): first call of a `ZooModel` "
         "method <= 2 s, `nfzoo --help` / `nfzoo list` <= 1 s, `nfzoo manipulate` <= 10 s end to end.")
TABLE_HEAD = "| date | model | what | seconds | target | repeats | machine |\n|---|---|---|---|---|---|---|"
METHODS = {  # one call each: (code after `m = nfzoo.load(...)`, with x one image and z its latent)
    "encode": "m.encode(x)",
    "decode": "m.decode(z)",
    "sample": "m.sample(4, seed=0)",
    "bits_per_dim": "m.bits_per_dim(x)",
    "manipulate": "m.manipulate(x, 'Smiling', [-1.0, -0.5, 0.0, 0.5, 1.0])",
    "interpolate": "m.interpolate(x, x[:, ::-1])",
}
CHILD = """
import json, time
start = time.perf_counter()
import numpy as np
import nfzoo
from nfzoo.data.images import read_image
imported = time.perf_counter()
m = nfzoo.load({model!r})
loaded = time.perf_counter()
x = m.prepare(read_image(m.example_path))  # the face the README's manipulate command edits
z = np.random.default_rng(1).normal(0.0, 0.7, (1, m.flow.latent_dim)).astype(np.float32)
times = []
for _ in range(2):
    t = time.perf_counter()
    {call}
    times.append(time.perf_counter() - t)
print(json.dumps({{"import": imported - start, "load": loaded - imported, "first": times[0], "second": times[1]}}))
"""


def seconds_to_run(command, env):
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def child_times(model, call, env):
    out = subprocess.run([sys.executable, "-c", CHILD.format(model=model, call=call)], check=True, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(model, repeats):
    """{what: [seconds per repeat]} for every measurement."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    nfzoo = [shutil.which("nfzoo") or sys.exit("the nfzoo console script is not on PATH: pip install -e . first")]
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            runs.setdefault("nfzoo --help", []).append(seconds_to_run(nfzoo + ["--help"], env))
            runs.setdefault("nfzoo list", []).append(seconds_to_run(nfzoo + ["list"], env))
            manipulate = nfzoo + ["manipulate", model, "--attribute", "Smiling", "-o", f"{folder}/edit.png"]
            runs.setdefault(f"nfzoo manipulate {model} --attribute Smiling", []).append(seconds_to_run(manipulate, env))
            for method, call in METHODS.items():
                times = child_times(model, call, env)
                runs.setdefault("import nfzoo", []).append(times["import"])
                runs.setdefault(f"nfzoo.load({model!r})", []).append(times["load"])
                runs.setdefault(f"first {method}", []).append(times["first"])
                runs.setdefault(f"second {method}", []).append(times["second"])
    return runs


def target(what):
    if what.startswith("first "):
        return "<= 2"
    if what in ("nfzoo --help", "nfzoo list"):
        return "<= 1"
    return "<= 10" if what.startswith("nfzoo manipulate") else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="glow_celeba")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    medians = {what: statistics.median(times) for what, times in measure(args.model, args.repeats).items()}
    for what, seconds in medians.items():
        print(f"{what:52s} {seconds:7.2f} s   {target(what)}")
    if args.record:
        from nfzoo.machine import cpu_name

        machine = f"nproc {len(os.sched_getaffinity(0))}, {cpu_name()}, load average {os.getloadavg()[0]:.1f}"
        rows = [f"| {datetime.date.today()} | {args.model} | {what} | {seconds:.2f} | {target(what)} | "
                f"{args.repeats} | {machine} |" for what, seconds in medians.items()]
        print(f"recorded in {append_rows(HEADING, TABLE_HEAD, rows, intro=INTRO)}")


if __name__ == "__main__":
    main()
