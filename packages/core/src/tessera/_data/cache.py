"""``Dataset.cache``: in memory, or in a file that later iterations (and later runs) read.

The file cache is ``<filename>.tfdata-cache``: TFRecord framing around a JSON header record
(``{"format": "tessera-data-cache", "version": 1, "element_structure": <spec JSON>}``) and
then one record per element encoded by ``element_codec`` (no pickle). It is written to a temporary name during the first complete
pass and renamed into place when that pass ends, so a partial pass never leaves a cache.
"""

from __future__ import annotations

import json
import os

from tessera import errors
from tessera._data.dataset import DatasetV2
from tessera._data.element_codec import decode_element, encode_element, spec_from_json, spec_to_json
from tessera._data.structure import spec_of
from tessera._data.tfrecord import TFRecordWriter, read_records
from tessera._data.transformations import _Unary

SUFFIX = ".tfdata-cache"
FORMAT = "tessera-data-cache"


def _header(spec) -> bytes:
    return json.dumps({"format": FORMAT, "version": 1,
                       "element_structure": spec_to_json(spec)}).encode("utf-8")


def _read_header(path: str, record):
    try:
        meta = json.loads(record.decode("utf-8")) if record is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise errors.DataLossError(None, None, f"{path} is not a Tessera tf.data cache file; "
                                               f"delete it to rebuild the cache")
    return spec_from_json(meta["element_structure"])


class CacheDataset(_Unary):
    _tf_name = "CacheDataset"

    def __init__(self, input_dataset: DatasetV2, filename: str) -> None:
        super().__init__(input_dataset)
        self._filename = filename
        self._memory: list | None = None

    def _make_iter(self):
        if self._filename:
            return self._file_iter(self._filename + SUFFIX)
        if self._memory is not None:
            return iter(self._memory)
        return self._fill_memory()

    def _fill_memory(self):
        items = []
        for e in self._input._make_iter():
            items.append(e)
            yield e
        self._memory = items

    def _file_iter(self, path: str):
        if os.path.exists(path):
            records = read_records(path)
            header = _read_header(path, next(records, None))
            for record in records:
                yield decode_element(record, header)
            return
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = f"{path}.tmp-{os.getpid()}-{id(self)}"
        writer = TFRecordWriter(tmp)
        complete = False
        try:
            first = True
            for e in self._input._make_iter():
                if first:
                    writer.write(_header(spec_of(e)))
                    first = False
                writer.write(encode_element(e))
                yield e
            if first:
                writer.write(_header(self._input.element_spec))
            complete = True
        finally:
            writer.close()
            if complete:
                os.replace(tmp, path)
            elif os.path.exists(tmp):
                os.remove(tmp)
