"""A measured effect of attribute manipulation: does editing a face along a direction change the attribute?

For each attribute a:

1. **Classifier** (training split only): logistic regression (class-balanced, L2, ``C``) on standardised
   pixels average-pooled to ``feature_size`` x ``feature_size`` x channels, fitted to the training faces'
   labels. Its accuracy, balanced accuracy and ROC AUC against the true labels of *all* held-out faces are
   reported, so a reader can tell whether it sees the attribute at all (compare with the held-out majority
   rate: Eyeglasses is ~5% positive, so plain accuracy alone says little).
2. **Edits** (held-out faces, never seen in training): ``zoo_model.manipulate(faces, a, alpha)``, i.e.
   ``decode(encode(face) + alpha * direction_a)`` with ``direction_a = mean(z | a = +1) - mean(z | a = -1)``
   over the training encodings (`nfzoo.zoo.directions`), for every alpha in ``alphas``.
3. **Effect**: the classifier's mean P(a) over the edited faces per alpha. Editing works if it rises for
   alpha > 0 and falls for alpha < 0 (``increasing``: the mean is strictly increasing in alpha).
4. **Exactness**: the largest and the mean absolute pixel difference between the alpha = 0 edits and the
   held-out faces themselves, as the model displays them (quantised to its ``n_bits``: for 8-bit models, the
   original uint8 faces). A flow's decode(encode(x)) is exact, so both are 0; a VAE's is a reconstruction.

Caveat: the direction and the classifier are both fitted to the training split's labels, so a classifier that
is at chance on held-out faces can still "rise with alpha" (both pick up the same training-set correlations).
Read the effect together with the classifier's held-out balanced accuracy / AUC.

Faces and edits are both scored at the model's ``n_bits``, so the classifier sees the same kind of image in
training and on the edits. `measure_attribute_effect` returns a JSON-serialisable dict; `effect_table`
renders it as markdown.
"""
import numpy as np
import tensorflow as tf

from nfzoo.data.images import to_model_space, to_uint8
from nfzoo.zoo.zoo_model import DecodeOverflowError

DEFAULT_ATTRIBUTES = ("Smiling", "Eyeglasses", "Blond_Hair", "Male")
DEFAULT_ALPHAS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def measure_attribute_effect(zoo_model, train_images, train_attributes, held_out_images, held_out_attributes,
                             attribute_names, attributes=DEFAULT_ATTRIBUTES, alphas=DEFAULT_ALPHAS,
                             max_images=256, feature_size=16, C=0.01, batch_size=64, seed=0):
    """Measures how editing held-out faces along attribute directions changes a classifier's score.

    Args:
      zoo_model: a `ZooModel` with attribute directions (``manipulate``, ``prepare``, ``attributes``).
      train_images, train_attributes: the training split: uint8 [N, H, W, C] and labels [N, A] in {-1, 1}
        (0/1 accepted). Only these train the classifiers (the directions came from the same split).
      held_out_images, held_out_attributes: the held-out split (labels may be None: the classifier's held-out
        accuracy is then not reported).
      attribute_names: the A column names of the label arrays.
      attributes: the attributes to measure (names known to both the labels and the model).
      alphas: edit strengths; 0 is always measured (added if missing).
      max_images: how many held-out faces to edit (a seeded random subset; the classifier's held-out accuracy
        uses all of them).
      feature_size: the classifier's pooled resolution (capped at the image size).
      C: inverse L2 strength of the logistic regression.

    Returns a dict: ``alphas``, ``edited_images``, ``classifier`` (what it is), ``alpha0_max_abs_pixel_diff``
    and ``alpha0_mean_abs_pixel_diff`` (the largest over all attributes) and ``attributes`` {name:
    {``classifier_held_out_accuracy``,
    ``classifier_held_out_balanced_accuracy``, ``classifier_held_out_auc``, ``held_out_positive_rate``,
    ``train_positives``, ``mean_p`` (one per alpha), ``mean_p_unedited``, ``increasing``,
    ``alpha0_max_abs_pixel_diff``, ``alpha0_mean_abs_pixel_diff``, ``overflowed_faces``}}.

    A flow's inverse can overflow on a latent edited far from the prior (a face whose edit decodes to infinity:
    `ZooModel.decode` refuses it). Such faces are counted in ``overflowed_faces`` and left out of that attribute's
    ``mean_p`` and alpha = 0 check, so that one face cannot stop the measurement of the others.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = [str(n) for n in attribute_names]
    attributes = list(attributes)
    for attribute in attributes:
        if attribute not in names:
            raise KeyError(f"unknown attribute {attribute!r}: the labels have {', '.join(names)}")
        if attribute not in zoo_model.attributes:
            raise KeyError(f"{zoo_model.name} has no direction for {attribute!r}; it knows: "
                           f"{', '.join(zoo_model.attributes) or '(none)'}")
    alphas = sorted({float(a) for a in alphas} | {0.0})
    train_labels = _as_pm1(train_attributes, len(train_images), len(names))
    held_labels = (None if held_out_attributes is None
                   else _as_pm1(held_out_attributes, len(held_out_images), len(names)))

    n_bits = zoo_model.n_bits
    train_faces = displayed(zoo_model.prepare(train_images), n_bits)
    held_faces = displayed(zoo_model.prepare(held_out_images), n_bits)
    size = min(feature_size, *zoo_model.image_shape[:2])
    features = lambda images: pooled_pixels(images, size)  # noqa: E731
    train_x, held_x = features(train_faces), features(held_faces)

    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(held_faces), min(max_images, len(held_faces)), replace=False))
    faces = held_faces[chosen]

    result = {"alphas": alphas, "edited_images": int(len(faces)), "held_out_images": int(len(held_faces)),
              "classifier": f"logistic regression (class-balanced, C={C}) on standardised {size}x{size} "
                            f"average-pooled pixels, trained on the {len(train_faces)} training faces",
              "attributes": {}}
    for attribute in attributes:
        column = names.index(attribute)
        y_train = train_labels[:, column] > 0
        if y_train.all() or not y_train.any():
            raise ValueError(f"the training labels of {attribute!r} have only one class: no classifier to train")
        classifier = make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=2000))
        classifier.fit(train_x, y_train)
        entry = {"train_positives": int(y_train.sum())}
        if held_labels is not None:
            y_held = held_labels[:, column] > 0
            p_held = classifier.predict_proba(held_x)[:, 1]
            entry.update({
                "classifier_held_out_accuracy": round(float(np.mean((p_held > 0.5) == y_held)), 4),
                "classifier_held_out_balanced_accuracy": (round(float(balanced_accuracy_score(y_held, p_held > 0.5)), 4)
                                                          if 0 < y_held.sum() < len(y_held) else None),
                "classifier_held_out_auc": (round(float(roc_auc_score(y_held, p_held)), 4)
                                            if 0 < y_held.sum() < len(y_held) else None),
                "held_out_positive_rate": round(float(y_held.mean()), 4),
            })
        strips, decoded = edit_strips(zoo_model, faces, attribute, alphas, batch_size)  # [n, k, H, W, C], [n]
        if not decoded.any():
            raise ValueError(f"every edit of {attribute!r} overflowed the flow's inverse: no effect to measure")
        strips, kept = strips[decoded], faces[decoded]
        mean_p = [float(np.mean(classifier.predict_proba(features(strips[:, i]))[:, 1])) for i in range(len(alphas))]
        error = np.abs(strips[:, alphas.index(0.0)].astype(np.int16) - kept.astype(np.int16))
        entry.update({
            "mean_p": [round(p, 4) for p in mean_p],
            "mean_p_unedited": round(float(np.mean(classifier.predict_proba(features(kept))[:, 1])), 4),
            "increasing": bool(np.all(np.diff(mean_p) > 0)),
            "alpha0_max_abs_pixel_diff": int(error.max()),
            "alpha0_mean_abs_pixel_diff": round(float(error.mean()), 3),
            "overflowed_faces": int((~decoded).sum()),
        })
        result["attributes"][attribute] = entry
    for key in ("alpha0_max_abs_pixel_diff", "alpha0_mean_abs_pixel_diff"):
        result[key] = max(entry[key] for entry in result["attributes"].values())
    return result


def edit_strips(zoo_model, faces, attribute, alphas, batch_size):
    """``zoo_model.manipulate`` strips of ``faces`` [n, k, H, W, C] and a bool mask [n] of the faces whose edits
    all decoded (a face with an edit that overflowed is masked out, that edit left black)."""
    strips = np.zeros((len(faces), len(alphas), *faces.shape[1:]), np.uint8)
    decoded = np.ones(len(faces), bool)
    for start in range(0, len(faces), batch_size):
        batch = slice(start, start + batch_size)
        try:
            strips[batch] = zoo_model.manipulate(faces[batch], attribute, alphas)
        except DecodeOverflowError as error:
            strips[batch], decoded[start + error.overflowed] = error.images, False
    return strips, decoded


def displayed(images_uint8, n_bits):
    """uint8 images as a model with ``n_bits`` shows them (the centre of each bin; unchanged for 8 bits)."""
    return to_uint8(to_model_space(images_uint8, n_bits), n_bits).numpy()


def pooled_pixels(images_uint8, size):
    """uint8 [N, H, W, C] -> float features [N, size * size * C]: average-pooled pixels in [0, 1]."""
    x = tf.image.resize(tf.cast(images_uint8, tf.float32) / 255.0, (size, size), method="area")
    return x.numpy().reshape(len(images_uint8), -1)


def _as_pm1(labels, n, a):
    labels = np.asarray(labels)
    if labels.shape != (n, a):
        raise ValueError(f"attribute labels must be [N, A] = [{n}, {a}], got shape {labels.shape}")
    return np.where(labels > 0, 1, -1)


def effect_table(effect):
    """The measurement as a markdown table (one row per attribute) plus a line on alpha = 0 exactness."""
    alphas = effect["alphas"]
    head = ["attribute", "classifier held-out acc. (balanced, AUC; % positive)",
            *[f"P at alpha={a:g}" for a in alphas], "rises with alpha"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, entry in effect["attributes"].items():
        if "classifier_held_out_accuracy" in entry:
            fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
            balanced, auc = entry["classifier_held_out_balanced_accuracy"], entry["classifier_held_out_auc"]
            quality = (f"{entry['classifier_held_out_accuracy']:.3f} ({fmt(balanced)}, {fmt(auc)}; "
                       f"{100 * entry['held_out_positive_rate']:.0f}%)")
        else:
            quality = "n/a"
        rows.append("| " + " | ".join([name, quality, *[f"{p:.3f}" for p in entry["mean_p"]],
                                        "yes" if entry["increasing"] else "**no**"]) + " |")
    exact = effect["alpha0_max_abs_pixel_diff"]
    rows.append("")
    mean = effect.get("alpha0_mean_abs_pixel_diff")  # not in cards measured before 2026-11-30
    how = ("exactly (max abs pixel difference 0)." if exact == 0 else
           f"with max abs pixel difference {exact}." if mean is None else
           f"approximately: mean abs pixel difference {mean:.1f} of 255, max {exact} (not an exact inverse, e.g. a "
           f"VAE's reconstruction).")
    rows.append(f"alpha = 0 reconstructs the {effect['edited_images']} edited held-out faces {how}")
    overflowed = {name: entry["overflowed_faces"] for name, entry in effect["attributes"].items()
                  if entry.get("overflowed_faces")}
    if overflowed:
        counts = ", ".join(f"{name} {count}" for name, count in overflowed.items())
        rows.append(f"Faces whose edit at some alpha overflowed the flow's inverse (decoded to infinity) and are left "
                    f"out of that row: {counts} of {effect['edited_images']}.")
    return "\n".join(rows) + "\n"
