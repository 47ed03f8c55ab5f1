"""Class-conditional flows on two moons: p(x | y), y = which moon, with a conditional MAF and a conditional Real NVP.

Every conditional layer sees the one-hot label c: the MAF's MADE takes it in every layer (unmasked), each coupling's
network takes a learned projection of it beside the half it conditions on. ``FlowModel(..., num_classes=2)`` fits
on (x, one-hot y) pairs; ``log_prob(x, y)`` is log p(x | y), ``log_prob(x)`` the mixture (1/2) sum_y p(x | y), and
``sample(n, context=y)`` draws one moon. Printed per model: the test log-likelihood given the label, the accuracy
of argmax_y p(x | y) as a classifier, and how many samples drawn for a moon lie nearer that moon than the other.

    python examples/conditional_moons.py [--layers 5] [--epochs 30] [--png samples.png] [--quick]
"""
import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import make_moons

from common import moons_args, save_scatter
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.coupling import Coupling
from nfzoo.models.flow_model import FlowModel

ORDERS = ("left-to-right", "right-to-left")


def labelled_moons(n, seed):
    """``(points float32 [n, 2], moon int [n])``: two moons scaled as `nfzoo.data.targets.two_moons`."""
    points, labels = make_moons(n_samples=n, noise=0.1, random_state=seed)
    return (points * 2.0 + np.array([-1.0, -0.2])).astype(np.float32), labels


def conditional_maf(layers):
    return FlowModel([layer for i in range(layers) for layer in (
        ActNorm(), MaskedAutoregressive(hidden_units=(64, 64), input_order=ORDERS[i % 2], context_size=2))],
        event_shape=(2,), num_classes=2, name="conditional_maf")


def conditional_realnvp(layers):
    return FlowModel([layer for i in range(layers) for layer in (
        ActNorm(), Coupling(kind="affine", parity=i % 2, hidden=64, context_size=2))],
        event_shape=(2,), num_classes=2, name="conditional_realnvp")


def fit_and_report(model, train, test, args):
    """Fits ``model`` on (x, one-hot y) batches of ``train``; prints its figures on ``test``."""
    (x, y), (x_test, y_test) = train, test
    data = tf.data.Dataset.from_tensor_slices((x, np.eye(2, dtype=np.float32)[y])).shuffle(len(x), seed=0).batch(256)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(data, epochs=args.epochs, verbose=0, shuffle=False)  # the dataset is shuffled
    per_label = np.stack([model.log_prob(x_test, label).numpy() for label in (0, 1)], axis=1)
    given_label = per_label[np.arange(len(y_test)), y_test].mean()
    accuracy = np.mean(per_label.argmax(axis=1) == y_test)
    on_their_moon = []
    for label in (0, 1):
        samples = model.sample(500, seed=label, context=label).numpy()
        distance = np.linalg.norm(samples[:, None] - x[None], axis=-1)  # to every training point
        on_their_moon.append(np.mean(y[distance.argmin(axis=1)] == label))
        if args.png:
            save_scatter(samples, args.png.replace(".png", f"_{model.name}_moon{label}.png"))
    print(f"{model.name}, {args.layers} layers, {args.epochs} epochs: test log-likelihood given the moon "
          f"{given_label:.3f} nats (mixture {model.log_prob(x_test).numpy().mean():.3f}); argmax_y p(x | y) "
          f"classifies {100 * accuracy:.1f}% of test points; samples on the asked moon: "
          f"{100 * on_their_moon[0]:.0f}% / {100 * on_their_moon[1]:.0f}%")


def main(argv=None):
    args = moons_args(__doc__, layers=5, argv=argv)
    keras.utils.set_random_seed(0)
    train, test = labelled_moons(args.points, seed=0), labelled_moons(2000, seed=1)
    for build in (conditional_maf, conditional_realnvp):
        fit_and_report(build(args.layers), train, test, args)


if __name__ == "__main__":
    main()
