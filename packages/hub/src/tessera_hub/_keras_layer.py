"""``hub.KerasLayer``: a loaded model (or any callable) as a ``tessera.keras`` layer.

The model's variables become the layer's weights: with ``trainable=True`` its trainable
variables are the layer's trainable weights (fine-tuning), otherwise all are non-trainable.
"""

from __future__ import annotations

from tessera._framework import nest
from tessera_hub._load import load
from tessera_keras.layers._base import Layer


class KerasLayer(Layer):
    """``hub.KerasLayer(handle, trainable=False, arguments=None, signature=None,
    output_key=None, output_shape=None, ...)`` as in tensorflow_hub."""

    def __init__(self, handle, trainable: bool = False, arguments: dict | None = None,
                 _sentinel=None, tags=None, signature: str | None = None,
                 signature_outputs_as_dict: bool | None = None, output_key: str | None = None,
                 output_shape=None, load_options=None, **kwargs) -> None:
        if _sentinel is not None:
            raise ValueError("Don't pass KerasLayer's optional arguments by position; use "
                             "keywords")
        if signature_outputs_as_dict and output_key:
            raise ValueError("pass at most one of signature_outputs_as_dict and output_key")
        if signature_outputs_as_dict and not signature:
            raise ValueError("signature_outputs_as_dict needs signature")
        super().__init__(trainable=trainable, **kwargs)
        self._handle = handle
        self._func = handle if callable(handle) else load(handle, tags, load_options)
        self._signature = signature
        self._signature_outputs_as_dict = bool(signature_outputs_as_dict)
        self._output_key = output_key
        self._arguments = dict(arguments or {})
        self._output_shape = None if output_shape is None else \
            tuple(None if d is None else int(d) for d in nest.flatten(output_shape))
        if signature:
            signatures = getattr(self._func, "signatures", {}) or {}
            if signature not in signatures:
                raise ValueError(f"the model {handle!r} has no signature {signature!r}; it has "
                                 f"{sorted(signatures)}")
            self._callable = signatures[signature]
        else:
            if not callable(self._func):
                raise ValueError(f"the model {handle!r} is not callable (no __call__ "
                                 f"tf.function); pass signature= (it has "
                                 f"{sorted(getattr(self._func, 'signatures', {}) or {})})")
            self._callable = self._func
        trainable_vars = list(getattr(self._func, "trainable_variables", ()) or ())
        ids = {id(v) for v in trainable_vars}
        others = [v for v in (getattr(self._func, "variables", ()) or ()) if id(v) not in ids]
        # The layer owns them from here on: Layer.trainable_weights honours self.trainable.
        self._trainable_variables.extend(trainable_vars)
        self._non_trainable_variables.extend(others)
        self.built = True

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        # The loaded variables keep their own flags; the layer's flag decides (Layer's
        # trainable_weights is empty while it is False).
        self._trainable = bool(value)

    def call(self, inputs, training=None):
        if self._signature:
            if isinstance(inputs, dict):
                kwargs = dict(inputs)
            else:
                _, names = self._callable.structured_input_signature
                free = [n for n in names if n not in self._arguments]
                if len(free) != 1:
                    raise ValueError(f"signature {self._signature!r} takes inputs {sorted(names)}"
                                     f"; pass a dict of them")
                kwargs = {free[0]: inputs}
            result = self._callable(**kwargs, **self._arguments)
        else:
            result = self._callable(inputs, **self._arguments)
        if self._signature_outputs_as_dict:
            return result
        if isinstance(result, dict):
            if self._output_key is not None:
                if self._output_key not in result:
                    raise KeyError(f"output_key {self._output_key!r} is not among the model's "
                                   f"outputs {sorted(result)}")
                return result[self._output_key]
            if len(result) == 1:
                return next(iter(result.values()))
            if "default" in result:
                return result["default"]
            raise ValueError(f"the model returns a dict with keys {sorted(result)}: pass "
                             f"output_key (or signature_outputs_as_dict=True)")
        return result

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            raise NotImplementedError("pass output_shape= to hub.KerasLayer to declare the "
                                      "shape of its output")
        batch = input_shape[0] if input_shape else None
        return (batch, *self._output_shape)

    def get_config(self) -> dict:
        if not isinstance(self._handle, str):
            raise NotImplementedError("a KerasLayer made from a loaded object has no config; "
                                      "make it from a handle string")
        config = super().get_config()
        config.update({"handle": self._handle, "arguments": self._arguments or None,
                       "signature": self._signature, "output_key": self._output_key,
                       "signature_outputs_as_dict": self._signature_outputs_as_dict or None,
                       "output_shape": list(self._output_shape) if self._output_shape else None})
        return config

    @property
    def resolved_object(self):
        """The loaded model object (tensorflow_hub's name)."""
        return self._func
