"""``tf.image``: filled from the public API table (each op family exports its names)."""

from tessera._api import fill_module as _fill

_fill(globals(), "image")
del _fill
