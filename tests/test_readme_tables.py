"""The README's zoo table is the one scripts/readme_zoo_table.py writes from the shipped cards: after a publish,
rerun the script (a card and the README can never disagree unnoticed)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_zoo_table_is_the_one_the_script_writes_from_the_cards(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from readme_zoo_table import BEGIN, END, zoo_table

    from nfzoo.zoo.registry import available

    text = (ROOT / "README.md").read_text()
    block = text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")
    assert block == zoo_table(available()), "run `python scripts/readme_zoo_table.py` after publishing a model"
