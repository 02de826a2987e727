"""``Dataset.save`` / ``Dataset.load``: a directory Tessera (and only Tessera) reads back.

Layout (no pickle; safe to load from an untrusted source)::

    <path>/dataset_spec.json        {"format": "tessera-dataset", "version": 1,
                                     "element_spec": <spec as JSON>, "compression": "",
                                     "shards": ["shard-00000.tfrecord", ...],
                                     "cardinality": <elements written>}
    <path>/shard-NNNNN.tfrecord     TFRecord files (optionally GZIP/ZLIB) of elements
                                    encoded by ``element_codec``

Shards are written first and the spec file last (atomically renamed), so a directory with a
spec file is complete.
"""

from __future__ import annotations

import json
import os

from tessera import errors
from tessera._data import structure
from tessera._data.dataset import DatasetV2
from tessera._data.element_codec import decode_element, encode_element, spec_from_json, spec_to_json
from tessera._data.tfrecord import TFRecordWriter, _compression_name, read_records

FORMAT = "tessera-dataset"
VERSION = 1
SPEC_FILE = "dataset_spec.json"


def _path(path) -> str:
    if hasattr(path, "numpy"):
        path = path.numpy()
    return os.fsdecode(os.fspath(path))


def save(dataset: DatasetV2, path, compression=None, shard_func=None) -> None:
    path = _path(path)
    kind = _compression_name(compression)
    os.makedirs(path, exist_ok=True)
    spec = dataset.element_spec
    spec_json = spec_to_json(spec)
    shard_fn = None
    if shard_func is not None:
        from tessera._data.functions import _wrap_function

        shard_fn = _wrap_function(shard_func, spec).call
    writers: dict[int, TFRecordWriter] = {}
    names: dict[int, str] = {}
    count = 0
    try:
        for e in dataset._make_iter():
            shard = 0
            if shard_func is not None:
                shard = int(shard_fn(e))
                if shard < 0:
                    raise errors.InvalidArgumentError(None, None, f"shard_func returned a "
                                                                  f"negative index {shard}")
            w = writers.get(shard)
            if w is None:
                names[shard] = f"shard-{shard:05d}.tfrecord"
                w = writers[shard] = TFRecordWriter(os.path.join(path, names[shard]), kind)
            w.write(encode_element(e))
            count += 1
    finally:
        for w in writers.values():
            w.close()
    meta = {"format": FORMAT, "version": VERSION, "element_spec": spec_json,
            "compression": kind, "shards": [names[k] for k in sorted(names)],
            "cardinality": count}
    tmp = os.path.join(path, SPEC_FILE + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(meta, f, sort_keys=True)
    os.replace(tmp, os.path.join(path, SPEC_FILE))


class _ShardDataset(DatasetV2):
    _tf_name = "_LoadDataset"

    def __init__(self, file: str, compression: str, spec) -> None:
        self._file, self._compression, self._spec = file, compression, spec

    @property
    def element_spec(self):
        return self._spec

    def _make_iter(self):
        for record in read_records(self._file, self._compression):
            yield decode_element(record, self._spec)


class LoadDataset(DatasetV2):
    _tf_name = "_LoadDataset"

    def __init__(self, path: str, meta: dict, spec, compression: str, reader_func) -> None:
        self._shards = [_ShardDataset(os.path.join(path, s), compression, spec)
                        for s in meta.get("shards", [])]
        self._spec = spec
        self._count = int(meta.get("cardinality", -2))
        self._reader_func = reader_func

    @property
    def element_spec(self):
        return self._spec

    def _cardinality(self) -> int:
        return self._count if self._reader_func is None else -2

    def _make_iter(self):
        if self._reader_func is not None:
            shards = _ListOfDatasets(self._shards)
            out = self._reader_func(shards)
            return out._make_iter()

        def gen():
            for s in self._shards:
                yield from s._make_iter()

        return gen()


class _ListOfDatasets(DatasetV2):
    """A dataset whose elements are the shard datasets (what ``reader_func`` receives)."""

    _tf_name = "_ShardsDataset"

    def __init__(self, datasets: list) -> None:
        self._datasets = datasets

    @property
    def element_spec(self):
        return structure.DatasetSpec(self._datasets[0].element_spec if self._datasets
                                     else None)

    def _cardinality(self) -> int:
        return len(self._datasets)

    def _make_iter(self):
        return iter(self._datasets)


def load(path, element_spec=None, compression=None, reader_func=None) -> DatasetV2:
    path = _path(path)
    spec_path = os.path.join(path, SPEC_FILE)
    if not os.path.exists(spec_path):
        raise errors.NotFoundError(None, None, f"Could not find metadata file "
                                               f"[[{spec_path}]]: {path} is not a dataset "
                                               f"saved by Dataset.save")
    try:
        with open(spec_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise errors.DataLossError(None, None, f"{spec_path} is corrupted ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise errors.DataLossError(None, None, f"{spec_path} is not a Tessera dataset spec")
    if meta.get("version", 0) > VERSION:
        raise errors.UnimplementedError(None, None, f"{path} was saved by a newer Tessera "
                                                    f"(format version {meta['version']}); "
                                                    f"upgrade tessera-core to load it")
    spec = spec_from_json(meta["element_spec"]) if element_spec is None else element_spec
    kind = _compression_name(compression) if compression is not None else meta.get(
        "compression", "")
    return LoadDataset(path, meta, spec, kind, reader_func)
