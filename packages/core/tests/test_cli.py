"""The `tessera` command: info, plugins, and subcommands added by plugins."""

from __future__ import annotations

import numpy

import tessera


def tessera_cli(run_python, *args, **kw):
    return run_python("", args=["-m", "tessera", *args], **kw)


def test_info_lists_versions_plugins_devices(run_python):
    out = tessera_cli(run_python, "info")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert f"Tessera        {tessera.__version__}" in text
    assert f"NumPy          {numpy.__version__}" in text
    assert "ONNX Runtime" in text
    assert f"tessera-core {tessera.__version__}" in text
    assert "cpu (built-in): loaded" in text
    assert "/physical_device:CPU:0" in text


def test_plugins_table(run_python):
    out = tessera_cli(run_python, "plugins")
    assert out.returncode == 0, out.stderr
    header, _rule, *rows = out.stdout.splitlines()
    assert header.split() == ["name", "distribution", "version", "module", "status"]
    assert rows[0].split()[:4] == ["cpu", "tessera-core", tessera.__version__,
                                   "tessera._devices.cpu"]


def test_plugins_reports_failures_and_third_party(plugin_site, run_python):
    out = tessera_cli(run_python, "plugins", site=plugin_site)
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: line for line in out.stdout.splitlines()[2:]}
    assert rows["fakedev"].split() == ["fakedev", "tessera-fake-device", "0.3.1",
                                       "tessera_fake_device.plugin", "loaded"]
    assert "failed: import failed: RuntimeError: this plugin is broken on purpose" in rows[
        "brokenimport"]
    assert "failed: registration failed: ValueError" in rows["brokenregister"]


def test_info_shows_plugin_devices(plugin_site, run_python):
    out = tessera_cli(run_python, "info", site=plugin_site)
    assert "/physical_device:FAKE:1  (plugin fakedev)" in out.stdout
    assert "tessera-fake-device 0.3.1" in out.stdout


def test_plugin_adds_a_subcommand(plugin_site, run_python):
    out = tessera_cli(run_python, "fake-hello", "--name", "tessera", site=plugin_site)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello tessera from FAKE"
    helptext = tessera_cli(run_python, "--help", site=plugin_site).stdout
    assert "fake-hello" in helptext and "info" in helptext and "plugins" in helptext


def test_without_the_plugin_the_subcommand_is_absent(run_python):
    out = tessera_cli(run_python, "fake-hello")
    assert out.returncode != 0
    assert "No such command" in out.stderr


def test_console_script_entry_point():
    from importlib import metadata

    (ep,) = [e for e in metadata.entry_points(group="console_scripts") if e.name == "tessera"]
    assert ep.value == "tessera._cli.app:main"
