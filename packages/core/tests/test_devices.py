"""tf.device scopes, tf.config listings, plugin devices with CPU fallback."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf
from tessera.plugins import DeviceType, hookimpl, register, unregister

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


def test_listings_match_tensorflow():
    assert repr(tf.config.list_physical_devices()) == \
        "[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]"
    assert repr(tf.config.list_logical_devices()) == \
        "[LogicalDevice(name='/device:CPU:0', device_type='CPU')]"
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.get_visible_devices() == tf.config.list_physical_devices()


def test_cpu_and_soft_placement():
    with tf.device("/GPU:0"):  # no GPU: ops land on the CPU, as TF's eager soft placement
        x = tf.constant(1.0) + 1.0
    assert x.device == CPU
    with tf.device("cpu:0"):
        assert tf.constant([1]).device == CPU


@pytest.mark.parametrize("spec", ["/XYZ:0", "garbage"])
def test_bad_device_spec(spec):
    with pytest.raises(ValueError, match="Unknown attribute .* is encountered while parsing"):
        tf.device(spec)


def test_threading_settings():
    assert tf.config.threading.get_inter_op_parallelism_threads() == 0
    tf.config.threading.set_intra_op_parallelism_threads(2)
    try:
        assert tf.config.threading.get_intra_op_parallelism_threads() == 2
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    with pytest.raises(ValueError):
        tf.config.threading.set_inter_op_parallelism_threads(-1)


def test_cpu_cannot_be_hidden():
    with pytest.raises(ValueError, match="Cannot hide the CPU"):
        tf.config.set_visible_devices([], "CPU")


class Boxed:
    """A fake device buffer: arrays live inside a box, so host/device copies are visible."""

    def __init__(self, array):
        self.array = np.asarray(array)
        self.shape, self.ndim, self.dtype = self.array.shape, self.array.ndim, self.array.dtype


class XpuPlugin:
    calls: list = []

    @hookimpl
    def tessera_register_devices(self, registry):
        registry.add_device_type(DeviceType(
            "XPU", count=2, to_host=lambda b: b.array,
            from_host=lambda a, i: Boxed(a)))

    @hookimpl
    def tessera_register_kernels(self, registry):
        def add(x, y):
            XpuPlugin.calls.append("AddV2")
            return Boxed(x.array + y.array)

        registry.add_kernel("AddV2", "XPU", add)


@pytest.fixture
def xpu():
    name = register(XpuPlugin(), name="xpu-test")
    XpuPlugin.calls.clear()
    yield
    unregister(name)


def test_plugin_device_runs_its_kernels_and_falls_back(xpu):
    assert [d.name for d in tf.config.list_physical_devices("XPU")] == [
        "/physical_device:XPU:0", "/physical_device:XPU:1"]
    a = tf.constant([1.0, 2.0])  # on the CPU
    with tf.device("/XPU:1"):
        b = a + a  # the XPU kernel; the input is moved to the device
        assert isinstance(b._value, Boxed)
        assert b.device == "/job:localhost/replica:0/task:0/device:XPU:1"
        with pytest.warns(RuntimeWarning, match="no kernel for device type XPU"):
            c = b * 3.0  # no Mul kernel on XPU: the CPU runs it
        assert c.device == CPU
    assert XpuPlugin.calls == ["AddV2"]
    np.testing.assert_array_equal(b.numpy(), [2.0, 4.0])  # back to the host
    np.testing.assert_array_equal(c.numpy(), [6.0, 12.0])
    assert str(b) == "tf.Tensor([2. 4.], shape=(2,), dtype=float32)"
    d = b + 1.0  # outside the scope: a CPU op on an XPU input
    assert d.device == CPU and d.numpy().tolist() == [3.0, 5.0]


def test_invalid_device_index_falls_back_to_cpu(xpu):
    with tf.device("/XPU:7"):
        assert (tf.constant(1.0) + 1.0).device == CPU
