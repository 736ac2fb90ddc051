"""`python -m linkcheck` runs the command line."""

from .entry import run

run()
