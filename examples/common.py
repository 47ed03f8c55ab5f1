"""Pieces shared by the examples: command-line flags of the two-moons examples, their fit, a scatter plot."""
import argparse

import keras

from nfzoo.data.pipeline import vector_dataset
from nfzoo.data.targets import two_moons
from nfzoo.models.flow_model import FlowModel


def moons_args(doc, layers, argv=None):
    """Parses ``--layers --epochs --png --quick`` (quick: 2 layers, 1 epoch on 512 points)."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--layers", type=int, default=layers)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--png", help="optional scatter plot of model samples")
    parser.add_argument("--quick", action="store_true", help="2 layers, 1 epoch on 512 points")
    args = parser.parse_args(argv)
    args.points = 512 if args.quick else 20_000
    if args.quick:
        args.layers, args.epochs = 2, 1
    return args


def fit_moons(name, flow_layers, args):
    """Fits a `FlowModel` of ``flow_layers`` to two moons by maximum likelihood; prints the test log-likelihood."""
    model = FlowModel(flow_layers, event_shape=(2,))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(vector_dataset(two_moons(args.points, seed=0), batch_size=256, seed=0), epochs=args.epochs, verbose=0)
    log_likelihood = float(model.log_prob(two_moons(5000, seed=1)).numpy().mean())
    print(f"{name}, {len(flow_layers)} layers, {args.epochs} epochs: test log-likelihood {log_likelihood:.3f} nats")
    if args.png:
        save_scatter(model.sample(5000, seed=2).numpy(), args.png)
    return model


def save_scatter(points, path, limit=4.0):
    """Scatter plot of 2-D ``points`` on [-limit, limit]^2, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(points[:, 0], points[:, 1], s=1, alpha=0.3)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    fig.savefig(path, dpi=100)
    plt.close(fig)
