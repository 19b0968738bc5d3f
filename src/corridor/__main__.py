"""Run the command line as ``python -m corridor``."""

from corridor.cli import main

main()
