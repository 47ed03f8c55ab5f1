"""Generated faces in the format of ``../shared/data/celeba_subset`` (``images.npz``, ``attributes.csv``,
``identity_split.csv``), for tests and for speed measurements on machines without the real faces (the time of a
training step does not depend on the pixel values)."""
import csv

import numpy as np

from nfzoo.data.celeba import CELEBA_ATTRIBUTES


def write_fake_celeba_npz(folder, n=96, size=16, identities=8, seed=0):
    """Writes images.npz, attributes.csv and identity_split.csv like ../shared/data/celeba_subset.
    Images are smooth colour gradients plus a bright blob whose size follows the 'Smiling' attribute, so a
    flow has structure to learn and an attribute has a visible direction."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1)
    attributes = rng.choice([-1, 1], size=(n, len(CELEBA_ATTRIBUTES))).astype(np.int8)
    smiling = CELEBA_ATTRIBUTES.index("Smiling")
    images = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        colour = rng.uniform(0.2, 0.8, 3)
        radius = 0.35 if attributes[i, smiling] > 0 else 0.15
        blob = ((rows - 0.5) ** 2 + (cols - 0.5) ** 2 < radius**2).astype(float)
        image = colour * (0.5 + 0.5 * rows[..., None]) + 0.3 * blob[..., None] + rng.normal(0, 0.03, (size, size, 3))
        images[i] = np.clip(image * 255, 0, 255).astype(np.uint8)
    filenames = np.array([f"{i:06d}.jpg" for i in range(n)])
    np.savez_compressed(folder / "images.npz", images=images, filenames=filenames)
    with open(folder / "attributes.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", *CELEBA_ATTRIBUTES])
        writer.writerows([[name, *row] for name, row in zip(filenames, attributes.tolist())])
    with open(folder / "identity_split.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", "celeba_identity", "source_folder", "source_split"])
        writer.writerows([[name, i % identities, "x", "train_dataset"] for i, name in enumerate(filenames)])
    return folder
