"""Rezende & Mohamed (2015) figure 3, reproduced in trend: planar and radial flows fitted by VI to U1-U4.

For every energy U, flow family (planar, radial) and length K, `nfzoo.variational.variational_flow.fit` minimises the free energy
F = E_q[ln q(z) + U(z)] from q_0 = N(0, I), with the paper's annealing (beta from 0.01 to 1, here over the
first ``--anneal`` steps) and Adam with a cosine-decayed learning rate. Reported per run: F (Monte-Carlo
mean +- standard error over ``--eval-samples`` draws), -ln Z from quadrature on a grid, and the gap
F - (-ln Z) = KL(q || p) >= 0. Writes a markdown section into docs/vi_results.md and a picture grid
(rows U1..U4; columns: the true density, planar K = each K, radial at the largest K; the exact model
density ln q on a grid, through the layers' inverses) to docs/img/vi_energies.png.

U2, U3 and U4 are not normalisable as written: the density per unit length of z1 does not decay, so
Z = infinity and F is unbounded below (q gains by spreading along z1 forever). Every target here is
therefore confined to the paper's plotting window by a soft wall on z1 that leaves it unchanged inside
|z1| <= 4:  ln p~(z) = -U(z) - (max(|z1| - 4, 0) / 0.5)^2 / 2.  U1 is practically unchanged.

    python scripts/vi_energies.py                 # the reported run (~20 minutes on 1 busy CPU core)
    python scripts/vi_energies.py --quick         # a smoke run (tiny steps, K = 2, writes nothing by default)
"""
import argparse
import math
import time
from pathlib import Path

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from nfzoo.bijectors.planar import Planar  # noqa: E402
from nfzoo.bijectors.radial import Radial  # noqa: E402
from nfzoo.variational.energies import ENERGIES  # noqa: E402
from nfzoo.variational.free_energy import LinearBeta  # noqa: E402
from nfzoo.variational.variational_flow import fit  # noqa: E402

FAMILIES = {"planar": Planar, "radial": Radial}
WALL, WALL_WIDTH = 4.0, 0.5
PLOT_LIMIT = 4.5


def confined_target(name):
    """ln p~(z) = -U(z) - (max(|z1| - 4, 0) / 0.5)^2 / 2 (see the module docstring)."""
    energy = ENERGIES[name]

    def log_p(z):
        outside = tf.nn.relu(tf.abs(z[:, 0]) - WALL) / WALL_WIDTH
        return -energy(z) - 0.5 * tf.square(outside)

    return log_p


def grid(limit, n):
    """``(points [n*n, 2], axis [n], cell area)`` of a square n x n grid on [-limit, limit]^2."""
    axis = np.linspace(-limit, limit, n, dtype=np.float32)
    z1, z2 = np.meshgrid(axis, axis, indexing="xy")
    return np.stack([z1.ravel(), z2.ravel()], axis=1), axis, float(axis[1] - axis[0]) ** 2


def log_normaliser(log_p, limit=WALL + 6 * WALL_WIDTH, n=1401):
    """ln Z = ln int p~(z) dz by the midpoint rule on [-limit, limit]^2 (the integrand is ~0 at the edges)."""
    points, _, area = grid(limit, n)
    values = tf.concat([log_p(tf.constant(chunk)) for chunk in np.array_split(points, 16)], axis=0)
    return float(tf.reduce_logsumexp(tf.cast(values, tf.float64))) + math.log(area)


def write_section(path, name, body):
    """Replaces the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in markdown file ``path``
    (appending the section if absent), so several scripts can share one results page."""
    path = Path(path)
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else "# Variational inference results\n"
    section = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def run(name, family, k, args):
    """Fits one flow; returns (model, row dict)."""
    target = confined_target(name)
    start = time.time()
    model = fit(
        target, [FAMILIES[family]() for _ in range(k)], dim=2, steps=args.steps, batch_size=args.batch_size,
        learning_rate=keras.optimizers.schedules.CosineDecay(args.lr, args.steps, alpha=0.01),
        beta_schedule=LinearBeta(steps=args.anneal), seed=args.seed,
    )
    seconds = time.time() - start
    f, se = model.free_energy(args.eval_samples, seed=args.seed + 1)
    return model, {"energy": name, "family": family, "K": k, "F": f, "se": se, "seconds": seconds}


def plot(panels, titles, path):
    """panels[row][col] = ln density on the plot grid (None = not run)."""
    rows, cols = len(panels), len(titles)
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.2 * rows), squeeze=False)
    for r, row in enumerate(panels):
        for c, (label, log_density) in enumerate(row):
            ax = axes[r][c]
            ax.imshow(np.exp(log_density), origin="lower", cmap="inferno",
                      extent=(-PLOT_LIMIT, PLOT_LIMIT, -PLOT_LIMIT, PLOT_LIMIT))
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(titles[c], fontsize=9)
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(rows, neg_log_z, args, wall, cpu):
    lines = [
        "## Free-energy bound on the Rezende & Mohamed energies (`scripts/vi_energies.py`)",
        "",
        f"Each cell: one fit of {args.steps} Adam steps (batch {args.batch_size}, learning rate {args.lr} "
        f"cosine-decayed to 1%, beta annealed linearly 0.01 -> 1 over the first {args.anneal} steps, seed "
        f"{args.seed}); the paper trained 500,000 steps, so these are far shorter runs. F = E_q[ln q + U] "
        f"(nats, lower is better) from {args.eval_samples} samples, +- its standard error; -ln Z by quadrature "
        "(midpoint rule, 1401^2 grid on [-7, 7]^2); KL = F - (-ln Z). Targets are confined to |z1| <= 4 by a "
        "soft wall (U2-U4 are not normalisable otherwise; see the script's docstring). Whole script: "
        f"{wall / 60:.1f} min wall clock, {cpu / 60:.1f} min CPU, at `nice -n 2` on a shared 2-core machine.",
        "",
        "| energy | -ln Z | flow | K | F | KL(q‖p) | fit time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        kl = row["F"] - neg_log_z[row["energy"]]
        lines.append(
            f"| {row['energy'].upper()} | {neg_log_z[row['energy']]:.3f} | {row['family']} | {row['K']} | "
            f"{row['F']:.3f} ± {row['se']:.3f} | {kl:.3f} | {row['seconds']:.0f} |"
        )
    lines += ["", f"![q densities]({Path(args.png).relative_to(Path(args.md).parent)})" if args.png else ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--energies", nargs="+", default=sorted(ENERGIES), choices=sorted(ENERGIES))
    parser.add_argument("--ks", nargs="+", type=int, default=[2, 8, 32])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--anneal", type=int, default=750, help="steps over which beta rises 0.01 -> 1")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2e-2)
    parser.add_argument("--eval-samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--md", default="docs/vi_results.md", help="markdown page to write ('' = print only)")
    parser.add_argument("--png", default="docs/img/vi_energies.png", help="figure path ('' = none)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 30 steps, K = 2, U1, writes nothing")
    args = parser.parse_args(argv)
    if args.quick:
        args.energies, args.ks, args.steps, args.anneal, args.eval_samples = ["u1"], [2], 30, 10, 500
        args.md = args.png = ""

    wall, cpu = time.time(), time.process_time()
    points, _, _ = grid(PLOT_LIMIT, 160)
    titles = ["true density"] + [f"planar K={k}" for k in args.ks] + [f"radial K={max(args.ks)}"]
    rows, panels, neg_log_z = [], [], {}
    for name in args.energies:
        log_p = confined_target(name)
        neg_log_z[name] = -log_normaliser(log_p)
        row_panels = [(name.upper(), np.reshape(log_p(tf.constant(points)).numpy() + neg_log_z[name], (160, 160)))]
        for family in FAMILIES:
            for k in args.ks:
                model, result = run(name, family, k, args)
                rows.append(result)
                print(f"{name} {family:6s} K={k:2d}  F = {result['F']:.3f} +- {result['se']:.3f}  "
                      f"-lnZ = {neg_log_z[name]:.3f}  KL = {result['F'] - neg_log_z[name]:.3f}  "
                      f"({result['seconds']:.0f} s)", flush=True)
                if family == "planar" or k == max(args.ks):
                    row_panels.append(("", np.reshape(model.log_prob(points).numpy(), (160, 160))))
        panels.append(row_panels)

    if args.png:
        plot(panels, titles, args.png)
    body = table(rows, neg_log_z, args, time.time() - wall, time.process_time() - cpu)
    print(body)
    if args.md:
        write_section(args.md, "vi_energies", body)


if __name__ == "__main__":
    main()
