"""The ``nfzoo`` command line. Each subcommand lives in its own module with ``add_parser(commands)``,
which registers its arguments and sets ``handler(args)`` to run it."""
import argparse
import sys

from nfzoo.cli import export, training, zoo

SUBCOMMANDS = [training, zoo, export]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="nfzoo", description="Normalizing-flow model zoo for TensorFlow/Keras.")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    args = parser.parse_args(argv)
    return args.handler(args) or 0


if __name__ == "__main__":
    sys.exit(main())
