"""The CPU device: NumPy arrays in host memory, registered as a plugin like any other.
Its kernels are the reference kernels of the core's op declarations."""

from __future__ import annotations

import numpy as np

from tessera._plugins.manager import hookimpl
from tessera._plugins.registry import DeviceType

CPU = DeviceType(
    name="CPU",
    count=1,
    to_host=np.asarray,
    from_host=lambda array, index: np.asarray(array),
    description="host memory, NumPy reference kernels",
)


@hookimpl
def tessera_register_devices(registry):
    registry.add_device_type(CPU)


@hookimpl
def tessera_register_kernels(registry):
    from tessera._framework.op import CORE_OPS

    for op in CORE_OPS.values():
        registry.add_kernel(op.name, "CPU", op.kernel)
