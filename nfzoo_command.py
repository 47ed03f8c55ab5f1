"""The ``nfzoo`` console script (setup.py): quiet TensorFlow start-up, then `nfzoo.cli.main`.

It lives outside the nfzoo package on purpose, and sets ``NFZOO_LAZY_IMPORT=1`` before importing it: the package
then imports nothing up front (`nfzoo.lazy`), so ``nfzoo --help``, ``nfzoo COMMAND --help`` and ``nfzoo list``
run without TensorFlow (well under a second). Every other command needs TensorFlow, whose shared libraries print
start-up lines on stderr as they load (oneDNN and CPU-feature notes, CUDA driver probes); the ones logged before
absl is initialised ignore ``TF_CPP_MIN_LOG_LEVEL``, and a CPU-only machine later logs ``failed call to cuInit`` at
error level. So, unless ``--verbose`` is given, this loads TensorFlow first with ``TF_CPP_MIN_LOG_LEVEL=3`` (unless
already set) and file descriptor 2 pointed at /dev/null for the import only.
"""
import os
import sys

WITHOUT_TENSORFLOW = ("list",)  # commands that run without TensorFlow (and any --help)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    os.environ["NFZOO_LAZY_IMPORT"] = "1"
    if "--verbose" not in argv and not runs_without_tensorflow(argv):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import_without_stderr("tensorflow")
    from nfzoo.cli import main as run

    return run(argv)


def runs_without_tensorflow(argv):
    """True for a help request or a command of `WITHOUT_TENSORFLOW` (the first argument not an option)."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return "-h" in argv or "--help" in argv or command in WITHOUT_TENSORFLOW


def import_without_stderr(module):
    """Imports ``module`` while file descriptor 2 (where C++ code writes directly) points at /dev/null."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        __import__(module)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
