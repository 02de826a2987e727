"""``Dataset.cache``: in memory, or in a file that later iterations (and later runs) read.

The file cache is ``<filename>.tfdata-cache``: TFRecord framing around elements encoded by
``element_codec`` (no pickle). It is written to a temporary name during the first complete
pass and renamed into place when that pass ends, so a partial pass never leaves a cache.
"""

from __future__ import annotations

import os

from tessera._data.dataset import DatasetV2
from tessera._data.element_codec import decode_element, encode_element
from tessera._data.tfrecord import TFRecordWriter, read_records
from tessera._data.transformations import _Unary

SUFFIX = ".tfdata-cache"


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
        spec = self._input.element_spec
        if os.path.exists(path):
            for record in read_records(path):
                yield decode_element(record, spec)
            return
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = f"{path}.tmp-{os.getpid()}-{id(self)}"
        writer = TFRecordWriter(tmp)
        complete = False
        try:
            for e in self._input._make_iter():
                writer.write(encode_element(e))
                yield e
            complete = True
        finally:
            writer.close()
            if complete:
                os.replace(tmp, path)
            elif os.path.exists(tmp):
                os.remove(tmp)
