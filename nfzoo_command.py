"""The ``nfzoo`` console script (setup.py): quiet TensorFlow start-up, then `nfzoo.cli.main`.

It lives outside the nfzoo package on purpose. Importing any part of the package imports TensorFlow, whose
shared libraries print start-up lines on stderr as they load (oneDNN and CPU-feature notes, CUDA driver probes);
the ones logged before absl is initialised ignore ``TF_CPP_MIN_LOG_LEVEL``, and a CPU-only machine later logs
``failed call to cuInit`` at error level. So, unless ``--verbose`` is given, this loads TensorFlow first with
``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set) and file descriptor 2 pointed at /dev/null for the import only.
"""
import os
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--verbose" not in argv:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import_without_stderr("tensorflow")
    from nfzoo.cli import main as run

    return run(argv)


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
