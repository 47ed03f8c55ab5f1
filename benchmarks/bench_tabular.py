"""Tabular density estimation on the data sets bundled with scikit-learn: test log-likelihood in nats.

    nice -n 2 python benchmarks/bench_tabular.py            # about 10 min on 2 shared cores; rewrites RESULTS.md
    python benchmarks/bench_tabular.py --max-epochs 2 --dry-run   # smoke run, prints the table only

Data (all float64 until the split is standardised, then float32):

* ``digits``: `sklearn.datasets.load_digits`, 1,797 8x8 images with integer pixels 0..16, flattened to
  64-D and dequantised once with a seeded draw, x = pixel + u, u ~ U[0, 1) (in pixel units, i.e. with the
  standardisation log-det below added, E_u log p(pixel + u) is a lower bound on log P(pixels)).
* ``breast_cancer`` (569 x 30) and ``wine`` (178 x 13): the raw features.

Split: one seeded permutation (``--seed``, default 0) per data set, first 70 % train, next 10 % validation,
last 20 % test (counts rounded down for train and validation). Every split is standardised with the
training mean and standard deviation: z = (x - mean) / std. Reported log-likelihoods are log p(z) of the
standardised test data: the standardisation's log-det, -sum_d log std_d, is NOT included. Its value is
printed per data set; add it to convert to log p(x) in the units of x (after dequantisation for digits).

Models: a full-covariance Gaussian (maximum likelihood on the training split, closed form) and the flows of
`nfzoo.config.FAMILIES` (Real NVP with vector couplings, MAF, NAF, SOS), each trained with Adam on mean NLL with
early stopping on the validation NLL (patience ``PATIENCE`` epochs, best weights restored) and ActNorm
initialised on the whole training split. Each cell is the mean test log-likelihood +- 2 standard errors
(std / sqrt(n_test) of the per-example values); the median shows when a few test points dominate the mean.
"""
import argparse
import datetime
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer, load_digits, load_wine

from nfzoo.config import FAMILIES
from nfzoo.data.pipeline import vector_dataset
from nfzoo.machine import cpu_name
from results_table import replace_block

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN = "<!-- tabular: written by benchmarks/bench_tabular.py -->"  # the block it replaces in RESULTS.md
END = "<!-- /tabular -->"
FRACTIONS = (0.7, 0.1)  # train, validation; the rest is test
BATCH_SIZE, LEARNING_RATE, PATIENCE = 128, 1e-3, 20
FLOWS = {  # name -> (builder, kwargs): 5 layers each, sized to keep the whole run near 15 minutes
    "Real NVP (5 couplings)": (FAMILIES["realnvp_vector"], {"num_layers": 5, "hidden": 128, "num_hidden": 2}),
    "MAF (5)": (FAMILIES["maf"], {"num_layers": 5, "hidden_units": (128, 128)}),
    "NAF (5, K=8)": (FAMILIES["naf"], {"num_layers": 5, "num_units": 8, "hidden_units": (128, 128)}),
    "SOS (5, K=4, r=3)": (FAMILIES["sos"], {"num_layers": 5, "num_squares": 4, "degree": 3, "hidden_units": (128, 128)}),
}


def load(name, rng):
    """Raw float64 data [N, D]; digits dequantised with ``rng``."""
    if name == "digits":
        pixels = load_digits().data
        return pixels + rng.uniform(size=pixels.shape)
    return {"breast_cancer": load_breast_cancer, "wine": load_wine}[name]().data.astype(np.float64)


def split_and_standardise(x, rng):
    """-> dict of standardised float32 splits, and the standardisation's log-det -sum log std."""
    order = rng.permutation(len(x))
    n_train, n_val = (int(f * len(x)) for f in FRACTIONS)
    parts = np.split(x[order], [n_train, n_train + n_val])
    mean, std = parts[0].mean(axis=0), parts[0].std(axis=0)
    splits = {k: ((p - mean) / std).astype(np.float32) for k, p in zip(("train", "val", "test"), parts)}
    return splits, -float(np.sum(np.log(std)))


def gaussian_log_likelihood(train, test):
    """Per-example log N(test; mean, cov) with the maximum-likelihood mean and covariance of ``train``."""
    train, test = train.astype(np.float64), test.astype(np.float64)
    mean = train.mean(axis=0)
    cov = np.cov(train, rowvar=False, bias=True)
    _, logdet = np.linalg.slogdet(cov)
    centred = test - mean
    mahalanobis = np.sum(centred * np.linalg.solve(cov, centred.T).T, axis=1)
    return -0.5 * (test.shape[1] * math.log(2 * math.pi) + logdet + mahalanobis)


def train_flow(builder, kwargs, splits, max_epochs, seed):
    """-> (per-example test log-likelihoods, best epoch, epochs run, trainable parameters)."""
    keras.utils.set_random_seed(seed)
    model = builder(splits["train"].shape[1], **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    model.initialize(splits["train"])
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    history = model.fit(
        vector_dataset(splits["train"], BATCH_SIZE, seed=seed),
        validation_data=vector_dataset(splits["val"], 1024, shuffle=False),
        epochs=max_epochs,
        callbacks=[stopper, keras.callbacks.TerminateOnNaN()],
        verbose=0,
    )
    log_likelihood = model.log_prob(splits["test"]).numpy().astype(np.float64)
    params = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return log_likelihood, stopper.best_epoch + 1, len(history.history["loss"]), params


def mean_and_two_se(values):
    return float(np.mean(values)), 2.0 * float(np.std(values, ddof=1)) / math.sqrt(len(values))


def machine():
    cpu = cpu_name()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{nproc} CPUs (`nproc`), {cpu}"


def run(datasets, max_epochs, seed):
    """-> (markdown rows, per-data-set notes)."""
    rows, notes = [], []
    for name in datasets:
        rng = np.random.default_rng(seed)
        splits, standardise_log_det = split_and_standardise(load(name, rng), rng)
        dim = splits["train"].shape[1]
        sizes = "/".join(str(len(splits[k])) for k in ("train", "val", "test"))
        notes.append(f"{name}: D = {dim}, train/val/test = {sizes}, standardisation log-det "
                     f"-sum log std = {standardise_log_det:.2f} nats")
        log_likelihood = gaussian_log_likelihood(splits["train"], splits["test"])
        mean, se = mean_and_two_se(log_likelihood)
        rows.append(f"| {name} | {dim} | Gaussian (full covariance) | {mean:.2f} ± {se:.2f} | "
                    f"{np.median(log_likelihood):.2f} | closed form | {dim + dim * (dim + 1) // 2} | 0 |")
        print(rows[-1], flush=True)
        for label, (builder, kwargs) in FLOWS.items():
            start = time.time()
            log_likelihood, best, ran, params = train_flow(builder, kwargs, splits, max_epochs, seed)
            finite = np.isfinite(log_likelihood)
            mean, se = mean_and_two_se(log_likelihood[finite]) if finite.any() else (float("nan"), float("nan"))
            flag = "" if finite.all() else f" ({(~finite).sum()} non-finite test points dropped)"
            rows.append(f"| {name} | {dim} | {label} | {mean:.2f} ± {se:.2f}{flag} | {np.median(log_likelihood):.2f} | "
                        f"{best} / {ran} | {params} | {time.time() - start:.0f} |")
            print(rows[-1], flush=True)
    return rows, notes


def markdown(rows, notes, max_epochs, seed, seconds):
    command = " ".join(["python", "benchmarks/bench_tabular.py", *sys.argv[1:]])
    return "\n".join([
        f"Date: {datetime.date.today().isoformat()}. Command: `{command}` (run at niceness {os.nice(0)}). "
        f"Machine: {machine()}, shared with other jobs; TensorFlow {tf.__version__}, Keras {keras.__version__}. "
        f"Whole run: {seconds / 60:.1f} min.",
        "",
        "Test mean log-likelihood per example in nats (higher is better) ± 2 standard errors over test examples, "
        "of the data **standardised with the training mean and std**; the standardisation's log-det is **not** "
        "included (add the value below to get log p in the units of x). digits: pixels + U[0, 1) noise "
        "(one seeded draw), then standardised. Split: one seeded permutation "
        f"(seed {seed}), 70 % train / 10 % validation / 20 % test. Flows: Adam lr {LEARNING_RATE}, batch "
        f"{BATCH_SIZE}, at most {max_epochs} epochs, early stopping on validation NLL (patience {PATIENCE}, "
        "best weights restored); every flow layer is preceded by an ActNorm initialised on the training split.",
        "",
        *[f"- {note}" for note in notes],
        "",
        "| data | D | model | test log-lik (nats), mean ± 2 s.e. | median | best / run epochs | parameters | train s |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "breast_cancer", "wine"],
                        choices=["digits", "breast_cancer", "wine"])
    parser.add_argument("--max-epochs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true", help="print the table, leave RESULTS.md alone")
    args = parser.parse_args()
    start = time.time()
    rows, notes = run(args.datasets, args.max_epochs, args.seed)
    body = markdown(rows, notes, args.max_epochs, args.seed, time.time() - start)
    print(body)
    if not args.dry_run:
        replace_block(RESULTS, BEGIN, END, body)


if __name__ == "__main__":
    main()
