"""``python -m tessera_upgrade`` is ``tf-upgrade``."""

import sys

from ._cli import main

sys.exit(main())
