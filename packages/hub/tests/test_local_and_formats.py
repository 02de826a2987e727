"""Local handles, model formats, pluggable resolvers, publishing and the CLI."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from conftest import B, W

import tessera_hub as hub


def test_local_folder_and_file_url(saved_model, hub_env):
    assert hub.resolve(saved_model) == str(saved_model)
    assert hub.resolve(saved_model.as_uri()) == str(saved_model)
    model = hub.load(str(saved_model))
    np.testing.assert_allclose(model(np.ones((1, 3), np.float32)).numpy(),
                               np.ones((1, 3)) @ W + B, rtol=1e-6)
    assert not hub_env.exists()  # local folders are used in place, not copied
    with pytest.raises(hub.ModelNotFoundError, match="no such file"):
        hub.resolve(saved_model.parent / "nope")


def test_local_archive_is_extracted_into_cache(saved_model, tmp_path, hub_env):
    archive = tmp_path / "affine.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(saved_model, arcname=".")
    folder = Path(hub.resolve(archive.as_uri()))
    assert folder.parent == hub_env and (folder / "saved_model.json").is_file()
    hub.load(str(archive))


def test_onnx_model(tmp_path):
    pytest.importorskip("onnx")
    import tessera as tf

    class Double(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def __call__(self, x):
            return x * 2.0

    (tmp_path / "m").mkdir()
    tf.onnx.export(Double(), tmp_path / "m" / "model.onnx")
    for handle in (tmp_path / "m", tmp_path / "m" / "model.onnx"):
        model = hub.load(handle)
        out = model(tf.constant(np.ones((1, 2), np.float32)))
        out = out[0] if isinstance(out, list | tuple) else out
        np.testing.assert_allclose(np.asarray(out), [[2.0, 2.0]])


def test_keras_file(tmp_path):
    keras = pytest.importorskip("tessera_keras")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "model.keras"
    x = np.ones((2, 3), np.float32)
    try:
        model.save(path)
    except NotImplementedError:  # a tessera-keras that cannot write .keras files yet
        path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        with pytest.raises(NotImplementedError, match="load_model"):
            hub.load(path)
        return
    loaded = hub.load(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_not_a_model(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(ValueError, match="not a model folder"):
        hub.load(tmp_path)
    (tmp_path / "saved_model.pb").write_bytes(b"")
    with pytest.raises(NotImplementedError, match="TensorFlow SavedModel"):
        hub.load(tmp_path)


def test_registered_resolver(saved_model, server):
    hub.publish(saved_model, server.root, "acme/affine/3")
    seen = []

    def resolver(handle):
        seen.append(handle)
        name = handle.split("://", 1)[1]
        return f"{server.url}/acme/{name}/3.tar.gz"

    hub.register_resolver("acme", resolver)
    try:
        assert "acme" in hub.known_schemes()
        with pytest.raises(ValueError, match="already registered"):
            hub.register_resolver("acme", lambda h: h)
        folder = Path(hub.resolve("acme://affine"))
        assert (folder / "saved_model.json").is_file() and seen == ["acme://affine"]
        hub.resolve("acme://affine")
        assert seen == ["acme://affine"]  # cached: the resolver is not asked again
    finally:
        hub.unregister_resolver("acme")
    with pytest.raises(ValueError, match=r"no resolver for the scheme acme://.*register_resolver"):
        hub.resolve("acme://other")


def test_entry_point_resolver(saved_model, monkeypatch):
    from importlib.metadata import EntryPoint

    from tessera_hub import _resolvers

    ep = EntryPoint("lab", f"{__name__}:_lab_resolver", hub.ENTRY_POINT_GROUP)
    monkeypatch.setattr(_resolvers.metadata, "entry_points",
                        lambda group: [ep] if group == hub.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(_resolvers, "_EP_LOADED", False)
    monkeypatch.setenv("LAB_MODEL", str(saved_model))
    try:
        assert hub.resolve("lab://anything") == str(saved_model)
    finally:
        hub.unregister_resolver("lab")


def _lab_resolver(handle):
    import os

    return os.environ["LAB_MODEL"]


def test_publish_index_layout(saved_model, tmp_path):
    entry = hub.publish(saved_model, tmp_path / "site", "hub://pub/affine/2", description="d")
    index = json.loads((tmp_path / "site" / "index.json").read_text())
    assert index["format"] == "tessera-hub-index" and index["version"] == 1
    item = index["models"]["pub/affine"]
    assert item["description"] == "d" and item["versions"]["2"] == entry
    assert entry["archive"] == "pub/affine/2.tar.gz" and entry["format"] == "saved_model"
    assert len(entry["sha256"]) == 64
    with pytest.raises(FileExistsError):
        hub.publish(saved_model, tmp_path / "site", "pub/affine/2")
    with pytest.raises(ValueError, match="numeric version"):
        hub.publish(saved_model, tmp_path / "site", "pub/affine")


def test_hub_url_as_local_folder(saved_model, tmp_path, monkeypatch):
    hub.publish(saved_model, tmp_path / "site", "pub/affine/1")
    monkeypatch.setenv("TESSERA_HUB_URL", str(tmp_path / "site"))
    assert (Path(hub.resolve("hub://pub/affine/1")) / "saved_model.json").is_file()


def test_cli(saved_model, server, monkeypatch, hub_env, tmp_path):
    from typer.testing import CliRunner

    from tessera._cli.app import build_app

    app = build_app()
    runner = CliRunner()
    site = server.root
    r = runner.invoke(app, ["hub", "publish", str(saved_model), "test/affine/1",
                            "--index", str(site)])
    assert r.exit_code == 0, r.output
    assert "published hub://test/affine/1" in r.output
    monkeypatch.setenv("TESSERA_HUB_URL", server.url)
    r = runner.invoke(app, ["hub", "download", "hub://test/affine/1"])
    assert r.exit_code == 0, r.output
    assert Path(r.output.strip()).parent == hub_env
    r = runner.invoke(app, ["hub", "ls"])
    assert "hub://test/affine/1" in r.output
    r = runner.invoke(app, ["hub", "info", "hub://test/affine/1"])
    assert "saved_model" in r.output and "sha256" in r.output
    r = runner.invoke(app, ["hub", "rm", "hub://test/affine/1"])
    assert r.exit_code == 0 and "removed" in r.output
    r = runner.invoke(app, ["hub", "ls"])
    assert "empty" in r.output
    r = runner.invoke(app, ["hub", "download", "hub://test/affine/9"])
    assert r.exit_code == 1 and "hub://test/affine/9" in r.output


def test_hub_handle_needs_an_index_url():
    with pytest.raises(ValueError, match="TESSERA_HUB_URL"):
        hub.resolve("hub://pub/affine/1")
    with pytest.raises(ValueError, match="numeric version"):
        hub.resolve("hub://pub/affine")


def test_resolver_from_a_tessera_plugin_hook(tmp_path):
    """A plugin adds a scheme through the core's tessera_register_hub_resolvers hook."""
    import tessera_hub as hub
    from tessera.plugins import hookimpl, register, unregister

    target = tmp_path / "model"
    target.mkdir()
    (target / "saved_model.json").write_text("{}")

    class Plugin:
        @hookimpl
        def tessera_register_hub_resolvers(self, registry):
            registry.add_hub_resolver("viaplugin", lambda handle: str(target))

    name = register(Plugin(), name="hub-resolver-test")
    try:
        assert "viaplugin" in hub.known_schemes()
        assert hub.resolve("viaplugin://anything") == str(target)
    finally:
        unregister(name)
        hub.unregister_resolver("viaplugin")
