"""Real NVP on two moons: affine couplings (alternating halves) in a `FlowModel`, fitted by maximum likelihood.

Each coupling keeps one coordinate and maps the other, y_b = (x_b + t(x_a)) sigmoid(h(x_a) + 2); alternating
``parity`` lets every coordinate be transformed. log p(x) = log N(z; 0, I) + sum of log-determinants.

    python examples/realnvp_moons.py [--layers 8] [--epochs 30] [--png samples.png] [--quick]
"""
import keras

from common import fit_moons, moons_args
from nfzoo.bijectors.coupling import Coupling


def main(argv=None):
    args = moons_args(__doc__, layers=8, argv=argv)
    keras.utils.set_random_seed(0)
    fit_moons("Real NVP", [Coupling(kind="affine", mask="channel", parity=i % 2, hidden=64) for i in range(args.layers)],
              args)


if __name__ == "__main__":
    main()
