"""Writing measured results into Markdown: dated rows appended to a table in benchmarks/RESULTS.md (one section
per benchmark, found by its heading), a dated section appended whole, or a block replaced between two marker
lines (README.md too)."""
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def append_rows(heading, table_head, rows, intro="", path=RESULTS):
    """Appends ``rows`` (Markdown table lines) to the table under ``heading`` (both created when missing, the
    section at the end of the file with ``intro`` above its table) -> the path written."""
    text = Path(path).read_text()
    if heading not in text:
        text = text.rstrip("\n") + f"\n\n{heading}\n" + (f"\n{intro.strip()}\n" if intro else "")
    section = text.index(heading) + len(heading)
    if text.find(table_head, section) == -1:
        end = text.find("\n## ", section)
        end = len(text.rstrip("\n")) if end == -1 else end
        text = text[:end].rstrip("\n") + "\n\n" + table_head + "\n" + text[end:]
    table = text.index(table_head, section) + len(table_head)
    end = text.find("\n\n", table)
    end = len(text.rstrip("\n")) if end == -1 else end
    text = text[:end] + "\n" + "\n".join(rows) + text[end:]
    Path(path).write_text(text if text.endswith("\n") else text + "\n")
    return path


def append_section(heading, body, path=RESULTS):
    """Appends ``heading`` and ``body`` (Markdown) as a new section at the end of ``path`` -> the path written."""
    path = Path(path)
    path.write_text(path.read_text().rstrip("\n") + f"\n\n{heading}\n\n{body.strip()}\n")
    return path


def replace_block(path, begin, end, block):
    """Replaces the text between the marker lines ``begin`` and ``end`` of ``path`` with ``block``; a file without
    both markers is an error that names them (a script never guesses where its output goes)."""
    path = Path(path)
    text = path.read_text()
    if begin not in text or end not in text:
        raise SystemExit(f"{path} has no block for this script: add the lines {begin} and {end} where it goes")
    start, stop = text.index(begin) + len(begin), text.index(end)
    path.write_text(text[:start] + "\n" + block + "\n" + text[stop:])
    return path
