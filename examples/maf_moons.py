"""Masked autoregressive flow (MAF) on two moons: `MaskedAutoregressive` layers in a `FlowModel`.

Each layer maps data to noise in one MADE pass, u_i = (x_i - mu_i(x_<i)) exp(-alpha_i(x_<i)); the input order
alternates between layers. Sampling inverts the layers (D passes each).

    python examples/maf_moons.py [--layers 5] [--epochs 30] [--png samples.png] [--quick]
"""
import keras

from common import fit_moons, moons_args
from nfzoo.bijectors.autoregressive import MaskedAutoregressive

ORDERS = ("left-to-right", "right-to-left")


def main(argv=None):
    args = moons_args(__doc__, layers=5, argv=argv)
    keras.utils.set_random_seed(0)
    fit_moons("MAF", [MaskedAutoregressive(hidden_units=(64, 64), input_order=ORDERS[i % 2])
                      for i in range(args.layers)], args)


if __name__ == "__main__":
    main()
