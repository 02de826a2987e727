"""``keras.metrics``: stateful metrics whose state lives in variables, so a compiled
train step updates them inside its graph."""

from __future__ import annotations

import numpy as np

import tessera as tf
from tessera_keras import _naming, backend
from tessera_keras import losses as _losses
from tessera_keras.losses import masked_sample_weight


class Metric:
    def __init__(self, name=None, dtype=None) -> None:
        self.name = name or type(self).__name__.lower()
        self.dtype = dtype or "float32"
        self._variables: list = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        value = np.zeros(shape, dtype=tf.as_dtype(dtype or self.dtype).as_numpy_dtype)
        v = tf.Variable(value, trainable=False, name=name or "metric_var")
        self._variables.append(v)
        return v

    add_weight = add_variable

    @property
    def variables(self) -> list:
        return list(self._variables)

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(np.zeros(v.shape.as_list(), dtype=v.dtype.as_numpy_dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def _result_value(self):
        """The result as a Python float (read eagerly between steps)."""
        return float(np.asarray(self.result()))

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Sum(Metric):
    def __init__(self, name="sum", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values = tf.cast(tf.convert_to_tensor(values), self.dtype)
        if sample_weight is not None:
            values = values * tf.cast(sample_weight, self.dtype)
        self.total.assign_add(tf.reduce_sum(values))

    def result(self):
        return tf.identity(self.total)


class Mean(Metric):
    def __init__(self, name="mean", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values = tf.cast(tf.convert_to_tensor(values), self.dtype)
        rank = values.shape.rank
        if sample_weight is not None:
            # Keras's order: weigh the values at the weights' rank, then average per sample,
            # so a (batch, time) mask weighs each step.
            sw = tf.cast(tf.convert_to_tensor(sample_weight), self.dtype)
            while sw.shape.rank > max(rank or 0, 1) and sw.shape[-1] == 1:
                sw = tf.squeeze(sw, axis=-1)
            if rank and rank > sw.shape.rank:
                values = tf.reduce_mean(values, axis=list(range(sw.shape.rank, rank)))
            sw = sw * tf.ones_like(values)
            values = values * sw
            if values.shape.rank and values.shape.rank > 1:
                values = tf.reduce_mean(values, axis=list(range(1, values.shape.rank)))
                sw = tf.reduce_mean(sw, axis=list(range(1, sw.shape.rank)))
            self.total.assign_add(tf.reduce_sum(values))
            self.count.assign_add(tf.reduce_sum(sw))
            return
        if rank and rank > 1:
            values = tf.reduce_mean(values, axis=list(range(1, rank)))
        self.total.assign_add(tf.reduce_sum(values))
        n = 1 if values.shape.rank == 0 else values.shape[0]
        self.count.assign_add(tf.cast(n if n is not None else tf.size(values), self.dtype))

    def result(self):
        return tf.math.divide_no_nan(self.total, self.count)

    def _result_value(self):
        count = float(self.count.numpy())
        return float(np.float32(self.total.numpy()) / np.float32(count)) if count else 0.0


class MeanMetricWrapper(Mean):
    def __init__(self, fn, name=None, dtype=None, **kwargs) -> None:
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = masked_sample_weight(y_pred, sample_weight, "sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(y_true, y_pred.dtype)
    pred = tf.cast(y_pred > threshold, y_pred.dtype)
    return tf.reduce_mean(tf.cast(tf.equal(y_true, pred), "float32"), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return tf.cast(tf.equal(tf.argmax(y_true, axis=-1), tf.argmax(y_pred, axis=-1)), "float32")


def sparse_categorical_accuracy(y_true, y_pred):
    y_true = tf.convert_to_tensor(y_true)
    if y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank and \
            y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, axis=-1)
    pred = tf.argmax(y_pred, axis=-1)
    return tf.cast(tf.equal(tf.cast(y_true, pred.dtype), pred), "float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    labels = tf.argmax(y_true, axis=-1)
    return tf.cast(tf.math.in_top_k(labels, y_pred, k), "float32")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true = tf.convert_to_tensor(y_true)
    if y_true.shape.rank == y_pred.shape.rank:
        y_true = tf.squeeze(y_true, axis=-1)
    return tf.cast(tf.math.in_top_k(tf.cast(y_true, "int32"), y_pred, k), "float32")


def _wrapper(class_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **kwargs})

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__})


Accuracy = _wrapper("Accuracy", lambda t, p: tf.cast(tf.equal(tf.cast(t, p.dtype), p), "float32"),
                    "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy",
                                         sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper("MeanSquaredError", _losses.mean_squared_error,
                            "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _losses.mean_absolute_error,
                             "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError",
                                       _losses.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", _losses.binary_crossentropy,
                              "binary_crossentropy", from_logits=False)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", _losses.categorical_crossentropy,
                                   "categorical_crossentropy", from_logits=False)
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy",
                                         _losses.sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", from_logits=False,
                                         ignore_class=None, axis=-1)


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        super().update_state(tf.square(y_pred - tf.cast(y_true, y_pred.dtype)), sample_weight)

    def result(self):
        return tf.sqrt(tf.math.divide_no_nan(self.total, self.count))

    def _result_value(self):
        return float(np.sqrt(Mean._result_value(self)))


class _Confusion(Metric):
    """Precision / Recall: counts at each threshold (one result per threshold)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None,
                 dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        # With top_k and no thresholds, every top-k prediction counts as positive (Keras).
        self.thresholds = [-1e10] if thresholds is None and top_k is not None else \
            _parse_thresholds(thresholds)
        shape = (len(self.thresholds),)
        self.tp = self.add_variable(shape, name="true_positives")
        self.fp = self.add_variable(shape, name="false_positives")
        self.fn = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, _, fn = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                          class_id=self.class_id, top_k=self.top_k)
        self.tp.assign_add(tp)
        self.fp.assign_add(fp)
        self.fn.assign_add(fn)

    def _rate(self, other):
        value = tf.math.divide_no_nan(self.tp, self.tp + other)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Confusion):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision",
                 dtype=None) -> None:
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        return self._rate(self.fp)


class Recall(_Confusion):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall",
                 dtype=None) -> None:
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        return self._rate(self.fn)


class AUC(Metric):
    """ROC/PR area by Keras's interpolated Riemann sum over ``num_thresholds``; with
    ``multi_label`` one curve per label, averaged (weighted by ``label_weights``)."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name="auc", dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False) -> None:
        super().__init__(name=name, dtype=dtype)
        if str(curve).upper() not in ("ROC", "PR"):
            raise ValueError(f'Invalid `curve` argument value "{curve}". Expected one of: '
                             f"['ROC', 'PR']")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid `summation_method` argument value "{summation_method}". '
                             f"Expected one of: ['interpolation', 'minoring', 'majoring']")
        self.curve, self.summation_method = str(curve).upper(), summation_method
        self.from_logits, self.multi_label = from_logits, multi_label
        self._init_from_thresholds = thresholds is not None
        eps = 1e-7
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - eps, *inner, 1.0 + eps], dtype=np.float32)
        self.label_weights = None if label_weights is None else \
            [float(w) for w in np.asarray(label_weights).reshape(-1)]
        if self.label_weights is not None and min(self.label_weights) < 0:
            raise ValueError(f"All values of `label_weights` must be non-negative. Received: "
                             f"{label_weights}")
        self.num_labels = num_labels
        if not multi_label or num_labels is not None:
            self._build_counts(num_labels if multi_label else None)

    @property
    def thresholds(self) -> list:
        return [float(t) for t in self._thresholds]

    def _build_counts(self, num_labels) -> None:
        shape = (self.num_thresholds,) if num_labels is None else \
            (self.num_thresholds, num_labels)
        self.num_labels = num_labels
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        if self.from_logits:
            y_pred = tf.nn.sigmoid(y_pred)
        if self.multi_label and not hasattr(self, "true_positives"):
            self._build_counts(int(y_pred.shape[-1]))
        pred = tf.cast(y_pred, "float32")
        true = tf.cast(tf.convert_to_tensor(y_true), "float32")
        true, pred = _same_rank(true, pred)
        w = tf.ones_like(pred)
        if sample_weight is not None:
            sw = tf.cast(tf.convert_to_tensor(sample_weight), "float32")
            while sw.shape.rank is not None and sw.shape.rank < pred.shape.rank:
                sw = tf.expand_dims(sw, -1)
            w = w * sw
        if self.label_weights is not None and not self.multi_label:
            w = w * tf.constant(np.asarray(self.label_weights, np.float32))
        if self.multi_label:
            # One curve per label.
            labels = self.num_labels
            pred = tf.reshape(pred, [-1, labels])[None]
            true = tf.reshape(true, [-1, labels])[None]
            w = tf.reshape(w, [-1, labels])[None]
            thr = tf.constant(self._thresholds[:, None, None])
        else:
            pred, true, w = (tf.reshape(t, [1, -1]) for t in (pred, true, w))
            thr = tf.constant(self._thresholds[:, None])
        # (thresholds, examples[, labels]) summed over the examples.
        above = tf.cast(pred > thr, "float32")
        self.true_positives.assign_add(tf.reduce_sum(above * true * w, axis=1))
        self.false_positives.assign_add(tf.reduce_sum(above * (1.0 - true) * w, axis=1))
        self.true_negatives.assign_add(tf.reduce_sum((1.0 - above) * (1.0 - true) * w, axis=1))
        self.false_negatives.assign_add(tf.reduce_sum((1.0 - above) * true * w, axis=1))

    def _area(self, tp, fp, tn, fn):
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[: n - 1] - tp[1:]
            p = tp + fp
            dp = p[: n - 1] - p[1:]
            prec_slope = np.divide(dtp, np.maximum(dp, 0), out=np.zeros_like(dtp),
                                   where=np.maximum(dp, 0) != 0)
            intercept = tp[1:] - prec_slope * p[1:]
            safe_p_ratio = np.where((p[: n - 1] > 0) & (p[1:] > 0),
                                    np.divide(p[: n - 1], np.maximum(p[1:], 0),
                                              out=np.ones_like(dp), where=p[1:] > 0), 1.0)
            pr_auc_increment = np.divide(
                prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                np.maximum(tp[1:] + fn[1:], 0), out=np.zeros_like(dtp),
                where=np.maximum(tp[1:] + fn[1:], 0) != 0)
            return float(np.sum(pr_auc_increment))
        recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) != 0)
        if self.curve == "ROC":
            fp_rate = np.divide(fp, fp + tn, out=np.zeros_like(fp), where=(fp + tn) != 0)
            x, y = fp_rate, recall
        else:
            precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) != 0)
            x, y = recall, precision
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return float(np.sum((x[: n - 1] - x[1:]) * heights))

    def result(self):
        return tf.constant(np.float32(self._result_value()))

    def _result_value(self):
        if not hasattr(self, "true_positives"):
            return 0.0
        vals = [np.asarray(v.numpy(), dtype=np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives)]
        if not self.multi_label:
            return self._area(*vals)
        areas = np.array([self._area(*(v[:, i] for v in vals))
                          for i in range(vals[0].shape[1])])
        if self.label_weights is None:
            return float(np.mean(areas))
        weights = np.asarray(self.label_weights, np.float64)
        return float(np.sum(areas * weights) / np.sum(weights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


# -- regression, hinge and probabilistic wrappers (Keras 3's names) ---------------------------
def cosine_similarity(y_true, y_pred, axis=-1):
    """The (positive) cosine similarity: the metric's function, unlike the loss's."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.math.l2_normalize(tf.cast(y_true, y_pred.dtype), axis=axis)
    return tf.reduce_sum(y_true * tf.math.l2_normalize(y_pred, axis=axis), axis=axis)


MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError",
                                       _losses.mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            axis=-1)
# Keras leaves `axis` out of CosineSimilarity's config (a reloaded metric uses axis=-1).
CosineSimilarity.get_config = lambda self: {
    k: v for k, v in MeanMetricWrapper.get_config(self).items() if k != "axis"}
LogCoshError = _wrapper("LogCoshError", _losses.log_cosh, "logcosh")
Hinge = _wrapper("Hinge", _losses.hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", _losses.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper("CategoricalHinge", _losses.categorical_hinge, "categorical_hinge")
KLDivergence = _wrapper("KLDivergence", _losses.kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", _losses.poisson, "poisson")

hinge, squared_hinge = _losses.hinge, _losses.squared_hinge
categorical_hinge, kl_divergence = _losses.categorical_hinge, _losses.kl_divergence
poisson, log_cosh, huber = _losses.poisson, _losses.log_cosh, _losses.huber
mean_squared_logarithmic_error = _losses.mean_squared_logarithmic_error
binary_focal_crossentropy = _losses.binary_focal_crossentropy
categorical_focal_crossentropy = _losses.categorical_focal_crossentropy
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
mean_squared_error = _losses.mean_squared_error
mean_absolute_error = _losses.mean_absolute_error
mean_absolute_percentage_error = _losses.mean_absolute_percentage_error


# -- confusion-matrix counts ------------------------------------------------------------------
def _same_rank(y_true, y_pred):
    """Keras's squeeze_or_expand_to_same_rank for a trailing axis of 1."""
    t, p = y_true.shape.rank, y_pred.shape.rank
    if t == p + 1 and y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, -1)
    elif p == t + 1 and y_pred.shape[-1] == 1:
        y_pred = tf.squeeze(y_pred, -1)
    return y_true, y_pred


def _confusion_counts(y_true, y_pred, thresholds, sample_weight=None, class_id=None,
                      top_k=None):
    """``(tp, fp, tn, fn)``, each of shape ``(len(thresholds),)``: Keras counts a prediction
    positive when it is above the threshold, a label positive when it is non-zero."""
    y_pred = tf.cast(tf.convert_to_tensor(y_pred), "float32")
    y_true = tf.cast(tf.convert_to_tensor(y_true), "float32")
    y_true, y_pred = _same_rank(y_true, y_pred)
    w = None
    if sample_weight is not None:
        w = tf.expand_dims(tf.cast(tf.convert_to_tensor(sample_weight), "float32"), -1)
        while w.shape.rank > y_true.shape.rank and w.shape[-1] == 1:
            w = tf.squeeze(w, -1)
    if top_k is not None:
        top = tf.math.top_k(y_pred, k=top_k).indices
        keep = tf.reduce_sum(tf.one_hot(top, y_pred.shape[-1]), axis=-2) > 0
        y_pred = tf.where(keep, y_pred, tf.ones_like(y_pred) * -np.inf)
    if w is not None:
        w = w * tf.ones_like(y_pred)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        w = None if w is None else w[..., class_id]
    pred = tf.reshape(y_pred, [1, -1])
    true = tf.reshape(tf.cast(tf.not_equal(y_true, 0.0), "float32"), [1, -1])
    w = tf.ones_like(true) if w is None else tf.reshape(w, [1, -1])
    thr = tf.constant(np.asarray(thresholds, np.float32).reshape(-1, 1))
    above = tf.cast(pred > thr, "float32")
    below = 1.0 - above
    return (tf.reduce_sum(above * true * w, axis=1),
            tf.reduce_sum(above * (1.0 - true) * w, axis=1),
            tf.reduce_sum(below * (1.0 - true) * w, axis=1),
            tf.reduce_sum(below * true * w, axis=1))


def _parse_thresholds(thresholds):
    if thresholds is None:
        return [0.5]
    values = list(thresholds) if isinstance(thresholds, list | tuple) else [thresholds]
    for t in values:
        if not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return [float(t) for t in values]


class _ConfusionMatrixConditionCount(Metric):
    _index = 0

    def __init__(self, thresholds=None, name=None, dtype=None) -> None:
        super().__init__(name=name or _naming.unique_name(_naming.to_snake_case(type(self).__name__)), dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight)
        self.accumulator.assign_add(counts[self._index])

    def result(self):
        return self.accumulator[0] if len(self.thresholds) == 1 else \
            tf.identity(self.accumulator)

    def _result_value(self):
        value = np.asarray(self.accumulator.numpy())
        return float(value[0]) if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    _index = 0


class FalsePositives(_ConfusionMatrixConditionCount):
    _index = 1


class TrueNegatives(_ConfusionMatrixConditionCount):
    _index = 2


class FalseNegatives(_ConfusionMatrixConditionCount):
    _index = 3


class SensitivitySpecificityBase(Metric):
    """Counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]; the result is the
    best ``dependent`` rate among thresholds whose ``constrained`` rate reaches ``value``."""

    _value_name = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None,
                 dtype=None) -> None:
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        super().__init__(name=name or _naming.unique_name(_naming.to_snake_case(type(self).__name__)), dtype=dtype)
        self.value, self.class_id, self.num_thresholds = value, class_id, num_thresholds
        setattr(self, self._value_name, value)
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, tn, fn = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                           class_id=self.class_id)
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)
        self.true_negatives.assign_add(tn)
        self.false_negatives.assign_add(fn)

    def _rates(self):
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = tf.math.divide_no_nan(tp, tp + fn)
        return {"recall": recall, "sensitivity": recall,
                "precision": tf.math.divide_no_nan(tp, tp + fp),
                "specificity": tf.math.divide_no_nan(tn, tn + fp)}

    def _max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        return tf.maximum(tf.reduce_max(tf.where(feasible, dependent, 0.0)), 0.0)

    def result(self):
        # The best ``_result_name`` rate where the ``_value_name`` rate reaches the value.
        r = self._rates()
        return self._max_under_constraint(r[self._value_name], r[self._result_name])

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    _value_name, _result_name = "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None,
                 dtype=None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    _value_name, _result_name = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None,
                 dtype=None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(SensitivitySpecificityBase):
    _value_name, _result_name = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None,
                 dtype=None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(SensitivitySpecificityBase):
    _value_name, _result_name = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None,
                 dtype=None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)


# -- IoU ----------------------------------------------------------------------------------------
class _IoUBase(Metric):
    """A ``num_classes`` square confusion matrix (rows: labels, columns: predictions). Its
    dtype defaults to int64 as in Keras 3, so fractional sample weights truncate; pass
    ``dtype="float32"`` to weigh by fractions."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1) -> None:
        super().__init__(name=name or _naming.unique_name(_naming.to_snake_case(type(self).__name__)),
                         dtype=dtype or "int64")
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable((num_classes, num_classes),
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.sparse_y_true:
            y_true = tf.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = tf.argmax(y_pred, axis=self.axis)
        y_true = tf.reshape(tf.cast(y_true, "int64"), [-1])
        y_pred = tf.reshape(tf.cast(y_pred, "int64"), [-1])
        w = 1 if sample_weight is None else \
            tf.reshape(tf.cast(tf.convert_to_tensor(sample_weight), self.dtype), [-1])
        w = tf.cast(w, self.dtype) * tf.ones_like(y_true, dtype=self.dtype)
        n = self.num_classes
        valid = tf.logical_and(tf.logical_and(y_true >= 0, y_true < n),
                               tf.logical_and(y_pred >= 0, y_pred < n))
        if self.ignore_class is not None:
            valid = tf.logical_and(valid, tf.not_equal(y_true, self.ignore_class))
        w = tf.where(valid, w, tf.zeros_like(w))
        y_true = tf.where(valid, y_true, tf.zeros_like(y_true))
        y_pred = tf.where(valid, y_pred, tf.zeros_like(y_pred))
        cells = tf.one_hot(y_true * n + y_pred, n * n, dtype=self.dtype)
        counts = tf.reduce_sum(cells * tf.expand_dims(w, -1), axis=0)
        self.total_cm.assign_add(tf.reshape(counts, [n, n]))

    def result(self):
        cm = tf.cast(self.total_cm, "float32")
        tp = tf.linalg.diag_part(cm)
        denominator = tf.reduce_sum(cm, axis=0) + tf.reduce_sum(cm, axis=1) - tp
        ids = tf.constant(np.asarray(self.target_class_ids, np.int32))
        tp, denominator = tf.gather(tp, ids), tf.gather(denominator, ids)
        valid = tf.cast(denominator > 1e-9, "float32")
        iou = valid * tp / (denominator + backend.epsilon())
        return tf.reduce_sum(iou) / (tf.reduce_sum(valid) + backend.epsilon())


class IoU(_IoUBase):
    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None) -> None:
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.cast(tf.cast(y_pred, "float32") >= self.threshold, "int64")
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1) -> None:
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1) -> None:
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1) -> None:
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


# -- F-scores and R2 (state shaped by the first batch, created on the first update) -----------
class FBetaScore(Metric):
    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < "
                                 f"threshold <= 1. Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape "
                             f"(batch_size, output_dim). Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.cast(tf.convert_to_tensor(y_pred), self.dtype)
        y_true = tf.cast(tf.convert_to_tensor(y_true), self.dtype)
        if not self._built:
            self._build(y_true.shape.as_list(), y_pred.shape.as_list())
        if self.threshold is None:
            top = tf.reduce_max(y_pred, axis=-1, keepdims=True)
            y_pred = tf.logical_and(y_pred >= top, tf.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = tf.cast(y_pred, self.dtype)
        sw = None if sample_weight is None else \
            tf.expand_dims(tf.cast(tf.convert_to_tensor(sample_weight), self.dtype), 1)

        def total(value):
            return tf.reduce_sum(value if sw is None else value * sw, axis=self.axis)

        self.true_positives.assign_add(total(y_pred * y_true))
        self.false_positives.assign_add(total(y_pred * (1.0 - y_true)))
        self.false_negatives.assign_add(total((1.0 - y_pred) * y_true))
        self.intermediate_weights.assign_add(total(y_true))

    def result(self):
        eps = backend.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights / \
                (tf.reduce_sum(self.intermediate_weights) + eps)
            return tf.reduce_sum(score * weights)
        if self.average is not None:
            return tf.reduce_mean(score)
        return score

    def _result_value(self):
        value = np.asarray(self.result())
        return float(value) if value.ndim == 0 else value

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """Coefficient of determination per output column, aggregated by ``class_aggregation``
    (``"uniform_average"``, ``"variance_weighted_average"`` or None), optionally adjusted
    for ``num_regressors``."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        n = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(n, name="squared_sum")
        self.sum = self.add_variable(n, name="sum")
        self.total_mse = self.add_variable(n, name="residual")
        self.count = self.add_variable(n, name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.cast(tf.convert_to_tensor(y_pred), self.dtype)
        y_true = tf.cast(tf.convert_to_tensor(y_true), self.dtype)
        y_true, y_pred = _same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape.as_list(), y_pred.shape.as_list())
        sw = tf.constant(1.0) if sample_weight is None else \
            tf.cast(tf.convert_to_tensor(sample_weight), self.dtype)
        if sw.shape.rank == 1:
            sw = tf.expand_dims(sw, 1)
        sw = sw * tf.ones_like(y_true)
        weighted = y_true * sw
        self.sum.assign_add(tf.reduce_sum(weighted, axis=0))
        self.squared_sum.assign_add(tf.reduce_sum(y_true * weighted, axis=0))
        self.total_mse.assign_add(tf.reduce_sum(tf.square(y_true - y_pred) * sw, axis=0))
        self.count.assign_add(tf.reduce_sum(sw, axis=0))
        self.num_samples.assign_add(tf.cast(tf.size(y_true), self.dtype))

    def result(self):
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1.0 - self.total_mse / total
        raw = tf.where(tf.math.is_inf(raw), tf.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            r2 = tf.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = tf.reduce_sum(total * raw) / tf.reduce_sum(total)
        else:
            r2 = raw
        if self.num_regressors:
            n = self.num_samples
            adjusted = 1.0 - (1.0 - r2) * ((n - 1.0) / (n - self.num_regressors - 1.0))
            # Keras falls back to the plain score without enough samples.
            r2 = tf.where(n - 1.0 > self.num_regressors, adjusted, r2)
        return r2

    def _result_value(self):
        value = np.asarray(self.result())
        return float(value) if value.ndim == 0 else value

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()
        else:
            self.num_samples.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


_FUNCTIONS = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": _losses.mean_squared_error, "mse": _losses.mean_squared_error,
    "mean_absolute_error": _losses.mean_absolute_error, "mae": _losses.mean_absolute_error,
    "mean_absolute_percentage_error": _losses.mean_absolute_percentage_error,
    "mape": _losses.mean_absolute_percentage_error,
    "binary_crossentropy": _losses.binary_crossentropy,
    "categorical_crossentropy": _losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": _losses.sparse_categorical_crossentropy,
    "mean_squared_logarithmic_error": _losses.mean_squared_logarithmic_error,
    "msle": _losses.mean_squared_logarithmic_error,
    "hinge": _losses.hinge, "squared_hinge": _losses.squared_hinge,
    "categorical_hinge": _losses.categorical_hinge, "kl_divergence": _losses.kl_divergence,
    "poisson": _losses.poisson, "log_cosh": _losses.log_cosh, "logcosh": _losses.log_cosh,
    "cosine_similarity": cosine_similarity, "huber": _losses.huber,
    "binary_focal_crossentropy": _losses.binary_focal_crossentropy,
    "categorical_focal_crossentropy": _losses.categorical_focal_crossentropy,
}
_CLASSES = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, RootMeanSquaredError, Precision, Recall, AUC,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, TruePositives, FalsePositives, TrueNegatives,
    FalseNegatives, SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall,
    RecallAtPrecision, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU, FBetaScore, F1Score,
    R2Score)}
_ALIASES = {"auc": AUC, "precision": Precision, "recall": Recall}


def serialize(metric):
    """Keras 3's config dictionary for a metric object."""
    return {"module": "keras.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A metric from ``serialize``'s dictionary or a metric name."""
    if isinstance(config, str):
        return get(config)
    from tessera_keras._serialization import lookup

    cls = lookup(config, _CLASSES, "metric", custom_objects)
    return cls.from_config(config.get("config", {}))


def get(identifier):
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _ALIASES:
            return _ALIASES[identifier]()
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        if identifier in _FUNCTIONS:
            return MeanMetricWrapper(_FUNCTIONS[identifier], name=identifier)
        raise ValueError(f"Could not interpret metric identifier: {identifier}")
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def resolve_for(identifier, y_true_shape, y_pred_shape, loss=None) -> Metric:
    """``"accuracy"`` becomes binary/sparse/categorical accuracy from the shapes, as Keras."""
    if identifier in ("accuracy", "acc"):
        t_rank, p_rank = len(y_true_shape), len(y_pred_shape)
        t_last = y_true_shape[-1] if t_rank else None
        p_last = y_pred_shape[-1] if p_rank else None
        name = "accuracy" if identifier == "accuracy" else "acc"
        if p_last == 1 or _is_binary_loss(loss):
            return MeanMetricWrapper(binary_accuracy, name=name)
        if t_rank < p_rank or (t_last == 1 and p_last is not None and p_last > 1):
            return MeanMetricWrapper(sparse_categorical_accuracy, name=name)
        return MeanMetricWrapper(categorical_accuracy, name=name)
    if identifier in ("crossentropy", "ce"):
        if y_pred_shape[-1] == 1:
            return MeanMetricWrapper(_losses.binary_crossentropy, name=identifier)
        if len(y_true_shape) < len(y_pred_shape):
            return MeanMetricWrapper(_losses.sparse_categorical_crossentropy, name=identifier)
        return MeanMetricWrapper(_losses.categorical_crossentropy, name=identifier)
    return get(identifier)


def _is_binary_loss(loss) -> bool:
    return loss in ("binary_crossentropy", _losses.binary_crossentropy) or \
        isinstance(loss, _losses.BinaryCrossentropy)
