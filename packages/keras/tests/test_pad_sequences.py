"""keras.utils.pad_sequences / keras.preprocessing: literal values from Keras 3.15."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera_keras as keras
from tessera_keras.preprocessing import image, sequence

ps = keras.utils.pad_sequences


def test_aliases():
    assert keras.preprocessing.sequence.pad_sequences is ps
    assert sequence.pad_sequences is ps
    for name in ("image_dataset_from_directory", "text_dataset_from_directory",
                 "timeseries_dataset_from_array"):
        assert getattr(keras.preprocessing, name) is getattr(keras.utils, name)
    for name in ("array_to_img", "img_to_array", "load_img", "save_img"):
        assert getattr(image, name) is getattr(keras.utils, name)


def test_keras_values():
    out = ps([[1, 2, 3], [4, 5], [6]])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[1, 2, 3], [0, 4, 5], [0, 0, 6]])
    np.testing.assert_array_equal(
        ps([[1, 2, 3], [4, 5], [6]], maxlen=2, padding="post", truncating="pre", value=-1),
        [[2, 3], [4, 5], [6, -1]])
    out = ps([[1, 2, 3], [4, 5], [6]], maxlen=2, padding="pre", truncating="post",
             dtype="float32", value=0.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 2], [4, 5], [0.5, 6]])
    np.testing.assert_array_equal(ps([[], [1]]), [[0], [1]])
    np.testing.assert_array_equal(ps(np.array([[1, 2, 3], [4, 5, 6]]), maxlen=2,
                                     truncating="post"), [[1, 2], [4, 5]])
    out = ps([[1, 2, 3], [4]], dtype="float64", value=np.nan)
    np.testing.assert_array_equal(out, [[1, 2, 3], [np.nan, np.nan, 4]])


def test_samples_with_shape():
    out = ps([[[1, 2], [3, 4]], [[5, 6]]])
    np.testing.assert_array_equal(out, [[[1, 2], [3, 4]], [[0, 0], [5, 6]]])
    out = ps([[[1, 2], [3, 4]], [[5, 6]]], maxlen=3, padding="post")
    np.testing.assert_array_equal(out, [[[1, 2], [3, 4], [0, 0]], [[5, 6], [0, 0], [0, 0]]])
    with pytest.raises(ValueError, match="is different from expected shape"):
        ps([[[1, 2], [3, 4]], [[5, 6, 7]]])


def test_strings():
    out = ps([["a", "bb"], ["c"]], dtype=object, value="x")
    assert out.dtype == object
    assert out.tolist() == [["a", "bb"], ["x", "c"]]
    out = ps([["a", "bb"], ["c"]], dtype="str", value="x")
    assert out.dtype == np.dtype("<U1")
    assert out.tolist() == [["a", "b"], ["x", "c"]]


def test_errors():
    with pytest.raises(ValueError, match='Padding type "mid" not understood'):
        ps([[1, 2, 3], [4]], padding="mid")
    with pytest.raises(ValueError, match='Truncating type "mid" not understood'):
        ps([[1, 2, 3], [4]], truncating="mid", maxlen=1)
    with pytest.raises(ValueError, match="`dtype` int32 is not compatible with `value`'s type"):
        ps([[1, 2, 3], [4]], value="x")
    with pytest.raises(ValueError, match="must be a list of iterables. Found non-iterable: 1"):
        ps([1, 2])
    with pytest.raises(ValueError, match="`sequences` must be iterable."):
        ps(5)
    with pytest.raises(ValueError):
        ps([])


def _reference(seqs, maxlen, padding, truncating, value):
    maxlen = max(len(s) for s in seqs) if maxlen is None else maxlen
    rows = []
    for s in seqs:
        s = list(s)
        s = (s[len(s) - maxlen:] if len(s) > maxlen else s) if truncating == "pre" else s[:maxlen]
        pad = [value] * (maxlen - len(s))
        rows.append(pad + s if padding == "pre" else s + pad)
    return np.array(rows, dtype="int64").reshape(len(seqs), maxlen)


@settings(max_examples=60, deadline=None)
@given(seqs=st.lists(st.lists(st.integers(-50, 50), max_size=7), min_size=1, max_size=6),
       maxlen=st.one_of(st.none(), st.integers(1, 9)),
       padding=st.sampled_from(["pre", "post"]), truncating=st.sampled_from(["pre", "post"]),
       value=st.integers(-3, 3))
def test_matches_reference(seqs, maxlen, padding, truncating, value):
    out = ps(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=value,
             dtype="int64")
    np.testing.assert_array_equal(out, _reference(seqs, maxlen, padding, truncating, value))


def test_smart_resize():
    x = np.arange(4 * 6, dtype="float32").reshape(4, 6, 1)
    np.testing.assert_allclose(image.smart_resize(x, (2, 2))[..., 0], [[4.5, 6.5], [16.5, 18.5]])
    x = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)
    out = image.smart_resize(x, (3, 3), data_format="channels_first")
    np.testing.assert_allclose(out, [[[3, 4, 5], [6, 7, 8], [9, 10, 11]],
                                     [[18, 19, 20], [21, 22, 23], [24, 25, 26]]])
    batch = image.smart_resize(np.stack([x.transpose(1, 2, 0)] * 2), (3, 3))
    assert batch.shape == (2, 3, 3, 2)
    with pytest.raises(ValueError, match="incorrect rank"):
        image.smart_resize(np.zeros((4, 4)), (2, 2))
