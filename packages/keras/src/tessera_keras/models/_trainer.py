"""compile / fit / evaluate / predict. Each step is one ``tf.function`` (so one ONNX
Runtime graph: forward, gradients, optimizer and metric updates) unless ``run_eagerly``."""

from __future__ import annotations

import collections.abc
import itertools
import math

import numpy as np

import tessera as tf
from tessera._framework import nest
from tessera_keras import _masking
from tessera_keras import callbacks as callbacks_module
from tessera_keras import losses as losses_module
from tessera_keras import metrics as metrics_module
from tessera_keras import optimizers as optimizers_module
from tessera_keras.utils import _py_dataset


def _as_numpy(x):
    if x is None:
        return None
    if isinstance(x, tf.Tensor) or getattr(x, "_is_variable", False):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _to_tensor(a):
    if isinstance(a, tf.Tensor):
        return a
    a = np.asarray(a)
    if a.dtype == np.float64:
        a = a.astype(np.float32)
    return tf.constant(a)


def _num_samples(x) -> int:
    return int(nest.flatten(x)[0].shape[0])


def _slice(x, index):
    return nest.map_structure(lambda a: None if a is None else a[index], x)


def _batches(x, y, sw, batch_size, shuffle, rng):
    n = _num_samples(x)
    order = np.arange(n)
    if shuffle == "batch":
        starts = np.arange(0, n, batch_size)
        rng.shuffle(starts)
        for s in starts:
            idx = order[s:s + batch_size]
            yield _slice(x, idx), _slice(y, idx), _slice(sw, idx)
        return
    if shuffle:
        rng.shuffle(order)
    for s in range(0, n, batch_size):
        idx = order[s:s + batch_size] if shuffle else slice(s, s + batch_size)
        yield _slice(x, idx), _slice(y, idx), _slice(sw, idx)


def _unpack(data):
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
    return data, None, None


class Trainer:
    def __init__(self) -> None:
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._run_eagerly = False
        self._train_fn = self._test_fn = self._predict_fn = None
        self._compiled_metrics_spec = None
        self._metrics_built = False
        self._loss_tracker = None
        self._metric_objects: list = []
        self._output_loss_trackers: list = []
        self._initial_epoch = None  # set by BackupAndRestore when it resumes a fit

    # -- compile -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True) -> None:
        self.optimizer = optimizers_module.get(optimizer)
        if auto_scale_loss and self.optimizer is not None and \
                getattr(self, "dtype_policy", None) is not None and \
                self.dtype_policy.name == "mixed_float16" and \
                not isinstance(self.optimizer, optimizers_module.LossScaleOptimizer):
            # As Keras: float16 gradients underflow without loss scaling. The compile config
            # still names the optimizer given.
            self.optimizer = optimizers_module.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer")
            self.optimizer._compiled_from = self.optimizer.inner_optimizer
        self.loss = loss
        self._loss_weights = loss_weights
        self._compiled_metrics_spec = metrics
        self._weighted_metrics_spec = weighted_metrics
        self._run_eagerly = bool(run_eagerly)
        self._jit_compile = None if jit_compile == "auto" else jit_compile
        self._train_fn = self._test_fn = self._predict_fn = None
        self._metrics_built = False
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._metric_objects = []
        self._output_loss_trackers = []
        self.compiled = True
        self.stop_training = False

    @property
    def run_eagerly(self) -> bool:
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value) -> None:
        self._run_eagerly = bool(value)

    @property
    def metrics(self) -> list:
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        return out + [t for _, t in self._output_loss_trackers] + \
            [m for _, m in self._metric_objects]

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _output_names(self, n: int) -> list:
        names = getattr(self, "output_names", None)
        if isinstance(names, list) and len(names) == n:
            return names
        return [f"output_{i}" for i in range(n)]

    def _per_output(self, spec, n: int, names: list) -> list:
        if isinstance(spec, dict):
            return [spec.get(name) for name in names]
        if isinstance(spec, list | tuple) and n > 1 and len(spec) == n:
            return list(spec)
        return [spec] * n

    def _build_metrics(self, y, y_pred) -> None:
        flat_pred = nest.flatten(y_pred)
        flat_y = nest.flatten(y) if y is not None else [None] * len(flat_pred)
        n = len(flat_pred)
        names = self._output_names(n)
        self._losses_per_output = self._per_output(self.loss, n, names)
        if self.loss is None:
            self._losses_per_output = [None] * n
        self._losses_per_output = [losses_module.get(lo) if lo is not None else None
                                   for lo in self._losses_per_output]
        weights = self._loss_weights
        if isinstance(weights, dict):
            weights = [weights.get(nm, 1.0) for nm in names]
        self._weights_per_output = list(weights) if weights is not None else [1.0] * n
        if n > 1:
            self._output_loss_trackers = [
                (i, metrics_module.Mean(name=f"{names[i]}_loss"))
                for i in range(n) if self._losses_per_output[i] is not None]
        spec = self._compiled_metrics_spec
        per_output = []
        if spec is None:
            per_output = [[] for _ in range(n)]
        elif isinstance(spec, dict):
            per_output = [spec.get(nm, []) for nm in names]
        elif n > 1 and isinstance(spec, list | tuple) and len(spec) == n and \
                all(isinstance(s, list | tuple) or s is None for s in spec):
            per_output = [list(s or []) for s in spec]
        else:
            per_output = [list(spec) if isinstance(spec, list | tuple) else [spec]] * n
        objects = []
        for i, specs in enumerate(per_output):
            specs = specs if isinstance(specs, list | tuple) else [specs]
            t_shape = tuple(flat_y[i].shape) if flat_y[i] is not None else ()
            p_shape = tuple(flat_pred[i].shape.as_list())
            for s in specs:
                m = metrics_module.resolve_for(s, t_shape, p_shape, self._losses_per_output[i]) \
                    if isinstance(s, str) else metrics_module.get(s)
                if n > 1 and i > 0 and not isinstance(s, metrics_module.Metric):
                    m.name = f"{names[i]}_{m.name}"
                elif n > 1 and not isinstance(s, metrics_module.Metric):
                    m.name = f"{names[i]}_{m.name}"
                objects.append((i, m))
        self._metric_objects = objects
        self._metrics_built = True

    # -- the steps -----------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        flat_pred = nest.flatten(y_pred)
        flat_y = nest.flatten(y)
        total = None
        per_output = []
        for i, (fn, w) in enumerate(zip(self._losses_per_output, self._weights_per_output)):
            if fn is None:
                per_output.append(None)
                continue
            pred = flat_pred[i]
            if pred.dtype.name in ("float16", "bfloat16"):
                # Keras computes compiled losses in float32 (a mixed-precision model's output
                # is float16 or bfloat16 unless its last layer says otherwise).
                pred = tf.cast(pred, "float32")
                if _masking._MASKS:
                    _masking.set_keras_mask(pred, _masking.get_keras_mask(flat_pred[i]))
            if isinstance(fn, losses_module.Loss):
                value = fn(flat_y[i], pred, sample_weight)
            else:
                sw = losses_module.masked_sample_weight(pred, sample_weight,
                                                        "sum_over_batch_size")
                value = losses_module.reduce_values(fn(flat_y[i], pred), sw)
            per_output.append(value)
            value = value * w if w != 1.0 else value
            total = value if total is None else total + value
        extra = self.losses
        if extra:
            reg = tf.add_n([tf.cast(tf.convert_to_tensor(lo), "float32") for lo in extra])
            total = reg if total is None else total + reg
        if total is None:
            total = tf.constant(0.0)
        return total, per_output

    def _update_metrics(self, y, y_pred, sw, loss, per_output, batch_size) -> None:
        self._loss_tracker.update_state(loss, sample_weight=batch_size)
        for i, tracker in self._output_loss_trackers:
            tracker.update_state(per_output[i], sample_weight=batch_size)
        flat_pred, flat_y = nest.flatten(y_pred), nest.flatten(y)
        for i, m in self._metric_objects:
            m.update_state(flat_y[i], flat_pred[i], sample_weight=sw)

    def train_step(self, data):
        if isinstance(self.optimizer, optimizers_module.LossScaleOptimizer):
            # Overflow is how loss scaling finds its scale: the step is skipped, not an error.
            with np.errstate(over="ignore", invalid="ignore"):
                return self._train_step(data)
        return self._train_step(data)

    def _train_step(self, data):
        x, y, sw = _unpack(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss, per_output = self.compute_loss(x, y, y_pred, sw)
            scaled = self.optimizer.scale_loss(loss)
        variables = self.trainable_weights
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        self._update_metrics(y, y_pred, sw, loss, per_output, _batch_size(x))
        return loss

    def test_step(self, data):
        x, y, sw = _unpack(data)
        y_pred = self(x, training=False)
        loss, per_output = self.compute_loss(x, y, y_pred, sw, training=False)
        self._update_metrics(y, y_pred, sw, loss, per_output, _batch_size(x))
        return loss

    def predict_step(self, data):
        x, _, _ = _unpack(data)
        return self(x, training=False)

    def _function(self, step):
        if self._run_eagerly:
            return step
        return tf.function(step, jit_compile=self._jit_compile)

    def _prepare(self, x, y) -> None:
        """Build the model, the optimizer slots and the metrics eagerly, before any trace."""
        if not self._metrics_built:
            from tessera_keras.layers._recurrent import keep_rnn_states

            with keep_rnn_states(self):
                y_pred = self(x, training=False)
            self._build_metrics(y, y_pred)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_weights)

    def _logs(self) -> dict:
        logs = {m.name: m._result_value() for m in self.metrics}
        return dict(sorted(logs.items()))

    def _ordered_results(self, logs: dict):
        names = [m.name for m in self.metrics]
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results

    # -- data ----------------------------------------------------------------------------
    def _standardize(self, x, y, sample_weight):
        if isinstance(x, tf.data.Dataset if hasattr(tf, "data") else ()) or \
                isinstance(x, collections.abc.Iterator | _py_dataset.PyDataset):
            return x, y, None
        if isinstance(x, tuple) and y is None and len(x) in (2, 3):
            x, y, *rest = x
            sample_weight = rest[0] if rest else sample_weight
        as_np = lambda a: None if a is None else _as_numpy(a)  # noqa: E731
        x = nest.map_structure(as_np, x) if isinstance(x, list | tuple | dict) else as_np(x)
        y = nest.map_structure(as_np, y) if isinstance(y, list | tuple | dict) else as_np(y)
        return x, y, as_np(sample_weight)

    @staticmethod
    def _is_dataset(x) -> bool:
        """A tf.data.Dataset, or a Python generator / iterator of batches (as Keras takes)."""
        return (hasattr(x, "element_spec") and hasattr(x, "__iter__")) or \
            isinstance(x, collections.abc.Iterator)

    def _iter_batches(self, x, y, sw, batch_size, shuffle, rng, limit=None, class_weight=None):
        if isinstance(x, _py_dataset.PyDataset):
            for arg, value, what in (("y", y, "the targets"),
                                     ("sample_weights", sw, "the sample weights")):
                if value is not None:
                    raise ValueError(f"When providing `x` as a PyDataset, `{arg}` should not be "
                                     f"passed. Instead, {what} should be included as part of "
                                     f"the PyDataset.")
            for element in _py_dataset.epoch_batches(x, bool(shuffle) and rng is not None, rng,
                                                     limit, class_weight):
                yield _unpack(element)
            return
        if self._is_dataset(x):
            if y is not None:
                raise ValueError("When providing `x` as a generator or a tf.data.Dataset, `y` "
                                 "should not be passed: `x` yields (inputs, targets) tuples.")
            # A generator continues across epochs: pull no more than the steps asked for.
            source = itertools.islice(x, limit) if limit is not None else x
            for element in source:
                bx, by, bsw = _unpack(tuple(element) if isinstance(element, tuple | list)
                                      else element)
                yield bx, by, bsw
            return
        yield from _batches(x, y, sw, batch_size, shuffle, rng)

    def _steps(self, x, batch_size) -> int | None:
        if isinstance(x, _py_dataset.PyDataset):
            return x.num_batches
        if isinstance(x, collections.abc.Iterator):
            return None  # a generator's length is unknown
        if self._is_dataset(x):
            try:
                n = int(x.cardinality())
            except Exception:
                return None
            return n if n >= 0 else None
        return -(-_num_samples(x) // batch_size)

    @staticmethod
    def _tensors(bx, by, bsw):
        conv = lambda a: None if a is None else _to_tensor(a)  # noqa: E731
        return (nest.map_structure(conv, bx), nest.map_structure(conv, by),
                None if bsw is None else _to_tensor(bsw))

    # -- fit -----------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        self._assert_compiled("fit")
        verbose = 1 if verbose == "auto" else verbose
        batch_size = batch_size or 32
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        if validation_split and validation_data is None:
            if isinstance(x, _py_dataset.PyDataset):
                raise ValueError("Argument `validation_split` is only supported for tensors or "
                                 f"NumPy arrays.Found incompatible type in the input: {[type(x)]}")
            if self._is_dataset(x):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy "
                                 "arrays, found following types in the input: dataset")
            n = _num_samples(x)
            split = math.floor(n * (1.0 - validation_split))
            if split == 0 or split == n:
                raise ValueError(f"Training data contains {split} samples, which is not "
                                 f"sufficient to split it into a validation and training set as "
                                 f"specified by `validation_split={validation_split}`. Either "
                                 f"provide more data, or a different value for the "
                                 f"`validation_split` argument.")
            validation_data = (_slice(x, slice(split, None)), _slice(y, slice(split, None)),
                               _slice(sample_weight, slice(split, None)))
            x, y = _slice(x, slice(0, split)), _slice(y, slice(0, split))
            sample_weight = _slice(sample_weight, slice(0, split))
        if class_weight is not None and y is not None:
            labels = np.asarray(nest.flatten(y)[0])
            labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else \
                labels.reshape(labels.shape[0], -1)[:, 0]
            cw = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")
            sample_weight = cw if sample_weight is None else sample_weight * cw
        steps = self._steps(x, batch_size)
        if steps_per_epoch is not None:
            steps = steps_per_epoch
        cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                            add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=epochs, steps=steps)
        if self._train_fn is None:
            self._train_fn = self._function(self.train_step)
        rng = np.random.default_rng()
        self.stop_training = False
        cbs.on_train_begin()
        logs = {}
        initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            for step, (bx, by, bsw) in enumerate(self._iter_batches(
                    x, y, sample_weight, batch_size, shuffle, rng, limit=steps_per_epoch,
                    class_weight=class_weight if isinstance(x, _py_dataset.PyDataset) else None)):
                if steps_per_epoch is not None and step >= steps_per_epoch:
                    break
                cbs.on_train_batch_begin(step)
                tx, ty, tsw = self._tensors(bx, by, bsw)
                self._prepare(tx, ty)
                self._train_fn((tx, ty, tsw) if tsw is not None else (tx, ty))
                logs = self._logs()
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                vx, vy, vsw = _unpack(tuple(validation_data)) \
                    if isinstance(validation_data, tuple | list) else (validation_data, None,
                                                                       None)
                val_logs = self.evaluate(vx, vy, sample_weight=vsw,
                                         batch_size=validation_batch_size or batch_size,
                                         steps=validation_steps, callbacks=cbs,
                                         return_dict=True, verbose=0, _internal=True)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if isinstance(self.optimizer, optimizers_module.Optimizer) and epochs > 0:
            self.optimizer.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(logs)
        return self.history

    # -- evaluate ------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _internal=False, **kwargs):
        self._assert_compiled("evaluate")
        verbose = 1 if verbose == "auto" else verbose
        batch_size = batch_size or 32
        x, y, sample_weight = self._standardize(x, y, sample_weight)
        total = self._steps(x, batch_size) if steps is None else steps
        if isinstance(callbacks, callbacks_module.CallbackList):
            cbs = callbacks
        else:
            cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                                verbose=verbose, epochs=1, steps=total)
        if self._test_fn is None:
            self._test_fn = self._function(self.test_step)
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, (bx, by, bsw) in enumerate(self._iter_batches(
                x, y, sample_weight, batch_size, False, None, limit=steps)):
            if steps is not None and step >= steps:
                break
            cbs.on_test_batch_begin(step)
            tx, ty, tsw = self._tensors(bx, by, bsw)
            self._prepare(tx, ty)
            self._test_fn((tx, ty, tsw) if tsw is not None else (tx, ty))
            logs = self._logs()
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        return self._ordered_results(logs)

    # -- predict -------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        verbose = 1 if verbose == "auto" else verbose
        batch_size = batch_size or 32
        x, _, _ = self._standardize(x, None, None)
        total = self._steps(x, batch_size) if steps is None else steps
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=1, steps=total)
        if self._predict_fn is None:
            self._predict_fn = self.predict_step if self._run_eagerly else \
                tf.function(self.predict_step, jit_compile=getattr(self, "_jit_compile", None))
        outputs = []
        cbs.on_predict_begin()
        for step, (bx, _, _) in enumerate(self._iter_batches(x, None, None, batch_size, False,
                                                             None, limit=steps)):
            if steps is not None and step >= steps:
                break
            cbs.on_predict_batch_begin(step)
            tx, _, _ = self._tensors(bx, None, None)
            if not self.built:
                self(tx, training=False)
            out = self._predict_fn((tx,))
            outputs.append(nest.map_structure(lambda t: np.asarray(t.numpy()), out))
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information of "
                             "where went wrong, or file a issue/bug to `tf.keras`.")
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs) \
            if len(outputs) > 1 else outputs[0]

    # -- single batches ------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._assert_compiled("train_on_batch")
        tx, ty, tsw = self._tensors(*self._standardize(x, y, sample_weight))
        self._prepare(tx, ty)
        if self._train_fn is None:
            self._train_fn = self._function(self.train_step)
        self.reset_metrics()
        self._train_fn((tx, ty, tsw) if tsw is not None else (tx, ty))
        logs = self._logs()
        return logs if return_dict else self._ordered_results(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        tx, ty, tsw = self._tensors(*self._standardize(x, y, sample_weight))
        self._prepare(tx, ty)
        if self._test_fn is None:
            self._test_fn = self._function(self.test_step)
        self.reset_metrics()
        self._test_fn((tx, ty, tsw) if tsw is not None else (tx, ty))
        logs = self._logs()
        return logs if return_dict else self._ordered_results(logs)

    def predict_on_batch(self, x):
        tx, _, _ = self._tensors(*self._standardize(x, None, None))
        out = self(tx, training=False)
        return nest.map_structure(lambda t: np.asarray(t.numpy()), out)

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError("You must call `compile()` before using the model.")


def _batch_size(x) -> int:
    first = nest.flatten(x)[0]
    n = first.shape[0]
    return n if n is not None else tf.shape(first)[0]
