"""Models and options for test_plot_model.py, shared with fixtures/make_plot_model_dots.py
(which records what Keras 3 draws for them). No Keras or Tessera import: callers pass theirs."""

import numpy as np


def models(keras):
    """name -> a function building that model with the ``keras`` module given."""
    L = keras.layers

    def sequential():
        return keras.Sequential([keras.Input((8,), name="x"), L.Dense(4, activation="relu",
                                                                      name="hidden"),
                                 L.Dropout(0.5, name="drop"), L.Dense(2, name="out")],
                                name="seq")

    def functional():
        a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
        shared = L.Dense(3, activation="tanh", name="shared")
        merged = L.Concatenate(name="concat")([shared(a), shared(b)])
        frozen = L.Dense(2, name="frozen")
        frozen.trainable = False
        return keras.Model([a, b], [frozen(merged), L.Dense(1, name="score")(merged)],
                           name="two_towers")

    def nested():
        inner_seq = keras.Sequential([keras.Input((4,)), L.Dense(5, name="seq_dense"),
                                      L.Dense(3, name="seq_out")], name="inner_seq")
        i = keras.Input((3,), name="inner_in")
        inner_fn = keras.Model(i, L.Dense(2, name="fn_out")(L.Dense(4, name="fn_dense")(i)),
                               name="inner_fn")
        x = keras.Input((4,), name="outer_in")
        y = inner_fn(inner_seq(x))
        return keras.Model(x, L.Dense(1, name="head")(y), name="outer")

    def subclassed():
        class Tiny(keras.Model):
            def __init__(self):
                super().__init__(name="tiny")
                self.dense = L.Dense(2)

            def call(self, x):
                return self.dense(x)

        model = Tiny()
        model(np.ones((1, 3), "float32"))
        return model

    return {"sequential": sequential, "functional": functional, "nested": nested,
            "subclassed": subclassed}


OPTIONS = {
    "default": {},
    "everything": {"show_shapes": True, "show_dtype": True, "show_layer_activations": True,
                   "show_trainable": True, "rankdir": "LR", "dpi": 96, "splines": "line"},
    "no_names": {"show_layer_names": False, "show_shapes": True},
    "expanded": {"expand_nested": True, "show_shapes": True},
}


def _walk(model, out):
    out[str(id(model))] = model.name
    for layer in getattr(model, "layers", []) + list(getattr(model, "_operations", [])):
        if str(id(layer)) not in out:
            _walk(layer, out)
    return out


def describe(dot, model):
    """The drawn graph as plain JSON data, node ids (``id(layer)``) replaced by layer names."""
    names = _walk(model, {})

    def graph(g):
        return {
            "attributes": {k: str(v) for k, v in sorted(g.get_attributes().items())},
            "node_defaults": [dict(sorted(n.get_attributes().items()))
                              for n in g.get_node("node")],
            "nodes": [[names.get(n.get_name(), n.get_name()),
                       {k: str(v) for k, v in sorted(n.get_attributes().items())}]
                      for n in g.get_nodes() if n.get_name() not in ("node", "graph", "edge")],
            "edges": [[names[e.get_source()], names[e.get_destination()],
                       dict(sorted(e.get_attributes().items()))] for e in g.get_edges()],
            "subgraphs": [[s.get_name(), graph(s)] for s in g.get_subgraphs()],
        }

    return graph(dot)
