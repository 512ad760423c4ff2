"""The ``cxm`` command line (Typer + Rich). Commands call services only."""
