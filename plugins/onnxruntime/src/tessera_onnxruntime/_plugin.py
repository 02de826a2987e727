"""Entry point of the plugin: registers the "onnxruntime" executor. Imports stay lazy, so
loading the plugin does not import ONNX Runtime until a graph is compiled."""

import pluggy

hookimpl = pluggy.HookimplMarker("tessera")


def _factory(graph):
    from tessera_onnxruntime._executor import OnnxRuntimeExecutor

    return OnnxRuntimeExecutor(graph)


@hookimpl
def tessera_register_executors(registry):
    registry.add_executor("onnxruntime", _factory)
