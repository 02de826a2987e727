"""Keras's legacy HDF5 model files (``model.save("m.h5")``), written as Keras 3 writes them and
read whether Keras 3 or Keras 2 (tf.keras up to TF 2.15, tf_keras) wrote them.

Layout: root attributes ``keras_version``, ``backend``, ``model_config`` (JSON) and
``training_config`` (JSON: compile arguments and ``optimizer_config``); group
``model_weights`` with one group per layer of ``model.layers`` (attribute ``weight_names``, the
trainable then non-trainable weights, one dataset per name); group ``optimizer_weights`` (the
optimizer's variables in order). Weights load by position, as Keras loads them.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from tessera_keras import _saving

# HDF5 keeps attributes in the object header: larger lists are split into name0, name1, ...
HDF5_OBJECT_HEADER_LIMIT = 64512
LEGACY_EXTENSIONS = (".h5", ".hdf5")


def is_legacy_path(filepath) -> bool:
    path = str(filepath)
    return path.endswith(LEGACY_EXTENSIONS) and not path.endswith(".weights.h5")


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes | np.bytes_) else str(value)


def _legacy_weights(layer) -> list:
    # Keras's h5 order: every trainable weight, then every non-trainable one.
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _weight_name(variable) -> str:
    return getattr(variable, "path", None) or variable.name.split(":")[0]


# -- attributes -----------------------------------------------------------------------------
def save_attributes(group, name: str, data: list) -> None:
    too_big = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_big:
        raise RuntimeError(f"The following attributes cannot be saved to HDF5 file because they "
                           f"are larger than {HDF5_OBJECT_HEADER_LIMIT} bytes: {too_big}")
    array = np.asarray(data)
    chunks = 1
    parts = np.array_split(array, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks > 1:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part
    else:
        group.attrs[name] = array


def load_attributes(group, name: str) -> list[str]:
    if name in group.attrs:
        return [_text(x) for x in group.attrs[name]]
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out += [_text(x) for x in group.attrs[f"{name}{i}"]]
        i += 1
    return out


def _save_subset(group, names: list[str], variables: list) -> None:
    """``variables`` as datasets named ``names``, listed in the ``weight_names`` attribute."""
    save_attributes(group, "weight_names", [n.encode("utf8") for n in names])
    for name, v in zip(names, variables):
        group.create_dataset(name, data=np.asarray(v.numpy()))


def _load_subset(group) -> list[np.ndarray]:
    out = []
    for name in load_attributes(group, "weight_names"):
        if name not in group:
            raise ValueError(f"The HDF5 group '{group.name}' lists weight '{name}' but has no "
                             f"such dataset: the file is damaged.")
        out.append(np.asarray(group[name]))
    return out


# -- weights --------------------------------------------------------------------------------
def save_weights_to_group(group, model) -> None:
    save_attributes(group, "layer_names", [layer.name.encode("utf8") for layer in model.layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = _saving.KERAS_VERSION.encode("utf8")
    # Sorted so that group names grow strictly (as Keras: avoids HDF5 prefix clashes).
    for layer in sorted(model.layers, key=lambda x: x.name):
        weights = _legacy_weights(layer)
        _save_subset(group.create_group(layer.name), [_weight_name(w) for w in weights],
                     weights)
    _save_subset(group.create_group("top_level_model_weights"), [], [])


def _assign(variables: list, values: list, where: str, skip_mismatch: bool) -> None:
    for variable, value in zip(variables, values):
        expected = tuple(variable.shape.as_list())
        if expected != value.shape:
            message = (f"Shape mismatch in {where} for weight {_weight_name(variable)}. Weight "
                       f"expects shape {expected}. Received saved weight with shape "
                       f"{value.shape}")
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights: {message}", stacklevel=4)
                continue
            raise ValueError(message)
        variable.assign(value.astype(variable.dtype.as_numpy_dtype))


def load_weights_from_group(group, model, skip_mismatch: bool = False) -> None:
    """Topological loading: the i-th layer with weights gets the i-th saved layer's weights."""
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    saved = [name for name in load_attributes(group, "layer_names")
             if name in group and load_attributes(group[name], "weight_names")]
    if len(saved) != len(layers):
        raise ValueError(f"Layer count mismatch when loading weights from file. Model expected "
                         f"{len(layers)} layers, found {len(saved)} saved layers.")
    for k, (name, layer) in enumerate(zip(saved, layers)):
        values = _load_subset(group[name])
        variables = _legacy_weights(layer)
        if len(values) != len(variables):
            raise ValueError(f"Weight count mismatch for layer #{k} (named {layer.name} in the "
                             f"current model, {name} in the save file). Layer expects "
                             f"{len(variables)} weight(s). Received {len(values)} saved "
                             f"weight(s)")
        _assign(variables, values, f"layer #{k} (named {layer.name})", skip_mismatch)


def load_weights_from_group_by_name(group, model, skip_mismatch: bool = False) -> None:
    """Name-based loading: saved layers go to the model's layers of the same name."""
    by_name: dict[str, list] = {}
    for layer in model.layers:
        by_name.setdefault(layer.name, []).append(layer)
    for k, name in enumerate(load_attributes(group, "layer_names")):
        if name not in group:
            continue
        values = _load_subset(group[name])
        for layer in by_name.get(name, []):
            variables = _legacy_weights(layer)
            if len(values) != len(variables):
                message = (f"Weight count mismatch for layer #{k} (named {layer.name}). Layer "
                           f"expects {len(variables)} weight(s). Received {len(values)} saved "
                           f"weight(s)")
                if skip_mismatch:
                    warnings.warn(f"Skipping loading of weights: {message}", stacklevel=3)
                    continue
                raise ValueError(message)
            _assign(variables, values, f"layer #{k} (named {layer.name})", skip_mismatch)


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """``model.load_weights("w.h5")``: a legacy weights file, or a whole legacy model file."""
    h5py = _saving._h5py()
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    with h5py.File(filepath, "r") as f:
        group = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f \
            else f
        if by_name:
            load_weights_from_group_by_name(group, model, skip_mismatch)
        else:
            load_weights_from_group(group, model, skip_mismatch)


# -- optimizer ------------------------------------------------------------------------------
def _optimizer_names(optimizer) -> list[str]:
    names = []
    for v in optimizer.variables:
        if v is optimizer.iterations:
            names.append(f"{optimizer.name}/iteration")
        elif v is getattr(optimizer, "_learning_rate", None):
            names.append(f"{optimizer.name}/learning_rate")
        else:
            names.append(v.name.split(":")[0])
    return names


def _save_optimizer(f, optimizer) -> None:
    variables = list(optimizer.variables)
    if variables:
        _save_subset(f.create_group("optimizer_weights"), _optimizer_names(optimizer),
                     variables)


def _load_optimizer(f, model) -> None:
    values = _load_subset(f["optimizer_weights"])
    model.optimizer.build(model.trainable_weights)
    variables = list(model.optimizer.variables)
    shapes_match = len(values) == len(variables) and all(
        tuple(v.shape.as_list()) == value.shape for v, value in zip(variables, values))
    if not shapes_match:
        # Keras 2 optimizers kept other state (no learning-rate variable, other slot order).
        warnings.warn("The optimizer state in this file does not match the optimizer's "
                      f"variables ({len(values)} saved, {len(variables)} expected); the model "
                      f"starts with a freshly initialized optimizer.", stacklevel=3)
        return
    for v, value in zip(variables, values):
        v.assign(value.astype(v.dtype.as_numpy_dtype))


# -- configs --------------------------------------------------------------------------------
_KERAS2_OPTIMIZER_KEYS = ("is_legacy_optimizer", "jit_compile", "decay")


def _upgrade_layer(entry: dict) -> dict:
    """A Keras 2 layer entry in Keras 3's form (nested models included)."""
    entry = dict(entry)
    config = dict(entry.get("config", {}))
    class_name = entry.get("class_name", "")
    if class_name == "Lambda" or class_name.endswith(">Lambda"):
        raise ValueError(f"Layer '{config.get('name')}' is a Lambda layer, whose function the "
                         f"file stores as Python code; Tessera never runs stored code. Build "
                         f"the model in code and load this file's weights with "
                         f"`model.load_weights(path)`.")
    shape = config.pop("batch_input_shape", None)
    if shape is not None:
        if class_name == "InputLayer":
            config["batch_shape"] = shape
        else:
            config["input_shape"] = shape[1:]
            if shape[0] is not None:
                config["batch_size"] = shape[0]
    if "time_major" in config:  # Keras 2 recurrent layers; Keras 3 is always batch-major
        if config.pop("time_major"):
            raise ValueError(f"Layer '{config.get('name')}' was saved with time_major=True, "
                             f"which Keras 3 layers do not support: rebuild it batch-major "
                             f"(inputs (batch, time, features)) and load the weights.")
    axis = config.get("axis")
    if isinstance(axis, list) and len(axis) == 1:
        config["axis"] = int(axis[0])
    if isinstance(config.get("layers"), list):
        config["layers"] = [_upgrade_layer(e) for e in config["layers"]]
    if isinstance(config.get("layer"), dict):  # wrappers (Bidirectional, TimeDistributed)
        config["layer"] = _upgrade_layer(config["layer"])
    entry["config"] = config
    nodes = entry.get("inbound_nodes")
    if nodes and isinstance(nodes[0], list):
        entry["inbound_nodes"] = [_upgrade_node(node) for node in nodes]
    return entry


def _upgrade_node(node: list) -> dict:
    """Keras 2's ``[[layer, node_index, tensor_index, kwargs], ...]`` as Keras 3's args."""
    refs = [{"class_name": "__keras_tensor__",
             "config": {"keras_history": [name, node_index, tensor_index]}}
            for name, node_index, tensor_index, *_ in node]
    kwargs = node[0][3] if len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
    return {"args": [refs[0] if len(refs) == 1 else refs], "kwargs": kwargs}


def upgrade_model_config(config: dict) -> dict:
    if not isinstance(config, dict) or "config" not in config:
        raise ValueError(f"The provided configuration is not a valid Keras configuration. "
                         f"Expected a dictionary containing a 'config' key. Received: "
                         f"config={str(config)[:200]}")
    return _upgrade_layer(config)


def _legacy_entry(entry: dict) -> dict:
    """Keras 3 writes h5 layer entries in the legacy form: no module / registered_name /
    build_config beside class_name and config (nested models included)."""
    entry = {k: v for k, v in entry.items()
             if k not in ("module", "registered_name", "build_config")}
    inner = entry.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        entry["config"] = {**inner, "layers": [_legacy_entry(e) for e in inner["layers"]]}
    return entry


def _training_config(compile_config: dict | None) -> dict | None:
    """Keras's ``training_config``: the compile config with ``optimizer_config`` for the
    optimizer's ``{"module", "class_name", "config"}`` entry."""
    if compile_config is None:
        return None
    compile_config = dict(compile_config)
    optimizer = compile_config.pop("optimizer")
    compile_config["optimizer_config"] = {"class_name": optimizer["class_name"],
                                          "config": optimizer["config"]}
    return compile_config


def _metric_from_keras2(metric):
    if isinstance(metric, list):
        return [_metric_from_keras2(m) for m in metric]
    if isinstance(metric, dict) and metric.get("class_name") == "MeanMetricWrapper":
        name = metric["config"].get("name")
        # Keras 2 wrote `metrics=["accuracy"]` as a wrapper named "accuracy" around the
        # resolved function: the name is what compile() takes.
        return name if name in ("accuracy", "acc") else metric["config"].get("fn", name)
    return metric


def compile_args(training_config: dict) -> dict:
    optimizer = dict(training_config["optimizer_config"])
    class_name = optimizer["class_name"]
    if class_name.startswith("Custom>"):  # Keras 2.11+ registered its own optimizers so
        class_name = class_name[len("Custom>"):]
    config = {k: v for k, v in optimizer.get("config", {}).items()
              if k not in _KERAS2_OPTIMIZER_KEYS}
    if "lr" in config:  # Keras 2.0-2.2 spelling
        config.setdefault("learning_rate", config.pop("lr"))
    metrics = training_config.get("metrics")
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
        metrics = metrics[0]  # Keras 2 kept one list per output
    return {"optimizer": {"module": "keras.optimizers", "class_name": class_name,
                          "config": config, "registered_name": None},
            "loss": training_config.get("loss"),
            "loss_weights": training_config.get("loss_weights"),
            "metrics": _metric_from_keras2(metrics),
            "weighted_metrics": _metric_from_keras2(training_config.get("weighted_metrics"))}


# -- whole models ---------------------------------------------------------------------------
def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True) -> None:
    h5py = _saving._h5py()
    filepath = str(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    _saving._ensure_built(model)
    serialized = _saving.serialize_model(model)
    config = _legacy_entry({"class_name": serialized["class_name"],
                            "config": serialized["config"]})
    training = _training_config(serialized.get("compile_config")) if include_optimizer \
        else None
    directory = os.path.dirname(filepath)
    if directory:
        os.makedirs(directory, exist_ok=True)
    tmp = filepath + ".part"  # a failed save never leaves a half-written model behind
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = _saving.KERAS_VERSION
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(config, default=_saving._json_default) \
                .encode("utf8")
            if training is not None:
                f.attrs["training_config"] = json.dumps(
                    training, default=_saving._json_default).encode("utf8")
            save_weights_to_group(f.create_group("model_weights"), model)
            if training is not None and model.optimizer.built:
                _save_optimizer(f, model.optimizer)
        os.replace(tmp, filepath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_model(filepath, custom_objects=None, compile: bool = True):
    h5py = _saving._h5py()
    filepath = str(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"File not found: filepath={filepath}. Please ensure the file "
                                f"is an accessible `.h5` file.")
    try:
        f = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(f"{filepath} is not an HDF5 file ({error}).") from None
    with f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"No model config found in the file at {filepath}.")
        try:
            config = json.loads(_text(raw))
        except json.JSONDecodeError as error:
            raise ValueError(f"{filepath}: model_config is not valid JSON ({error}).") from None
        model = _saving.deserialize_model(upgrade_model_config(config), custom_objects)
        if "model_weights" not in f:
            raise ValueError(f"{filepath} has no 'model_weights' group: it is not a Keras model "
                             f"file.")
        load_weights_from_group(f["model_weights"], model)
        raw_training = f.attrs.get("training_config")
        if not compile:
            return model
        if raw_training is None:
            warnings.warn("No training configuration found in the save file, so the model was "
                          "*not* compiled. Compile it manually.", stacklevel=3)
            return model
        _saving.compile_from_config(model, compile_args(json.loads(_text(raw_training))))
        if getattr(model, "compiled", False) and "optimizer_weights" in f:
            _load_optimizer(f, model)
    return model
