"""Runs a traced graph as one ONNX Runtime session (created once per concrete function)."""

from __future__ import annotations

import numpy as np

from tessera._framework.convert import wrap
from tessera._graph.interpreter import _needed
from tessera._onnx.lower import lower_graph


class OnnxRuntimeExecutor:
    """``executor(feeds) -> env``, as the reference interpreter; NotImplementedError from the
    constructor means the graph cannot run here (the caller falls back)."""

    name = "onnxruntime"

    def __init__(self, graph) -> None:
        import onnxruntime as ort

        from tessera.config import threading

        self.graph = graph
        needed = _needed(graph)
        if (not graph.outputs and not graph.variable_values) or \
                all(op.type in ("Placeholder", "Const") for op in needed):
            raise NotImplementedError("nothing to compute: the reference interpreter runs it")
        self.model, self._input_names, self._output_names = lower_graph(graph, needed)
        ort.set_default_logger_severity(4)  # a failed session is reported by our fallback
        options = ort.SessionOptions()
        intra, inter = (threading.get_intra_op_parallelism_threads(),
                        threading.get_inter_op_parallelism_threads())
        if intra:
            options.intra_op_num_threads = intra
        if inter:
            options.inter_op_num_threads = inter
        options.log_severity_level = 3
        # Spinning worker threads collapse under contention (Python threads of tf.data, other
        # processes on a 2-core machine); sleeping threads cost little at these sizes.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(self.model.SerializeToString(), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as e:  # e.g. an operator/type combination ORT has no kernel for
            raise NotImplementedError(f"ONNX Runtime cannot run this graph: {e}") from e
        self._outputs = list(self._output_names.values())
        self._out_ids = list(self._output_names)
        self._dtypes = {id(t): t.dtype for t in [*graph.outputs,
                                                 *graph.variable_values.values()]}
        self._feeds = list(self._input_names.items())

    def __call__(self, feeds: dict) -> dict:
        inputs = {name: feeds[key]._host() for key, name in self._feeds}
        results = self.session.run(self._outputs, inputs)
        env = {}
        for key, value in zip(self._out_ids, results):
            env[key] = wrap(value if isinstance(value, np.ndarray) else np.asarray(value),
                            self._dtypes[key])
        return env
