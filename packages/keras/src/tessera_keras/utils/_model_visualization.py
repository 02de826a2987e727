"""``keras.utils.model_to_dot`` / ``plot_model``: a model's layer graph as Graphviz DOT.

The graph, labels and attributes are Keras 3's, so a picture drawn from a Tessera model
looks like the one Keras draws. Like Keras, this needs the optional ``pydot`` package, and
``plot_model`` also needs Graphviz's ``dot`` program.
"""

from __future__ import annotations

import itertools
import os
import sys

from tessera._framework import nest

try:
    import pydot
except ImportError:  # pragma: no cover - exercised through check_pydot() in tests
    pydot = None


def check_pydot() -> bool:
    """Whether pydot is installed."""
    return pydot is not None


def check_graphviz() -> bool:
    """Whether pydot and Graphviz's ``dot`` program both work."""
    if not check_pydot():
        return False
    try:
        pydot.Dot.create(pydot.Dot())
        return True
    except (OSError, pydot.PydotException):
        return False


def _models():
    from tessera_keras.models import Functional, Sequential

    return Functional, Sequential


def _activation_name(activation) -> str:
    if hasattr(activation, "name"):
        return activation.name
    if hasattr(activation, "__name__"):
        return activation.__name__
    return str(activation)


def _format_shape(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _structure(layer, attribute: str, field: str):
    try:
        return nest.map_structure(lambda t: getattr(t, field), getattr(layer, attribute))
    except (ValueError, AttributeError):
        return None


def _label(layer, show_layer_names, show_layer_activations, show_dtype, show_shapes,
           show_trainable) -> str:
    """The HTML-like table Keras draws for one layer."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
             f'<tr><td colspan="{colspan}" bgcolor="black">'
             f'<font point-size="16" color="white">{title}</font></td></tr>')
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                  f"Activation: <b>{_activation_name(layer.activation)}</b></font></td></tr>")
    cells = []
    if show_shapes:
        if class_name != "InputLayer":
            cells.append('<td bgcolor="white"><font point-size="14">Input shape: '
                         f"<b>{_format_shape(_structure(layer, 'input', 'shape'))}</b>"
                         "</font></td>")
        cells.append('<td bgcolor="white"><font point-size="14">Output shape: '
                     f"<b>{_format_shape(_structure(layer, 'output', 'shape'))}</b></font></td>")
    if show_dtype:
        dtype = _structure(layer, "output", "dtype")
        cells.append('<td bgcolor="white"><font point-size="14">Output dtype: '
                     f"<b>{dtype or '?'}</b></font></td>")
    if show_trainable and layer.weights:
        color, text = ("forestgreen", "Trainable") if layer.trainable else \
            ("firebrick", "Non-trainable")
        cells.append(f'<td bgcolor="{color}"><font point-size="14" color="white">'
                     f"<b>{text}</b></font></td>")
    if cells:
        table += f"<tr>{''.join(cells)}</tr>"
    return table + "</table>>"


def _node(layer, options: dict):
    node = pydot.Node(str(id(layer)), label=_label(layer, **options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(dot, source, destination) -> None:
    src, dst = str(id(source)), str(id(destination))
    if not dot.get_edge(src, dst):
        edge = pydot.Edge(src, dst)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _check_built(model) -> None:
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")


def _check_kwargs(kwargs: dict) -> None:
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def _innermost_source(source, output_index: int):
    """The layer inside (possibly nested) models that produces a model's output."""
    functional, _ = _models()
    while isinstance(source, functional):
        source, _, output_index = source.outputs[output_index]._keras_history
    return source


def _innermost_destination(destination, input_index: int):
    """The layer inside (possibly nested) models that first receives a model's input."""
    functional, sequential = _models()
    while isinstance(destination, functional):
        if isinstance(destination, sequential):
            destination = destination.layers[0]
        else:
            destination = destination.inputs[input_index]._keras_history.operation
    return destination


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """The model's layer graph as a ``pydot.Dot`` (a ``pydot.Cluster`` with ``subgraph``)."""
    _check_built(model)
    if not check_pydot():
        raise ImportError("You must install pydot (`pip install pydot`) for model_to_dot to "
                          "work.")
    functional, sequential = _models()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    _check_kwargs(kwargs)
    options = {"show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations, "show_dtype": show_dtype,
               "show_shapes": show_shapes, "show_trainable": show_trainable}

    if not isinstance(model, functional):
        # A subclassed model is one box: its graph is Python code, not recorded layer calls.
        dot.add_node(_node(model, options))
        return dot
    is_sequential = isinstance(model, sequential)
    layers = model.layers if is_sequential else model._operations
    for layer in layers:
        if expand_nested and isinstance(layer, functional):
            dot.add_subgraph(model_to_dot(
                layer, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                subgraph=True, show_layer_activations=show_layer_activations,
                show_trainable=show_trainable))
        else:
            dot.add_node(_node(layer, options))

    if is_sequential:
        if not expand_nested:
            for source, destination in itertools.pairwise(layers):
                _add_edge(dot, source, destination)
            return dot
        # The first layer's incoming edge is drawn by whoever feeds the model itself.
        layers = layers[1:]
    own_nodes = None if is_sequential else {id(n) for n in model._nodes}
    for layer in layers:
        for node in layer._inbound_nodes:
            if own_nodes is not None and id(node) not in own_nodes:
                continue  # a call of a shared layer that belongs to another model
            for input_index, tensor in enumerate(node.input_tensors):
                history = tensor._keras_history
                if history is None:
                    continue
                source = history.operation
                if not expand_nested:
                    _add_edge(dot, source, layer)
                    continue
                _add_edge(dot, _innermost_source(source, history.tensor_index),
                          _innermost_destination(layer, input_index))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draws the model's layer graph into ``to_file`` (format from its extension, PNG by
    default) with Graphviz; returns an IPython ``Image`` when IPython is installed."""
    _check_built(model)
    for available, what in ((check_pydot, "pydot (`pip install pydot`)"),
                            (check_graphviz, "graphviz (see instructions at "
                                             "https://graphviz.gitlab.io/download/)")):
        if not available():
            message = f"You must install {what} for `plot_model` to work."
            if "IPython.core.magics.namespace" in sys.modules:
                # In a notebook, a missing drawing tool should not stop the cell (as Keras).
                print(message)
                return None
            raise ImportError(message)
    _check_kwargs(kwargs)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
