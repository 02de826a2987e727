"""tf.debugging, tf.print and clipping, checked against TensorFlow 2.21's messages and values."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import debugging as D
from tessera import errors
from tessera import ragged as tf_ragged

IAE = errors.InvalidArgumentError


def _raises(exc, fn, *args, **kwargs) -> str:
    with pytest.raises(exc) as e:
        fn(*args, **kwargs)
    return str(e.value)


# ---- tf.print ------------------------------------------------------------------------------
def _printed(capsys, *args, **kwargs) -> str:
    tf.print(*args, output_stream=sys.stdout, **kwargs)
    return capsys.readouterr().out


PRINT_CASES = [
    ((tf.constant([1, 2, 3]),), {}, "[1 2 3]\n"),
    ((tf.constant([1.5, 2.0, 1 / 3, 1e-7, 1e10, 123456789.0]),), {},
     "[1.5 2 0.333333343 1e-07 1e+10 123456792]\n"),
    ((tf.constant(np.array([1.5, 2.0, 1 / 3, 1e-7, 1e10, 123456789.0])),), {},
     "[1.5 2 0.33333333333333331 1e-07 10000000000 123456789]\n"),
    ((tf.constant(["a", "b"]),), {}, '["a" "b"]\n'),
    ((tf.constant([[1, 2], [3, 4]]),), {}, "[[1 2]\n [3 4]]\n"),
    ((tf.range(10),), {}, "[0 1 2 ... 7 8 9]\n"),
    ((tf.range(10),), {"summarize": -1}, "[0 1 2 3 4 5 6 7 8 9]\n"),
    ((tf.range(10),), {"summarize": 2}, "[0 1 ... 8 9]\n"),
    ((tf.reshape(tf.range(24), (2, 3, 4)),), {},
     "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n"
     "  [20 21 22 23]]]\n"),
    (("hello", 1, 2.5, [1, tf.constant(2)], {"a": tf.constant(1), "b": 2}), {},
     "hello 1 2.5 [1, 2] {'a': 1, 'b': 2}\n"),
    ((tf.constant(True), tf.constant([True, False])), {}, "1 [1 0]\n"),
    ((tf.constant(3.0), tf.constant(np.nan), tf.constant([np.inf, -np.inf])), {},
     "3 nan [inf -inf]\n"),
    ((tf.constant([], tf.float32),), {}, "[]\n"),
    ((tf.zeros((2, 0)),), {}, "[\n ...]\n"),
    ((tf.zeros((2, 0, 3)),), {}, "[\n\n ...]\n"),
    ((tf.constant(1 + 2j),), {}, "?\n"),
    ((tf.constant([1 + 2j, 3j, 4, 5, 6]),), {}, "[? ? ?...]\n"),
    (("a", "b"), {"sep": "--", "end": "!\n"}, "a--b!\n"),
    ((tf.constant([0.1, 0.2], tf.float16),), {}, "[0.0999755859 0.199951172]\n"),
    ((tf.constant([0.1, 0.2], tf.bfloat16),), {}, "[0.100097656 0.200195312]\n"),
    ((tf.constant([1, 2], tf.uint8), tf.constant([-1, 2], tf.int8)), {}, "[1 2] [-1 2]\n"),
    ((tf.constant(["a\nb", 'q"x']),), {}, '["a\\nb" "q\\"x"]\n'),
    ((tf.Variable([1, 2]),), {}, "[1 2]\n"),
    (((1, 2), [3, (4,)]), {}, "(1, 2) [3, (4,)]\n"),
    ((None, True, 1.0), {}, "None True 1.0\n"),
    ((["a", tf.constant("b")], {"x": "s"}, "x{}y", ("{}", 1)), {},
     "['a', \"b\"] {'x': 's'} x{}y ('{}', 1)\n"),
    ((tf.constant([-0.0, 0.1, 1e-5, 1e16, 1e17, 123456.7]),), {},
     "[-0 0.1 1e-05 1e+16 1e+17 123456.703]\n"),
    ((tf.constant(5),), {"summarize": 0}, "...\n"),
    ((tf.constant([5, 6]),), {"summarize": 0}, "[ ...]\n"),
    ((tf.constant([[5, 6], [7, 8]]),), {"summarize": 1}, "[[5 6]\n [7 8]]\n"),
    ((np.array([1, 2, 3]),), {}, "array([1, 2, 3])\n"),
    ((), {}, "\n"),
    (([tf.constant([1, 2]), tf.constant("s")], "end"), {}, '[[1 2], "s"] end\n'),
]


@pytest.mark.parametrize("args, kwargs, want", PRINT_CASES)
def test_print_matches_tf(capsys, args, kwargs, want):
    assert _printed(capsys, *args, **kwargs) == want


def test_print_summarizes_matrices(capsys):
    assert _printed(capsys, tf.reshape(tf.range(100), (10, 10))) == (
        "[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n"
        " [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]\n")


def test_print_ragged(capsys):
    assert _printed(capsys, tf_ragged.constant([[1, 2], [3]])) == "[[1, 2], [3]]\n"
    assert _printed(capsys, tf_ragged.constant([["a", "b"], ["c"]])) == "[['a', 'b'], ['c']]\n"
    assert _printed(capsys, tf_ragged.constant([[1.5, 2], [3]])) == \
        "[[1.500000, 2.000000], [3.000000]]\n"
    assert _printed(capsys, tf_ragged.constant([list(range(10)), [3]])) == \
        "[[0, 1, 2, ..., 7, 8, 9], [3]]\n"
    assert _printed(capsys, [tf_ragged.constant([[1], [2, 3]]), 5]) == "[[[1], [2, 3]], 5]\n"


def test_print_defaults_to_stderr_at_call_time(capsys):
    tf.print("to stderr", tf.constant([1]))
    out = capsys.readouterr()
    assert out.err == "to stderr [1]\n" and out.out == ""


def test_print_raw_bytes(capsysbinary):
    tf.print(tf.constant("scalar"), tf.constant(b"\xff\x01\t"), output_stream=sys.stdout)
    assert capsysbinary.readouterr().out == b'"scalar" "\xff\\001\\t"\n'


def test_print_to_file(tmp_path):
    path = tmp_path / "log.txt"
    tf.print("x", tf.constant([1, 2]), output_stream=f"file://{path}")
    tf.print("y", output_stream=f"file://{path}")
    assert path.read_text() == "x [1 2]\ny\n"


def test_print_bad_stream():
    msg = _raises(ValueError, tf.print, 1, output_stream=3)
    assert msg.startswith("Unsupported output stream, logging level, or file.3. Supported "
                          "streams are sys.stdout, sys.stderr")


# ---- binary asserts ------------------------------------------------------------------------
def test_assert_equal_messages():
    assert tf.debugging.assert_equal(tf.constant([1, 2, 3]), tf.constant([1, 2, 3])) is None
    assert _raises(IAE, D.assert_equal, tf.constant([1, 2, 3]), tf.constant([1, 2, 4])) == (
        "Condition x == y did not hold.\nIndices of first 1 different values:\n[[2]]\n"
        "Corresponding x values:\n[3]\nCorresponding y values:\n[4]\nFirst 3 elements of x:\n"
        "[1 2 3]\nFirst 3 elements of y:\n[1 2 4]")
    assert _raises(IAE, D.assert_equal, tf.constant([1, 2, 3]), 1, message="hi",
                   summarize=2) == ("hi\nCondition x == y did not hold.\nFirst 2 elements of "
                                    "x:\n[1 2]\nFirst 1 elements of y:\n[1]")
    assert _raises(IAE, D.assert_equal, tf.range(20), tf.range(20) + 1) == (
        "Condition x == y did not hold.\nIndices of first 3 different values:\n[[0]\n [1]\n [2]]"
        "\nCorresponding x values:\n[0 1 2]\nCorresponding y values:\n[1 2 3]\nFirst 3 "
        "elements of x:\n[0 1 2]\nFirst 3 elements of y:\n[1 2 3]")
    assert _raises(IAE, D.assert_equal, tf.constant([[1, 2], [3, 4]]),
                   tf.constant([[1, 0], [0, 4]]), summarize=-1) == (
        "Condition x == y did not hold.\nIndices of first 2 different values:\n[[0 1]\n [1 0]]\n"
        "Corresponding x values:\n[2 3]\nCorresponding y values:\n[0 0]\nFirst 4 elements of x:"
        "\n[1 2 3 4]\nFirst 4 elements of y:\n[1 0 0 4]")
    assert _raises(IAE, D.assert_equal, tf.constant([1, 2, 3]), tf.constant([1, 2, 4]),
                   summarize=0) == "Condition x == y did not hold."
    assert _raises(IAE, D.assert_equal, tf.constant(["a", "b"]), tf.constant(["a", "c"])) == (
        "Condition x == y did not hold.\nIndices of first 1 different values:\n[[1]]\n"
        "Corresponding x values:\n[b'b']\nCorresponding y values:\n[b'c']\nFirst 2 elements of "
        "x:\n[b'a' b'b']\nFirst 2 elements of y:\n[b'a' b'c']")
    assert _raises(IAE, tf.assert_equal, 1, 2) == (
        "Condition x == y did not hold.\nFirst 1 elements of x:\n[1]\nFirst 1 elements of y:\n[2]")
    assert _raises(IAE, D.assert_equal, tf.constant([1.0]), tf.constant([1])) == (
        "cannot compute Equal as input #1(zero-based) was expected to be a float tensor but is "
        "a int32 tensor [Op:Equal] name: ")


@pytest.mark.parametrize("fn, sym", [(D.assert_less, "<"), (D.assert_less_equal, "<="),
                                     (D.assert_greater, ">"), (D.assert_greater_equal, ">="),
                                     (D.assert_none_equal, "!=")])
def test_comparison_asserts(fn, sym):
    y = 1.0 if sym == "<=" else 2.0
    msg = _raises(IAE, fn, tf.constant([1.5, 2.0]), y)
    assert msg == (f"Condition x {sym} y did not hold.\nFirst 2 elements of x:\n[1.5 2. ]\n"
                   f"First 1 elements of y:\n[{y:.0f}.]")


def test_comparison_asserts_pass_and_indices():
    assert D.assert_less(tf.constant([1, 2]), tf.constant([2, 3])) is None
    assert _raises(IAE, tf.assert_less, tf.constant([1, 5]), tf.constant([2, 3])) == (
        "Condition x < y did not hold.\nIndices of first 1 different values:\n[[1]]\n"
        "Corresponding x values:\n[5]\nCorresponding y values:\n[3]\nFirst 2 elements of x:\n"
        "[1 5]\nFirst 2 elements of y:\n[2 3]")
    assert "Indices of first 1 different values:\n[[0]]" in _raises(
        IAE, tf.assert_greater, tf.constant([1, 5]), tf.constant([2, 3]))


def test_sign_asserts():
    x = tf.constant([1.5, -2.0])
    assert _raises(IAE, D.assert_negative, x) == (
        "\nCondition x < 0 did not hold element-wise:\nx (shape=(2,) dtype=float32) = \n"
        "['1.5', '-2.0']")
    assert _raises(IAE, D.assert_positive, x) == (
        "\nCondition x > 0 did not hold element-wise:\nx (shape=(2,) dtype=float32) = \n"
        "['1.5', '-2.0']")
    assert _raises(IAE, D.assert_non_negative, x).startswith("\nCondition x >= 0 did not hold")
    assert _raises(IAE, D.assert_non_positive, x) == (
        "\nCondition x <= 0 did not hold element-wise:x (shape=(2,) dtype=float32) = \n"
        "['1.5', '-2.0']")
    assert _raises(IAE, D.assert_negative, tf.constant([1.5, -2, 3, 4]), message="neg",
                   summarize=2) == (
        "neg.  \nCondition x < 0 did not hold element-wise:\nx (shape=(4,) dtype=float32) = \n"
        "['1.5', '-2.0', '...']")
    assert _raises(IAE, D.assert_positive, tf.constant(-1)) == (
        "\nCondition x > 0 did not hold element-wise:\nx (shape=() dtype=int32) = \n-1")
    assert D.assert_positive(tf.constant([1, 2])) is None


def test_assert_near_and_Assert():
    assert _raises(IAE, D.assert_near, tf.constant([1.5, 2]), 2.0) == (
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b''\n"
        "b'x and y not equal to tolerance rtol = tf.Tensor(1.1920929e-06, shape=(), "
        "dtype=float32), atol = tf.Tensor(1.1920929e-06, shape=(), dtype=float32)'\n"
        "b'x (shape=(2,) dtype=float32) = '\n1.5, 2.0\nb'y (shape=() dtype=float32) = '\n2.0")
    assert D.assert_near(tf.constant([1.5, 2]), tf.constant([1.5, 2.0000001])) is None
    assert _raises(IAE, tf.debugging.Assert, False, [tf.constant([1, 2]), "x"]) == (
        "Expected 'False' to be true. Summarized data: 1, 2\nb'x'")
    assert _raises(IAE, tf.Assert, tf.constant(False), ["msg", tf.range(10)], summarize=4) == (
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b'msg'\n"
        "0, 1, 2, 3, ...")
    assert tf.debugging.Assert(True, [tf.constant([1, 2])]) is None


# ---- static asserts ------------------------------------------------------------------------
def test_rank_asserts():
    v = tf.constant([1.5, -2])
    assert _raises(ValueError, D.assert_rank, v, 2) == \
        "Tensor  must have rank 2.  Received rank 1, shape (2,)"
    assert D.assert_rank(v, 1) is None
    assert _raises(ValueError, tf.assert_rank, tf.zeros((2, 3)), 1) == \
        "Tensor  must have rank 1.  Received rank 2, shape (2, 3)"
    assert _raises(ValueError, D.assert_rank_at_least, v, 2) == \
        "Tensor  must have rank at least 2.  Received rank 1, shape (2,)"
    assert _raises(ValueError, D.assert_rank_in, v, [0, 2]) == \
        "Tensor  must have rank in (0, 2).  Received rank 1, shape (2,)"
    assert _raises(ValueError, D.assert_rank, v, 2, message="rk").startswith("rk.  Tensor ")


def test_type_asserts():
    v = tf.constant([1.5, -2])
    assert _raises(ValueError, D.assert_scalar, v) == "Expected scalar shape, saw shape: (2,)."
    assert D.assert_scalar(tf.constant(1.5)) is None
    assert _raises(TypeError, D.assert_type, v, tf.int32) == \
        "tensor must be of type tf.int32; got tf.float32"
    assert _raises(TypeError, D.assert_integer, v) == \
        "Expected \"x\" to be integer type.  Found: tensor of dtype <dtype: 'float32'>"
    assert _raises(TypeError, D.assert_proper_iterable, "abc") == \
        "Expected argument \"values\" to be a \"proper\" iterable.  Found: <class 'str'>"
    assert D.assert_proper_iterable([1]) is None
    assert _raises(ValueError, D.assert_same_float_dtype,
                   [tf.constant(1.0), tf.constant(np.float64(1.0))]) == (
        "tf.Tensor(1.0, shape=(), dtype=float64), type=<dtype: 'float64'>, must be of the same "
        "type (<dtype: 'float32'>) as tf.Tensor(1.0, shape=(), dtype=float32).")
    assert D.assert_same_float_dtype([tf.constant(1.0)]) is tf.float32
    assert D.assert_same_float_dtype() is tf.float32
    assert _raises(ValueError, D.assert_same_float_dtype, [tf.constant(1)]) == \
        "Expected floating point type, got <dtype: 'int32'>."
    assert D.is_numeric_tensor(tf.constant([1])) and D.is_numeric_tensor(tf.constant([1j]))
    assert not D.is_numeric_tensor(tf.constant(["a"])) and not D.is_numeric_tensor([1])
    assert not D.is_numeric_tensor(tf.constant([True]))


def test_assert_shapes():
    z = tf.zeros
    assert D.assert_shapes([(z((2, 3)), ("N", "D")), (z((3,)), ("D",))]) is None
    assert _raises(ValueError, D.assert_shapes, [(z((2, 3)), ("N", "D")), (z((2,)), ("D",))]) \
        == ("Specified by tensor shape=(2, 3) dtype=float32 dimension 1.  Tensor shape=(2,) "
            "dtype=float32 dimension 0 must have size 3.  Received size 2, shape (2,)")
    assert _raises(ValueError, D.assert_shapes, [(z((2, 3)), ("N", "D", "E"))]) == \
        "Tensor  must have rank 3.  Received rank 2, shape (2, 3)"
    assert _raises(ValueError, D.assert_shapes, [(z((2, 3)), (2, 4))]) == (
        "Specified explicitly.  Tensor shape=(2, 3) dtype=float32 dimension 1 must have size 4."
        "  Received size 3, shape (2, 3)")
    assert _raises(ValueError, D.assert_shapes, [(z((4, 2, 3)), ("*", "D")),
                                                 (z((2,)), ("D",))]) == (
        "Specified by tensor shape=(4, 2, 3) dtype=float32 dimension -1.  Tensor shape=(2,) "
        "dtype=float32 dimension 0 must have size 3.  Received size 2, shape (2,)")
    assert D.assert_shapes([(z((4, 2, 3)), (..., "D")), (z((3,)), ("D",))]) is None
    assert D.assert_shapes([(z((4, 2, 3)), ("N", ".", 3)), (z(()), ())]) is None
    assert D.assert_shapes([(z(()), ("N",))]) is None
    assert _raises(ValueError, D.assert_shapes, [(z(()), (2,))]) == (
        "Specified explicitly.  Tensor shape=() dtype=float32 dimension 0 must have size 2.  "
        "Received size 1, shape ()")
    assert _raises(ValueError, D.assert_shapes, [(z((2, 3)), ("*", 4))]).startswith(
        "Specified explicitly.  Tensor shape=(2, 3) dtype=float32 dimension -1 must have size 4")
    assert _raises(ValueError, D.assert_shapes, [(z((2, 3)), ("*", "A", "B", "C"))]) == \
        "Tensor  must have rank at least 3.  Received rank 2, shape (2, 3)"
    assert _raises(ValueError, D.assert_shapes, [(z((2, 3)), "N")]) == \
        "Tensor  must have rank in (0, 1).  Received rank 2, shape (2, 3)"


# ---- check_numerics ------------------------------------------------------------------------
def test_check_numerics():
    x = tf.constant([1.0, 2.0])
    assert D.check_numerics(x, "ok").numpy().tolist() == [1.0, 2.0]
    for vals, what in [([1.0, np.nan], "NaN"), ([1.0, np.inf], "Inf"),
                       ([1.0, -np.inf, np.nan], "Inf and NaN")]:
        assert _raises(IAE, D.check_numerics, tf.constant(vals), "msg") == \
            f"msg : Tensor had {what} values [Op:CheckNumerics] name: "
    assert "Tensor had NaN values" in _raises(IAE, D.assert_all_finite, tf.constant([np.nan]),
                                              "msg")
    assert _raises(IAE, D.check_numerics, tf.constant([1, 2]), "msg").startswith(
        "Value for attr 'T' of int32 is not in the list of allowed values: bfloat16, half, "
        "float, double")
    v = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = tf.reduce_sum(D.check_numerics(v, "m") * 3.0)
    assert tape.gradient(y, v).numpy().tolist() == [3.0, 3.0]


def test_traceback_filtering_switches():
    assert D.is_traceback_filtering_enabled()
    D.disable_traceback_filtering()
    assert not D.is_traceback_filtering_enabled()
    D.enable_traceback_filtering()
    assert D.is_traceback_filtering_enabled()


# ---- clipping ------------------------------------------------------------------------------
def test_clip_by_norm():
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), 2.0).numpy(),
                               [1.2000000476837158, 1.600000023841858], rtol=1e-7)
    np.testing.assert_allclose(
        tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1]).numpy(),
        [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]],
        rtol=1e-6)
    assert tf.clip_by_norm(tf.constant([0.0, 0.0]), 1.0).numpy().tolist() == [0.0, 0.0]


def test_clip_by_norm_gradients():
    x = tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_norm(x, 2.0) * tf.constant([1.0, 2.0]))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               [-0.12799999117851257, 0.09600001573562622], rtol=1e-5)
    z = tf.constant([0.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.reduce_sum(tf.clip_by_norm(z, 1.0))
    assert tape.gradient(y, z).numpy().tolist() == [1.0, 1.0]  # no NaN at zero norm


def test_clip_by_global_norm():
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None, tf.constant([12.0])],
                                           5.0)
    assert float(norm) == 13.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.1538461446762085, 1.5384615659713745],
                               rtol=1e-6)
    np.testing.assert_allclose(clipped[2].numpy(), [4.615384578704834], rtol=1e-6)
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, np.inf])], 10.0)
    assert np.isinf(norm.numpy()) and np.isnan(clipped[0].numpy()).all()
    msg = _raises(TypeError, tf.clip_by_global_norm, tf.constant([3.0, 4.0]), 10.0)
    assert msg.startswith("`t_list` should be a sequence of tensors. Received <class '")
    a, b = tf.constant([3.0, 4.0]), tf.constant([12.0])
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        (ca, cb), _ = tf.clip_by_global_norm([a, b], 5.0)
        y = tf.reduce_sum(ca) + tf.reduce_sum(cb * 2.0)
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose(ga.numpy(), [0.17296312749385834, 0.10241237282752991], rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), [-0.0773782730102539], rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-100, 100, width=32), min_size=1, max_size=8),
       st.floats(0.125, 50.0, width=32))
def test_clip_by_norm_bounds_the_norm(values, clip):
    x = np.array(values, np.float32)
    out = tf.clip_by_norm(tf.constant(x), clip).numpy()
    norm = np.linalg.norm(x.astype(np.float64))
    assert np.linalg.norm(out.astype(np.float64)) <= max(clip, 0) * (1 + 1e-5) + 1e-6
    if norm <= clip:
        np.testing.assert_allclose(out, x, rtol=1e-5, atol=1e-6)


# ---- inside tf.function: the stateful PrintV2 / Assert ops run when the graph runs ------------
def test_print_and_asserts_in_tf_function(capsys):
    @tf.function
    def f(x):
        tf.print("x is", x, output_stream=sys.stdout)
        tf.debugging.assert_less(x, 10.0, message="too big")
        tf.debugging.assert_near(x, x)
        tf.debugging.assert_positive(x)
        y = tf.debugging.check_numerics(x * 2.0, "bad")
        return tf.clip_by_norm(y, 1.0)

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [0.4472136, 0.8944272],
                               rtol=1e-6)
    f(tf.constant([3.0, 2.0]))
    assert capsys.readouterr().out == "x is [1 2]\nx is [3 2]\n"
    msg = _raises(IAE, f, tf.constant([30.0, 2.0]))
    assert msg.startswith("assertion failed: [too big] [Condition x < y did not hold "
                          "element-wise:]")
    assert "[30 2]" in msg
    g = tf.function(lambda x: tf.debugging.check_numerics(x, "bad"))
    assert "bad : Tensor had NaN values" in _raises(IAE, g, tf.constant([np.nan, 1.0]))
