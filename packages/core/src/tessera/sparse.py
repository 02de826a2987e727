"""``tf.sparse``: SparseTensor and the conversions tf.data needs; sparse ops other families
export under "sparse" join through the public API table."""

from tessera._api import namespace as _namespace
from tessera._data.sparse import SparseTensor, from_dense, to_dense

globals().update(_namespace("sparse"))

__all__ = ["SparseTensor", "from_dense", "to_dense"]
__all__ += sorted(k for k in _namespace("sparse") if not k.startswith("_") and k not in __all__)
