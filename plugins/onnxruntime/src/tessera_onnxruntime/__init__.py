"""ONNX Runtime as Tessera's executor for compiled graphs (registered as a plugin)."""

from tessera._onnx.lower import lower_graph
from tessera_onnxruntime._executor import OnnxRuntimeExecutor

__version__ = "0.1.0"
__all__ = ["OnnxRuntimeExecutor", "lower_graph"]
