"""tf.strings, checked against TensorFlow 2.21's values, dtypes and error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessera as tf
from tessera import errors
from tessera import ragged as tf_ragged
from tessera import strings as S

IAE = errors.InvalidArgumentError


def _list(t):
    return t.numpy().tolist()


def test_compat_program_upper():
    assert str(tf.strings.upper(tf.constant(["ab", "cd"]))) == \
        "tf.Tensor([b'AB' b'CD'], shape=(2,), dtype=string)"


def test_case():
    assert _list(S.lower(["ÀB", "Cd"])) == [b"\xc3\x80b", b"cd"]  # ASCII only by default
    assert _list(S.lower(["ÀB", "Cd"], encoding="utf-8")) == [b"\xc3\xa0b", b"cd"]
    assert S.upper("straße", encoding="utf-8").numpy() == b"STRASSE"
    assert S.lower(tf.constant([["A"]])).shape == (1, 1)
    with pytest.raises(IAE, match="expected to be a string tensor but is a int32 tensor"):
        S.lower(tf.constant([1]))


def test_length_and_strip():
    t = S.length(["héllo", ""])
    assert t.dtype is tf.int32 and _list(t) == [6, 0]
    assert _list(S.length(["héllo", ""], unit="UTF8_CHAR")) == [5, 0]
    with pytest.raises(IAE, match="Value for attr 'unit' of \"X\" is not in the list of allowed "
                                  "values: \"BYTE\", \"UTF8_CHAR\""):
        S.length("a", unit="X")
    assert _list(S.strip([" a b \t\n", "x"])) == [b"a b", b"x"]


def test_join_and_reduce_join():
    assert _list(S.join(["a", ["b", "c"]], separator="-")) == [b"a-b", b"a-c"]
    with pytest.raises(IAE, match=r"Input shapes do not match: \[2\] vs. \[3\]"):
        S.join([["a", "b"], ["b", "c", "d"]])
    assert S.join([]).numpy() == b""
    m = [["a", "b"], ["c", "d"]]
    assert S.reduce_join(m).numpy() == b"abcd"
    assert _list(S.reduce_join(m, axis=1, separator=",")) == [b"a,b", b"c,d"]
    kept = S.reduce_join(m, axis=0, keepdims=True)
    assert kept.shape == (1, 2) and _list(kept) == [[b"ac", b"bd"]]
    assert _list(S.reduce_join(m, axis=-1)) == [b"ab", b"cd"]
    assert _list(S.reduce_join(m, axis=[0, 1], keepdims=True)) == [[b"acbd"]]
    with pytest.raises(errors.OutOfRangeError,
                       match=r"Invalid reduction dimension 2 for input with 2 dimension\(s\)"):
        S.reduce_join(m, axis=2)
    empty = tf.constant(np.empty((0, 2), object))
    assert _list(S.reduce_join(empty, axis=0)) == [b"", b""]


def test_unsorted_segment_join():
    assert _list(S.unsorted_segment_join(["a", "b", "c"], [0, 1, 0], 3, separator=",")) == \
        [b"a,c", b"b", b""]
    assert _list(S.unsorted_segment_join([["a", "b"], ["c", "d"]], [1, 1], 2, separator=",")) \
        == [[b"", b""], [b"a,c", b"b,d"]]


def test_substr():
    assert S.substr("hello", 1, 3).numpy() == b"ell"
    assert _list(S.substr(["hello", "ab"], [1, 0], [10, 1])) == [b"ello", b"a"]
    assert S.substr("hello", -2, 3).numpy() == b"lo"
    assert S.substr("héllo", 1, 2, unit="UTF8_CHAR").numpy() == "él".encode()
    assert S.substr("hello", 5, 3).numpy() == b""
    assert S.substr("hello", 1, -1).numpy() == b"ello"
    with pytest.raises(IAE, match=r"pos 7 out of range for string b'hello' at index 0 "
                                  r"\[Op:Substr\]"):
        S.substr("hello", 7, 3)
    with pytest.raises(IAE, match="pos -7 out of range"):
        S.substr("hello", -7, 3)


def test_split():
    assert repr(S.split(["a b  c", "d"])) == "<tf.RaggedTensor [[b'a', b'b', b'c'], [b'd']]>"
    assert repr(S.split(["a b  c", "d"], sep=" ")) == \
        "<tf.RaggedTensor [[b'a', b'b', b'', b'c'], [b'd']]>"
    scalar = S.split("a,b,c", sep=",", maxsplit=1)
    assert isinstance(scalar, tf.Tensor) and _list(scalar) == [b"a", b"b,c"]
    nested = S.split([["a b"], ["c"]])
    assert repr(nested) == "<tf.RaggedTensor [[[b'a', b'b']],\n [[b'c']]]>"
    assert nested.shape.as_list() == [2, 1, None]
    assert repr(S.split(["a,,b", ""], sep=",")) == "<tf.RaggedTensor [[b'a', b'', b'b'], [b'']]>"
    assert repr(S.split(["a,,b", ""], sep=",,")) == "<tf.RaggedTensor [[b'a', b'b'], [b'']]>"
    assert repr(S.split(["a b"], sep="")) == "<tf.RaggedTensor [[b'a', b'b']]>"


def test_bytes_split():
    assert repr(S.bytes_split(["hé", ""])) == "<tf.RaggedTensor [[b'h', b'\\xc3', b'\\xa9'], []]>"
    assert _list(S.bytes_split("ab")) == [b"a", b"b"]


def test_regex():
    assert _list(S.regex_replace(["aaa bb", "cc"], "a+", "X")) == [b"X bb", b"cc"]
    assert S.regex_replace("aaa", "a", "X", replace_global=False).numpy() == b"Xaa"
    assert S.regex_replace("abc", "(b)", r"[\1\0]").numpy() == b"a[bb]c"
    with pytest.raises(IAE, match="Invalid pattern: \\("):
        S.regex_replace("abc", "(", "x")
    t = S.regex_full_match(["abc", "ab"], "a.c")
    assert t.dtype is tf.bool and _list(t) == [True, False]
    assert not S.regex_full_match("abc", "b").numpy()
    assert S.regex_full_match("aéc", "a.c").numpy()  # '.' is one character, as in RE2


def test_to_number():
    t = S.to_number(["1.5", "2", " 3", "1e3", "inf", "nan", "-0x10"])
    assert t.dtype is tf.float32
    np.testing.assert_array_equal(t.numpy(), np.array([1.5, 2, 3, 1000, np.inf, np.nan, -16],
                                                      np.float32))
    assert S.to_number(["12", "-3"], out_type=tf.int32).numpy().tolist() == [12, -3]
    assert S.to_number("1.5", tf.float64).dtype is tf.float64
    assert int(S.to_number(" 4 ", tf.int32)) == 4
    assert int(S.to_number("010", tf.int32)) == 10
    assert int(S.to_number("+5", tf.int32)) == 5
    assert S.to_number("18446744073709551615", tf.uint64).numpy() == 18446744073709551615
    for v, want in [("3.4028236e38", np.inf), ("1e-50", 0.0), ("0x1p3", 8.0), ("infinity",
                    np.inf), ("1e400", np.inf), (".5", 0.5), ("5.", 5.0)]:
        assert float(S.to_number(v)) == want
    for bad, dt in [("abc", tf.float32), ("1.5", tf.int64), ("99999999999", tf.int32),
                    ("", tf.float32), ("1_0", tf.float32), ("1.5f", tf.float32),
                    ("0x10", tf.int32), ("-1", tf.uint32), ("1,5", tf.float32)]:
        with pytest.raises(IAE) as e:
            S.to_number(bad, dt)
        assert str(e.value) == (f"StringToNumberOp could not correctly convert string: {bad} "
                                f"[Op:StringToNumber]")
    with pytest.raises(IAE, match="Value for attr 'out_type' of int8 is not in the list of "
                                  "allowed values: float, double, int32, int64, uint32, uint64"):
        S.to_number("4", tf.int8)


def test_hash_buckets_match_tensorflow():
    words = ["hello", "", "a" * 100]
    fast = S.to_hash_bucket_fast(words, 1000)
    assert fast.dtype is tf.int64 and _list(fast) == [296, 263, 618]
    assert _list(S.to_hash_bucket(words, 1000)) == [938, 899, 179]
    assert _list(S.to_hash_bucket_strong(words, 1000, [1, 2])) == [622, 435, 610]
    with pytest.raises(IAE, match="Value for attr 'num_buckets' of 0 must be at least minimum 1"):
        S.to_hash_bucket_fast("a", 0)


def test_hashes_every_length_branch():
    # TensorFlow 2.21's buckets with 2**63 - 1 buckets (the raw hashes, nearly) for strings of
    # 0..130 bytes, across farmhash's length branches and Murmur's/SipHash's tails.
    lens = (0, 1, 3, 4, 7, 8, 16, 17, 32, 33, 64, 65, 128, 130)
    fast = S.to_hash_bucket_fast([bytes(range(n)) for n in lens], 2 ** 63 - 1)
    assert _list(fast) == [
        1936946117179621456, 4494688008148699989, 1486536572171691163, 198155675784242497,
        2513219638405408418, 3267946340606884761, 1080060857502750420, 4302810082142134045,
        1917831512995979081, 7527044130840859215, 8468179876952591436, 5089956174350597567,
        2037963038260878803, 7629529182659172110]
    short = [bytes(range(n)) for n in (0, 1, 7, 8, 9, 17)]
    assert _list(S.to_hash_bucket(short, 2 ** 63 - 1)) == [
        105434511174508092, 1950187560451231046, 6547966941342362843, 502628180446468569,
        7023514638034644624, 1362815619722030872]
    assert _list(S.to_hash_bucket_strong(short, 2 ** 63 - 1, [-5, 12345])) == [
        4401142133353256982, 8569632220564603285, 9132138717726642661, 725891880934774548,
        3008874297375898326, 5492702059324207144]


def test_as_string():
    assert _list(S.as_string([1.5, 1 / 3, 1e10])) == [b"1.500000", b"0.333333",
                                                     b"10000000000.000000"]
    assert _list(S.as_string([1.5, 1 / 3, 1e10], precision=2)) == [b"1.50", b"0.33",
                                                                   b"10000000000.00"]
    assert _list(S.as_string([1.5, 1 / 3, 1e10], scientific=True)) == [
        b"1.500000e+00", b"3.333333e-01", b"1.000000e+10"]
    assert _list(S.as_string([1.5, 1 / 3, 1e10, 100000.0], shortest=True)) == [
        b"1.5", b"0.333333", b"1e+10", b"100000"]
    assert _list(S.as_string([1, -2], width=4, fill="0")) == [b"0001", b"-002"]
    assert _list(S.as_string([True, False])) == [b"true", b"false"]
    assert _list(S.as_string([True], width=6)) == [b"true"]
    assert _list(S.as_string([1 + 2j])) == [b"(1.000000,2.000000)"]
    assert _list(S.as_string(["a"])) == [b"a"]
    assert _list(S.as_string(tf.constant([7], tf.int64), fill="-", width=4)) == [b"7   "]
    assert S.as_string(tf.constant(np.inf), width=6).numpy() == b"   inf"
    assert _list(tf.as_string(tf.constant([1.5], tf.float16))) == [b"1.500000"]
    for kwargs, msg in [({"width": 8, "fill": "x"}, 'Fill argument not supported: "x"'),
                        ({"shortest": True, "scientific": True},
                         "Cannot select both scientific and shortest notation"),
                        ({"fill": "00"}, "Fill string must be one or fewer characters")]:
        with pytest.raises(IAE, match=msg):
            S.as_string([1.5], **kwargs)
    with pytest.raises(IAE, match="precision not supported for datatype int32"):
        S.as_string([1], precision=2)


def test_format():
    t = S.format("a {} b {}", [tf.constant([1, 2]), tf.constant("s'q\\")])
    assert t.shape == () and t.numpy() == b"a [1 2] b \"s\\'q\\\\\""
    assert S.format("x{}", tf.constant(1.5)).numpy() == b"x1.5"
    assert S.format("x<>", [2], placeholder="<>").numpy() == b"x2"
    assert S.format("{}", ["str"]).numpy() == b'"str"'
    assert S.format("{}", [[1, 2]]).numpy() == b"[1 2]"
    assert S.format("{}", [tf.range(10)], summarize=2).numpy() == b"[0 1 ... 8 9]"
    assert S.format("{}", [tf.range(10)], summarize=-1).numpy() == b"[0 1 2 3 4 5 6 7 8 9]"
    with pytest.raises(ValueError, match="The template expects 1 tensors, but the inputs only "
                                         "has 2. Please ensure the number of placeholders in "
                                         "template matches inputs length."):
        S.format("{}", [1, 2])


def test_unicode_decode_and_encode():
    r = S.unicode_decode(["héllo", b"a\xffb", ""], "UTF-8")
    assert repr(r) == "<tf.RaggedTensor [[104, 233, 108, 108, 111], [97, 65533, 98], []]>"
    assert r.dtype is tf.int32
    _cps, offs = S.unicode_decode_with_offsets(["héllo", b"a\xffb"], "UTF-8")
    assert offs.to_list() == [[0, 1, 3, 4, 5], [0, 1, 2]] and offs.dtype is tf.int64
    assert _list(S.unicode_decode(b"a\xffb", "UTF-8", errors="ignore")) == [97, 98]
    with pytest.raises(IAE, match="Invalid formatting on input string"):
        S.unicode_decode(b"a\xffb", "UTF-8", errors="strict")
    assert _list(S.unicode_decode(b"a\x01b", "UTF-8", replace_control_characters=True)) == \
        [97, 65533, 98]
    assert _list(S.unicode_decode(b"a\xe2\x82b", "UTF-8")) == [97, 65533, 98]
    assert _list(S.unicode_decode("a", "ISO-8859-1")) == [97]
    with pytest.raises(IAE, match="Could not create converter for input encoding: foo"):
        S.unicode_decode("a", "foo")
    assert repr(S.unicode_decode([["ab"], ["c"]], "UTF-8")) == \
        "<tf.RaggedTensor [[[97, 98]],\n [[99]]]>"

    enc = S.unicode_encode(tf_ragged.constant([[104, 233], [0x1F600]]), "UTF-8")
    assert _list(enc) == [b"h\xc3\xa9", b"\xf0\x9f\x98\x80"]
    assert S.unicode_encode([104, 233], "UTF-16-BE").numpy() == b"\x00h\x00\xe9"
    assert S.unicode_encode([104, -1, 0x110000, 0xD800], "UTF-8").numpy() == \
        b"h" + b"\xef\xbf\xbd" * 3
    assert S.unicode_encode([104, -1], "UTF-8", errors="ignore").numpy() == b"h"
    with pytest.raises(IAE, match="Code point is out of range for Unicode, or is a surrogate."):
        S.unicode_encode([104, -1], "UTF-8", errors="strict")
    assert _list(S.unicode_encode([[104, 233], [65, 66]], "UTF-8")) == [b"h\xc3\xa9", b"AB"]


def test_unicode_split_and_transcode():
    assert repr(S.unicode_split(["héllo", b"a\xffb"], "UTF-8")) == (
        "<tf.RaggedTensor [[b'h', b'\\xc3\\xa9', b'l', b'l', b'o'], "
        "[b'a', b'\\xef\\xbf\\xbd', b'b']]>")
    assert _list(S.unicode_transcode(["héllo", b"a\xffb"], "UTF-8", "UTF-16-BE")) == [
        b"\x00h\x00\xe9\x00l\x00l\x00o", b"\x00a\xff\xfd\x00b"]


def test_ngrams():
    assert _list(S.ngrams(["a", "b", "c"], 2)) == [b"a b", b"b c"]
    r = S.ngrams(tf_ragged.constant([["a", "b", "c"], ["d"]]), [1, 2], pad_values=("<", "x"),
                 padding_width=1)
    assert repr(r) == ("<tf.RaggedTensor [[b'a', b'b', b'c', b'< a', b'a b', b'b c', b'c x'],\n"
                       " [b'd', b'< d', b'd x']]>")
    assert _list(S.ngrams([["a", "b", "c"], ["d", "e", "f"]], 2, separator="_")) == \
        [[b"a_b", b"b_c"], [b"d_e", b"e_f"]]


def test_string_ops_lower_to_onnx():
    import onnxruntime as ort

    from tessera._framework.op import CORE_OPS
    from tessera._onnx.builder import OnnxBuilder, to_model

    arr = np.array([[b"Ab", "Àx".encode()], [b"CD", b"e"]], object)
    for name, want in [("StringLower", [["ab", "Àx"], ["cd", "e"]]),
                       ("StringUpper", [["AB", "ÀX"], ["CD", "E"]])]:
        b = OnnxBuilder()
        b.dtypes["x0"], b.shapes["x0"] = arr.dtype, arr.shape
        out = CORE_OPS[name].onnx(b, "x0")
        model = to_model(b, [("x0", arr.dtype, arr.shape)], [(out, arr.dtype, arr.shape)])
        sess = ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        text = np.array([[v.decode() for v in row] for row in arr.tolist()], object)
        assert sess.run([out], {"x0": text})[0].tolist() == want


def test_string_ops_are_not_differentiable():
    from tessera._framework.op import CORE_OPS, NotDifferentiable
    from tessera._ops import string_ops

    ops = [v for v in vars(string_ops).values() if isinstance(v, type(CORE_OPS["StringLower"]))]
    assert len(ops) >= 20 and all(op.grad is NotDifferentiable for op in ops)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="ab ,", max_size=8), min_size=1, max_size=5),
       st.sampled_from([None, ",", " "]))
def test_split_matches_python(texts, sep):
    rt = S.split(texts, sep=sep)
    want = [t.encode().split(sep.encode() if sep else None) for t in texts]
    assert rt.to_list() == want
    joined = S.reduce_join(tf.constant([",".join(texts)]), axis=0).numpy()
    assert joined == ",".join(texts).encode()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-2 ** 31, 2 ** 31 - 1), min_size=1, max_size=6))
def test_as_string_to_number_round_trip(values):
    t = tf.constant(np.array(values, np.int32))
    back = S.to_number(S.as_string(t), out_type=tf.int32)
    assert back.numpy().tolist() == values
