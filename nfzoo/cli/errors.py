"""How the command line reports a failure: one line on stderr, ``nfzoo: error: ...``.

Exit codes: 2 for what the user can fix (a bad argument or config, a missing file, a wrong model name: argparse's
errors and `USER_ERRORS`), 1 for anything else (a bug: the line says so), 130 for Ctrl-C. ``--verbose`` prints the
traceback before the line.
"""
import argparse
import sys
import traceback

USER_ERRORS = (ValueError, LookupError, OSError)  # bad values, unknown names, missing or unreadable files


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (argparse's own print the usage first)."""

    def error(self, message):
        self.exit(2, f"nfzoo: error: {message} (see `{self.prog} --help`)\n")


def report(error, verbose=False):
    """Prints ``error`` as one line on stderr (after its traceback with ``verbose``) -> the exit code."""
    if verbose:
        traceback.print_exception(error)
    if isinstance(error, KeyboardInterrupt):
        print("nfzoo: interrupted", file=sys.stderr)
        return 130
    message = one_line(error)
    if isinstance(error, USER_ERRORS):
        print(f"nfzoo: error: {message}", file=sys.stderr)
        return 2
    hint = "" if verbose else "; rerun with --verbose for the traceback"
    print(f"nfzoo: error: unexpected {type(error).__name__}: {message}{hint}", file=sys.stderr)
    return 1


def one_line(error):
    """The message of ``error`` on one line (a KeyError's without the quotes str() adds)."""
    text = error.args[0] if isinstance(error, KeyError) and error.args else error
    return " ".join(str(text).split()) or type(error).__name__
