"""ONNX lowering machinery; the ``onnx`` package is imported only when a model is built."""
