"""``hub.load``: resolve a handle, then load what the folder holds."""

from __future__ import annotations

import os
from pathlib import Path

from tessera_hub._resolve import resolve


def model_kind(path: Path) -> tuple[str, Path]:
    """``("saved_model" | "keras" | "onnx", path to load)`` for a resolved folder or file."""
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in (".keras", ".onnx"):
            return suffix[1:], path
        raise ValueError(f"{path} is not a model: expected a SavedModel folder, a .keras or an "
                         f".onnx file")
    if (path / "saved_model.json").is_file():
        return "saved_model", path
    if (path / "saved_model.pb").is_file():
        raise NotImplementedError(
            f"{path} holds a TensorFlow SavedModel (saved_model.pb); Tessera loads its own "
            f"SavedModel format (saved_model.json), .keras and .onnx files. Convert the model to "
            f"ONNX (for example with tf2onnx) and load the .onnx file.")
    models = sorted(p for p in path.iterdir() if p.suffix.lower() in (".keras", ".onnx"))
    if len(models) == 1:
        return models[0].suffix.lower()[1:], models[0]
    listing = ", ".join(sorted(p.name for p in path.iterdir())[:20]) or "nothing"
    raise ValueError(f"{path} is not a model folder: expected saved_model.json or exactly one "
                     f".keras or .onnx file; it holds {listing}")


def _load_keras(path: Path, handle: str):
    try:
        import tessera_keras
    except ImportError:
        raise ImportError(f"hub.load({handle!r}) found a .keras file, which needs tessera-keras: "
                          f"pip install 'tessera-hub[keras]'") from None
    try:
        return tessera_keras.models.load_model(str(path))
    except NotImplementedError as error:
        from importlib.metadata import version

        raise NotImplementedError(
            f"hub.load({handle!r}) found a .keras file, but tessera-keras "
            f"{version('tessera-keras')} cannot load .keras files yet: "
            f"keras.models.load_model is missing ({error}). Publish the model as a SavedModel "
            f"instead (tf.saved_model.save(model, folder)).") from None


def load_path(path: Path, handle: str):
    kind, target = model_kind(path)
    if kind == "saved_model":
        import tessera as tf

        return tf.saved_model.load(str(target))
    if kind == "keras":
        return _load_keras(target, handle)
    import tessera.onnx

    return tessera.onnx.load(str(target))


def load(handle, tags=None, options=None):
    """Load the model ``handle`` names: a Tessera SavedModel (``tf.saved_model.load``), a
    ``.keras`` file (``tessera.keras``) or an ONNX model (``tessera.onnx.load``). ``tags`` and
    ``options`` are accepted for tensorflow_hub compatibility; Tessera SavedModels have one
    MetaGraph, so they change nothing."""
    del tags, options
    return load_path(Path(resolve(os.fspath(handle))), os.fspath(handle))
