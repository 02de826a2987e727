"""tf.saved_model: save, load in a fresh process without the code, signatures, safety."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tessera as tf


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.k = tf.Variable(2.0)
        self.inner = tf.Module()
        self.inner.bias = tf.Variable([1.0, 1.0, 1.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return {"y": x * self.k + self.inner.bias}

    @tf.function
    def loop(self, x, n):
        total = tf.constant(0.0)
        for i in tf.range(n):
            if i % 2 == 0:
                total += tf.reduce_sum(x) * tf.cast(i, tf.float32)
        return total

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def bump(self, d):
        self.k.assign_add(d)
        return self.k.read_value()


@pytest.fixture
def saved(tmp_path):
    m = Scale()
    m.loop(tf.constant([1.0, 2.0]), tf.constant(5))  # traced before saving
    tf.saved_model.save(m, tmp_path / "m")
    return m, tmp_path / "m"


def test_round_trip_in_this_process(saved):
    m, path = saved
    assert tf.saved_model.contains_saved_model(path)
    r = tf.saved_model.load(path)
    x = tf.constant([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(r(x)["y"].numpy(), m(x)["y"].numpy())
    assert float(r.loop(tf.constant([1.0, 2.0]), tf.constant(5))) == 18.0
    assert list(r.signatures["serving_default"].structured_outputs) == ["y"]
    out = r.signatures["serving_default"](x=x)
    np.testing.assert_array_equal(out["y"].numpy(), [[3.0, 5.0, 7.0]])
    assert sorted(v.name for v in r.variables) == ["Variable:0", "Variable:0"]
    assert float(r.bump(tf.constant(1.0))) == 3.0 and float(r.k) == 3.0  # state is live


def test_load_in_a_fresh_process_without_the_code(saved):
    _, path = saved
    code = textwrap.dedent(f"""
        import tessera as tf
        r = tf.saved_model.load({str(path)!r})
        print(r(tf.constant([[1.0, 2.0, 3.0]]))["y"].numpy().tolist())
        print(float(r.loop(tf.constant([1.0, 2.0]), tf.constant(5))))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[[3.0, 5.0, 7.0]]", "18.0"]


def test_unmatched_call_names_the_saved_signatures(saved):
    _, path = saved
    r = tf.saved_model.load(path)
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        r(tf.constant([1, 2, 3]))
    assert float(r.loop(tf.constant([1.0, 2.0]), 5)) == 18.0  # a number converts
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        r.loop(tf.constant([1, 2]), 5)


def test_explicit_signatures(tmp_path):
    m = Scale()
    tf.saved_model.save(m, tmp_path / "s", signatures={
        "scale": m.__call__, "sum": m.loop.get_concrete_function(
            tf.TensorSpec([None], tf.float32, name="x"), tf.TensorSpec([], tf.int32, name="n"))})
    r = tf.saved_model.load(tmp_path / "s")
    assert sorted(r.signatures) == ["scale", "sum"]
    got = r.signatures["sum"](x=tf.constant([1.0, 2.0]), n=tf.constant(3))
    assert float(got["output_0"]) == 6.0
    with pytest.raises(ValueError, match="needs an input_signature"):
        tf.saved_model.save(m, tmp_path / "bad", signatures=m.loop)


def test_corrupt_or_foreign_files_raise_clear_errors(saved, tmp_path):
    _, path = saved
    manifest = path / "saved_model.json"
    data = json.loads(manifest.read_text())
    (path / "saved_model.json").write_text("{not json")
    with pytest.raises(tf.errors.DataLossError, match="corrupted"):
        tf.saved_model.load(path)
    data["functions"][0]["graph"]["ops"][1]["type"] = "SomeUnknownOp"
    manifest.write_text(json.dumps(data))
    with pytest.raises(tf.errors.NotFoundError, match="Op type not registered 'SomeUnknownOp'"):
        tf.saved_model.load(path)
    with pytest.raises(OSError, match="SavedModel file does not exist"):
        tf.saved_model.load(tmp_path / "nothing")
    with pytest.raises(ValueError, match="Expected an object of type `Trackable`"):
        tf.saved_model.save(3, tmp_path / "x")


def test_saved_model_cli_show(saved):
    _, path = saved
    out = subprocess.run([sys.executable, "-m", "tessera", "saved-model", "show", "--dir",
                          str(path), "--all"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "signature_def['serving_default']:" in out.stdout
    assert "    inputs['x'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 3)\n" \
           "        name: serving_default_x:0" in out.stdout
    assert "Function Name: '__call__'" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "tessera", "saved-model", "show", "--dir",
                          str(path / "missing"), "--all"], capture_output=True, text=True)
    assert bad.returncode == 1 and "cannot read a SavedModel" in bad.stderr


def test_signature_only_functions_keep_their_constants(tmp_path):
    class Scaler(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(2.0)

    m = Scaler()
    fn = tf.function(lambda x: x * m.w + 3.0, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(m, tmp_path / "s", signatures=fn)  # fn is not an attribute of m
    r = tf.saved_model.load(tmp_path / "s")
    out = r.signatures["serving_default"](x=tf.constant([1.0]))
    assert out["output_0"].numpy().tolist() == [5.0]


def test_unknown_batch_through_tensordot(tmp_path):
    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(np.ones((3, 2), np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None, 4, 3], tf.float32)])
        def __call__(self, x):
            return tf.tensordot(x, self.w, axes=1)

    tf.saved_model.save(M(), tmp_path / "t")
    assert tf.saved_model.load(tmp_path / "t")(tf.ones([2, 4, 3])).shape == (2, 4, 2)
