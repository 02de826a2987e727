"""tf.train.Checkpoint / CheckpointManager: round trips, restore status, deferred restoration,
corruption and crash safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tessera as tf
from tessera._checkpoint import bundle


class Net(tf.Module):
    def __init__(self, scale=1.0):
        super().__init__()
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3) * scale, name="w")
        self.blocks = [tf.Variable(scale, name="b0"), {"gain": tf.Variable([scale, 2 * scale])}]
        self.step = tf.Variable(7, dtype=tf.int64, trainable=False)
        self.label = tf.Variable(b"hello")


def test_save_restore_round_trip(tmp_path):
    net = Net()
    ckpt = tf.train.Checkpoint(model=net)
    path = ckpt.save(tmp_path / "ckpt")
    assert path == str(tmp_path / "ckpt-1")
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-1.data-00000-of-00001",
                                            "ckpt-1.index"]
    assert tf.train.latest_checkpoint(tmp_path) == path
    other = Net(scale=0.0)
    status = tf.train.Checkpoint(model=other).restore(path)
    status.assert_consumed().assert_existing_objects_matched().assert_nontrivial_match()
    for a, b in zip(net.variables, other.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert other.label.numpy() == b"hello"


def test_keys_and_listing_follow_tensorflow(tmp_path):
    ckpt = tf.train.Checkpoint(model=Net())
    ckpt.save(tmp_path / "ckpt")
    names = [k for k, _ in tf.train.list_variables(tmp_path)]
    assert names == ["_CHECKPOINTABLE_OBJECT_GRAPH",
                     "model/blocks/0/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/blocks/1/gain/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/label/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/step/.ATTRIBUTES/VARIABLE_VALUE",
                     "model/w/.ATTRIBUTES/VARIABLE_VALUE",
                     "save_counter/.ATTRIBUTES/VARIABLE_VALUE"]
    assert tf.train.load_variable(tmp_path, "save_counter/.ATTRIBUTES/VARIABLE_VALUE") == 1
    assert dict(tf.train.list_variables(tmp_path))["model/w/.ATTRIBUTES/VARIABLE_VALUE"] == [2, 3]
    with pytest.raises(tf.errors.NotFoundError, match="not found in checkpoint"):
        tf.train.load_variable(tmp_path, "nope")
    state = (tmp_path / "checkpoint").read_text()
    assert state.startswith('model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-1"')


def test_write_and_read_without_counter(tmp_path):
    net = Net()
    prefix = tf.train.Checkpoint(model=net).write(tmp_path / "weights")
    assert prefix == str(tmp_path / "weights")
    assert not (tmp_path / "checkpoint").exists()
    fresh = Net(scale=0.0)
    tf.train.Checkpoint(model=fresh).read(prefix).assert_consumed()
    assert fresh.w.numpy()[1, 2] == 5.0


def test_deferred_restoration(tmp_path):
    path = tf.train.Checkpoint(model=Net()).save(tmp_path / "ckpt")

    class Lazy(tf.Module):
        pass

    lazy = Lazy()
    status = tf.train.Checkpoint(model=lazy).restore(path)
    with pytest.raises(AssertionError, match="Unresolved object in checkpoint"):
        status.assert_consumed()
    lazy.w = tf.Variable(np.zeros((2, 3), np.float32))  # created after restore()
    assert lazy.w.numpy()[1, 2] == 5.0
    status.expect_partial()


def test_existing_objects_must_match(tmp_path):
    path = tf.train.Checkpoint(model=Net()).save(tmp_path / "ckpt")
    net = Net()
    net.extra = tf.Variable(1.0, name="extra")
    status = tf.train.Checkpoint(model=net).restore(path)
    with pytest.raises(AssertionError, match="not bound to checkpointed values.*extra"):
        status.assert_existing_objects_matched()
    with pytest.raises(AssertionError, match="No checkpoint specified"):
        tf.train.Checkpoint(model=net).restore(None).assert_consumed()


def test_shape_mismatch_is_an_error(tmp_path):
    path = tf.train.Checkpoint(model=Net()).save(tmp_path / "ckpt")
    net = Net()
    net.w = tf.Variable(np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="incompatible tensor with shape"):
        tf.train.Checkpoint(model=net).restore(path)


def test_not_trackable_is_refused():
    with pytest.raises(ValueError, match="expecting a trackable object"):
        tf.train.Checkpoint(model=3)


def test_manager_keeps_the_newest(tmp_path):
    net = Net()
    ckpt = tf.train.Checkpoint(model=net)
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=2)
    paths = [manager.save() for _ in range(4)]
    assert paths == [str(tmp_path / f"ckpt-{i}") for i in range(1, 5)]
    assert manager.checkpoints == paths[2:]
    assert manager.latest_checkpoint == paths[-1]
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".index")) == \
        ["ckpt-3.index", "ckpt-4.index"]
    again = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=2)
    assert again.checkpoints == paths[2:]
    assert manager.save(checkpoint_number=100) == str(tmp_path / "ckpt-100")
    with pytest.raises(ValueError, match="positive integer"):
        tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=0)


def test_manager_interval_and_restore_or_initialize(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(step=step)
    called = []
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=3, step_counter=step,
                                         checkpoint_interval=10,
                                         init_fn=lambda: called.append(True))
    assert manager.restore_or_initialize() is None and called == [True]
    assert manager.save() is not None
    step.assign(5)
    assert manager.save() is None  # within the interval
    step.assign(10)
    assert manager.save() is not None
    step.assign(0)
    assert manager.restore_or_initialize() == manager.latest_checkpoint
    assert int(step.numpy()) == 10


def test_round_trip_across_processes(tmp_path):
    code = textwrap.dedent(f"""
        import numpy as np, tessera as tf
        v = tf.Variable(np.full((2, 2), 3.5, np.float64), name="v")
        print(tf.train.Checkpoint(v=v).save({str(tmp_path / 'ckpt')!r}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    path = out.stdout.strip()
    v = tf.Variable(np.zeros((2, 2), np.float64))
    tf.train.Checkpoint(v=v).restore(path).assert_consumed()
    assert v.numpy().tolist() == [[3.5, 3.5], [3.5, 3.5]]


def test_truncated_and_corrupted_files_raise_data_loss(tmp_path):
    path = tf.train.Checkpoint(model=Net()).save(tmp_path / "ckpt")
    data = tmp_path / "ckpt-1.data-00000-of-00001"
    original = data.read_bytes()
    data.write_bytes(original[:-5])
    with pytest.raises(tf.errors.DataLossError, match="truncated"):
        tf.train.Checkpoint(model=Net()).restore(path)
    flipped = bytearray(original)
    flipped[3] ^= 0xFF
    data.write_bytes(bytes(flipped))
    with pytest.raises(tf.errors.DataLossError, match="Checksum does not match"):
        tf.train.Checkpoint(model=Net()).restore(path)
    (tmp_path / "ckpt-1.index").write_bytes(b"\x00garbage")
    with pytest.raises(tf.errors.DataLossError, match="corrupted"):
        tf.train.Checkpoint(model=Net()).restore(path)
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        tf.train.Checkpoint(model=Net()).restore(tmp_path / "missing-3")


def test_index_is_json_and_never_pickle(tmp_path):
    path = tf.train.Checkpoint(model=Net()).save(tmp_path / "ckpt")
    index = json.loads((tmp_path / "ckpt-1.index").read_text())
    assert index["format"] == "tessera-checkpoint" and index["object_graph"]["nodes"]
    assert b"pickle" not in (tmp_path / "ckpt-1.index").read_bytes()
    assert path


def test_crash_during_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    net = Net()
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=net), tmp_path, max_to_keep=1)
    good = manager.save()
    net.w.assign(np.full((2, 3), -1.0, np.float32))
    real = bundle._fsync_write
    calls = []

    def crash_on_index(path, chunks):
        calls.append(path)
        if ".index" in str(path):
            raise OSError("disk full (simulated crash)")
        return real(path, chunks)

    monkeypatch.setattr(bundle, "_fsync_write", crash_on_index)
    with pytest.raises(OSError, match="simulated crash"):
        manager.save()
    monkeypatch.undo()
    assert tf.train.latest_checkpoint(tmp_path) == good
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]  # no debris
    fresh = Net(scale=0.0)
    tf.train.Checkpoint(model=fresh).restore(tf.train.latest_checkpoint(tmp_path)) \
        .assert_consumed()
    assert fresh.w.numpy()[1, 2] == 5.0  # the last good values, not the crashed save's
