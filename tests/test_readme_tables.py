"""The README's zoo table is the one scripts/readme_zoo_table.py writes from the shipped cards: after a publish,
rerun the script (a card and the README can never disagree unnoticed); every image the README shows is there."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_zoo_table_is_the_one_the_script_writes_from_the_cards(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from readme_zoo_table import BEGIN, END, zoo_table

    from nfzoo.zoo.registry import available

    text = (ROOT / "README.md").read_text()
    block = text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")
    assert block == zoo_table(available()), "run `python scripts/readme_zoo_table.py` after publishing a model"


def test_every_image_the_readme_shows_is_in_the_repository():
    import re

    images = set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text()))
    assert len(images) >= 8, "the README's galleries link their images as ![alt](path)"
    missing = sorted(path for path in images if not (ROOT / path).is_file())
    assert not missing, f"the README links images that are not in the repository (scripts/readme_gallery.py): {missing}"


def test_the_gallery_takes_temperatures_as_written_and_refuses_others(monkeypatch):
    """argparse turns the refusal into one line and exit 2 (checked through the type, so that a regression cannot
    run the gallery's commands from a test)."""
    import argparse

    import pytest

    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from readme_gallery import temperature_list

    assert temperature_list("0.5,0.7,1.0") == ["0.5", "0.7", "1.0"]  # "1.0" names t1.0.png
    for bad in ("0.5,x", "-1", "0.5,inf", "0.7,"):
        with pytest.raises(argparse.ArgumentTypeError, match="expected a positive number"):
            temperature_list(bad)
