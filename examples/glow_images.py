"""Glow on 8x8 images of digits: a 2-level Glow `FlowModel` trained for a couple of epochs.

Images: scikit-learn's digits as uint8 (`nfzoo.data.sources`), reduced to 5 bits and dequantised
(`nfzoo.data.pipeline.image_dataset`). Prints held-out bits/dim (the discrete 5-bit data's NLL in bits per
pixel) and optionally saves a grid of samples at temperature 0.7.

    python examples/glow_images.py [--epochs 2] [--steps 4] [--hidden 64] [--png samples.png] [--quick]
"""
import argparse

import keras
import numpy as np

from nfzoo.data.pipeline import image_dataset
from nfzoo.data.images import to_uint8
from nfzoo.data.sources import load_splits
from nfzoo.models.glow import glow

N_BITS = 5


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=4, help="flow steps per level")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--png", help="optional 4x4 grid of samples")
    parser.add_argument("--quick", action="store_true", help="1 step per level, width 16, 1 epoch on 256 images")
    args = parser.parse_args(argv)
    splits = load_splits({"source": "digits", "val_fraction": 0.2, "seed": 0})
    train_images = splits.train_images[:256] if args.quick else splits.train_images
    steps, hidden, epochs = (1, 16, 1) if args.quick else (args.steps, args.hidden, args.epochs)

    keras.utils.set_random_seed(0)
    model = glow((8, 8, 1), levels=2, steps=steps, hidden=hidden, n_bits=N_BITS)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(image_dataset(train_images, batch_size=64, n_bits=N_BITS, seed=0), epochs=epochs, verbose=0)
    val = image_dataset(splits.val_images, batch_size=256, n_bits=N_BITS, shuffle=False, seed=1)
    bpd = np.concatenate([model.bits_per_dim(x).numpy() for x in val]).mean()
    print(f"Glow, 2 levels x {steps} steps, {epochs} epoch(s): held-out {bpd:.3f} bits/dim ({N_BITS}-bit digits)")
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        images = to_uint8(model.sample(16, temperature=0.7, seed=0), N_BITS).numpy()[..., 0]
        grid = images.reshape(4, 4, 8, 8).transpose(0, 2, 1, 3).reshape(32, 32)
        plt.imsave(args.png, grid, cmap="gray", vmin=0, vmax=255)


if __name__ == "__main__":
    main()
