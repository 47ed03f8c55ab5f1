"""The ``nfzoo`` command line. Each subcommand lives in its own module with ``add_parser(commands)``,
which registers its arguments and sets ``handler(args)`` to run it. Every failure is one line on stderr with an
exit code (`nfzoo.cli.errors`); ``--verbose`` (before or after the subcommand) adds the traceback."""
import argparse

from nfzoo.cli import export, training, zoo
from nfzoo.cli.errors import Parser, report

SUBCOMMANDS = [training, zoo, export]
VERBOSE_HELP = "show tracebacks and TensorFlow's own log lines"


def command_parser():
    parser = Parser(prog="nfzoo", description="Normalizing-flow model zoo for TensorFlow/Keras.")
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    for subcommand in commands.choices.values():  # also after the subcommand; SUPPRESS keeps the global value
        subcommand.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def main(argv=None):
    """Runs ``nfzoo ARGV`` -> the exit code (0 on success); never raises."""
    try:
        args = command_parser().parse_args(argv)
    except SystemExit as exit:  # argparse after --help (0) or a one-line usage error (2)
        return exit.code
    try:
        return args.handler(args) or 0
    except (Exception, KeyboardInterrupt) as error:
        return report(error, verbose=args.verbose)
