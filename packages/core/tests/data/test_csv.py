"""make_csv_dataset and CsvDataset: type inference, specs and values as TensorFlow."""

import pytest

import tessera as tf

CSV = 'a,b,c,label\n1,2.5,x,0\n2,,"y,z",1\n3,4,w,0\n4000000000,5,v,1\n'


@pytest.fixture
def csv_file(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text(CSV)
    return str(p)


def test_make_csv_dataset_matches_tensorflow(csv_file):
    ds = tf.data.experimental.make_csv_dataset(csv_file, batch_size=2, label_name="label",
                                               num_epochs=1, shuffle=False)
    assert repr(ds.element_spec) == (
        "(OrderedDict([('a', TensorSpec(shape=(None,), dtype=tf.int64, name=None)), "
        "('b', TensorSpec(shape=(None,), dtype=tf.float32, name=None)), "
        "('c', TensorSpec(shape=(None,), dtype=tf.string, name=None))]), "
        "TensorSpec(shape=(None,), dtype=tf.int32, name=None))")
    (f1, l1), (f2, l2) = list(ds)
    assert f1["a"].numpy().tolist() == [1, 2] and f2["a"].numpy().tolist() == [3, 4000000000]
    assert f1["b"].numpy().tolist() == [2.5, 0.0]  # missing -> inferred default
    assert f1["c"].numpy().tolist() == [b"x", b"y,z"]
    assert l1.numpy().tolist() == [0, 1] and l2.numpy().tolist() == [0, 1]


def test_make_csv_dataset_repeats_and_selects(csv_file):
    ds = tf.data.experimental.make_csv_dataset(csv_file, batch_size=3, select_columns=["a", "c"],
                                               shuffle_seed=1)
    assert repr(ds) == (
        "<_PrefetchDataset element_spec=OrderedDict([('a', TensorSpec(shape=(3,), "
        "dtype=tf.int64, name=None)), ('c', TensorSpec(shape=(3,), dtype=tf.string, "
        "name=None))])>")
    batches = list(ds.take(4))
    assert all(b["a"].shape == (3,) for b in batches)


def test_csv_dataset_record_defaults(csv_file):
    ds = tf.data.experimental.CsvDataset(csv_file, [tf.int64, [0.0], ["?"]], header=True,
                                         select_cols=[0, 1, 2])
    rows = [tuple(v.numpy() for v in r) for r in ds]
    assert rows[1] == (2, 0.0, b"y,z")
    assert repr(ds.element_spec) == (
        "(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorSpec(shape=(), "
        "dtype=tf.float32, name=None), TensorSpec(shape=(), dtype=tf.string, name=None))")


def test_make_csv_dataset_errors(tmp_path):
    with pytest.raises(ValueError, match="No files match"):
        tf.data.experimental.make_csv_dataset(str(tmp_path / "*.csv"), batch_size=1)
