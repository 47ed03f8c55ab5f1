"""Kill-safe writes: a file or a folder is written under a temporary sibling name and renamed into place.

A file: ``os.replace(tmp, path)`` is atomic, so ``path`` is always the old or the new complete file.

A folder ``path`` (a training backup, a zoo entry) is replaced in four steps:

    1. write everything into the sibling ``.<name>.new``
    2. rename ``path`` aside to ``.<name>.old``              (only once step 1 is complete)
    3. rename ``.<name>.new`` to ``path``
    4. delete ``.<name>.old``

A kill at any point leaves a complete old or new folder: at ``path`` itself, or, killed between steps 2 and 3,
as ``.<name>.new`` (complete, since ``.old`` exists) or ``.<name>.old``. `recover_folder` puts that folder back
at ``path`` and deletes what is left of the others; the writers below call it before they write.
"""
import contextlib
import os
import shutil
from pathlib import Path


def sibling(path, role):
    """``.<name>.<role>`` beside ``path``: where a folder is written (``new``), set aside (``old``) or removed."""
    path = Path(path)
    return path.with_name(f".{path.name}.{role}")


def recover_folder(path):
    """Finishes or undoes a folder replacement that was killed (see the module docstring); returns ``path``."""
    path, new, old, deleted = Path(path), sibling(path, "new"), sibling(path, "old"), sibling(path, "deleted")
    if not path.exists() and old.exists():
        os.replace(new if new.exists() else old, path)  # .old exists only once .new was complete
    for leftover in (new, old, deleted):
        if leftover.exists():
            shutil.rmtree(leftover)
    return path


@contextlib.contextmanager
def replaced_folder(path):
    """``with replaced_folder(path) as tmp:`` write the folder's new content into ``tmp``; when the block ends
    without error it replaces ``path`` as a whole (a failed block leaves ``path`` as it was)."""
    path = recover_folder(path)
    new, old = sibling(path, "new"), sibling(path, "old")
    new.mkdir(parents=True)
    try:
        yield new
        _sync_folder(new)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    if path.exists():
        os.replace(path, old)
    os.replace(new, path)
    _sync(path.parent)
    shutil.rmtree(old, ignore_errors=True)


def remove_folder(path):
    """Deletes ``path`` so that a kill leaves it either whole or gone (renamed to ``.<name>.deleted`` first)."""
    path = recover_folder(path)
    if path.exists():
        deleted = sibling(path, "deleted")
        os.replace(path, deleted)
        shutil.rmtree(deleted)


def partial_file(path):
    """``.<stem>.new<suffix>`` beside ``path``: where a new version of the file is written (the suffix is kept
    for writers that check it, such as ``model.save``)."""
    path = Path(path)
    return path.with_name(f".{path.stem}.new{path.suffix}")


def commit_file(partial, path):
    """Renames the complete ``partial`` onto ``path``."""
    _sync(partial)
    os.replace(partial, path)


@contextlib.contextmanager
def replaced_file(path):
    """``with replaced_file(path) as tmp:`` write ``tmp``; it replaces ``path`` when the block ends without
    error (a failed block leaves ``path`` as it was)."""
    tmp = partial_file(path)
    try:
        yield tmp
        commit_file(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _sync_folder(folder):
    for file in folder.rglob("*"):
        if file.is_file():
            _sync(file)
    _sync(folder)


def _sync(path):
    """Flushes a file or a folder entry to disk (a kill alone loses nothing written, a power cut could)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
