"""Run the command line as ``python -m corridor.cli``."""

from corridor.cli import main

main()
