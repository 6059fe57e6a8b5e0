"""`python -m emocurate` runs the CLI."""

from emocurate.cli import main

main()
