"""``tf.debugging``: filled from the public API table (each op family exports its names)."""

from tessera._api import fill_module as _fill

_fill(globals(), "debugging")
del _fill
