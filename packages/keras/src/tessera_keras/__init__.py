"""tessera-keras: ``tf.keras`` for Tessera (reached as ``tessera.keras``)."""

from tessera_keras import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    preprocessing,
    regularizers,
    saving,
    utils,
)
from tessera_keras._keras_tensor import KerasTensor
from tessera_keras.dtype_policies import DTypePolicy, FloatDTypePolicy
from tessera_keras.initializers import Initializer
from tessera_keras.layers import Input, InputSpec, Layer
from tessera_keras.losses import Loss
from tessera_keras.metrics import Metric
from tessera_keras.models import Model, Sequential
from tessera_keras.optimizers import Optimizer
from tessera_keras.regularizers import Regularizer

__version__ = "0.1.0"

__all__ = ["DTypePolicy", "FloatDTypePolicy", "Initializer", "Input", "InputSpec", "KerasTensor",
           "Layer", "Loss", "Metric", "Model", "Optimizer", "Regularizer", "Sequential",
           "activations", "backend", "callbacks", "constraints", "datasets", "dtype_policies",
           "initializers", "layers", "losses", "metrics", "mixed_precision", "models",
           "optimizers", "preprocessing", "regularizers", "saving", "utils", "version"]


def version() -> str:
    """The Keras version whose API and file formats this package follows (``keras.version()``;
    ``__version__`` is the tessera-keras distribution's own version)."""
    from tessera_keras._saving import KERAS_VERSION

    return KERAS_VERSION
