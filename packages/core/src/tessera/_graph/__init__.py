"""Graphs: the IR tf.function traces into, its executors, and tf.function itself."""
