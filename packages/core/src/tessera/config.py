"""``tf.config``: devices and threading."""

from __future__ import annotations

from types import SimpleNamespace

from tessera._framework.device import (
    LogicalDevice,
    PhysicalDevice,
    get_visible_devices,
    list_logical_devices,
    list_physical_devices,
    set_visible_devices,
)

_threads = {"inter": 0, "intra": 0}


def _setter(key: str):
    def set_threads(num_threads: int) -> None:
        if int(num_threads) < 0:
            raise ValueError(f"num_threads must be >= 0 (0 lets the system choose), got "
                             f"{num_threads}")
        _threads[key] = int(num_threads)

    return set_threads


# Read by executors (the ONNX Runtime plugin passes them as session options).
threading = SimpleNamespace(
    get_inter_op_parallelism_threads=lambda: _threads["inter"],
    set_inter_op_parallelism_threads=_setter("inter"),
    get_intra_op_parallelism_threads=lambda: _threads["intra"],
    set_intra_op_parallelism_threads=_setter("intra"),
)


def _device_details(device: PhysicalDevice) -> dict:
    return {"device_name": device.device_type}


def _memory_growth_get(device: PhysicalDevice) -> bool | None:
    return None


def _memory_growth_set(device: PhysicalDevice, enable: bool) -> None:
    if device.device_type == "CPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")


experimental = SimpleNamespace(
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices,
    set_visible_devices=set_visible_devices,
    get_device_details=_device_details,
    get_memory_growth=_memory_growth_get,
    set_memory_growth=_memory_growth_set,
)

__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "experimental",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "set_visible_devices",
    "threading",
]
