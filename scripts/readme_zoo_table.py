"""The README's zoo table, written from the shipped entries' records: every figure in it is one `nfzoo publish`
measured into the entry's card.json, so the table and the cards cannot disagree.

    python scripts/readme_zoo_table.py [--dry-run]

One row per shipped model (face models first, then by name): what it is, resolution and n_bits, the data and its
split, held-out bits/dim over the whole held-out split and per named held-out set (e.g. each data folder's) with
the bound it is, the training (epochs, wall time, CPU time where recorded, machine) and the date measured; then
the data licences, each with the models it covers. Replaces the block between `BEGIN` and `END` in README.md.
"""
import argparse
import sys
from pathlib import Path

from nfzoo.zoo.card import cpu_time_note, held_out_sets_note, likelihood_figure
from nfzoo.zoo.records import read_record
from nfzoo.zoo.registry import available

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from results_table import replace_block  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)

BEGIN = "<!-- zoo table: written by scripts/readme_zoo_table.py -->"
END = "<!-- /zoo table -->"
HEAD = ("| model | what it is | pixels, n_bits | data (training / held-out images, split) | held-out bits/dim | "
        "training | measured |\n|---|---|---|---|---|---|---|")


def held_out(card):
    """The card's held-out figure, per held-out set when there are several, and the bound it is."""
    figure = f"**{card['held_out_bits_per_dim']}**{held_out_sets_note(card)}"
    conditional = card.get("class_conditional")
    if conditional:
        figure += (f"; given the label {conditional['held_out_bits_per_dim_given_label']}, argmax_y p(x given y) "
                   f"right for {100 * conditional['held_out_accuracy']:.1f}%")
    return f"{figure}; {likelihood_figure(card)}"


def training(card):
    t = card["training"]
    return f"{t['epochs']} epochs, wall {t['wall_time_hours']} h{cpu_time_note(card)}; {card['machine']}"


def row(record):
    card, data = record.card, record.card["data"]
    paths = data.get("path")
    source = data.get("source") + (f" ({', '.join(Path(p).name for p in paths)})" if isinstance(paths, list) else "")
    split = data.get("split", "random")
    return (f"| `{record.name}` | {record.description} | {'x'.join(map(str, card['resolution']))}, {card['n_bits']}-bit "
            f"| {source}: {card['train_images']:,} / {card['held_out_images']:,}, {split} split | {held_out(card)} | "
            f"{training(card)} | {card['date']} |")


def zoo_table(names):
    records = sorted((read_record(name) for name in names), key=lambda r: ("celeba" not in r.name, r.name))
    licences = {}
    for record in records:
        licences.setdefault(record.licence, []).append(f"`{record.name}`")
    notes = "\n".join(f"- {', '.join(models)}: {licence}" for licence, models in licences.items())
    return f"{HEAD}\n" + "\n".join(row(r) for r in records) + f"\n\nData licences:\n\n{notes}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print the table, leave README.md alone")
    args = parser.parse_args(argv)
    table = zoo_table(available())
    print(table)
    if not args.dry_run:
        replace_block(ROOT / "README.md", BEGIN, END, table)
        print("wrote the zoo table in README.md")


if __name__ == "__main__":
    main()
