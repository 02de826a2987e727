"""Keras 3's ``.keras`` zip (``metadata.json``, ``config.json``, ``model.weights.h5``) and
``.weights.h5`` files, written and read without pickle.

The weights file mirrors Keras's object walk: every layer gets a group named after its class
(``layers/dense``, ``layers/dense_1``; the container, not the layer name, fixes the path),
its own variables are datasets ``vars/0``, ``vars/1``... and sub-layers held in attributes
nest under the attribute name (``layers/lstm/cell/vars/0``).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import warnings
import zipfile

import numpy as np

from tessera_keras import _naming

KERAS_VERSION = "3.15.1"
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


def _h5py():
    try:
        import h5py
    except ImportError as error:  # pragma: no cover - h5py is a declared dependency
        raise ImportError("Saving Keras files needs h5py: pip install h5py") from error
    return h5py


def _natural_key(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


# -- the object walk ------------------------------------------------------------------------
def _own_variables(obj) -> list:
    from tessera_keras.layers._base import Layer

    if isinstance(obj, Layer):
        return list(obj._trainable_variables) + list(obj._non_trainable_variables)
    return _optimizer_variables(obj)


def _optimizer_variables(opt) -> list:
    """Keras's order: iterations, learning rate, then each variable's slots in turn."""
    return list(opt.variables)


def _children(obj) -> list:
    """``(attribute, saveable or list of saveables)`` in the order Keras visits them."""
    from tessera_keras.layers._base import Layer
    from tessera_keras.models._functional import Functional
    from tessera_keras.models._sequential import Sequential
    from tessera_keras.optimizers import Optimizer

    out = []
    if isinstance(obj, Sequential):
        out.append(("layers", obj.layers))
    elif isinstance(obj, Functional):
        out.append(("layers", list(obj._operations)))
    if not isinstance(obj, Layer):
        return out
    attrs = []
    for key, value in vars(obj).items():
        if key.startswith("_") or key in ("layers", "optimizer"):
            continue
        if isinstance(value, Layer):
            attrs.append((key, value))
        elif isinstance(value, list | tuple) and value and \
                all(isinstance(v, Layer) for v in value):
            attrs.append((key, list(value)))
    for key in getattr(obj, "_saved_private_layers", ()):  # Keras also walks these
        attrs.append((key, getattr(obj, key)))
    opt = getattr(obj, "optimizer", None) if hasattr(obj, "compiled") else None
    if isinstance(opt, Optimizer):
        attrs.append(("optimizer", opt))
    attrs.sort(key=lambda kv: _natural_key(kv[0]))
    return out + attrs


def _walk(obj, path: str, visited: set, visit) -> None:
    if id(obj) in visited:
        return
    visited.add(id(obj))
    visit(obj, path)
    for attr, child in _children(obj):
        if isinstance(child, list):
            used: dict[str, int] = {}
            for item in child:
                name = _naming.to_snake_case(type(item).__name__)
                if name in used:
                    used[name] += 1
                    name = f"{name}_{used[name]}"
                else:
                    used[name] = 0
                _walk(item, _join(path, attr, name), visited, visit)
        else:
            _walk(child, _join(path, attr), visited, visit)


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


# -- weights files ----------------------------------------------------------------------------
def write_weights(model, fileobj) -> None:
    h5py = _h5py()
    with h5py.File(fileobj, "w") as f:
        def visit(obj, path):
            group = f.create_group(_join(path, "vars"))
            group.attrs["name"] = getattr(obj, "name", type(obj).__name__.lower())
            for i, v in enumerate(_own_variables(obj)):
                group.create_dataset(str(i), data=np.asarray(v.numpy()))
            if hasattr(obj, "save_own_variables"):  # state kept outside variables (Keras's)
                store: dict = {}
                obj.save_own_variables(store)
                for key, value in store.items():
                    group.create_dataset(key, data=np.asarray(value))

        _walk(model, "", set(), visit)


def read_weights(model, fileobj, skip_mismatch: bool = False, source: str = "file") -> None:
    h5py = _h5py()
    from tessera_keras.optimizers import Optimizer

    try:
        f = h5py.File(fileobj, "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"{source} is not a Keras weights file (HDF5 expected): {error}") \
            from None
    assignments = []
    with f:
        def visit(obj, path):
            variables = _own_variables(obj)
            key = _join(path, "vars")
            group = f.get(key) if key in f else None
            if hasattr(obj, "load_own_variables"):
                if group is not None:
                    obj.load_own_variables({k: np.asarray(group[k]) for k in group.keys()})
                return
            stored = [] if group is None else sorted(group.keys(), key=int)
            if isinstance(obj, Optimizer):
                if group is None:
                    return
                # Keras skips an optimizer whose state does not line up; so do we. A fresh
                # optimizer only takes back its iteration count and learning rate.
                if len(stored) == len(variables) and obj.built:
                    pairs = zip(variables, stored)
                else:
                    pairs = zip(variables[:2], stored[:2])
                for v, k in pairs:
                    if tuple(v.shape.as_list()) == group[k].shape:
                        assignments.append((v, np.asarray(group[k])))
                return
            if len(stored) != len(variables):
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights for layer '{obj.name}': it has "
                                  f"{len(variables)} variables, the file holds {len(stored)} "
                                  f"at '{key}'.", stacklevel=3)
                    return
                raise ValueError(f"Layer '{obj.name}' expected {len(variables)} variables, but "
                                 f"{source} holds {len(stored)} at '{key}'. The saved model "
                                 f"and this model differ in architecture.")
            for v, k in zip(variables, stored):
                value = np.asarray(group[k])
                want = tuple(v.shape.as_list())
                if value.shape != want:
                    if skip_mismatch:
                        warnings.warn(f"Skipping '{v.path}': shape {value.shape} in the file, "
                                      f"{want} in the model.", stacklevel=3)
                        continue
                    raise ValueError(f"Weight '{getattr(v, 'path', v.name)}' has shape {want}, "
                                     f"but {source} holds shape {value.shape} at '{key}/{k}'.")
                assignments.append((v, value))

        _walk(model, "", set(), visit)
    for v, value in assignments:
        v.assign(value.astype(v.dtype.as_numpy_dtype))


def save_weights(model, filepath, overwrite: bool = True) -> None:
    filepath = str(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: "
                         f"filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    _ensure_built(model)
    write_weights(model, filepath)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    from tessera_keras import _legacy_h5

    filepath = str(filepath)
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if by_name is not None and not _legacy_h5.is_legacy_path(filepath):
        raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {filepath}")
    if filepath.endswith(".keras"):
        with _open_zip(filepath) as z:
            read_weights(model, io.BytesIO(_read_member(z, _WEIGHTS, filepath)), skip_mismatch,
                         source=filepath)
        return
    if _legacy_h5.is_legacy_path(filepath):
        _legacy_h5.load_weights(model, filepath, skip_mismatch, by_name=bool(by_name))
        return
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only "
                         f"supports V3 `.keras` files, `.weights.h5` files, legacy H5 format "
                         f"files (`.h5` extension).")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    read_weights(model, filepath, skip_mismatch, source=filepath)


def _ensure_built(model) -> None:
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to save. "
                         f"Call it on data or `build(input_shape)` first.")


# -- .keras files ------------------------------------------------------------------------------
def serialize_model(model) -> dict:
    from tessera_keras.models._functional import Functional
    from tessera_keras.models._sequential import Sequential

    if isinstance(model, Sequential):
        module, class_name = "keras", "Sequential"
    elif isinstance(model, Functional) and type(model) is Functional:
        module, class_name = "keras.src.models.functional", "Functional"
    else:
        module, class_name = type(model).__module__, type(model).__name__
    config = {"module": module, "class_name": class_name, "config": model.get_config(),
              "registered_name": None if class_name in ("Sequential", "Functional")
              else class_name}
    build = model.get_build_config() if not isinstance(model, Functional) or \
        isinstance(model, Sequential) else None
    if build:
        config["build_config"] = build
    compile_config = get_compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    return config


def get_compile_config(model):
    from tessera_keras import losses, metrics, optimizers

    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None

    def ser_metric(m):
        if isinstance(m, str) or m is None:
            return m
        if isinstance(m, list | tuple):
            return [ser_metric(x) for x in m]
        if isinstance(m, dict):
            return {k: ser_metric(v) for k, v in m.items()}
        if isinstance(m, metrics.Metric):
            return {"module": "keras.metrics", "class_name": type(m).__name__,
                    "config": m.get_config(), "registered_name": None}
        return getattr(m, "__name__", str(m))

    def ser_loss(loss):
        if isinstance(loss, list | tuple):
            return [ser_loss(x) for x in loss]
        if isinstance(loss, dict):
            return {k: ser_loss(v) for k, v in loss.items()}
        return None if loss is None else losses.serialize(loss)

    optimizer = getattr(model.optimizer, "_compiled_from", model.optimizer)  # before wrapping
    return {"optimizer": optimizers.serialize(optimizer), "loss": ser_loss(model.loss),
            "loss_weights": model._loss_weights,
            "metrics": ser_metric(model._compiled_metrics_spec),
            "weighted_metrics": ser_metric(model._weighted_metrics_spec),
            "run_eagerly": model.run_eagerly, "steps_per_execution": 1,
            "jit_compile": False}


def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    from tessera_keras import _legacy_h5

    filepath = str(filepath)
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    kwargs.pop("zipped", None)
    if save_format and not filepath.endswith((".keras", *_legacy_h5.LEGACY_EXTENSIONS)):
        raise ValueError(f"The `save_format` argument is deprecated in Keras 3. Please remove "
                         f"this argument and pass a file path with either `.keras` or `.h5` "
                         f"extension.Received: save_format={save_format}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if _legacy_h5.is_legacy_path(filepath):
        warnings.warn("You are saving your model as an HDF5 file via `model.save()` or "
                      "`keras.saving.save_model(model)`. This file format is considered "
                      "legacy. We recommend using instead the native Keras format, e.g. "
                      "`model.save('my_model.keras')` or `keras.saving.save_model(model, "
                      "'my_model.keras')`. ", stacklevel=3)
        _legacy_h5.save_model(model, filepath, overwrite, include_optimizer)
        return
    if not filepath.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving. Please add either a `.keras` "
                         f"extension for the native Keras format (recommended) or a `.h5` "
                         f"extension. Use `model.export(filepath)` if you want to export a "
                         f"SavedModel for use with TFLite/TFServing/etc. Received: "
                         f"filepath={filepath}.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    _ensure_built(model)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    config = serialize_model(model)
    weights = io.BytesIO()
    write_weights(model, weights)
    with zipfile.ZipFile(filepath, "w") as z:
        z.writestr(_METADATA, json.dumps(metadata))
        z.writestr(_CONFIG, json.dumps(config, default=_json_default))
        z.writestr(_WEIGHTS, weights.getvalue())
        _write_assets(model, z)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if callable(obj) and hasattr(obj, "__name__"):  # a function argument, as Keras writes it
        from tessera_keras._serialization import _CUSTOM_OBJECTS

        names = [k for k, v in _CUSTOM_OBJECTS.items() if v is obj and ">" in k]
        return {"module": "builtins", "class_name": "function",
                "config": names[0] if names else obj.__name__, "registered_name": "function"}
    raise TypeError(f"Cannot write {type(obj).__name__} into a Keras config: {obj!r}")


def _open_zip(filepath):
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}. Please ensure the file "
                                f"is an accessible `.keras` zip file.")
    try:
        return zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile:
        raise ValueError(f"{filepath} is not a valid `.keras` file: it is not a zip archive. "
                         f"A `.keras` file holds config.json, metadata.json and "
                         f"model.weights.h5.") from None


def _read_member(z, name: str, filepath: str) -> bytes:
    try:
        return z.read(name)
    except KeyError:
        raise ValueError(f"{filepath} is not a valid `.keras` file: it has no '{name}' "
                         f"(found {z.namelist()}).") from None


def deserialize_model(config: dict, custom_objects=None):
    from tessera_keras.layers import deserialize

    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError("The model config must be a dict with 'class_name' and 'config' "
                         f"keys; got {str(config)[:200]}")
    model = deserialize(config, custom_objects)
    build = config.get("build_config")
    if not model.built and build and build.get("input_shape") is not None:
        model.build(build["input_shape"])
    return model


def compile_from_config(model, config: dict) -> None:
    from tessera_keras import optimizers

    try:
        config = dict(config)
        optimizer = optimizers.get(config.pop("optimizer", "rmsprop"))
        model.compile(optimizer=optimizer, loss=config.get("loss"),
                      loss_weights=config.get("loss_weights"), metrics=config.get("metrics"),
                      weighted_metrics=config.get("weighted_metrics"),
                      run_eagerly=bool(config.get("run_eagerly", False)))
        if model.built:
            # As Keras: create the optimizer's slots so its saved state loads back.
            model.optimizer.build(model.trainable_weights)
    except (ValueError, KeyError, TypeError) as error:
        warnings.warn(f"compile() was not run on the loaded model ({error}); call compile() "
                      f"yourself to train it.", stacklevel=3)


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    from tessera_keras import _legacy_h5

    filepath = str(filepath)
    if _legacy_h5.is_legacy_path(filepath):
        return _legacy_h5.load_model(filepath, custom_objects, compile)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only supports "
                         f"V3 `.keras` files and legacy H5 format files (`.h5` extension); load "
                         f"`.weights.h5` files with `model.load_weights`, SavedModels with "
                         f"`tf.saved_model.load`.")
    with _open_zip(filepath) as z:
        raw = _read_member(z, _CONFIG, filepath)
        weights = _read_member(z, _WEIGHTS, filepath)
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{filepath}: config.json is not valid JSON ({error}).") from None
    model = deserialize_model(config, custom_objects)
    if compile and config.get("compile_config"):
        compile_from_config(model, config["compile_config"])
    read_weights(model, io.BytesIO(weights), source=filepath)
    with _open_zip(filepath) as z:
        _read_assets(model, z)
    return model


# -- assets: files a layer writes itself (a lookup layer's vocabulary.txt), kept in the
# archive under assets/<the layer's path>/ as Keras does ------------------------------------
def _write_assets(model, z) -> None:
    import tempfile

    def visit(obj, path):
        if not hasattr(obj, "save_assets"):
            return
        with tempfile.TemporaryDirectory() as tmp:
            obj.save_assets(tmp)
            for name in sorted(os.listdir(tmp)):
                with open(os.path.join(tmp, name), "rb") as f:
                    z.writestr(_join("assets", path, name), f.read())

    _walk(model, "", set(), visit)


def _read_assets(model, z) -> None:
    import tempfile

    names = z.namelist()

    def visit(obj, path):
        prefix = _join("assets", path) + "/"
        members = [n for n in names if n.startswith(prefix) and "/" not in n[len(prefix):]]
        if not hasattr(obj, "load_assets") or not members:
            return
        with tempfile.TemporaryDirectory() as tmp:
            for member in members:
                with open(os.path.join(tmp, member[len(prefix):]), "wb") as f:
                    f.write(z.read(member))
            obj.load_assets(tmp)

    _walk(model, "", set(), visit)
