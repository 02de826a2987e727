"""``keras.optimizers.LossScaleOptimizer``: dynamic loss scaling for float16 training."""

from __future__ import annotations

import numpy as np

import tessera as tf
from tessera_keras.optimizers import Optimizer

# LossScaleOptimizer's config used to carry these; Keras still accepts their defaults.
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer``: the train step multiplies the loss by ``dynamic_scale``; the
    gradients are divided by it before the inner optimizer applies them. A step with a
    non-finite gradient is skipped and halves the scale; ``dynamic_growth_steps`` finite steps
    in a row double it (Keras 3's rules)."""

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("`inner_optimizer` must be a `keras.optimizers.Optimizer` instance. "
                            f"Received: inner_optimizer={inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # The inner optimizer must not unscale a second time.
        self.inner_optimizer.loss_scale_factor = None
        self.step_counter = None
        self.dynamic_scale = None

    # -- state delegated to the inner optimizer ---------------------------------------------
    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value) -> None:
        self._own_iterations = value  # the base class's counter, saved as Keras saves it

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.inner_optimizer.learning_rate = value

    def build(self, var_list) -> None:
        if self.step_counter is None:
            self.step_counter = self.add_variable(np.int64(0), name="step_counter")
            self.dynamic_scale = self.add_variable(np.float32(self.initial_scale),
                                                   name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        self._trainable_variables = list(self.inner_optimizer._trainable_variables)
        self.built = True

    @property
    def variables(self) -> list:
        """Keras's order: iterations, learning rate, step_counter, dynamic_scale, then the
        inner optimizer's. The first two stand for Keras's unused counters of the wrapper; they
        are the inner optimizer's here, so a file saved with loss scaling and loaded without it
        (a mixed model loaded under a float32 global policy) still gives back the iteration
        count and the learning rate."""
        inner = self.inner_optimizer
        lr = inner._learning_rate if inner._learning_rate is not None else self._learning_rate
        return [inner.iterations, lr, *self._slot_list, *inner.variables]

    # -- scaling ----------------------------------------------------------------------------
    def scale_loss(self, loss):
        scale = self.dynamic_scale if self.built else self.initial_scale
        return loss * tf.cast(scale, loss.dtype) if isinstance(loss, tf.Tensor) else \
            loss * scale

    def check_finite(self, grads):
        flags = [tf.reduce_all(tf.math.is_finite(g)) for g in grads if g is not None]
        return tf.reduce_all(tf.stack(flags)) if flags else tf.constant(True)

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            self.build(trainable_variables)
        grads = [None if g is None else tf.convert_to_tensor(g) for g in grads]

        def finite_step():
            scale = self.dynamic_scale.value()
            unscaled = [None if g is None else g / tf.cast(scale, g.dtype) for g in grads]
            self.inner_optimizer.apply(unscaled, trainable_variables)
            grow = tf.equal(self.step_counter.value(),
                            np.int64(self.dynamic_growth_steps - 1))
            self.step_counter.assign(tf.where(grow, np.int64(0),
                                              self.step_counter.value() + np.int64(1)))
            self.dynamic_scale.assign(tf.where(grow, scale * 2.0, scale))
            return tf.constant(True)

        def skipped_step():
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(self.dynamic_scale.value() * 0.5)
            return tf.constant(False)

        tf.cond(self.check_finite(grads), finite_step, skipped_step)

    def apply_gradients(self, grads_and_vars):
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if pairs:
            self.apply([p[0] for p in pairs], [p[1] for p in pairs])
        return self.iterations

    def finalize_variable_values(self, var_list) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # -- config -----------------------------------------------------------------------------
    def get_config(self) -> dict:
        from tessera_keras.optimizers import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tessera_keras.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)
