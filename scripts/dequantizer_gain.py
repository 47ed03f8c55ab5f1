"""How much would variational dequantisation add to a trained image flow? Learns only the dequantizer on top of it.

    python scripts/dequantizer_gain.py glow_celeba [--run-checkpoint runs/glow_celeba/best.keras] [--epochs 3]

Takes a shipped zoo model (or ``--run-checkpoint``, a .keras file of the same config), builds the same
architecture with ``dequantization: variational`` (`nfzoo.models.dequantizer`), copies the flow's weights, freezes
them and trains only the dequantizer q(u | x) on the config's training split (Adam 1e-3, the config's batch
size and augmentation). Prints the held-out bits/dim (the config's split, one dequantisation per image, the
trainer's validation pipeline) with uniform noise and with the learned q after each epoch. The flow itself is
unchanged, so the difference is how much of the uniform bound's gap q alone closes; training the flow together
with q (``model.dequantization: variational`` from the start) can gain more.
"""
import argparse
import time

import keras

from nfzoo.config import build, load_config
from nfzoo.models.keras_file import load_keras_model
from nfzoo.training.trainer import datasets
from nfzoo.zoo.measure import float32_networks
from nfzoo.zoo.registry import config_path, model_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="zoo name (its zoo_configs/NAME.yaml gives the data split)")
    parser.add_argument("--run-checkpoint", help="a .keras file to use instead of saved_models/NAME/model.keras")
    parser.add_argument("--data", help="data directory (overrides data.path in the config)")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)

    config = load_config(config_path(args.name))
    trained = float32_networks(
        load_keras_model(args.run_checkpoint or model_dir(args.name) / "model.keras"), config)
    model = build({**config, "model": {**config["model"], "precision": "float32", "dropout": 0.0,
                                       "dequantization": "variational"}})
    for layer, source in zip(model.flow_layers, trained.flow_layers, strict=True):
        layer.set_weights(source.get_weights())
        layer.trainable = False
    train, val = datasets(config, args.data, seed=config["training"].get("seed", 0))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    trained.compile()
    uniform = trained.evaluate(val, verbose=0, return_dict=True)["bits_per_dim"]
    print(f"held-out bits/dim, uniform noise: {uniform:.4f}", flush=True)
    for epoch in range(args.epochs):
        start = time.time()
        model.fit(train, epochs=epoch + 1, initial_epoch=epoch, verbose=0)
        learned = model.evaluate(val, verbose=0, return_dict=True)["bits_per_dim"]
        print(f"epoch {epoch + 1}: held-out bits/dim with the learned q {learned:.4f} "
              f"({learned - uniform:+.4f}), {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
