"""tessera.onnx.load: export -> load round trips, gradients through a loaded model, a loaded
model inside tf.function, control flow, and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest

import tessera as tf
from tessera import errors

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def _mlp_vars(seed=0):
    rng = np.random.default_rng(seed)
    return (tf.Variable(rng.standard_normal((4, 8)).astype(np.float32), name="w1"),
            tf.Variable(np.zeros(8, np.float32), name="b1"),
            tf.Variable(rng.standard_normal((8, 3)).astype(np.float32), name="w2"))


def _export_mlp(tmp_path):
    w1, b1, w2 = _mlp_vars()

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def mlp(x):
        return tf.nn.softmax(tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2))

    path = tmp_path / "mlp.onnx"
    tf.onnx.export(mlp, path)
    return mlp, path, (w1, b1, w2)


def _x(shape=(5, 4), seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_mlp_round_trip(tmp_path):
    mlp, path, _ = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)
    assert isinstance(loaded, tf.Module)
    assert loaded.input_names == ["x"]
    x = _x()
    out = loaded(x)
    assert out.dtype == tf.float32 and out.shape == (5, 3)
    np.testing.assert_allclose(out.numpy(), mlp(x).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded(x=tf.constant(x)).numpy(), out.numpy())


def test_load_model_proto(tmp_path):
    mlp, path, _ = _export_mlp(tmp_path)
    loaded = tf.onnx.load(onnx.load(str(path)))
    np.testing.assert_allclose(loaded(_x()).numpy(), mlp(_x()).numpy(), rtol=1e-5, atol=1e-6)


def test_initializers_are_trainable_variables(tmp_path):
    _, path, (w1, b1, w2) = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)
    values = sorted((v.numpy() for v in loaded.trainable_variables), key=lambda a: a.shape)
    assert len(values) == 3
    expected = sorted((w.numpy() for w in (w1, b1, w2)), key=lambda a: a.shape)
    for got, want in zip(values, expected):
        np.testing.assert_array_equal(got, want)


def test_gradients_flow_through_loaded_model(tmp_path):
    mlp, path, originals = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)
    x = tf.constant(_x())
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(loaded(x)[:, 0])
    grads = tape.gradient(loss, loaded.trainable_variables)
    assert all(g is not None for g in grads)
    with tf.GradientTape() as tape:
        ref = tf.reduce_sum(mlp(x)[:, 0])
    ref_grads = tape.gradient(ref, list(originals))
    by_shape = {tuple(g.shape): g.numpy() for g in ref_grads}
    for v, g in zip(loaded.trainable_variables, grads):
        np.testing.assert_allclose(g.numpy(), by_shape[tuple(v.shape)], rtol=1e-4, atol=1e-6)
    # A training step on the loaded variables changes the output.
    before = loaded(x).numpy()
    for v, g in zip(loaded.trainable_variables, grads):
        v.assign_sub(0.1 * g)
    assert not np.allclose(loaded(x).numpy(), before)


def test_gradient_with_respect_to_input(tmp_path):
    _, path, _ = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)
    x = tf.constant(_x())
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.square(loaded(x)))
    g = tape.gradient(y, x)
    assert g.shape == x.shape and np.any(g.numpy() != 0)


def test_loaded_model_inside_tf_function(tmp_path):
    mlp, path, _ = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)

    @tf.function
    def run(x):
        return loaded(x) * 2.0

    x = _x()
    np.testing.assert_allclose(run(x).numpy(), 2 * mlp(x).numpy(), rtol=1e-5, atol=1e-6)


def test_training_step_in_tf_function(tmp_path):
    _, path, _ = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)
    x = tf.constant(_x())

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(loaded(x)[:, 1])
        grads = tape.gradient(loss, loaded.trainable_variables)
        for v, g in zip(loaded.trainable_variables, grads):
            v.assign_sub(0.5 * g)
        return loss

    first = float(step())
    for _ in range(3):
        last = float(step())
    assert last < first


def test_conv_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    filters = tf.Variable(rng.standard_normal((3, 3, 2, 4)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, 6, 6, 2], tf.float32)])
    def conv(x):
        y = tf.nn.conv2d(x, filters, strides=2, padding="SAME")
        return tf.nn.max_pool2d(tf.nn.relu(y), 2, 1, "VALID")

    path = tmp_path / "conv.onnx"
    tf.onnx.export(conv, path)
    loaded = tf.onnx.load(path)
    x = _x((1, 6, 6, 2))
    np.testing.assert_allclose(loaded(x).numpy(), conv(x).numpy(), rtol=1e-4, atol=1e-5)


def test_cond_round_trip(tmp_path):
    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
    def branchy(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)

    path = tmp_path / "cond.onnx"
    tf.onnx.export(branchy, path)
    loaded = tf.onnx.load(path)
    for x in (np.array([1, 2, 3], np.float32), np.array([-1, -2, 0.5], np.float32)):
        np.testing.assert_allclose(loaded(x).numpy(), branchy(x).numpy())
        np.testing.assert_allclose(tf.function(loaded)(x).numpy(), branchy(x).numpy())


def _model(nodes, inputs, outputs, initializers=(), opset=18, name="m"):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=9)


def _vi(name, elem=TensorProto.FLOAT, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def test_if_reads_outer_scope():
    then_g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["t"])], "then", [],
                               [_vi("t")])
    else_g = helper.make_graph([helper.make_node("Sub", ["a", "b"], ["e"])], "else", [],
                               [_vi("e")])
    model = _model([helper.make_node("If", ["c"], ["y"], then_branch=then_g,
                                     else_branch=else_g)],
                   [_vi("c", TensorProto.BOOL, []), _vi("a", shape=[2]), _vi("b", shape=[2])],
                   [_vi("y", shape=[2])])
    loaded = tf.onnx.load(model)
    a, b = np.array([1, 2], np.float32), np.array([3, 5], np.float32)
    np.testing.assert_array_equal(loaded(np.array(True), a, b).numpy(), a + b)
    np.testing.assert_array_equal(loaded(np.array(False), a, b).numpy(), a - b)
    traced = tf.function(lambda c, a, b: loaded(c, a, b))
    np.testing.assert_array_equal(traced(tf.constant(False), a, b).numpy(), a - b)


def _loop_model():
    # Sum i for i in range(n), with the trip count from the input; scan output of each i.
    body = helper.make_graph(
        [helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["acc_in", "fi"], ["acc_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Identity", ["fi"], ["scan"])],
        "body", [_vi("i", TensorProto.INT64, []), _vi("cond_in", TensorProto.BOOL, []),
                 _vi("acc_in", shape=[])],
        [_vi("cond_out", TensorProto.BOOL, []), _vi("acc_out", shape=[]), _vi("scan", shape=[])])
    return _model([helper.make_node("Loop", ["n", "", "acc0"], ["acc", "all"], body=body)],
                  [_vi("n", TensorProto.INT64, []), _vi("acc0", shape=[])],
                  [_vi("acc", shape=[]), _vi("all", shape=[None])])


def test_loop():
    loaded = tf.onnx.load(_loop_model())
    acc, every = loaded(np.int64(5), np.float32(1.0))
    assert float(acc) == 1 + 0 + 1 + 2 + 3 + 4
    np.testing.assert_array_equal(every.numpy(), [0, 1, 2, 3, 4])


def test_dynamic_shapes_reshape_expand():
    model = _model(
        [helper.make_node("Shape", ["x"], ["s"]),
         helper.make_node("ReduceProd", ["s"], ["n"], keepdims=1),
         helper.make_node("Reshape", ["x", "n"], ["flat"]),
         helper.make_node("Expand", ["flat", "target"], ["y"])],
        [_vi("x", shape=[None, None])], [_vi("y", shape=[None, None])],
        [helper.make_tensor("target", TensorProto.INT64, [2], [2, 1])])
    model.graph.node[2].input[1] = "n"
    loaded = tf.onnx.load(model)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(loaded(x).numpy(), np.broadcast_to(x.reshape(-1), (2, 6)))


def test_sequences():
    model = _model(
        [helper.make_node("SequenceConstruct", ["a", "b"], ["s"]),
         helper.make_node("SequenceInsert", ["s", "a"], ["s2"]),
         helper.make_node("ConcatFromSequence", ["s2"], ["y"], axis=0),
         helper.make_node("SequenceLength", ["s2"], ["n"])],
        [_vi("a", shape=[2]), _vi("b", shape=[2])],
        [_vi("y", shape=[6]), _vi("n", TensorProto.INT64, [])])
    y, n = tf.onnx.load(model)(np.ones(2, np.float32), np.zeros(2, np.float32))
    np.testing.assert_array_equal(y.numpy(), [1, 1, 0, 0, 1, 1])
    assert int(n) == 3


def test_model_local_function():
    fn = helper.make_function(
        "local", "Double", ["x"], ["y"], [helper.make_node("Add", ["x", "x"], ["y"])],
        [helper.make_opsetid("", 18)])
    graph = helper.make_graph([helper.make_node("Double", ["x"], ["y"], domain="local")],
                              "g", [_vi("x", shape=[2])], [_vi("y", shape=[2])])
    model = helper.make_model(graph, functions=[fn], ir_version=9,
                              opset_imports=[helper.make_opsetid("", 18),
                                             helper.make_opsetid("local", 1)])
    np.testing.assert_array_equal(tf.onnx.load(model)(np.array([1, 2], np.float32)).numpy(),
                                  [2, 4])


def test_corrupt_file_raises_data_loss_naming_the_file(tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\x08\x07\x12\xff\xff\xff garbage that is not protobuf")
    with pytest.raises((errors.DataLossError, ValueError), match="broken.onnx"):
        tf.onnx.load(path)


def test_truncated_export_raises(tmp_path):
    _, path, _ = _export_mlp(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises((errors.DataLossError, ValueError), match="cut.onnx"):
        tf.onnx.load(cut)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.onnx"):
        tf.onnx.load("/nonexistent/nowhere.onnx")


def test_invalid_model_raises_value_error(tmp_path):
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", shape=[2])],
                   [_vi("y", shape=[2])])
    model.graph.node[0].input[0] = "undefined"
    path = tmp_path / "invalid.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(ValueError, match="invalid.onnx"):
        tf.onnx.load(path)


def test_unsupported_operator_names_op_and_opset():
    model = _model([helper.make_node("Foo", ["x"], ["y"], domain="com.example")],
                   [_vi("x", shape=[2])], [_vi("y", shape=[2])])
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    loaded = tf.onnx.load(model)
    with pytest.raises(NotImplementedError, match=r"Foo.*opset 1"):
        loaded(np.ones(2, np.float32))


def test_unsupported_standard_operator():
    model = _model([helper.make_node("TfIdfVectorizer", ["x"], ["y"], mode="TF",
                                     min_gram_length=1, max_gram_length=1, max_skip_count=0,
                                     ngram_counts=[0], ngram_indexes=[0], pool_int64s=[1])],
                   [_vi("x", TensorProto.INT64, [3])], [_vi("y", shape=[1])], opset=18)
    with pytest.raises(NotImplementedError, match=r"TfIdfVectorizer \(opset 18\)"):
        tf.onnx.load(model)(np.array([1, 2, 1], np.int64))


def test_wrong_number_of_inputs(tmp_path):
    _, path, _ = _export_mlp(tmp_path)
    loaded = tf.onnx.load(path)
    with pytest.raises(TypeError, match="missing"):
        loaded()
    with pytest.raises(TypeError, match="no input"):
        loaded(_x(), bogus=1)


def test_loop_inside_tf_function_uses_while_loop():
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "acc_in"], ["acc_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body", [_vi("i", TensorProto.INT64, []), _vi("cond_in", TensorProto.BOOL, []),
                 _vi("acc_in", shape=[2])],
        [_vi("cond_out", TensorProto.BOOL, []), _vi("acc_out", shape=[2])])
    model = _model([helper.make_node("Loop", ["n", "", "x"], ["y"], body=body)],
                   [_vi("n", TensorProto.INT64, []), _vi("x", shape=[2])], [_vi("y", shape=[2])])
    loaded = tf.onnx.load(model)
    x = np.array([1, 3], np.float32)
    np.testing.assert_array_equal(loaded(np.int64(3), x).numpy(), x * 8)
    traced = tf.function(lambda n, x: loaded(n, x))
    np.testing.assert_array_equal(traced(tf.constant(3, tf.int64), tf.constant(x)).numpy(), x * 8)
