"""``tf.data.Options`` and its option groups: typed attributes with TF's defaults (None =
"let the runtime decide") and TF's errors on unknown names or wrong types."""

from __future__ import annotations

import enum


class AutoShardPolicy(enum.IntEnum):
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.Enum):
    WARN = 0
    IGNORE = 1
    FAIL = 2


class _OptionsBase:
    """Attributes declared in ``_FIELDS`` (name -> (type, default factory)) only."""

    _FIELDS: dict = {}

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {})
        for name, (_, default) in self._FIELDS.items():
            if isinstance(default, type) and issubclass(default, _OptionsBase):
                self._values[name] = default()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._FIELDS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return self._values.get(name)

    def __setattr__(self, name, value) -> None:
        if name not in self._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        ty = self._FIELDS[name][0]
        if value is not None and not isinstance(value, ty):
            raise TypeError(f"Property \"{name}\" must be of type {ty}, got: {value!r} "
                            f"(type: {type(value)})")
        self._values[name] = value

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self._values == other._values

    def __ne__(self, other) -> bool:
        return not self == other

    __hash__ = None

    def _merge_from(self, other: _OptionsBase) -> None:
        for name, value in other._values.items():
            if isinstance(value, _OptionsBase):
                self._values[name]._merge_from(value)
            elif value is not None:
                self._values[name] = value


def _group(name: str, fields: dict) -> type:
    return type(name, (_OptionsBase,), {"_FIELDS": fields, "__module__": __name__})


ThreadingOptions = _group("ThreadingOptions", {"max_intra_op_parallelism": (int, None),
                                               "private_threadpool_size": (int, None)})
AutotuneOptions = _group("AutotuneOptions", {"enabled": (bool, None), "cpu_budget": (int, None),
                                             "ram_budget": (int, None),
                                             "autotune_algorithm": (object, None),
                                             "initial_parallelism": (int, None),
                                             "min_parallelism": (int, None)})
OptimizationOptions = _group("OptimizationOptions", {
    n: (bool, None) for n in (
        "apply_default_optimizations", "filter_fusion", "filter_parallelization",
        "inject_prefetch", "seq_interleave_prefetch", "map_and_batch_fusion",
        "map_and_filter_fusion", "map_fusion", "map_parallelization", "noop_elimination",
        "parallel_batch", "shuffle_and_repeat_fusion")})
DistributeOptions = _group("DistributeOptions", {"auto_shard_policy": (AutoShardPolicy, None),
                                                 "num_devices": (int, None)})
ServiceOptions = _group("ServiceOptions", {"pinned": (bool, None)})


class Options(_OptionsBase):
    """``tf.data.Options``: set attributes, then ``dataset.with_options(options)``."""

    _FIELDS = {
        "autotune": (AutotuneOptions, AutotuneOptions),
        "dataset_name": (str, None),
        "deterministic": (bool, None),
        "experimental_deterministic": (bool, None),
        "experimental_distribute": (DistributeOptions, DistributeOptions),
        "experimental_external_state_policy": (ExternalStatePolicy, None),
        "experimental_optimization": (OptimizationOptions, OptimizationOptions),
        "experimental_service": (ServiceOptions, ServiceOptions),
        "experimental_slack": (bool, None),
        "experimental_symbolic_checkpoint": (bool, None),
        "experimental_threading": (ThreadingOptions, None),
        "experimental_warm_start": (bool, None),
        "framework_type": (list, None),
        "threading": (ThreadingOptions, ThreadingOptions),
    }

    def __getattr__(self, name):
        if name == "experimental_threading":
            return self._values["threading"]
        if name == "experimental_deterministic":
            return self._values.get("deterministic")
        return super().__getattr__(name)

    def __setattr__(self, name, value) -> None:
        if name == "experimental_deterministic":
            name = "deterministic"
        if name == "experimental_threading":
            name = "threading"
        super().__setattr__(name, value)

    def merge(self, options: Options) -> Options:
        """A new Options: these, overridden by every option set in ``options``."""
        out = Options()
        out._merge_from(self)
        if options is not None:
            out._merge_from(options)
        return out
