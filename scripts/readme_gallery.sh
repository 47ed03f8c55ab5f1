#!/usr/bin/env bash
# Draws the README gallery with the shipped glow_celeba (every image is the output of the command beside it in
# the README). Run from the repository root after `pip install -e .`; takes a few minutes on 2 CPU cores.
set -euo pipefail
nfzoo sample glow_celeba -n 16 -t 0.7 --seed 0 -o docs/img/celeba_samples_t0.7.png
nfzoo sample glow_celeba -n 16 -t 1.0 --seed 0 -o docs/img/celeba_samples_t1.0.png
for attribute in Smiling Eyeglasses Blond_Hair; do
  nfzoo manipulate glow_celeba --attribute "$attribute" --alpha=-1,-0.5,0,0.5,1 -o "docs/img/celeba_${attribute}.png"
done
nfzoo interpolate glow_celeba --steps 8 -o docs/img/celeba_interpolation.png
