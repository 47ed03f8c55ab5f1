"""The model card's facts about a class-conditional flow (`nfzoo publish`): held-out bits/dim given the true label
and the accuracy of classifying held-out images by ``argmax_y p(x | y)`` (`nfzoo.models.conditional_eval`).

The card's headline held-out figure of such a flow is that of its unconditional density, the mixture
``p(x) = (1/K) sum_y p(x | y)``, comparable with an unconditional model's.
"""
from nfzoo.models.conditional_eval import class_conditional_scores


def class_conditional_facts(flow, splits):
    """``{"held_out_bits_per_dim_given_label", "held_out_accuracy", "classes", "images"}`` on the held-out split of
    ``splits`` for a class-conditional ``flow``; None for any other flow."""
    if not getattr(flow, "num_classes", None):
        return None
    if splits.val_labels is None:
        raise ValueError("a class-conditional model's card needs the held-out labels; the data source gives none.")
    scores = class_conditional_scores(flow, splits.val_images, splits.val_labels)
    return {"held_out_bits_per_dim_given_label": scores["bits_per_dim"], "held_out_accuracy": scores["accuracy"],
            "classes": int(flow.num_classes), "images": scores["images"]}


def class_conditional_section(card):
    """The card's Markdown paragraph on the class-conditional figures ("" for another model)."""
    facts = card.get("class_conditional")
    if not facts:
        return ""
    k = facts["classes"]
    return (f"Class-conditional: the model is p(x | y) for the label y in 0..{k - 1} (one-hot). On the "
            f"{facts['images']} held-out images, **{facts['held_out_bits_per_dim_given_label']} bits/dim given the "
            f"true label**; classifying each image by argmax_y p(x | y) (uniform prior over the {k} classes, the same "
            f"dequantisation noise under every label) is right for **{100 * facts['held_out_accuracy']:.1f}%** of "
            f"them. The held-out bits/dim above is that of the mixture p(x) = (1/{k}) sum_y p(x | y). Sample a "
            f"class with `nfzoo sample {card['name']} --label 3`.\n\n")
