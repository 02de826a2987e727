"""The core's op library, registered through the same hooks as a plugin's ops: every
declared op and its ONNX lowering."""

from __future__ import annotations

from tessera._plugins.manager import hookimpl


@hookimpl
def tessera_register_ops(registry):
    from tessera._framework.op import CORE_OPS

    for op in CORE_OPS.values():
        registry.add_op(op)


@hookimpl
def tessera_register_onnx_lowerings(registry):
    from tessera._framework.op import CORE_OPS

    for op in CORE_OPS.values():
        if op.onnx is not None:
            registry.add_onnx_lowering(op.name, op.onnx)
