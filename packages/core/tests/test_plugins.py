"""The plugin registry: built-ins, entry points, failures, lazy loading, isolation."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pluggy
import pytest

import tessera
from tessera.plugins import (
    DeviceType,
    PluginLoadWarning,
    get_plugin_manager,
    hookimpl,
    plugin_records,
    register,
    registry,
    unregister,
)

REPORT = """
import json, warnings
warnings.simplefilter("ignore")
from tessera.plugins import plugin_records, registry
reg = registry()
print(json.dumps({
    "records": {r.name: [r.status, r.distribution, r.version, r.error] for r in plugin_records()},
    "devices": {k: v.device_count() for k, v in reg.device_types.items()},
    "kernels": sorted("/".join(k) for k in reg.kernels),
    "subpackages": reg.subpackages,
}))
"""


def test_import_does_not_load_plugins(run_python):
    out = run_python("import sys, tessera; print('pluggy' in sys.modules, 'typer' in sys.modules);"
                     "import tessera.plugins as p; print(p.is_loaded())")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "False"]


def test_builtin_cpu_registers_through_hooks():
    reg = registry()
    assert reg.device_types["CPU"].device_count() == 1
    assert reg.owners[("device_types", "CPU")] == "cpu"
    (cpu,) = [r for r in plugin_records() if r.name == "cpu"]
    assert cpu.builtin and cpu.status == "loaded" and cpu.distribution == "tessera-core"
    assert get_plugin_manager().get_plugin("cpu") is not None


def test_third_party_plugin_from_entry_points(plugin_site, run_python):
    out = run_python(REPORT, site=plugin_site)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["records"]["fakedev"] == ["loaded", "tessera-fake-device", "0.3.1", None]
    assert got["devices"]["FAKE"] == 2 and got["devices"]["CPU"] == 1
    assert "FakeOp/FAKE" in got["kernels"]
    # other installed distributions (tessera-keras, ...) may add their own subpackages
    assert got["subpackages"]["fakesub"] == "tessera_fake_device"


def test_broken_plugins_are_reported_and_skipped(plugin_site, run_python):
    out = run_python(REPORT, site=plugin_site)
    got = json.loads(out.stdout)
    status, dist, version, error = got["records"]["brokenimport"]
    assert (status, dist, version) == ("failed", "tessera-broken-import", "1.0.0")
    assert "RuntimeError: this plugin is broken on purpose" in error
    status, _, _, error = got["records"]["brokenregister"]
    assert status == "failed" and "failed halfway" in error
    # What the plugin registered before raising was withdrawn whole.
    assert "HALF" not in got["devices"]


def test_broken_plugin_warns_once_with_name_and_reason(plugin_site, run_python):
    code = ("import warnings; warnings.simplefilter('always')\n"
            "import tessera\nfrom tessera.plugins import registry\nregistry(); registry()")
    out = run_python(code, site=plugin_site)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("PluginLoadWarning") == 2  # one per broken plugin, not per call
    assert "plugin 'brokenimport' (tessera-broken-import 1.0.0) was skipped" in out.stderr
    assert "TESSERA_DISABLE_PLUGINS=brokenimport" in out.stderr


def test_autoload_can_be_disabled(plugin_site, run_python):
    out = run_python(REPORT, site=plugin_site, env={"TESSERA_DISABLE_PLUGIN_AUTOLOAD": "1"})
    got = json.loads(out.stdout)
    assert list(got["records"]) == ["cpu", "ops"]  # built-ins still register
    assert got["devices"] == {"CPU": 1}


def test_single_plugins_can_be_disabled(plugin_site, run_python):
    out = run_python(REPORT, site=plugin_site,
                     env={"TESSERA_DISABLE_PLUGINS": "brokenimport,brokenregister"})
    assert "PluginLoadWarning" not in out.stderr
    got = json.loads(out.stdout)
    assert got["records"]["brokenimport"][0] == "disabled"
    assert got["records"]["fakedev"][0] == "loaded"


def test_lazy_subpackage_from_a_plugin(plugin_site, run_python):
    code = """
import warnings; warnings.simplefilter("ignore")
import sys, tessera as tf
import tessera_fake_device, tessera_fake_device.layers
assert tf.fakesub is tessera_fake_device
from tessera.fakesub.layers import Dense
import tessera.fakesub.layers as L
assert Dense is tessera_fake_device.layers.Dense and L is tessera_fake_device.layers
assert tessera_fake_device.__spec__.name == "tessera_fake_device"
print("ok", tf.fakesub.VALUE)
"""
    out = run_python(code, site=plugin_site)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok 42"


@pytest.mark.parametrize("name, dist", [("keras", "tessera-keras"), ("lite", "tessera-lite")])
def test_missing_subpackage_names_the_distribution(name, dist, run_python):
    code = f"""
import tessera as tf
for how in ("attr", "import"):
    try:
        getattr(tf, "{name}") if how == "attr" else __import__("tessera.{name}.x")
    except ImportError as e:
        print(type(e).__name__, "|", e)
"""
    out = run_python(code, env={"TESSERA_DISABLE_PLUGIN_AUTOLOAD": "1"})
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2, out.stderr
    for line in lines:
        assert line.startswith("ModuleNotFoundError |")
        assert f"pip install {dist}" in line


def test_compat_v1_missing_and_v2():
    assert tessera.compat.v2 is tessera
    with pytest.raises(ImportError, match="pip install tessera-compat-v1"):
        tessera.compat.v1  # noqa: B018


def test_unknown_attribute_is_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'definitely_not_here'"):
        tessera.definitely_not_here  # noqa: B018
    assert not hasattr(tessera, "_private_thing")


def test_runtime_registration_is_historic_and_reversible():
    class Plugin:
        @hookimpl
        def tessera_register_devices(self, registry):
            registry.add_device_type(DeviceType("RUNTIME", count=3))

        @hookimpl
        def tessera_register_kernels(self, registry):
            registry.add_kernel("Add", "RUNTIME", np.add)

    name = register(Plugin(), name="runtime-test")
    try:
        reg = registry()
        assert reg.device_types["RUNTIME"].device_count() == 3
        assert reg.kernels[("Add", "RUNTIME")] is np.add
        assert sorted(reg.contributions("runtime-test")) == [
            ("device_types", "RUNTIME"), ("kernels", ("Add", "RUNTIME"))]
        with pytest.raises(ValueError, match="already registered"):
            register(Plugin(), name="runtime-test")
    finally:
        unregister(name)
    assert "RUNTIME" not in registry().device_types
    assert ("Add", "RUNTIME") not in registry().kernels


def test_runtime_registration_failure_raises_and_leaves_nothing():
    class Bad:
        @hookimpl
        def tessera_register_devices(self, registry):
            registry.add_device_type(DeviceType("BAD"))
            raise RuntimeError("nope")

    with pytest.raises(RuntimeError, match=r"could not be registered.*nope"):
        register(Bad(), name="bad")
    assert "BAD" not in registry().device_types
    assert get_plugin_manager().get_plugin("bad") is None


def test_duplicate_device_type_is_refused():
    class Dup:
        @hookimpl
        def tessera_register_devices(self, registry):
            registry.add_device_type(DeviceType("CPU"))

    with pytest.raises(RuntimeError, match="'CPU' is already registered by plugin 'cpu'"):
        register(Dup(), name="dup")


def test_misspelled_hook_fails_check_pending():
    class Typo:
        @hookimpl
        def tessera_regster_devices(self, registry):
            pass

    name = register(Typo(), name="typo")
    try:
        with pytest.raises(pluggy.PluginValidationError, match="tessera_regster_devices"):
            get_plugin_manager().check_pending()
    finally:
        unregister(name)


def test_hook_with_wrong_arguments_is_refused():
    class Wrong:
        @hookimpl
        def tessera_register_devices(self, registry, extra):
            pass

    with pytest.raises(RuntimeError, match="could not be registered"):
        register(Wrong(), name="wrong")


def test_every_hook_is_prefixed():
    from tessera._plugins import hookspecs

    hooks = [n for n in dir(hookspecs) if not n.startswith("_") and callable(getattr(hookspecs, n))
             and hasattr(getattr(hookspecs, n), "tessera_spec")]
    assert hooks and all(h.startswith("tessera_") for h in hooks)


def test_registry_validates_input():
    reg = registry()
    with pytest.raises(TypeError, match="DeviceType"):
        reg.add_device_type("GPU")
    with pytest.raises(ValueError, match="dotted Python identifier"):
        reg.add_subpackage("not valid", "x")
    with pytest.raises(TypeError, match="callable"):
        reg.add_kernel("Add", "CPU", 3)


def test_plugin_load_warning_is_a_user_warning():
    assert issubclass(PluginLoadWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry()  # nothing broken is installed in this environment
