"""keras.utils.text_dataset_from_directory on a temporary directory tree; the split and
messages are what TensorFlow 2.21 gives for the same tree and seed."""

from __future__ import annotations

import pytest

import tessera as tf


@pytest.fixture
def tree(tmp_path):
    for i in (1, 2, 3):
        (tmp_path / "pos").mkdir(exist_ok=True)
        (tmp_path / "neg" / "sub").mkdir(parents=True, exist_ok=True)
        (tmp_path / "pos" / f"p{i}.txt").write_text(f"good movie {i}\n")
        (tmp_path / "neg" / f"n{i}.txt").write_text(f"bad film number {i}\n")
    (tmp_path / "neg" / "sub" / "deep.txt").write_text("nested bad\n")
    (tmp_path / "pos" / "ignore.md").write_text("not a .txt file")
    return tmp_path


def test_inferred_labels_batches_and_max_length(tree, capsys):
    ds = tf.keras.utils.text_dataset_from_directory(tree, batch_size=4, seed=3, max_length=8)
    assert "Found 7 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["neg", "pos"]
    pairs = [(t, int(y)) for x, ys in ds for t, y in zip(x.numpy().tolist(), ys.numpy())]
    assert [len(x) for x, _ in ds] == [4, 3]
    assert sorted(pairs) == sorted([(b"bad film", 0)] * 3 + [(b"nested b", 0)] +
                                   [(b"good mov", 1)] * 3)


def test_unlabelled_in_keras_order(tree):
    ds = tf.keras.utils.text_dataset_from_directory(tree, labels=None, shuffle=False,
                                                    batch_size=10, verbose=False)
    assert [x.numpy().tolist() for x in ds] == [[
        b"bad film number 1\n", b"bad film number 2\n", b"bad film number 3\n",
        b"nested bad\n", b"good movie 1\n", b"good movie 2\n", b"good movie 3\n"]]


def test_validation_split_both_matches_keras(tree, capsys):
    train, val = tf.keras.utils.text_dataset_from_directory(
        tree, batch_size=None, seed=1, validation_split=0.3, subset="both",
        label_mode="categorical")
    out = capsys.readouterr().out
    assert "Using 5 files for training." in out and "Using 2 files for validation." in out
    got = sorted((x.numpy(), tuple(y.numpy().tolist())) for x, y in val)
    assert got == [(b"good movie 2\n", (0.0, 1.0)), (b"nested bad\n", (1.0, 0.0))]
    train_texts = {x.numpy() for x, _ in train}
    assert len(train_texts | {t for t, _ in got}) == 7  # no overlap, nothing lost


def test_binary_labels(tree):
    ds = tf.keras.utils.text_dataset_from_directory(tree, label_mode="binary", batch_size=None,
                                                    shuffle=False, verbose=False)
    ys = [y.numpy().tolist() for _, y in ds]
    assert ys == [[0.0]] * 4 + [[1.0]] * 3


@pytest.mark.parametrize("kwargs, message", [
    (dict(validation_split=0.2, subset="training"), "you must provide a `seed`"),
    (dict(validation_split=1.5, subset="training", seed=1), "must be between 0 and 1"),
    (dict(subset="training"), "`validation_split` must be set"),
    (dict(label_mode="sparse"), "`label_mode` argument must be one of"),
    (dict(labels="yes"), "should be a list/tuple of integer labels"),
    (dict(labels=[0, 1]), "Expected the lengths of `labels` to match"),
    (dict(class_names=["pos", "other"]), "did not match the names of the subdirectories"),
])
def test_bad_arguments(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tf.keras.utils.text_dataset_from_directory(tree, verbose=False, **kwargs)
