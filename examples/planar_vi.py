"""Variational inference with a planar flow: fit q(z) to p(z) ∝ exp(-U(z)) for a Rezende & Mohamed energy.

q = K planar layers pushed forward from N(0, I); `nfzoo.variational.variational_flow.fit` minimises the free energy
F = E_q[ln q(z) + U(z)] >= -ln Z with the paper's annealing (beta 0.01 -> 1).

    python examples/planar_vi.py [--energy u2] [--layers 16] [--steps 3000] [--png samples.png] [--quick]
"""
import argparse

import keras

from common import save_scatter
from nfzoo.bijectors.planar import Planar
from nfzoo.variational.free_energy import LinearBeta
from nfzoo.variational.variational_flow import fit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--energy", default="u2", choices=["u1", "u2", "u3", "u4"])
    parser.add_argument("--layers", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--png", help="optional scatter plot of samples from q")
    parser.add_argument("--quick", action="store_true", help="2 layers, 50 steps")
    args = parser.parse_args(argv)
    layers, steps = (2, 50) if args.quick else (args.layers, args.steps)

    model = fit(args.energy, [Planar() for _ in range(layers)], dim=2, steps=steps, batch_size=256,
                learning_rate=keras.optimizers.schedules.CosineDecay(2e-2, steps, alpha=0.01),
                beta_schedule=LinearBeta(steps=max(1, steps // 4)))
    f, se = model.free_energy(10_000, seed=1)
    print(f"{args.energy.upper()}, {layers} planar layers, {steps} steps: free energy F = {f:.3f} ± {se:.3f} nats")
    if args.png:
        save_scatter(model.sample(5000, seed=2)[0].numpy(), args.png)


if __name__ == "__main__":
    main()
