"""The activations Keras 3 added (celu, glu, the shrinks, sparse_*, sparsemax, ...): values
recorded from Keras 3.15 on TensorFlow 2.21 (inputs below), names through `get`/`serialize`."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tessera as tf

A = tf.keras.activations
X = np.linspace(-2.5, 2.5, 12, dtype="float32").reshape(3, 4)
CALLS = {
    "celu": lambda: A.celu(X, 0.7), "glu": lambda: A.glu(X),
    "glu0": lambda: A.glu(np.concatenate([X, X + 1]), axis=0),
    "hard_shrink": lambda: A.hard_shrink(X, 0.8), "hard_tanh": lambda: A.hard_tanh(X),
    "log_sigmoid": lambda: A.log_sigmoid(X), "soft_shrink": lambda: A.soft_shrink(X),
    "sparse_plus": lambda: A.sparse_plus(X), "sparse_sigmoid": lambda: A.sparse_sigmoid(X),
    "squareplus": lambda: A.squareplus(X, 2), "tanh_shrink": lambda: A.tanh_shrink(X),
    "threshold": lambda: A.threshold(X, 0.3, -7.0),
    "sparsemax_simple": lambda: A.sparsemax(np.array([[0.5, -1.0, 3.0]], "float32")),
}
KERAS = {
    "celu": [[-0.6803200244903564, -0.6623200178146362, -0.6278799772262573, -0.5619400143623352], [-0.43571001291275024, -0.1940699964761734, 0.2272700071334839, 0.6818199753761292], [1.1363600492477417, 1.5909099578857422, 2.04544997215271, 2.5]],
    "glu": [[-0.4231399893760681, -0.49702000617980957], [-0.3794800043106079, -0.15094000101089478], [1.0062400102615356, 1.470229983329773]],
    "glu0": [[-0.456059992313385, -0.5320199728012085, -0.5670400261878967, -0.5295000076293945], [-0.39469000697135925, -0.15547999739646912, 0.17576000094413757, 0.5748699903488159], [1.0163500308990479, 1.4799799919128418, 1.9525599479675293, 2.426719903945923]],
    "hard_shrink": [[-2.5, -2.04544997215271, -1.5909099578857422, -1.1363600492477417], [0.0, 0.0, 0.0, 0.0], [1.1363600492477417, 1.5909099578857422, 2.04544997215271, 2.5]],
    "hard_tanh": [[-1.0, -1.0, -1.0, -1.0], [-0.6818199753761292, -0.2272700071334839, 0.2272700071334839, 0.6818199753761292], [1.0, 1.0, 1.0, 1.0]],
    "log_sigmoid": [[-2.578890085220337, -2.167069911956787, -1.7763400077819824, -1.414739966392517], [-1.0910700559616089, -0.8132299780845642, -0.5859500169754028, -0.40926000475883484], [-0.27838000655174255, -0.18543000519275665, -0.12161999940872192, -0.07889000326395035]],
    "soft_shrink": [[-2.0, -1.54544997215271, -1.0909099578857422, -0.6363599896430969], [-0.18182000517845154, 0.0, 0.0, 0.18182000517845154], [0.6363599896430969, 1.0909099578857422, 1.54544997215271, 2.0]],
    "sparse_plus": [[0.0, 0.0, 0.0, 0.0], [0.025310000404715538, 0.14927999675273895, 0.37654998898506165, 0.7071300148963928], [1.1363600492477417, 1.5909099578857422, 2.04544997215271, 2.5]],
    "sparse_sigmoid": [[0.0, 0.0, 0.0, 0.0], [0.15908999741077423, 0.3863599896430969, 0.6136400103569031, 0.840910017490387], [1.0, 1.0, 1.0, 1.0]],
    "squareplus": [[0.1861400008201599, 0.22064000368118286, 0.2688499987125397, 0.338919997215271], [0.44409000873565674, 0.6025400161743164, 0.8298199772834778, 1.1259100437164307], [1.4752800464630127, 1.859760046005249, 2.2660999298095703, 2.6861400604248047]],
    "tanh_shrink": [[-1.5133899450302124, -1.0783499479293823, -0.6706200242042542, -0.3231799900531769], [-0.08912000060081482, -0.0038300000596791506, 0.0038300000596791506, 0.08912000060081482], [0.3231799900531769, 0.6706200242042542, 1.0783499479293823, 1.5133899450302124]],
    "threshold": [[-7.0, -7.0, -7.0, -7.0], [-7.0, -7.0, -7.0, 0.6818199753761292], [1.1363600492477417, 1.5909099578857422, 2.04544997215271, 2.5]],
    "sparsemax_simple": [[0.0, 0.0, 1.0]],
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_values_match_keras(name):
    np.testing.assert_allclose(np.asarray(CALLS[name]()), KERAS[name], atol=1e-5)


@pytest.mark.parametrize("name", ["celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid",
                                  "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax",
                                  "squareplus", "tanh_shrink"])
def test_names_resolve_and_serialize(name):
    fn = A.get(name)
    assert A.serialize(fn) == name
    layer = tf.keras.layers.Dense(4, activation=name)
    assert layer.get_config()["activation"] == name


def test_glu_needs_an_even_axis():
    with pytest.raises(ValueError, match="axis size must be divisible by 2"):
        A.glu(np.ones((2, 3), "float32"))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 7)),
                  elements=st.floats(-5, 5, width=32)))
def test_sparsemax_is_the_simplex_projection(x):
    p = np.asarray(A.sparsemax(x))
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-4)
    # The projection keeps the order of the inputs and is a shift of them on its support.
    for row, out in zip(x, p):
        support = out > 0
        shift = row[support] - out[support]
        np.testing.assert_allclose(shift, shift[0], atol=1e-4)
        assert np.all(row[~support] <= shift[0] + 1e-4)
