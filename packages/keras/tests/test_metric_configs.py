"""Every metric's get_config() equals Keras 3.15's for the same constructor
(fixtures/metric_configs.json), and from_config / keras.metrics.deserialize rebuild it."""

import json
from pathlib import Path

import numpy as np
import pytest
from _metric_config_cases import CASES

import tessera as tf

M = tf.keras.metrics
KERAS = json.loads((Path(__file__).parent / "fixtures" / "metric_configs.json").read_text())


def _plain(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_equals_keras(name):
    assert _plain(getattr(M, name)(**CASES[name]).get_config()) == KERAS[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_round_trips(name):
    metric = getattr(M, name)(**CASES[name])
    again = M.deserialize(M.serialize(metric))
    assert type(again) is type(metric)
    assert _plain(again.get_config()) == _plain(metric.get_config())


# Multi-threshold, top-k, multi-label and label-weighted variants: values from Keras 3.15.
YT = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], "float32")
YP = np.array([[0.9, 0.2, 0.6], [0.3, 0.8, 0.4], [0.55, 0.45, 0.1], [0.2, 0.7, 0.95]], "float32")
SW = np.array([1.0, 0.5, 2.0, 1.0], "float32")
VARIANTS = {
    "auc_multi": lambda: M.AUC(num_thresholds=20, multi_label=True),
    "auc_multi_pr_w": lambda: M.AUC(num_thresholds=20, curve="PR", multi_label=True,
                                    label_weights=[1, 0.5, 2]),
    "auc_lw": lambda: M.AUC(num_thresholds=20, label_weights=[1, 0.5, 2]),
    "auc_thresholds": lambda: M.AUC(thresholds=[0.25, 0.5, 0.75]),
    "precision_multi": lambda: M.Precision(thresholds=[0.3, 0.5, 0.7]),
    "recall_topk": lambda: M.Recall(top_k=1),
    "precision_topk_class": lambda: M.Precision(top_k=2, class_id=2),
}
KERAS_VALUES = {
    "auc_multi": 0.67249,
    "auc_multi_pr_w": 0.86064,
    "auc_lw": 0.78602,
    "auc_thresholds": 0.70139,
    "precision_multi": [0.76923, 0.68421, 1.0],
    "recall_topk": 0.45833,
    "precision_topk_class": 1.0,
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_values_match_keras(name):
    metric = VARIANTS[name]()
    metric.update_state(YT, YP, sample_weight=SW)
    metric.update_state(YT[:2], YP[::-1][:2])
    np.testing.assert_allclose(np.asarray(metric.result()), KERAS_VALUES[name], atol=1e-5)
    again = M.deserialize(M.serialize(metric))
    assert _plain(again.get_config()) == _plain(metric.get_config())


def test_auc_argument_errors():
    with pytest.raises(ValueError, match='Invalid `curve` argument value "XY"'):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 1"):
        M.AUC(num_thresholds=1)
