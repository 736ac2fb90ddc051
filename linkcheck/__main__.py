"""`python -m linkcheck` runs the command line."""

from .cli import run

run()
