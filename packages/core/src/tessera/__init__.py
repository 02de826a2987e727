"""Tessera: TensorFlow 2 on NumPy, ONNX and ONNX Runtime.  ``import tessera as tf``."""

from tessera import compat
from tessera._plugins.subpackages import install_finders as _install_finders
from tessera._version import __version__

_install_finders()


def __getattr__(name: str):
    # Lazy subpackages (tf.keras, tf.lite, ...) come from other distributions; plugins
    # are loaded only now, on first need, never at `import tessera`.
    if name.startswith("_"):
        raise AttributeError(f"module 'tessera' has no attribute {name!r}")
    from tessera._plugins import subpackages

    if subpackages.target_of(name) is None and name not in subpackages.KNOWN_DISTRIBUTIONS:
        raise AttributeError(f"module 'tessera' has no attribute {name!r}")
    module = subpackages.resolve(name)
    globals()[name] = module
    return module


__all__ = ["__version__", "compat"]
