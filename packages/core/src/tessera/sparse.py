"""``tf.sparse``: SparseTensor and the conversions tf.data needs (more ops may be added to
the public API table under "sparse")."""

from tessera._api import fill_module as _fill
from tessera._data.sparse import (
    SparseTensorSpec,
    SparseTensorValue,
)

_fill(globals(), "sparse")
del _fill
__all__ = sorted({*__all__, "SparseTensor", "from_dense", "to_dense"})  # noqa: F821 - set by _fill
del SparseTensorSpec, SparseTensorValue
