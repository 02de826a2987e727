"""``python -m tessera``: the ``tessera`` command."""

from tessera._cli.app import main

main()
