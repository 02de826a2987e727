"""Devices: ``tf.device`` scopes, ``tf.config`` listings, and running ops where they belong.

Device types come from plugins (the CPU is one). Inside ``tf.device("/XPU:0")`` ops run with
the XPU's kernels on XPU buffers; an op the XPU has no kernel for runs on the CPU, with a
one-time warning; a device type nobody registered means the CPU, as TensorFlow's soft
placement does in eager mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tessera._framework.context import CPU_DEVICE_NAME, context

_JOB = "/job:localhost/replica:0/task:0"
_SHORT = re.compile(r"^/?(?:device:)?([A-Za-z_][A-Za-z0-9_]*):(\d+|\*)$")
# Set once any non-CPU device scope is entered: from then on dispatch checks where inputs
# live (CPU-only programs never pay for it).
state = {"multi_device": False}


@dataclass(frozen=True)
class PhysicalDevice:
    name: str
    device_type: str

    def __repr__(self) -> str:
        return f"PhysicalDevice(name={self.name!r}, device_type={self.device_type!r})"


@dataclass(frozen=True)
class LogicalDevice:
    name: str
    device_type: str

    def __repr__(self) -> str:
        return f"LogicalDevice(name={self.name!r}, device_type={self.device_type!r})"


def _device_types() -> dict:
    from tessera._plugins.manager import registry

    return registry().device_types


def full_name(device_type: str, index: int) -> str:
    return CPU_DEVICE_NAME if device_type == "CPU" and index == 0 else \
        f"{_JOB}/device:{device_type}:{index}"


def parse(spec: str) -> tuple[str | None, int]:
    """``"/GPU:0"``, ``"gpu:1"``, ``"/device:XPU:0"``, ``"/job:localhost/.../device:CPU:0"``
    -> ("GPU", 0); ``""`` -> (None, 0) (no constraint)."""
    if not isinstance(spec, str):
        raise TypeError(f"device name must be a string, got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        return None, 0
    dtype, index = None, 0
    for part in [p for p in text.split("/") if p]:
        key = part.partition(":")[0]
        low = key.lower()
        if low in ("job", "replica", "task"):
            continue
        m = _SHORT.match(part)
        if low == "device" and m:
            dtype, index = m.group(1).upper(), 0 if m.group(2) == "*" else int(m.group(2))
            continue
        if m and (m.group(1).upper() in ("CPU", "GPU", "TPU") or m.group(1).upper() in
                  _device_types()):
            dtype, index = m.group(1).upper(), 0 if m.group(2) == "*" else int(m.group(2))
            continue
        raise ValueError(f"Unknown attribute {key!r} is encountered while parsing the device "
                         f"spec: {spec!r}.")
    return dtype, index


class device:
    """``with tf.device("/XPU:0"):`` runs ops and places new tensors on that device."""

    def __init__(self, device_name: str | None) -> None:
        self._spec = "" if device_name is None else device_name
        self._type, self._index = parse(self._spec)
        self._saved: list = []

    def __enter__(self) -> device:
        ctx = context
        self._saved.append((ctx.device_type, ctx.device_index, ctx.device_name))
        dtype, index = self._type, self._index
        if dtype is not None:
            types = _device_types()
            known = types.get(dtype)
            visible = _visible.get(dtype)
            if known is None or index >= known.device_count() or (
                    visible is not None and not any(d.name.endswith(f":{dtype}:{index}")
                                                    for d in visible)):
                dtype, index = "CPU", 0  # soft placement, as TF eager
            if dtype != "CPU":
                state["multi_device"] = True
            ctx.device_type, ctx.device_index = dtype, index
            ctx.device_name = full_name(dtype, index)
        return self

    def __exit__(self, *exc) -> None:
        ctx = context
        ctx.device_type, ctx.device_index, ctx.device_name = self._saved.pop()


# ---- moving buffers ----------------------------------------------------------------------
def _type_of(device_name: str) -> tuple[str, int]:
    tail = device_name.rsplit("device:", 1)[-1]
    dtype, _, idx = tail.partition(":")
    return dtype, int(idx or 0)


def to_host(value, device_name: str) -> np.ndarray:
    """A buffer on ``device_name`` as a NumPy array."""
    if device_name == CPU_DEVICE_NAME:
        return value
    dtype, _ = _type_of(device_name)
    dt = _device_types().get(dtype)
    return np.asarray(value) if dt is None or dt.to_host is None else dt.to_host(value)


def from_host(array: np.ndarray, device_name: str):
    if device_name == CPU_DEVICE_NAME:
        return array
    dtype, index = _type_of(device_name)
    dt = _device_types().get(dtype)
    return array if dt is None or dt.from_host is None else dt.from_host(array, index)


def values_on(inputs, device_name: str) -> list:
    """Each input's buffer, moved to ``device_name`` where it lives elsewhere."""
    out = []
    for t in inputs:
        if t._device == device_name:
            out.append(t._value)
        else:
            out.append(from_host(to_host(t._value, t._device), device_name))
    return out


# ---- tf.config -----------------------------------------------------------------------------
_visible: dict[str, list] = {}


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    out = []
    for name, dt in _device_types().items():
        if device_type is not None and device_type.upper() != name:
            continue
        out += [PhysicalDevice(f"/physical_device:{name}:{i}", name)
                for i in range(dt.device_count())]
    return out


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    devs = list_physical_devices(device_type)
    return [d for d in devs if d.device_type not in _visible or d in _visible[d.device_type]]


def set_visible_devices(devices, device_type: str | None = None) -> None:
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    types = {device_type.upper()} if device_type else {d.device_type for d in devices}
    if "CPU" in types and not any(d.device_type == "CPU" for d in devices):
        raise ValueError("Cannot hide the CPU: at least one CPU device must stay visible")
    for t in types:
        _visible[t] = [d for d in devices if d.device_type == t]


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in get_visible_devices(device_type)]
