"""``tf.data``: input pipelines (``tf.data.Dataset`` and friends)."""

from __future__ import annotations

import types as _types

from tessera._data.dataset import AUTOTUNE, DatasetV2, OwnedIterator
from tessera._data.dataset import INFINITE as INFINITE_CARDINALITY
from tessera._data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from tessera._data.dataset import Optional as _Optional
from tessera._data.dataset import _NumpyIterator as NumpyIterator
from tessera._data.options import (
    AutoShardPolicy as _AutoShardPolicy,
)
from tessera._data.options import (
    AutotuneOptions as _AutotuneOptions,
)
from tessera._data.options import (
    DistributeOptions as _DistributeOptions,
)
from tessera._data.options import (
    ExternalStatePolicy as _ExternalStatePolicy,
)
from tessera._data.options import (
    OptimizationOptions as _OptimizationOptions,
)
from tessera._data.options import (
    Options,
    ThreadingOptions,
)
from tessera._data.options import (
    ServiceOptions as _ServiceOptions,
)
from tessera._data.readers import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset
from tessera._data.structure import DatasetSpec

Dataset = DatasetV2
Iterator = OwnedIterator


def _cardinality(dataset: DatasetV2):
    """``tf.data.experimental.cardinality``."""
    return dataset.cardinality()


def _make_csv_dataset(*args, **kwargs):
    from tessera._data.csv import make_csv_dataset

    return make_csv_dataset(*args, **kwargs)


def _csv_dataset(*args, **kwargs):
    from tessera._data.csv import CsvDataset

    return CsvDataset(*args, **kwargs)


def _save(dataset, path, compression=None, shard_func=None, checkpoint_args=None):
    return dataset.save(path, compression, shard_func)


def _assert_cardinality(expected_cardinality):
    from tessera._data.transformations import assert_cardinality

    return lambda dataset: assert_cardinality(dataset, expected_cardinality)


def _from_list(elements, name=None):
    from tessera._data.sources import from_list

    return from_list(elements)


def _deprecated_transform(method: str):
    def factory(*args, **kwargs):
        return lambda dataset: getattr(dataset, method)(*args, **kwargs)

    factory.__name__ = method
    return factory


experimental = _types.SimpleNamespace(
    AUTOTUNE=AUTOTUNE,
    INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY,
    AutoShardPolicy=_AutoShardPolicy,
    AutotuneOptions=_AutotuneOptions,
    DistributeOptions=_DistributeOptions,
    ExternalStatePolicy=_ExternalStatePolicy,
    OptimizationOptions=_OptimizationOptions,
    ServiceOptions=_ServiceOptions,
    ThreadingOptions=ThreadingOptions,
    Optional=_Optional,
    CsvDataset=_csv_dataset,
    TFRecordWriter=None,  # filled below (tf.data.experimental.TFRecordWriter is deprecated)
    assert_cardinality=_assert_cardinality,
    bucket_by_sequence_length=_deprecated_transform("bucket_by_sequence_length"),
    cardinality=_cardinality,
    choose_from_datasets=DatasetV2.choose_from_datasets,
    enumerate_dataset=_deprecated_transform("enumerate"),
    from_list=_from_list,
    get_single_element=lambda dataset: dataset.get_single_element(),
    group_by_window=_deprecated_transform("group_by_window"),
    ignore_errors=_deprecated_transform("ignore_errors"),
    load=DatasetV2.load,
    make_csv_dataset=_make_csv_dataset,
    sample_from_datasets=DatasetV2.sample_from_datasets,
    save=_save,
    scan=_deprecated_transform("scan"),
    take_while=_deprecated_transform("take_while"),
    unbatch=_deprecated_transform("unbatch"),
    unique=_deprecated_transform("unique"),
    Counter=DatasetV2.counter,
)


class _DatasetWriter:
    """``tf.data.experimental.TFRecordWriter(filename, compression_type=None)``: writes a
    dataset of scalar strings as a TFRecord file."""

    def __init__(self, filename, compression_type=None) -> None:
        self._filename, self._compression = filename, compression_type

    def write(self, dataset: DatasetV2) -> None:
        from tessera._data.tfrecord import TFRecordWriter

        with TFRecordWriter(self._filename, self._compression) as w:
            for e in dataset._make_iter():
                w.write(e)


experimental.TFRecordWriter = _DatasetWriter

__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "Dataset",
    "DatasetSpec",
    "FixedLengthRecordDataset",
    "Iterator",
    "NumpyIterator",
    "Options",
    "TFRecordDataset",
    "TextLineDataset",
    "ThreadingOptions",
    "experimental",
]
