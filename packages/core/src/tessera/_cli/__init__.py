"""The ``tessera`` command line (typer); imported only when the CLI runs."""
