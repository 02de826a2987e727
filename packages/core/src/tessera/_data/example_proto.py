"""``tf.train.Example`` and its messages (Features, Feature, BytesList, FloatList, Int64List,
FeatureList, FeatureLists, SequenceExample), wire-compatible with TensorFlow's
``example.proto``/``feature.proto`` and with the protobuf Python API users rely on:
keyword construction, lazy sub-messages, ``WhichOneof``, map and repeated containers,
``SerializeToString``/``FromString``, ``CopyFrom``/``MergeFrom`` and the text format.

Map entries are serialized in sorted key order (what protobuf's ``deterministic=True``
gives), so the bytes are reproducible.
"""

from __future__ import annotations

import numpy as np

from tessera._data import protobuf as pb

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


# -- scalar checks ---------------------------------------------------------------------------------

def _check_int64(v) -> int:
    if isinstance(v, bool | np.bool_):
        return int(v)
    if isinstance(v, int | np.integer):
        v = int(v)
        if not _INT64_MIN <= v <= _INT64_MAX:
            raise ValueError(f"Value out of range: {v}")
        return v
    raise TypeError(f"'{type(v).__name__}' object cannot be interpreted as an integer")


def _check_float(v) -> float:
    if isinstance(v, float | int | np.floating | np.integer) and not isinstance(v, bool):
        return float(np.float32(v))
    raise TypeError(f"{v!r} has type {type(v).__name__}, but expected one of: int, float")


def _check_bytes(v) -> bytes:
    if isinstance(v, bytes):
        return bytes(v)
    raise TypeError(f"expected bytes, {type(v).__name__} found")


_CHECKS = {"int64": _check_int64, "float": _check_float, "bytes": _check_bytes}


class _Field:
    __slots__ = ("kind", "message", "name", "number", "oneof", "scalar")

    def __init__(self, name, number, kind, scalar=None, message=None, oneof=None) -> None:
        self.name, self.number, self.kind = name, number, kind
        self.scalar, self.message, self.oneof = scalar, message, oneof


# -- containers --------------------------------------------------------------------------------------

class RepeatedScalarContainer:
    """A list of int64, float (float32-rounded) or bytes values."""

    __slots__ = ("_check", "_items", "_owner")

    def __init__(self, owner, scalar: str) -> None:
        self._items: list = []
        self._check = _CHECKS[scalar]
        self._owner = owner

    def _touch(self) -> None:
        self._owner._modified()

    def append(self, value) -> None:
        self._items.append(self._check(value))
        self._touch()

    def extend(self, values) -> None:
        check = self._check
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiu" and \
                check is _check_float:
            new = values.astype(np.float32).astype(np.float64).reshape(-1).tolist()
        elif isinstance(values, np.ndarray) and values.dtype.kind in "iu" and \
                check is _check_int64:
            new = values.astype(np.int64).reshape(-1).tolist()
        else:
            new = [check(v) for v in values]
        self._items.extend(new)
        self._touch()

    def insert(self, index: int, value) -> None:
        self._items.insert(index, self._check(value))
        self._touch()

    def pop(self, index: int = -1):
        v = self._items.pop(index)
        self._touch()
        return v

    def remove(self, value) -> None:
        self._items.remove(value)
        self._touch()

    def sort(self, *args, **kwargs) -> None:
        self._items.sort(*args, **kwargs)

    def reverse(self) -> None:
        self._items.reverse()

    def MergeFrom(self, other) -> None:
        self.extend(list(other))

    def __getitem__(self, index):
        return self._items[index]

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            self._items[index] = [self._check(v) for v in value]
        else:
            self._items[index] = self._check(value)
        self._touch()

    def __delitem__(self, index) -> None:
        del self._items[index]
        self._touch()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __eq__(self, other) -> bool:
        if isinstance(other, RepeatedScalarContainer):
            return self._items == other._items
        return self._items == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._items)


class RepeatedCompositeContainer:
    """A list of messages of one type."""

    __slots__ = ("_items", "_owner", "_type")

    def __init__(self, owner, message_type) -> None:
        self._items: list = []
        self._type = message_type
        self._owner = owner

    def add(self, **kwargs):
        m = self._type(**kwargs)
        self._items.append(m)
        self._owner._modified()
        return m

    def append(self, message) -> None:
        if not isinstance(message, self._type):
            raise TypeError(f"Parameter to append() must be instance of {self._type.__name__}")
        m = self._type()
        m.CopyFrom(message)
        self._items.append(m)
        self._owner._modified()

    def extend(self, messages) -> None:
        for m in messages:
            self.append(m)

    def MergeFrom(self, other) -> None:
        self.extend(other)

    def pop(self, index: int = -1):
        return self._items.pop(index)

    def __getitem__(self, index):
        return self._items[index]

    def __delitem__(self, index) -> None:
        del self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._items)


class MessageMap:
    """``map<string, Message>``: indexing a missing key creates its entry, as in protobuf."""

    __slots__ = ("_items", "_owner", "_type")

    def __init__(self, owner, message_type) -> None:
        self._items: dict = {}
        self._type = message_type
        self._owner = owner

    @staticmethod
    def _key(key) -> str:
        if isinstance(key, bytes):
            try:
                return key.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"{key!r} is not valid UTF-8") from None
        if not isinstance(key, str):
            raise TypeError(f"{key!r} has type {type(key).__name__}, but expected one of: "
                            f"bytes, str")
        return key

    def __getitem__(self, key):
        key = self._key(key)
        m = self._items.get(key)
        if m is None:
            m = self._items[key] = self._type()
            self._owner._modified()
        return m

    def get_or_create(self, key):
        return self[key]

    def get(self, key, default=None):
        return self._items.get(self._key(key), default)

    def __setitem__(self, key, value) -> None:
        raise ValueError("May not set values directly, call my_map[key].foo = 5")

    def __delitem__(self, key) -> None:
        del self._items[self._key(key)]

    def __contains__(self, key) -> bool:
        return self._key(key) in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def clear(self) -> None:
        self._items.clear()

    def MergeFrom(self, other) -> None:
        for k, v in other.items():
            self[k].CopyFrom(v)

    def __eq__(self, other) -> bool:
        return dict(self.items()) == dict(other.items())

    __hash__ = None

    def __repr__(self) -> str:
        return repr(dict(self._items))


# -- messages -------------------------------------------------------------------------------------

class Message:
    """Base of the Example messages: fields are declared in ``_FIELDS``."""

    __slots__ = ("_hook", "_lazy", "_values")
    _FIELDS: tuple = ()
    _BY_NAME: dict = {}
    _BY_NUMBER: dict = {}
    _ONEOFS: dict = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._BY_NAME = {f.name: f for f in cls._FIELDS}
        cls._BY_NUMBER = {f.number: f for f in cls._FIELDS}
        groups: dict = {}
        for f in cls._FIELDS:
            if f.oneof:
                groups.setdefault(f.oneof, []).append(f.name)
        cls._ONEOFS = groups

    def __init__(self, **kwargs) -> None:
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_lazy", {})
        object.__setattr__(self, "_hook", None)
        for name, value in kwargs.items():
            f = self._BY_NAME.get(name)
            if f is None:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 f"field.")
            if value is None:
                continue
            self._assign(f, value)

    def _assign(self, f: _Field, value) -> None:
        if f.kind == "scalars":
            self._get(f).extend(value)
        elif f.kind == "message":
            child = self._get(f)
            if isinstance(value, dict):
                value = f.message(**value)
            if not isinstance(value, f.message):
                raise TypeError(f"Message must be initialized with a {f.message.__name__}, "
                                f"got {type(value).__name__}")
            child.CopyFrom(value)
            child._modified()
        elif f.kind == "messages":
            container = self._get(f)
            for v in value:
                container.append(f.message(**v) if isinstance(v, dict) else v)
        else:  # map
            container = self._get(f)
            for k, v in value.items():
                container[k].CopyFrom(f.message(**v) if isinstance(v, dict) else v)

    # presence: a lazily created child joins its parent when first modified
    def _modified(self) -> None:
        hook = self._hook
        if hook is not None:
            object.__setattr__(self, "_hook", None)
            hook()

    def _adopt(self, f: _Field, child) -> None:
        if f.oneof:
            for other in self._ONEOFS[f.oneof]:
                if other != f.name:
                    self._values.pop(other, None)
                    self._lazy.pop(other, None)
        self._values[f.name] = child
        self._lazy.pop(f.name, None)
        self._modified()

    def _get(self, f: _Field):
        v = self._values.get(f.name)
        if v is not None:
            return v
        if f.kind == "scalars":
            v = self._values[f.name] = RepeatedScalarContainer(self, f.scalar)
        elif f.kind == "messages":
            v = self._values[f.name] = RepeatedCompositeContainer(self, f.message)
        elif f.kind == "map":
            v = self._values[f.name] = MessageMap(self, f.message)
        else:
            v = self._lazy.get(f.name)
            if v is None:
                v = f.message()
                object.__setattr__(v, "_hook", lambda: self._adopt(f, v))
                self._lazy[f.name] = v
        return v

    def __getattr__(self, name):
        f = type(self)._BY_NAME.get(name)
        if f is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return self._get(f)

    def __setattr__(self, name, value) -> None:
        f = self._BY_NAME.get(name)
        if f is not None:
            what = {"message": "message", "map": "map"}.get(f.kind, "repeated")
            raise AttributeError(f'Assignment not allowed to {what} field "{name}" in protocol '
                                 f'message object.')
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- protobuf API -----------------------------------------------------------------------
    def HasField(self, name: str) -> bool:
        if name in self._ONEOFS:
            return any(n in self._values for n in self._ONEOFS[name])
        f = self._BY_NAME.get(name)
        if f is None or f.kind != "message":
            raise ValueError(f'Protocol message {type(self).__name__} has no singular "{name}" '
                             f"field.")
        return name in self._values

    def WhichOneof(self, group: str):
        names = self._ONEOFS.get(group)
        if names is None:
            raise ValueError(f'Protocol message has no oneof "{group}" field.')
        for n in names:
            if n in self._values:
                return n
        return None

    def ClearField(self, name: str) -> None:
        if name in self._ONEOFS:
            for n in self._ONEOFS[name]:
                self._values.pop(n, None)
                self._lazy.pop(n, None)
            return
        if name not in self._BY_NAME:
            raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')
        self._values.pop(name, None)
        self._lazy.pop(name, None)

    def Clear(self) -> None:
        self._values.clear()
        self._lazy.clear()

    def ListFields(self) -> list:
        out = []
        for f in self._FIELDS:
            v = self._values.get(f.name)
            if v is None or (f.kind != "message" and not len(v)):
                continue
            out.append((f, v))
        return out

    def IsInitialized(self) -> bool:
        return True

    def CopyFrom(self, other) -> None:
        if other is self:
            return
        if type(other) is not type(self):
            raise TypeError(f"Parameter to CopyFrom() must be instance of same class: expected "
                            f"{type(self).__name__} got {type(other).__name__}.")
        self.Clear()
        self.MergeFrom(other)

    def MergeFrom(self, other) -> None:
        if type(other) is not type(self):
            raise TypeError(f"Parameter to MergeFrom() must be instance of same class: expected "
                            f"{type(self).__name__} got {type(other).__name__}.")
        for f, v in other.ListFields():
            if f.kind == "message":
                child = self._get(f)
                child.MergeFrom(v)
                if f.name not in self._values:
                    self._adopt(f, child)
            else:
                self._get(f).MergeFrom(v)
        if other._values:
            self._modified()

    def SerializeToString(self, deterministic: bool = False) -> bytes:
        out = []
        for f in self._FIELDS:
            v = self._values.get(f.name)
            if v is None:
                continue
            if f.kind == "scalars":
                items = v._items
                if not items:
                    continue
                if f.scalar == "int64":
                    out.append(pb.length_delimited(f.number, pb.encode_packed_varints(items)))
                elif f.scalar == "float":
                    out.append(pb.length_delimited(f.number, pb.floats_le(items)))
                else:
                    out.extend(pb.length_delimited(f.number, b) for b in items)
            elif f.kind == "message":
                out.append(pb.length_delimited(f.number, v.SerializeToString()))
            elif f.kind == "messages":
                out.extend(pb.length_delimited(f.number, m.SerializeToString()) for m in v)
            else:
                for key in sorted(v._items):
                    entry = pb.length_delimited(1, key.encode("utf-8")) + pb.length_delimited(
                        2, v._items[key].SerializeToString())
                    out.append(pb.length_delimited(f.number, entry))
        return b"".join(out)

    def SerializePartialToString(self, deterministic: bool = False) -> bytes:
        return self.SerializeToString(deterministic)

    def ByteSize(self) -> int:
        return len(self.SerializeToString())

    def MergeFromString(self, data) -> int:
        data = bytes(data)
        for number, wt, value in pb.fields(data):
            f = self._BY_NUMBER.get(number)
            if f is None:
                continue  # unknown fields are skipped
            if f.kind == "scalars":
                c = self._get(f)
                if f.scalar == "int64":
                    if wt == pb.LEN:
                        vals = [pb.to_int64(x) for x in pb.decode_packed_varints(value)]
                    elif wt == pb.VARINT:
                        vals = [pb.to_int64(value)]
                    else:
                        raise pb.DecodeError(f"wrong wire type {wt} for an int64 field")
                    c._items.extend(vals)
                elif f.scalar == "float":
                    if wt == pb.LEN:
                        c._items.extend(pb.floats_from(value))
                    elif wt == pb.I32:
                        c._items.append(pb.float_from_fixed32(value))
                    else:
                        raise pb.DecodeError(f"wrong wire type {wt} for a float field")
                else:
                    if wt != pb.LEN:
                        raise pb.DecodeError(f"wrong wire type {wt} for a bytes field")
                    c._items.append(bytes(value))
                continue
            if wt != pb.LEN:
                raise pb.DecodeError(f"wrong wire type {wt} for a message field")
            if f.kind == "message":
                child = self._get(f)
                child.MergeFromString(value)
                if f.name not in self._values:
                    self._adopt(f, child)
            elif f.kind == "messages":
                m = f.message()
                m.MergeFromString(value)
                self._get(f)._items.append(m)
            else:
                key, payload = "", b""
                for n2, w2, v2 in pb.fields(value):
                    if n2 == 1 and w2 == pb.LEN:
                        key = bytes(v2).decode("utf-8")
                    elif n2 == 2 and w2 == pb.LEN:
                        payload = v2
                self._get(f)[key].MergeFromString(payload)
        self._modified()
        return len(data)

    def ParseFromString(self, data) -> int:
        self.Clear()
        return self.MergeFromString(data)

    @classmethod
    def FromString(cls, data):
        m = cls()
        m.MergeFromString(data)
        return m

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine = {f.name: v for f, v in self.ListFields()}
        theirs = {f.name: v for f, v in other.ListFields()}
        return mine == theirs

    def __ne__(self, other) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __deepcopy__(self, memo=None):
        m = type(self)()
        m.CopyFrom(self)
        return m

    def __copy__(self):
        return self.__deepcopy__()

    def __reduce__(self):
        return type(self).FromString, (self.SerializeToString(),)

    # -- text format -----------------------------------------------------------------------
    def _text(self, indent: int) -> list[str]:
        pad = " " * indent
        lines = []
        for f in self._FIELDS:
            v = self._values.get(f.name)
            if v is None:
                continue
            if f.kind == "scalars":
                for x in v._items:
                    text = (str(x) if f.scalar == "int64" else pb.text_float(x)
                            if f.scalar == "float" else pb.text_bytes(x))
                    lines.append(f"{pad}{f.name}: {text}")
            elif f.kind == "message":
                lines.append(f"{pad}{f.name} {{")
                lines.extend(v._text(indent + 2))
                lines.append(f"{pad}}}")
            elif f.kind == "messages":
                for m in v:
                    lines.append(f"{pad}{f.name} {{")
                    lines.extend(m._text(indent + 2))
                    lines.append(f"{pad}}}")
            else:
                for key in sorted(v._items):
                    lines.append(f"{pad}{f.name} {{")
                    lines.append(f"{pad}  key: {pb.text_bytes(key.encode('utf-8'))}")
                    lines.append(f"{pad}  value {{")
                    lines.extend(v._items[key]._text(indent + 4))
                    lines.append(f"{pad}  }}")
                    lines.append(f"{pad}}}")
        return lines

    def __str__(self) -> str:
        lines = self._text(0)
        return "\n".join(lines) + "\n" if lines else ""

    __repr__ = __str__


class BytesList(Message):
    __slots__ = ()
    _FIELDS = (_Field("value", 1, "scalars", "bytes"),)


class FloatList(Message):
    __slots__ = ()
    _FIELDS = (_Field("value", 1, "scalars", "float"),)


class Int64List(Message):
    __slots__ = ()
    _FIELDS = (_Field("value", 1, "scalars", "int64"),)


class Feature(Message):
    __slots__ = ()
    _FIELDS = (_Field("bytes_list", 1, "message", message=BytesList, oneof="kind"),
               _Field("float_list", 2, "message", message=FloatList, oneof="kind"),
               _Field("int64_list", 3, "message", message=Int64List, oneof="kind"))


class Features(Message):
    __slots__ = ()
    _FIELDS = (_Field("feature", 1, "map", message=Feature),)


class FeatureList(Message):
    __slots__ = ()
    _FIELDS = (_Field("feature", 1, "messages", message=Feature),)


class FeatureLists(Message):
    __slots__ = ()
    _FIELDS = (_Field("feature_list", 1, "map", message=FeatureList),)


class Example(Message):
    __slots__ = ()
    _FIELDS = (_Field("features", 1, "message", message=Features),)


class SequenceExample(Message):
    __slots__ = ()
    _FIELDS = (_Field("context", 1, "message", message=Features),
               _Field("feature_lists", 2, "message", message=FeatureLists))


# -- fast decoding for parse_example ------------------------------------------------------------------

def _feature_values(data: bytes):
    """(kind, values) of a serialized Feature: kind "bytes", "float", "int64" or None."""
    kind, values = None, None
    for number, wt, value in pb.fields(data):
        if wt != pb.LEN:
            continue
        if number == 1:
            kind, values = "bytes", [bytes(v) for n, w, v in pb.fields(value)
                                     if n == 1 and w == pb.LEN]
        elif number == 2:
            kind, values = "float", _float_payload(value)
        elif number == 3:
            kind, values = "int64", _int64_payload(value)
    return kind, values


def _float_payload(data: bytes) -> np.ndarray:
    if len(data) >= 2 and data[0] == 0x0A:  # the usual single packed run
        size, pos = pb.read_varint(data, 1)
        if pos + size == len(data) and size % 4 == 0:
            return np.frombuffer(data, dtype="<f4", offset=pos, count=size // 4)
    out = []
    for n, w, v in pb.fields(data):
        if n == 1 and w == pb.LEN:
            out.extend(pb.floats_from(v))
        elif n == 1 and w == pb.I32:
            out.append(pb.float_from_fixed32(v))
    return np.asarray(out, dtype=np.float32)


def _int64_payload(data: bytes) -> list[int]:
    out = []
    for n, w, v in pb.fields(data):
        if n == 1 and w == pb.LEN:
            out.extend(pb.to_int64(x) for x in pb.decode_packed_varints(v))
        elif n == 1 and w == pb.VARINT:
            out.append(pb.to_int64(v))
    return out


def decode_example(data: bytes) -> dict:
    """{feature name: (kind, values)} of a serialized Example, without building messages."""
    out = {}
    for number, wt, value in pb.fields(data):
        if number != 1 or wt != pb.LEN:
            continue
        for n2, w2, entry in pb.fields(value):
            if n2 != 1 or w2 != pb.LEN:
                continue
            key, payload = b"", b""
            for n3, w3, v3 in pb.fields(entry):
                if n3 == 1 and w3 == pb.LEN:
                    key = v3
                elif n3 == 2 and w3 == pb.LEN:
                    payload = v3
            out[bytes(key).decode("utf-8")] = _feature_values(payload)
    return out


__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
           "FloatList", "Int64List", "SequenceExample"]
