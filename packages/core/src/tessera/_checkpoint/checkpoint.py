"""``tf.train.Checkpoint`` and its restore status, with deferred restoration: a value whose
object does not exist yet is kept and applied when the object is attached later."""

from __future__ import annotations

import os
import time
import weakref

import numpy as np

from tessera import errors
from tessera._checkpoint import bundle, graph
from tessera._checkpoint import state as _state
from tessera._checkpoint.deferred import DEFERRED, on_attribute_set
from tessera._framework.convert import wrap

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_DEFERRED = DEFERRED


class _Pending:
    """A saved subtree waiting for its Python object."""

    def __init__(self, status: CheckpointLoadStatus, node_id: int) -> None:
        self.status, self.node_id = status, node_id


def _reader_values(reader: bundle.Reader) -> dict:
    return {key: reader.read(key) for key in reader.keys()}


class CheckpointLoadStatus:
    """What ``restore`` returns; its assertions say how well the checkpoint matched."""

    def __init__(self, root, reader: bundle.Reader, nodes: list[dict]) -> None:
        self._root = root
        self._reader = reader
        self._nodes = nodes
        self._values = _reader_values(reader)
        self._matched_nodes: set[int] = set()
        self._consumed_keys: set[str] = set()
        self._bound_objects: list = []
        self._expect_partial = False

    # -- matching -----------------------------------------------------------------------
    def _restore_node(self, node_id: int, obj) -> None:
        queue = [(node_id, obj)]
        while queue:
            nid, current = queue.pop(0)
            if nid in self._matched_nodes:
                continue
            self._matched_nodes.add(nid)
            node = self._nodes[nid]
            self._bound_objects.append(weakref.ref(current) if _weakrefable(current) else
                                       (lambda c=current: c))
            values = {}
            for attr in node.get("attributes", []):
                key = attr["checkpoint_key"]
                values[attr["name"]] = self._value(key)
                self._consumed_keys.add(key)
            if values:
                self._apply(current, values)
            kids = graph.children(current)
            for child in node.get("children", []):
                name, cid = child["name"], child["node_id"]
                if name in kids:
                    queue.append((cid, kids[name]))
                else:
                    _DEFERRED[(id(current), name)] = (
                        weakref.ref(current) if _weakrefable(current) else (lambda c=current: c),
                        _Pending(self, cid))

    def _value(self, key: str):
        array = self._values[key]
        dtype = self._reader.dtype(key)
        from tessera import dtypes

        return wrap(array, dtypes.as_dtype(dtype))

    def _apply(self, obj, values: dict) -> None:
        if graph.is_variable(obj):
            v = values[graph.VARIABLE_VALUE]
            declared = obj._state.shape
            if declared.rank is not None and not declared.is_compatible_with(v.shape):
                raise ValueError(f"Received incompatible tensor with shape {v.shape} when "
                                 f"attempting to restore variable with shape {obj.shape} and "
                                 f"name {obj.name}.")
            if v.dtype != obj.dtype:
                raise ValueError(f"Received tensor of dtype {v.dtype.name} when restoring "
                                 f"variable {obj.name} of dtype {obj.dtype.name}")
        graph.restore_values(obj, values)

    # -- assertions (TF's names) ---------------------------------------------------------
    def _unmatched_nodes(self) -> list[int]:
        return [i for i, n in enumerate(self._nodes) if i not in self._matched_nodes and
                (n.get("attributes") or n.get("children"))]

    def _unbound_objects(self) -> list:
        bound = {id(r()) for r in self._bound_objects if r() is not None}
        return [o for o in graph.current_objects(self._root)
                if id(o) not in bound and (graph.is_variable(o) or graph.values_of(o))]

    def assert_consumed(self) -> CheckpointLoadStatus:
        unused = sorted(set(self._values) - self._consumed_keys)
        if unused or self._unmatched_nodes():
            raise AssertionError(f"Unresolved object in checkpoint: values never restored "
                                 f"{unused or [self._describe(i) for i in self._unmatched_nodes()]}"
                                 f" (create the objects before restoring, or call "
                                 f"expect_partial())")
        self.assert_existing_objects_matched()
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        unbound = self._unbound_objects()
        if unbound:
            names = [getattr(o, "name", type(o).__name__) for o in unbound]
            raise AssertionError(f"Some Python objects were not bound to checkpointed values, "
                                 f"likely due to changes in the Python program: {names}")
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        if len(self._matched_nodes) <= 1:
            raise AssertionError("Nothing except the root object matched a checkpointed value. "
                                 "Typically this means that the checkpoint does not match the "
                                 "Python program.")
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        self._expect_partial = True
        return self

    def run_restore_ops(self, session=None) -> None:
        """Nothing to run in eager mode."""

    def initialize_or_restore(self, session=None) -> None:
        """Nothing to run in eager mode."""

    def _describe(self, node_id: int) -> str:
        node = self._nodes[node_id]
        keys = [a["checkpoint_key"] for a in node.get("attributes", [])]
        return ", ".join(keys) or f"node {node_id} ({node.get('kind', 'object')})"


def _weakrefable(obj) -> bool:
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


class InitializationOnlyStatus:
    """``restore(None)``: nothing restored; the assertions fail as TF's do."""

    def assert_consumed(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                             "restored.")

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None) -> None:
        pass

    def initialize_or_restore(self, session=None) -> None:
        pass


class Checkpoint:
    """``tf.train.Checkpoint(**trackables)``."""

    def __init__(self, root=None, **kwargs) -> None:
        for value in kwargs.values():
            if not graph.is_trackable(value):
                raise ValueError(f"`Checkpoint` was expecting a trackable object (an object "
                                 f"derived from `Trackable`), got {value}. If you believe this "
                                 f"object should be trackable (i.e. it is part of the TensorFlow "
                                 f"Python API and manages state), please open an issue.")
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_save_counter", None)
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        if _DEFERRED and not name.startswith("__"):
            on_attribute_set(self, name, value)

    def _trackable_children(self) -> dict:
        out = {}
        if self._root is not None:
            out.update(graph.children(self._root))
        for k in sorted(vars(self)):
            if k in ("_root", "_save_counter") or k.startswith("__"):
                continue
            if graph.is_trackable(vars(self)[k]):
                out[k] = vars(self)[k]
        if self._save_counter is not None:
            out["save_counter"] = self._save_counter
        return out

    @property
    def save_counter(self):
        """Incremented by ``save()``; saved with the checkpoint."""
        if self._save_counter is None:
            from tessera import dtypes
            from tessera._framework.variable import Variable

            object.__setattr__(self, "_save_counter", Variable(
                np.array(0, np.int64), trainable=False, name="save_counter",
                dtype=dtypes.int64))
        return self._save_counter

    def write(self, file_prefix, options=None) -> str:
        """Write without touching ``save_counter`` or the ``checkpoint`` state file."""
        file_prefix = os.fspath(file_prefix)
        nodes, tensors = graph.build(self)
        payload = {k: (np.asarray(v._host()), dtype) for k, (v, dtype, _) in tensors.items()}
        return bundle.write(file_prefix, payload, {"nodes": nodes})

    def save(self, file_prefix, options=None) -> str:
        """Write ``<file_prefix>-<n>`` and record it in the directory's ``checkpoint`` file."""
        counter = self.save_counter
        counter.assign_add(np.int64(1))
        path = self.write(f"{os.fspath(file_prefix)}-{int(counter.numpy())}")
        directory = os.path.dirname(path) or "."
        st = _state.read_state(directory)
        paths = [p for p in (st.all_paths if st else []) if p != path] + [path]
        stamps = ((st.all_timestamps if st else []) + [time.time()])[-len(paths):]
        _state.write_state(directory, path, paths, stamps,
                           st.last_preserved_timestamp if st else None)
        return path

    def read(self, save_path, options=None) -> CheckpointLoadStatus:
        """Restore without the save_counter bookkeeping of ``restore`` (pairs with ``write``)."""
        return self._restore(save_path, create_counter=False)

    def restore(self, save_path, options=None):
        """Restore values now where objects exist, later where they are created."""
        return self._restore(save_path, create_counter=True)

    def _restore(self, save_path, create_counter: bool):
        if save_path is None:
            return InitializationOnlyStatus()
        save_path = os.fspath(save_path)
        if os.path.isdir(save_path):
            latest = _state.latest_checkpoint(save_path)
            if latest is None:
                raise errors.NotFoundError(None, None, f"No checkpoint found in directory "
                                                       f"{save_path}")
            save_path = latest
        reader = bundle.Reader(save_path)
        nodes = reader.object_graph.get("nodes")
        if not isinstance(nodes, list) or not nodes:
            raise errors.DataLossError(None, None, f"checkpoint {save_path} has no object graph")
        if create_counter:
            self.save_counter  # noqa: B018 - created now so the saved counter restores into it
        status = CheckpointLoadStatus(self, reader, nodes)
        status._restore_node(0, self)
        return status
