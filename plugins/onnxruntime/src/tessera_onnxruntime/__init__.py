"""ONNX Runtime as Tessera's executor for compiled graphs (registered as a plugin)."""

from tessera_onnxruntime._executor import OnnxRuntimeExecutor
from tessera._onnx.lower import lower_graph

__version__ = "0.1.0"
__all__ = ["OnnxRuntimeExecutor", "lower_graph"]
