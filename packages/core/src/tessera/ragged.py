"""``tf.ragged``: filled from the public API table (the RaggedTensor module exports its names)."""

import tessera._framework.ragged  # noqa: F401 - fills the "ragged" namespace
from tessera._api import fill_module as _fill

_fill(globals(), "ragged")
del _fill
