"""Tessera: TensorFlow 2 on NumPy, ONNX and ONNX Runtime.  ``import tessera as tf``."""

from tessera import compat, dtypes, errors
from tessera._plugins.subpackages import install_finders as _install_finders
from tessera._version import __version__

_install_finders()

# The op library fills the public API table; operators attach once ops exist.
import tessera._ops
from tessera import _api
from tessera._autodiff.custom_gradient import custom_gradient, gradients, recompute_grad
from tessera._autodiff.tape import GradientTape, UnconnectedGradients
from tessera._data.sparse import SparseTensor, SparseTensorSpec
from tessera._framework import nest
from tessera._framework import tensor_operators as _tensor_operators
from tessera._framework.context import executing_eagerly
from tessera._framework.convert import constant, convert_to_tensor, is_tensor
from tessera._framework.device import device
from tessera._framework.module import Module
from tessera._framework.name_scope import name_scope
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_shape import TensorShape
from tessera._framework.tensor_spec import TensorSpec
from tessera._framework.variable import (
    Variable,
    VariableAggregation,
    VariableSynchronization,
)
from tessera._framework.variable import _install_operators as _install_variable_operators
from tessera._graph import control_flow as _control_flow
from tessera._graph import dataset_ops as _dataset_ops
from tessera._graph import py_function as _py_function
from tessera._graph import tensor_array as _tensor_array
from tessera._graph.function import function
from tessera.dtypes import (
    DType,
    as_dtype,
    bfloat16,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    qint8,
    qint16,
    qint32,
    quint8,
    quint16,
    resource,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
    variant,
)

_tensor_operators.install()
_install_variable_operators()
_api.fill_module(globals(), "")
del _tensor_operators

# Namespaces that are modules of their own (tessera/math.py, ...), imported lazily by
# __getattr__ below on first use, as `tf.math`.
_NAMESPACES = ("train", "onnx", "data", "io", "sparse", "saved_model", "ragged", "math", "linalg", "bitwise", "nn", "random", "image", "signal", "strings",
               "debugging", "config", "autodiff", "autograph", "experimental")


def __getattr__(name: str):
    # Lazy subpackages (tf.keras, tf.lite, ...) come from other distributions; plugins
    # are loaded only now, on first need, never at `import tessera`.
    if name in _NAMESPACES:
        import importlib

        return importlib.import_module(f"tessera.{name}")
    if name.startswith("_"):
        raise AttributeError(f"module 'tessera' has no attribute {name!r}")
    from tessera._plugins import subpackages

    if subpackages.target_of(name) is None and name not in subpackages.KNOWN_DISTRIBUTIONS:
        raise AttributeError(f"module 'tessera' has no attribute {name!r}")
    module = subpackages.resolve(name)
    globals()[name] = module
    return module
