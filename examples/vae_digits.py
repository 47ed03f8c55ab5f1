"""A VAE with an amortised planar-flow posterior on binarised digits: ELBO and importance-sampled ln p(x).

The encoder gives mu, sigma and, per example, the (u, w, b) of K planar steps; the decoder gives Bernoulli
logits. The test ELBO is a lower bound on ln p(x); importance sampling with k posterior draws tightens it.

    python examples/vae_digits.py [--posterior planar] [--steps 10] [--epochs 100] [--k 500] [--quick]
"""
import argparse

import keras
from sklearn.datasets import load_digits

from nfzoo.variational.vae import POSTERIORS, VAE


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posterior", default="planar", choices=POSTERIORS)
    parser.add_argument("--steps", type=int, default=10, help="flow steps K (ignored for diag)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--k", type=int, default=500, help="importance samples")
    parser.add_argument("--quick", action="store_true", help="2 steps, 2 epochs, k = 10")
    args = parser.parse_args(argv)
    steps, epochs, k = (2, 2, 10) if args.quick else (args.steps, args.epochs, args.k)

    x = (load_digits().data / 16.0 > 0.5).astype("float32")  # binarised 8x8 digits, [1797, 64]
    train, test = x[:1500], x[1500:]
    keras.utils.set_random_seed(0)
    model = VAE(64, latent_dim=8, posterior=args.posterior, flow_steps=0 if args.posterior == "diag" else steps)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(train, batch_size=64, epochs=epochs, verbose=0)
    print(f"{args.posterior} posterior: test -ELBO {-model.elbo(test, samples=10).mean():.2f} nats, "
          f"-ln p(x) ~= {-model.importance_log_likelihood(test, k=k).mean():.2f} nats (k = {k})")


if __name__ == "__main__":
    main()
