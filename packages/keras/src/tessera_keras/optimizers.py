"""``keras.optimizers`` with Keras 3's update rules and defaults.

State (iterations, learning rate, slots) lives in variables, so ``apply_gradients`` inside a
compiled train step updates everything in one graph.
"""

from __future__ import annotations

import numpy as np

import tessera as tf


class LearningRateSchedule:
    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        return {}


class ExponentialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay") -> None:
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = tf.cast(step, "float32") / float(self.decay_steps)
        if self.staircase:
            p = tf.floor(p)
        return self.initial_learning_rate * tf.pow(tf.constant(float(self.decay_rate)), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class Optimizer:
    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs) -> None:
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.name = name or type(self).__name__.lower()
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
        self._slot_list: list = []
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
    def add_variable_from_reference(self, variable, name):
        value = np.zeros(variable.shape.as_list(), dtype=variable.dtype.as_numpy_dtype)
        base = getattr(variable, "path", variable.name).replace("/", "_").split(":")[0]
        slot = tf.Variable(value, trainable=False, name=f"{self.name}/{base}_{name}")
        self._slot_list.append(slot)
        return slot

    def build(self, var_list) -> None:
        for v in var_list:
            if id(v) not in self._slots:
                self._slots[id(v)] = self._make_slots(v)
        self.built = True

    def _make_slots(self, variable) -> dict:
        return {}

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
        variables = list(trainable_variables)
        if not self.built or any(id(v) not in self._slots for v in variables):
            self.build(variables)
        grads = self._clip([tf.convert_to_tensor(g) for g in grads])
        lr = self._current_lr()
        if self.weight_decay:
            names = getattr(self, "_exclude_names", [])
            for v in variables:
                if id(v) in self._exclude_from_weight_decay or \
                        any(n in v.name for n in names):
                    continue
                v.assign_sub(v * (tf.cast(lr, v.dtype) * self.weight_decay))
        for g, v in zip(grads, variables):
            self.update_step(tf.cast(g, v.dtype), v, tf.cast(lr, v.dtype))
        self.iterations.assign_add(np.int64(1))
        for v in variables:
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v))

    def update_step(self, gradient, variable, learning_rate) -> None:
        raise NotImplementedError

    def minimize(self, loss, var_list, tape=None):
        if tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed.")
        grads = tape.gradient(loss, var_list)
        self.apply_gradients(zip(grads, var_list))

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._schedule.get_config() if self._schedule is not None else \
            float(self._learning_rate.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="SGD",
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
                 global_clipnorm=None, name="adam", **kwargs) -> None:
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
                 global_clipnorm=None, name="adamw", **kwargs) -> None:
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
                 global_clipnorm=None, name="rmsprop", **kwargs) -> None:
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
                 name="adagrad", **kwargs) -> None:
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


_ALL = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier):
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _ALL.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return cls()
    if isinstance(identifier, dict):
        return _ALL[identifier["class_name"].lower()].from_config(identifier["config"])
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def serialize(optimizer) -> dict:
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    return get(config)


class schedules:
    LearningRateSchedule = LearningRateSchedule
    ExponentialDecay = ExponentialDecay
