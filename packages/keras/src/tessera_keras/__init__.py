"""tessera-keras: ``tf.keras`` for Tessera (reached as ``tessera.keras``)."""

from tessera_keras import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    saving,
    utils,
)
from tessera_keras._keras_tensor import KerasTensor
from tessera_keras.layers import Input, InputSpec, Layer
from tessera_keras.models import Model, Sequential

__version__ = "0.1.0"

__all__ = ["Input", "InputSpec", "KerasTensor", "Layer", "Model", "Sequential", "activations",
           "backend", "callbacks", "constraints", "datasets", "initializers", "layers", "losses", "metrics",
           "models", "optimizers", "preprocessing", "regularizers", "saving", "utils"]
