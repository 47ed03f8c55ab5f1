"""One training per run folder: ``<folder>/train.lock`` holds the pid of the process training there.

The lock is an OS file lock (``flock``) on that file, so it dies with its process: a lock left by a killed run
is taken over by the next one without any clean-up, while a second run started next to a live one is refused.
"""
import contextlib
import fcntl
import os
from pathlib import Path


class RunFolderInUse(OSError):
    """Another live process is training in this run folder (an OSError: a resource in use)."""


@contextlib.contextmanager
def run_lock(folder):
    """Holds ``folder``'s training lock for the block; raises `RunFolderInUse` if another process holds it."""
    path = Path(folder) / "train.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            raise RunFolderInUse(f"{folder} is in use: process {holder} is training there (lock {path}); wait for it "
                                 "to finish or stop it, or train into another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)
