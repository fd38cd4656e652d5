"""`python -m generator` is the same as the `cardsmith` command."""

from generator.cli import main

main(prog_name="cardsmith")
