"""``keras.dtype_policies``: a layer's compute and variable dtypes, and the global default.

``"mixed_float16"`` / ``"mixed_bfloat16"`` compute in float16 / bfloat16 and keep variables in
float32; any other dtype name uses that dtype for both (Keras 3's ``DTypePolicy``).
"""

from __future__ import annotations

import threading

import numpy as np

import tessera as tf

# Keras 3's backend.standardize_dtype accepts these names ("int" stands for int64).
_ALLOWED = frozenset({
    "float16", "float32", "float64", "bfloat16", "uint8", "uint16", "uint32", "uint64",
    "int8", "int16", "int32", "int64", "bool", "string", "complex64", "complex128",
    "float8_e4m3fn", "float8_e5m2"})
_FLOATS = frozenset({"float16", "float32", "float64", "bfloat16"})
_QUANTIZED = ("int8", "float8", "int4", "gptq", "awq")


def _standardize(dtype) -> str:
    """Keras's ``standardize_dtype`` for the names and dtype objects a policy may be given."""
    if dtype == "int":
        return "int64"
    if isinstance(dtype, str):
        name = dtype
    elif isinstance(dtype, tf.DType):
        name = dtype.name
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = str(dtype)
    if name not in _ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype}")
    return name


def is_float_dtype(dtype) -> bool:
    return str(getattr(dtype, "name", dtype)) in _FLOATS


class DTypePolicy:
    """``keras.DTypePolicy`` (also ``keras.mixed_precision.Policy``)."""

    def __init__(self, name=None) -> None:
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    @staticmethod
    def _parse_name(name):
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: "
                            f"name={name} (of type {type(name)})")
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            return "bfloat16", "float32"
        try:
            dtype = _standardize(name)
        except ValueError:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
                             "policies include 'mixed_float16', 'mixed_bfloat16', and the name "
                             "of any float dtype such as 'float32'.") from None
        return dtype, dtype

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype layers create their variables in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return self._quantization_mode

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f'<{"DTypePolicy" if name == "FloatDTypePolicy" else name} "{self._name}">'

    def __eq__(self, other) -> bool:
        if not isinstance(other, DTypePolicy):
            return False
        return self._name == other._name

    def __hash__(self) -> int:
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """An alias of :class:`DTypePolicy`, as in Keras."""


class _GlobalPolicy(threading.local):
    policy = None  # per thread, as Keras's global state


_GLOBAL = _GlobalPolicy()


def set_dtype_policy(policy) -> None:
    """Set the default policy of layers created from now on (``mixed_precision.set_global_policy``)."""
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError("Invalid `policy` argument. Expected the string name of a policy "
                             "(such as 'mixed_float16') or a `DTypePolicy` instance. Received: "
                             f"policy={policy} (of type {type(policy)})")
        if policy.startswith(_QUANTIZED):
            raise NotImplementedError(f"Quantized dtype policies ('{policy}') are not "
                                      "implemented in tessera.keras.")
        policy = DTypePolicy(policy)
    _GLOBAL.policy = policy


def dtype_policy() -> DTypePolicy:
    """The current default policy (``float32``, or ``backend.floatx()``, until set)."""
    if _GLOBAL.policy is None:
        from tessera_keras import backend

        _GLOBAL.policy = DTypePolicy(backend.floatx())
    return _GLOBAL.policy


def serialize(policy) -> dict:
    return {"module": "keras", "class_name": type(policy).__name__,
            "config": policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None) -> DTypePolicy:
    if isinstance(config, DTypePolicy):
        return config
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or \
        {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy}.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret dtype policy: {config}. tessera.keras supports "
                         "`DTypePolicy` and `FloatDTypePolicy` (no quantized policies).")
    return cls.from_config(config.get("config", {}))


def get(identifier) -> DTypePolicy:
    """A policy from ``None`` (the global one), a name, a dtype, a config dict or a policy."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(_QUANTIZED):
            raise NotImplementedError(f"Quantized dtype policies ('{identifier}') are not "
                                      "implemented in tessera.keras.")
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(_standardize(identifier))
    except Exception:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an instance "
                         f"of DTypePolicy. Received: dtype={identifier}") from None


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
