"""Per-thread execution state read on every op: device, active tapes, graph being traced.

Kept as plain attributes on one ``threading.local`` so the dispatch hot path pays one
attribute read for each.
"""

from __future__ import annotations

import threading

CPU_DEVICE_NAME = "/job:localhost/replica:0/task:0/device:CPU:0"


class Context(threading.local):
    def __init__(self) -> None:
        self.device_type = "CPU"        # type whose kernels run eager ops
        self.device_index = 0
        self.device_name = CPU_DEVICE_NAME
        self.tapes: list = []           # recording GradientTapes, innermost last
        self.graph = None               # the FuncGraph being traced, or None (eager)


context = Context()


def executing_eagerly() -> bool:
    """True outside ``tf.function`` tracing, as ``tf.executing_eagerly``."""
    return context.graph is None
