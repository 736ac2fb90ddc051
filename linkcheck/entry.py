"""The `linkcheck` console script and `python -m linkcheck`: begin the store's key derivation
(early.py) before anything else is imported, then run the command line.

(Until the sixteenth session, `check`, `precheck` and `run` ran themselves again here, with
GLIBC_TUNABLES set for huge pages; the derivation now gets them in a helper process of its own:
early.py.)
"""

import sys


def run() -> None:
    try:
        from . import early

        early.start(sys.argv[1:])
        from .cli import run as run_command_line
    except KeyboardInterrupt:
        # Ctrl-C while the command line's modules are imported: what a Ctrl-C says anywhere
        # else (exit 130), not a traceback. (English: the interface's language is not read yet.)
        sys.stderr.write("linkcheck: interrupted\n")
        sys.exit(130)
    run_command_line(at_once=True)
