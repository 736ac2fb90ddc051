"""The `linkcheck` console script and `python -m linkcheck`: begin the store's key derivation
(early.py) before anything else is imported, then run the command line."""

import sys


def run() -> None:
    from . import early

    early.start(sys.argv[1:])
    from .cli import run as run_command_line

    run_command_line(at_once=True)
