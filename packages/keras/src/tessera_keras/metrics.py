"""``keras.metrics``: stateful metrics whose state lives in variables, so a compiled
train step updates them inside its graph."""

from __future__ import annotations

import numpy as np

import tessera as tf
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
                                         "sparse_categorical_crossentropy", from_logits=False)


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
    def __init__(self, thresholds=None, name=None, dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.thresholds = 0.5 if thresholds is None else thresholds
        self.tp = self.add_variable(name="true_positives")
        self.fp = self.add_variable(name="false_positives")
        self.fn = self.add_variable(name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        pred = tf.cast(y_pred > self.thresholds, "float32")
        true = tf.cast(tf.cast(y_true, "float32") > 0.5, "float32")
        w = 1.0 if sample_weight is None else tf.cast(sample_weight, "float32")
        self.tp.assign_add(tf.reduce_sum(pred * true * w))
        self.fp.assign_add(tf.reduce_sum(pred * (1.0 - true) * w))
        self.fn.assign_add(tf.reduce_sum((1.0 - pred) * true * w))


class Precision(_Confusion):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision",
                 dtype=None) -> None:
        super().__init__(thresholds, name=name, dtype=dtype)

    def result(self):
        return tf.math.divide_no_nan(self.tp, self.tp + self.fp)


class Recall(_Confusion):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall",
                 dtype=None) -> None:
        super().__init__(thresholds, name=name, dtype=dtype)

    def result(self):
        return tf.math.divide_no_nan(self.tp, self.tp + self.fn)


class AUC(Metric):
    """ROC/PR area by Keras's interpolated Riemann sum over ``num_thresholds``."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name="auc", dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False) -> None:
        super().__init__(name=name, dtype=dtype)
        self.num_thresholds, self.curve = num_thresholds, curve.upper()
        self.summation_method, self.from_logits = summation_method, from_logits
        eps = 1e-7
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - eps, *inner, 1.0 + eps], dtype=np.float32)
        shape = (num_thresholds,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        if self.from_logits:
            y_pred = tf.nn.sigmoid(y_pred)
        pred = tf.reshape(tf.cast(y_pred, "float32"), [-1, 1])
        true = tf.reshape(tf.cast(y_true, "float32"), [-1, 1])
        w = tf.ones_like(true) if sample_weight is None else \
            tf.reshape(tf.cast(sample_weight, "float32"), [-1, 1]) * tf.ones_like(true)
        above = tf.cast(pred > tf.constant(self._thresholds[None, :]), "float32")
        self.true_positives.assign_add(tf.reduce_sum(above * true * w, axis=0))
        self.false_positives.assign_add(tf.reduce_sum(above * (1.0 - true) * w, axis=0))
        self.true_negatives.assign_add(tf.reduce_sum((1.0 - above) * (1.0 - true) * w, axis=0))
        self.false_negatives.assign_add(tf.reduce_sum((1.0 - above) * true * w, axis=0))

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
        vals = [np.asarray(v.numpy(), dtype=np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives)]
        return self._area(*vals)


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
}
_CLASSES = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, RootMeanSquaredError, Precision, Recall, AUC)}
_ALIASES = {"auc": AUC, "precision": Precision, "recall": Recall}


def get(identifier):
    if isinstance(identifier, Metric):
        return identifier
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
