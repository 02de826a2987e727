"""Run in a venv holding tessera-core alone (nox -s isolation): the core imports without
ONNX, ONNX Runtime or any sibling, and a missing sibling names its distribution."""

import importlib.util
import subprocess
import sys
import time

for absent in ("onnx", "onnxruntime", "tessera_keras", "tensorflow"):
    assert importlib.util.find_spec(absent) is None, f"{absent} must not be installed here"

start = time.perf_counter()
import tessera as tf  # noqa: E402

print(f"import tessera: {1000 * (time.perf_counter() - start):.1f} ms")
for name, dist in [("keras", "tessera-keras"), ("lite", "tessera-lite")]:
    try:
        getattr(tf, name)
    except ImportError as e:
        assert f"pip install {dist}" in str(e), e
        print(f"tf.{name}: ImportError names {dist}")
    else:
        raise AssertionError(f"tf.{name} should not be importable with tessera-core alone")

out = subprocess.run([sys.executable, "-m", "tessera", "info"], capture_output=True, text=True)
assert out.returncode == 0, out.stderr
assert "ONNX           not installed" in out.stdout, out.stdout
print("tessera info: ok")
print("isolation: 3 passed, 0 failed")
