"""The shared compat program 05_data.py prints exactly what TensorFlow 2.21 prints."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMPAT = Path("/work/shared/compat")
TENSORFLOW_OUTPUT = """\
[[2, 4, 8], [10, 14, 16]]
({'a': TensorSpec(shape=(), dtype=tf.int32, name=None)}, TensorSpec(shape=(), dtype=tf.float32, name=None))
tf.Tensor(1, shape=(), dtype=int32) tf.Tensor(4.0, shape=(), dtype=float32)
[np.int64(0), np.int64(1), np.int64(2), np.int64(0), np.int64(1), np.int64(2)]
[(np.int64(0), np.int64(3)), (np.int64(1), np.int64(4)), (np.int64(2), np.int64(5))]
10
"""  # recorded from TF_IMPL=tensorflow with tensorflow 2.21


@pytest.mark.skipif(not (COMPAT / "programs" / "05_data.py").exists(),
                    reason="shared compat programs not present")
def test_05_data_prints_what_tensorflow_prints():
    env = {**os.environ, "TF_IMPL": "tessera", "PYTHONPATH": str(COMPAT)}
    out = subprocess.run([sys.executable, "programs/05_data.py"], cwd=COMPAT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == TENSORFLOW_OUTPUT
