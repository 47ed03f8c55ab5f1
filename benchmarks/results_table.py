"""Appending dated rows to a table in benchmarks/RESULTS.md: one section per benchmark, found by its heading."""
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
