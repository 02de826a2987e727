"""``keras.optimizers`` with Keras 3's update rules and defaults.

State (iterations, learning rate, slots) lives in variables, so ``apply_gradients`` inside a
compiled train step updates everything in one graph.
"""

from __future__ import annotations

import numpy as np

import tessera as tf
from tessera_keras import _naming
from tessera_keras.optimizers import schedules
from tessera_keras.optimizers.schedules import LearningRateSchedule


class Optimizer:
    """Keras 3's base optimizer: clipping, weight decay, EMA, then each variable's
    ``update_step``; ``variables`` in Keras's order (iterations, learning rate, EMA averages,
    then each model variable's slots in turn), so ``.keras`` optimizer state interchanges."""

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs) -> None:
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps is not None:
            raise NotImplementedError(
                "tessera.keras optimizers do not implement `gradient_accumulation_steps`; "
                "accumulate gradients yourself or use a larger batch size.")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int) or
                                            ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.name = name or _naming.unique_name(_naming.to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.iterations = tf.Variable(np.int64(0), trainable=False, name="iteration")
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
            self._learning_rate = None
        else:
            self._schedule = None
            self._learning_rate = tf.Variable(np.float32(learning_rate), trainable=False,
                                              name="learning_rate")
        self._slots: dict[int, dict] = {}
        self._averages: dict[int, object] = {}
        self._slot_list: list = []
        self._trainable_variables: list = []
        self.built = False
        self._exclude_from_weight_decay: set = set()

    # -- learning rate ------------------------------------------------------------------
    @property
    def learning_rate(self):
        if self._schedule is not None:
            return self._schedule(self.iterations)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule, self._learning_rate = value, None
        elif self._learning_rate is None:
            self._schedule = None
            self._learning_rate = tf.Variable(np.float32(value), trainable=False,
                                              name="learning_rate")
        else:
            self._learning_rate.assign(np.float32(value))

    def _current_lr(self):
        if self._schedule is not None:
            return tf.cast(self._schedule(self.iterations), "float32")
        return self._learning_rate.value()

    # -- state --------------------------------------------------------------------------
    def add_variable_from_reference(self, variable, name, initializer=None):
        if initializer is None:
            value = np.zeros(variable.shape.as_list(), dtype=variable.dtype.as_numpy_dtype)
        else:
            value = np.full(variable.shape.as_list(), initializer,
                            dtype=variable.dtype.as_numpy_dtype)
        base = getattr(variable, "path", variable.name).replace("/", "_").split(":")[0]
        return self.add_variable(value, name=f"{base}_{name}")

    def add_variable(self, value, name):
        """An optimizer variable holding ``value`` (tracked in ``variables``' order)."""
        slot = tf.Variable(value, trainable=False, name=f"{self.name}/{name}")
        self._slot_list.append(slot)
        return slot

    def build(self, var_list) -> None:
        new = [v for v in var_list if id(v) not in self._slots]
        if self.use_ema:
            # Keras creates every moving average before any slot.
            for v in new:
                self._averages[id(v)] = self.add_variable_from_reference(v, "average")
        for v in new:
            self._slots[id(v)] = self._make_slots(v)
        if not self.built:
            self._build_extra(var_list)
        self._trainable_variables += new
        self.built = True

    def _make_slots(self, variable) -> dict:
        return {}

    def _build_extra(self, var_list) -> None:
        """Variables Keras adds after every slot (Nadam's ``u_product``)."""

    @property
    def variables(self) -> list:
        out = [self.iterations]
        if self._learning_rate is not None:
            out.append(self._learning_rate)
        return out + list(self._slot_list)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        for v in var_list or []:
            self._exclude_from_weight_decay.add(id(v))
        self._exclude_names = list(var_names or [])

    # -- updates ------------------------------------------------------------------------
    def _clip(self, grads):
        if self.clipvalue is not None:
            grads = [tf.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [tf.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            grads, _ = tf.clip_by_global_norm(grads, self.global_clipnorm)
        return grads

    def apply_gradients(self, grads_and_vars):
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            return self.iterations
        grads, variables = [p[0] for p in pairs], [p[1] for p in pairs]
        self.apply(grads, variables)
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            trainable_variables = self._trainable_variables
        variables = list(trainable_variables)
        if not self.built or any(id(v) not in self._slots for v in variables):
            self.build(variables)
        grads = [tf.convert_to_tensor(g) for g in grads]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        grads = self._clip(grads)
        lr = self._current_lr()
        if self.weight_decay:
            names = getattr(self, "_exclude_names", [])
            for v in variables:
                if id(v) in self._exclude_from_weight_decay or \
                        any(n in v.name for n in names):
                    continue
                v.assign_sub(v * (tf.cast(lr, v.dtype) * self.weight_decay))
        self._before_update_steps()
        for g, v in zip(grads, variables):
            self.update_step(tf.cast(g, v.dtype), v, tf.cast(lr, v.dtype))
        if self.use_ema:
            self._update_moving_averages()
        self.iterations.assign_add(np.int64(1))
        for v in variables:
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v))

    def _before_update_steps(self) -> None:
        """Once-per-step state updated before the per-variable steps (Nadam)."""

    def _update_moving_averages(self) -> None:
        # Keras: the first step copies the variable (momentum 0), later ones blend.
        for var in self._trainable_variables:
            average = self._averages[id(var)]
            momentum = tf.cast(tf.not_equal(self.iterations, 0), var.dtype) * \
                self.ema_momentum
            average.assign(momentum * average + (1.0 - momentum) * var)
        if self.ema_overwrite_frequency:
            overwrite = tf.equal(tf.math.floormod(self.iterations + 1,
                                                  self.ema_overwrite_frequency), 0)
            for var in self._trainable_variables:
                var.assign(tf.where(overwrite, self._averages[id(var)].value(), var.value()))

    def finalize_variable_values(self, var_list) -> None:
        """With ``use_ema``, overwrite ``var_list`` with their moving averages (``fit`` calls
        this when training ends, as Keras does)."""
        if not self.use_ema:
            return
        missing = [v for v in var_list if id(v) not in self._averages]
        if missing:
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match "
                "the length of model variables stored in the optimizer "
                f"({len(self._averages)}). Please check if the optimizer was called on your "
                "model.")
        for v in var_list:
            v.assign(self._averages[id(v)].value())

    def update_step(self, gradient, variable, learning_rate) -> None:
        raise NotImplementedError(
            f"Optimizer '{type(self).__name__}' must override `update_step(gradient, "
            "variable, learning_rate)`.")

    def scale_loss(self, loss):
        """The loss the train step differentiates: times ``loss_scale_factor`` when set
        (``apply`` divides the gradients by it again)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def minimize(self, loss, var_list, tape=None):
        if tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed.")
        grads = tape.gradient(loss, var_list)
        self.apply_gradients(zip(grads, var_list))

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict:
        if isinstance(self._schedule, LearningRateSchedule):
            lr = schedules.serialize(self._schedule)
        elif self._schedule is not None:
            raise NotImplementedError(
                "An optimizer whose learning rate is a plain callable cannot be serialized; "
                "use a `keras.optimizers.schedules.LearningRateSchedule` subclass.")
        else:
            lr = float(self._learning_rate.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None,
                 **kwargs) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)
        if not isinstance(momentum, float | int) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = float(momentum), nesterov

    def _make_slots(self, v):
        return {"m": self.add_variable_from_reference(v, "momentum")} if self.momentum else {}

    def update_step(self, g, v, lr):
        if self.momentum:
            m = self._slots[id(v)]["m"]
            m.assign(self.momentum * m - g * lr)
            if self.nesterov:
                v.assign_add(self.momentum * m - g * lr)
            else:
                v.assign_add(m.value())
        else:
            v.assign_sub(g * lr)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _make_slots(self, v):
        slots = {"m": self.add_variable_from_reference(v, "momentum"),
                 "v": self.add_variable_from_reference(v, "velocity")}
        if self.amsgrad:
            slots["vhat"] = self.add_variable_from_reference(v, "velocity_hat")
        return slots

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        m, v = s["m"], s["v"]
        step = tf.cast(self.iterations + 1, var.dtype)
        b1p = tf.pow(tf.constant(np.float32(self.beta_1)), step)
        b2p = tf.pow(tf.constant(np.float32(self.beta_2)), step)
        alpha = lr * tf.sqrt(1.0 - b2p) / (1.0 - b1p)
        m.assign_add((g - m) * (1.0 - self.beta_1))
        v.assign_add((tf.square(g) - v) * (1.0 - self.beta_2))
        vv = v.value()
        if self.amsgrad:
            s["vhat"].assign(tf.maximum(s["vhat"], vv))
            vv = s["vhat"].value()
        var.assign_sub((m * alpha) / (tf.sqrt(vv) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _make_slots(self, v):
        slots = {"velocity": self.add_variable_from_reference(v, "velocity")}
        if self.momentum > 0:
            slots["momentum"] = self.add_variable_from_reference(v, "momentum")
        if self.centered:
            slots["average_gradient"] = self.add_variable_from_reference(v, "average_gradient")
        return slots

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        vel = s["velocity"]
        vel.assign(self.rho * vel + (1.0 - self.rho) * tf.square(g))
        if self.centered:
            ag = s["average_gradient"]
            ag.assign(self.rho * ag + (1.0 - self.rho) * g)
            denominator = vel - tf.square(ag) + self.epsilon
        else:
            denominator = vel + self.epsilon
        increment = lr * g / tf.sqrt(denominator)
        if self.momentum > 0:
            mom = s["momentum"]
            mom.assign(self.momentum * mom + increment)
            var.assign_sub(mom.value())
        else:
            var.assign_sub(increment)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **kwargs) -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _make_slots(self, v):
        acc = self.add_variable_from_reference(v, "accumulator")
        acc.assign(np.full(v.shape.as_list(), self.initial_accumulator_value,
                           dtype=v.dtype.as_numpy_dtype))
        return {"acc": acc}

    def update_step(self, g, var, lr):
        acc = self._slots[id(var)]["acc"]
        acc.assign_add(tf.square(g))
        var.assign_sub(lr * g / tf.sqrt(acc + self.epsilon))

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name=None,
                 **kwargs) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _make_slots(self, v):
        return {"grad": self.add_variable_from_reference(v, "accumulated_grad"),
                "delta": self.add_variable_from_reference(v, "accumulated_delta_var")}

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        acc_g, acc_d = s["grad"], s["delta"]
        rho = self.rho
        acc_g.assign(rho * acc_g + (1 - rho) * tf.square(g))
        delta = -(tf.sqrt(acc_d + self.epsilon) * g) / tf.sqrt(acc_g + self.epsilon)
        acc_d.assign(rho * acc_d + (1 - rho) * tf.square(delta))
        var.assign_add(lr * delta)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adamax(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _make_slots(self, v):
        return {"m": self.add_variable_from_reference(v, "momentum"),
                "u": self.add_variable_from_reference(v, "norm")}

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        m, u = s["m"], s["u"]
        step = tf.cast(self.iterations + 1, var.dtype)
        b1p = tf.pow(tf.cast(self.beta_1, var.dtype), step)
        m.assign_add((g - m) * (1 - self.beta_1))
        u.assign(tf.maximum(self.beta_2 * u, tf.abs(g)))
        var.assign_sub((lr * m) / ((1 - b1p) * (u + self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _make_slots(self, v):
        return {"m": self.add_variable_from_reference(v, "momentum"),
                "v": self.add_variable_from_reference(v, "velocity")}

    def _build_extra(self, var_list) -> None:
        # The running product of the momentum schedule, after every slot as in Keras.
        self._u_product = self.add_variable(np.float32(1.0), name="u_product")

    def _u(self, step):
        return self.beta_1 * (1.0 - 0.5 * tf.pow(tf.constant(np.float32(0.96)), step))

    def _before_update_steps(self) -> None:
        step = tf.cast(self.iterations + 1, "float32")
        self._u_product.assign(self._u_product * self._u(step))

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        m, v = s["m"], s["v"]
        step = tf.cast(self.iterations + 1, var.dtype)
        u_t, u_t_1 = self._u(step), self._u(step + 1.0)
        u_product_t = tf.cast(self._u_product, var.dtype)
        u_product_t_1 = u_product_t * u_t_1
        b2p = tf.pow(tf.cast(self.beta_2, var.dtype), step)
        m.assign_add((g - m) * (1 - self.beta_1))
        v.assign_add((tf.square(g) - v) * (1 - self.beta_2))
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = v / (1 - b2p)
        var.assign_sub((m_hat * lr) / (tf.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Ftrl(Optimizer):
    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name=None, **kwargs) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: "
                                 f"{arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _make_slots(self, v):
        return {"accum": self.add_variable_from_reference(
                    v, "accumulator", initializer=self.initial_accumulator_value),
                "linear": self.add_variable_from_reference(v, "linear")}

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        accum, linear = s["accum"], s["linear"]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        grad = g + 2 * self.l2_shrinkage_regularization_strength * var
        new_accum = accum + tf.square(g)
        linear.assign_add(grad - (tf.pow(new_accum, power) - tf.pow(accum.value(), power)) /
                          lr * var)
        quadratic = tf.pow(new_accum, power) / lr + 2 * l2
        l1 = self.l1_regularization_strength
        clipped = tf.clip_by_value(linear.value(), -l1, l1)
        var.assign((clipped - linear) / quadratic)
        accum.assign(new_accum)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


class Lion(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name=None,
                 **kwargs) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def _make_slots(self, v):
        return {"m": self.add_variable_from_reference(v, "momentum")}

    def update_step(self, g, var, lr):
        m = self._slots[id(var)]["m"]
        var.assign_sub(lr * tf.sign(m * self.beta_1 + g * (1.0 - self.beta_1)))
        m.assign(m * self.beta_2 + g * (1.0 - self.beta_2))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


class Adafactor(Optimizer):
    """Factored second moments for rank >= 2 variables (last two axes), as Keras 3."""

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, name=None,
                 **kwargs) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def _make_slots(self, v):
        base = getattr(v, "path", v.name).replace("/", "_").split(":")[0]
        shape = v.shape.as_list()
        dtype = v.dtype.as_numpy_dtype
        if len(shape) < 2:
            # Keras keeps int placeholders here so the variable order stays the same.
            r = self.add_variable(np.int32(0), name=base)
            c = self.add_variable(np.int32(0), name=base)
        else:
            r = self.add_variable(np.zeros(shape[:-1], dtype), name=base)
            c = self.add_variable(np.zeros(shape[:-2] + shape[-1:], dtype), name=base)
        return {"r": r, "c": c, "v": self.add_variable_from_reference(v, "velocity")}

    @staticmethod
    def _rms(x):
        return tf.sqrt(tf.reduce_mean(tf.square(x)))

    def update_step(self, g, var, lr):
        s = self._slots[id(var)]
        step = tf.cast(self.iterations + 1, var.dtype)
        if self._schedule is None and self.relative_step:
            lr = tf.minimum(lr, 1.0 / tf.sqrt(step))
        rho_t = tf.minimum(lr, 1.0 / tf.sqrt(step))
        alpha_t = tf.maximum(tf.cast(self.epsilon_2, var.dtype), self._rms(var)) * rho_t
        grad_sq = tf.square(g) + self.epsilon_1
        beta_2_t = 1.0 - tf.pow(step, self.beta_2_decay)
        v = s["v"]
        if var.shape.rank >= 2:
            r, c = s["r"], s["c"]
            r.assign(beta_2_t * r + (1.0 - beta_2_t) * tf.reduce_mean(grad_sq, axis=-1))
            c.assign(beta_2_t * c + (1.0 - beta_2_t) * tf.reduce_mean(grad_sq, axis=-2))
            v.assign(tf.expand_dims(r / tf.reduce_mean(r, axis=-1, keepdims=True), -1) *
                     tf.expand_dims(c, -2))
        else:
            v.assign(beta_2_t * v + (1.0 - beta_2_t) * grad_sq)
        u_t = g / tf.sqrt(v)
        u_t_hat = u_t / tf.maximum(1.0, self._rms(u_t) / self.clip_threshold)
        var.assign_sub(alpha_t * u_t_hat)

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}


_ALL = {c.__name__.lower(): c for c in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
                                        Nadam, Ftrl, Lion, Adafactor)}


# Imported after Optimizer, which it subclasses.
from tessera_keras.optimizers._loss_scale import LossScaleOptimizer


def get(identifier):
    """An optimizer from an instance, a name (``"nadam"``) or a :func:`serialize` dict."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _ALL.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def serialize(optimizer) -> dict:
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    if isinstance(config, dict):
        name = config["class_name"]
        cls = (custom_objects or {}).get(name) or _ALL.get(name.lower()) or \
            (LossScaleOptimizer if name == "LossScaleOptimizer" else None)
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {config}")
        return cls.from_config(config["config"], custom_objects)
    return get(config)
