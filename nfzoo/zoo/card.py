"""The model card of a zoo entry: its `ZooRecord` (config, measured facts, data licence) rendered as Markdown
(``README.md``) beside the facts themselves (``card.json``). Rendering only: `nfzoo.zoo.measure` measures, and
`nfzoo.zoo.publish` writes the entry."""
import json

from nfzoo.training.atomic import replaced_file
from nfzoo.zoo.attribute_effect import effect_table
from nfzoo.zoo.conditional_card import class_conditional_section
from nfzoo.zoo.records import read_record, record_of
from nfzoo.zoo.registry import model_dir


def write_card(folder, record):
    """Writes the record's facts as ``card.json`` and their rendering as ``README.md`` into ``folder``, each file
    whole or not at all."""
    for file, text in (("README.md", model_card(record)), ("card.json", json.dumps(record.card, indent=2) + "\n")):
        with replaced_file(folder / file) as partial:
            partial.write_text(text)


def update_card(name, **measured):
    """Adds measured entries to the card of the shipped model ``name`` and re-renders its README.md (the weights
    and the other numbers stay as they are); returns the card."""
    record = read_record(name)
    card = {**record.card, **measured}
    write_card(model_dir(name), record_of(record.config, card))
    return card


def model_card(record):
    """The model card (Markdown) of a `ZooRecord`: its measured facts (``record.card``) and data licence."""
    card, licence = record.card, record.licence
    data = card["data"]
    note = f"\n**Status:** {card['note']}\n" if card.get("note") else ""
    return f"""# {card['name']}

{card['description']}.
{note}
| | |
|---|---|
| family | {card['family']} |
| architecture | {', '.join(f'{k}={v}' for k, v in card['architecture'].items())} |
| parameters | {card['parameters']:,} |
| resolution, n_bits | {'x'.join(map(str, card['resolution']))}, {card['n_bits']}-bit |
| data | {data.get('source')} ({card['train_images']} training / {card['held_out_images']} held-out images; split: {data.get('split', 'random')}, val_fraction {data.get('val_fraction')}, seed {data.get('seed')}) |
| **held-out bits/dim** | **{card['held_out_bits_per_dim']}**{held_out_sets_note(card)} |
{previous_model_row(card)}| training bits/dim | {card['train_bits_per_dim']}{sets_note(card.get('train_sets'))} |
| training | {card['training']['epochs']} epochs (~{card['training']['steps']} steps), batch {card['training']['batch_size']}, Adam lr {card['training']['learning_rate']}, warm-up {card['training'].get('warmup_steps', 0)} steps, {wall_time_note(card)}{cpu_time_note(card)}{precision_note(card)} |
| machine | {card['machine']} |
| measured | {card['date']} by `{card['commands'][1]}` |

{bits_per_dim_note(card)}

{script_sections(card)}{class_conditional_section(card)}{attribute_section(card)}Reproduce: `{card['commands'][0]}` then `{card['commands'][1]}`.

Data licence: {licence}
"""


def held_out_sets_note(card):
    """`sets_note` of the held-out split's sets."""
    return sets_note(card.get("held_out_sets"))


def sets_note(sets):
    """`` (set a, n images: x; set b, m images: y)`` for a card's figures of more than one named set."""
    sets = sets or {}
    if len(sets) < 2:
        return ""
    return " (" + "; ".join(f"{name}, {s['images']} images: {s['bits_per_dim']}" for name, s in sets.items()) + ")"


def previous_model_row(card):
    """A table row comparing with the model shipped before, measured now on the same held-out images."""
    previous = card.get("previous_model")
    if not previous:
        return ""
    now = previous["held_out_measured_now"]
    sets = "; ".join(f"{name}: {value}" for name, value in now.items() if name != "all")
    return (f"| previous model (shipped {previous['date']}), same held-out images | {now['all']}"
            f"{f' ({sets})' if sets else ''}; its card said {previous['card_held_out_bits_per_dim']} |\n")


def likelihood_figure(card):
    """Which figure a card's bits/dim is, in a few words: a VAE's ELBO, a flow's variational-dequantisation bound,
    or a flow's likelihood under uniform dequantisation (all upper bounds on the discrete NLL; `bits_per_dim_note`
    says it in full)."""
    if card.get("likelihood_bound") == "elbo":
        return "ELBO bound"
    if card.get("architecture", {}).get("dequantization") == "variational":
        return "variational-dequantisation bound"
    return "uniform dequantisation"


def bits_per_dim_note(card):
    """How the card's bits/dim were measured: the dequantisation bound of the model's ``dequantization``."""
    if card.get("likelihood_bound") == "elbo":
        how = ("the negative ELBO under a discretised-logistic likelihood of the pixels, one posterior draw per image "
               "(fixed seed); an upper bound like the flows' dequantisation bounds, looser by KL(q(z|x) || p(z|x))")
    elif card["architecture"].get("dequantization", "uniform") == "variational":
        how = ("the variational-dequantisation bound E_q[log p(y) - log q(u | x)] with one noise draw per image from "
               "the model's learned q (its uniform input noise, fixed seed, mapped through q); an upper bound like the "
               "uniform one, which is the special case q = uniform")
    else:
        how = "one uniform dequantisation per image (fixed seed)"
    return (f"Bits/dim: negative log-likelihood of the discrete {card['n_bits']}-bit images in bits per subpixel, "
            f"{how}, averaged over the held-out split above.")


def wall_time_note(card):
    """The run's wall time, or that its epoch_times.txt was missing (a run folder copied without it)."""
    hours = card["training"].get("wall_time_hours")
    return "wall time not recorded" if hours is None else f"wall time {hours} h"


def cpu_time_note(card):
    """The run's CPU time (all threads), where its epoch_times.txt recorded it, and for how many epochs."""
    training = card["training"]
    if training.get("cpu_time_hours") is None:
        return ""
    epochs = training.get("cpu_time_epochs", training["epochs"])
    part = "" if epochs >= training["epochs"] else f" (recorded for {epochs} of {training['epochs']} epochs)"
    return f", CPU time {training['cpu_time_hours']} h{part}"


def precision_note(card):
    """How the conditioner networks computed in training, if not in float32 (the shipped model always is)."""
    precision = card["training"].get("network_precision", "float32")
    return "" if precision == "float32" else f"; networks computed in {precision} (shipped in float32: exact inverse)"


def attribute_section(card):
    """The card's "Attribute manipulation" section (empty for models without a measured attribute effect)."""
    effect = card.get("attribute_effect")
    if not effect:
        return ""
    return f"""## Attribute manipulation, measured

{effect['edited_images']} held-out faces are edited with `manipulate(faces, attribute, alpha)` = decode(z + alpha *
direction), where direction = mean training latent with the attribute minus mean training latent without. A
classifier fitted to the training split only scores the edits: {effect['classifier']}. P is its mean
probability of the attribute over the edited faces. The second column is how well it predicts the true labels
of all {effect['held_out_images']} held-out faces; a rise with alpha is evidence for the attribute only where it
is well above chance, since the classifier and the direction share the training labels. Rerun with
`python scripts/attribute_effect.py {card['name']}`.

{effect_table(effect)}
"""


def script_sections(card):
    """The sections scripts wrote into the card (``card["sections"]``: Markdown measured for the model's config, e.g.
    by benchmarks/budget_baseline.py), each followed by how the config changed since, if it did."""
    text = ""
    for section in card.get("sections", []):
        changes = section.get("recipe_changes")
        note = ("" if not changes else "\n\nMeasured with an earlier recipe: this model's config before these changes "
                "(the model above was trained with the new one): " + "; ".join(f"`{c}`" for c in changes) + ".")
        text += section["markdown"].rstrip("\n") + note + "\n\n"
    return text
