"""keras.utils.model_to_dot draws what Keras 3 draws; plot_model hands it to Graphviz."""

import json
import os
import stat
from pathlib import Path

import pytest
from _plot_model_cases import OPTIONS, describe, models

import tessera as tf
from tessera_keras.utils import _model_visualization as viz

keras = tf.keras
EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "plot_model_dots.json").read_text())


@pytest.mark.parametrize("model_name", sorted(models(keras)))
@pytest.mark.parametrize("option_name", sorted(OPTIONS))
def test_model_to_dot_matches_keras(model_name, option_name):
    model = models(keras)[model_name]()
    dot = keras.utils.model_to_dot(model, **OPTIONS[option_name])
    assert describe(dot, model) == EXPECTED[f"{model_name}/{option_name}"]


def test_model_to_dot_subgraph_is_a_cluster():
    model = models(keras)["sequential"]()
    cluster = keras.utils.model_to_dot(model, subgraph=True)
    assert cluster.get_name() == "cluster_seq"
    assert cluster.get_attributes() == {"style": "dashed", "label": "seq", "labeljust": "l"}


def test_unbuilt_model_and_bad_arguments_raise():
    with pytest.raises(ValueError, match="has not yet been built"):
        keras.utils.model_to_dot(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="has not yet been built"):
        keras.utils.plot_model(keras.Sequential([keras.layers.Dense(2)]))
    model = models(keras)["sequential"]()
    with pytest.raises(ValueError, match="`layer_range` is no longer supported"):
        keras.utils.model_to_dot(model, layer_range=["hidden", "out"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments: {'colour': 1}"):
        keras.utils.model_to_dot(model, colour=1)


def test_missing_pydot_raises_import_error(monkeypatch):
    monkeypatch.setattr(viz, "pydot", None)
    model = models(keras)["sequential"]()
    with pytest.raises(ImportError, match=r"install pydot \(`pip install pydot`\) for "
                                          r"model_to_dot"):
        keras.utils.model_to_dot(model)
    with pytest.raises(ImportError, match=r"install pydot .* for `plot_model` to work"):
        keras.utils.plot_model(model)


def test_missing_graphviz_raises_import_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    with pytest.raises(ImportError, match="You must install graphviz"):
        keras.utils.plot_model(models(keras)["sequential"](), to_file=tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def _fake_dot(directory: Path) -> None:
    """A stand-in for Graphviz's ``dot``: writes its -T format and the DOT source it got, so
    the test sees exactly what plot_model asked Graphviz for on any machine."""
    script = directory / "dot"
    script.write_text('#!/bin/sh\necho "format=${1#-T}"\ncat "$2"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize("file_name, fmt", [("model.png", "png"), ("model.svg", "svg"),
                                            ("model", "png")])
def test_plot_model_writes_the_format_of_the_extension(monkeypatch, tmp_path, file_name, fmt):
    _fake_dot(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    model = models(keras)["functional"]()
    keras.utils.plot_model(model, to_file=tmp_path / file_name, show_shapes=True)
    written = (tmp_path / file_name).read_text()
    assert written.startswith(f"format={fmt}\n")
    # plot_model's default hides layer names (as Keras): the boxes show class names.
    assert "<b>Dense</b>" in written and "<b>shared</b>" not in written
    assert "Output shape: <b>(None, 6)</b>" in written
