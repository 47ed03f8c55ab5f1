"""Vector data for the vector families (MAF, IAF, NAF, SOS, vector Real NVP): float32 rows [N, D].

| source    | rows                                                                                  | D          |
|-----------|---------------------------------------------------------------------------------------|------------|
| two_moons | `nfzoo.data.targets.two_moons` with ``num_examples`` (default 2000) and ``noise`` (0.1) | 2          |
| sklearn   | a table bundled with scikit-learn (``sklearn_name``: `SKLEARN_TABLES`), its features   | 4 to 30    |
| npz       | ``path``: a .npz file holding one 2-D numeric array (or several, one named ``x``)       | the array's|

`nfzoo.data.sources` splits the rows at random (``val_fraction``, ``seed``); the features of a scikit-learn table
are standardised with the training rows' mean and standard deviation (`standardise`), since their scales differ
by orders of magnitude.
"""
from pathlib import Path

import numpy as np

from nfzoo.data.targets import two_moons

VECTOR_SOURCES = ("two_moons", "sklearn", "npz")
SKLEARN_TABLES = ("breast_cancer", "diabetes", "iris", "wine")


def load_rows(data_config, path=None):
    """The float32 rows [N, D] of a vector source; ``path`` (the npz file) overrides ``data_config["path"]``."""
    source = data_config["source"]
    if source == "two_moons":
        return two_moons(data_config.get("num_examples", 2000), noise=data_config.get("noise", 0.1),
                         seed=data_config.get("seed", 0))
    if source == "sklearn":
        import sklearn.datasets

        name = data_config.get("sklearn_name")
        if name not in SKLEARN_TABLES:
            raise ValueError(f"data.sklearn_name must be one of {', '.join(SKLEARN_TABLES)}, got {name!r}.")
        return getattr(sklearn.datasets, f"load_{name}")().data.astype(np.float32)
    if source == "npz":
        return read_npz_rows(path or data_config.get("path"))
    raise ValueError(f"data.source must be one of {VECTOR_SOURCES} for vectors, got {source!r}.")


def read_npz_rows(path):
    """The 2-D numeric array of a .npz file (its only array, or the one named ``x``) as float32 [N, D]."""
    if path is None or not Path(path).is_file():
        raise FileNotFoundError(f"data source 'npz' needs a .npz file: set data.path or pass --data FILE, got {path}")
    with np.load(path) as npz:
        names = npz.files
        key = "x" if "x" in names else names[0] if len(names) == 1 else None
        if key is None:
            raise ValueError(f"{path} holds the arrays {names}: expected one array, or one named 'x'")
        rows = npz[key]
    if rows.ndim != 2 or not np.issubdtype(rows.dtype, np.number) or len(rows) < 2:
        raise ValueError(f"{path}: expected a numeric array [N >= 2, D] of rows, got {rows.dtype} {rows.shape}")
    return rows.astype(np.float32)


def standardise(train, val):
    """(train, val) with every feature shifted and scaled by the training rows' mean and std (1 where constant)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0).astype(np.float32)
    return (train - mean) / std, (val - mean) / std
