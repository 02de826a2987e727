"""Transformations that use threads: parallel map, prefetch and interleave.

Parallel map hands elements to a thread pool in small chunks (sized so a task takes about a
millisecond, one element at a time for slow functions) and, when deterministic, yields the
results in input order. Prefetch runs its input in a background thread feeding a bounded
queue. NumPy kernels release the GIL, so map functions made of tensor ops, file reads and
sleeps overlap; pure-Python work does not.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from tessera._data.dataset import AUTOTUNE, DatasetV2, as_int, default_parallelism
from tessera._data.functions import _wrap_function
from tessera._data.transformations import FlatMapDataset, _LazySpec, _Unary

_TARGET_TASK_S = 0.001
_MAX_CHUNK = 64


def _threads_for(dataset: DatasetV2, requested: int) -> int:
    cap = dataset.options().threading.private_threadpool_size
    n = default_parallelism() if requested == AUTOTUNE else requested
    if cap:
        n = min(n, cap)
    return max(1, n)


def _run_chunk(call, elements):
    out = []
    t0 = time.perf_counter()
    for e in elements:
        try:
            out.append((True, call(e)))
        except Exception as exc:
            out.append((False, exc))
    return out, time.perf_counter() - t0


class _ParallelMapIterator:
    def __init__(self, it, call, threads: int, deterministic: bool) -> None:
        self._it, self._call = it, call
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tf_data_map")
        self._threads = threads
        self._pending: deque = deque()
        self._ready: deque = deque()
        self._exhausted = False
        self._deterministic = deterministic
        self._per_element = None  # measured seconds per element
        weakref.finalize(self, self._pool.shutdown, wait=False, cancel_futures=True)

    def __iter__(self):
        return self

    def _chunk_size(self) -> int:
        if self._per_element is None:
            return 1
        return max(1, min(_MAX_CHUNK, int(_TARGET_TASK_S / max(self._per_element, 1e-9))))

    def _fill(self) -> None:
        while not self._exhausted and len(self._pending) < 2 * self._threads:
            size = self._chunk_size()
            chunk = []
            for _ in range(size):
                try:
                    chunk.append(next(self._it))
                except StopIteration:
                    self._exhausted = True
                    break
            if chunk:
                self._pending.append(self._pool.submit(_run_chunk, self._call, chunk))

    def _take(self, fut) -> None:
        results, seconds = fut.result()
        per = seconds / max(1, len(results))
        self._per_element = per if self._per_element is None else (
            0.8 * self._per_element + 0.2 * per)
        self._ready.extend(results)

    def __next__(self):
        while not self._ready:
            self._fill()
            if not self._pending:
                self._pool.shutdown(wait=False)
                raise StopIteration
            if self._deterministic:
                fut = self._pending.popleft()
            else:
                done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
                fut = next(f for f in self._pending if f in done)
                self._pending.remove(fut)
            self._take(fut)
            self._fill()
        ok, value = self._ready.popleft()
        if ok:
            return value
        raise value

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class ParallelMapDataset(_Unary):
    _tf_name = "_ParallelMapDataset"

    def __init__(self, input_dataset: DatasetV2, map_func, num_parallel_calls: int,
                 deterministic) -> None:
        super().__init__(input_dataset)
        if num_parallel_calls <= 0 and num_parallel_calls != AUTOTUNE:
            raise ValueError(f"num_parallel_calls must be positive or tf.data.AUTOTUNE, got "
                             f"{num_parallel_calls}")
        self._fn = _wrap_function(map_func, _LazySpec(input_dataset), input_dataset._first)
        self._n = num_parallel_calls
        self._deterministic_arg = deterministic

    @property
    def element_spec(self):
        return self._fn.output_spec()

    def _make_iter(self):
        return _ParallelMapIterator(self._input._make_iter(), self._fn.call,
                                    _threads_for(self, self._n),
                                    self._deterministic(self._deterministic_arg))


# -- prefetch --------------------------------------------------------------------------------------

_END = object()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc) -> None:
        self.exc = exc


def _produce(it, q: queue.Queue, stop: threading.Event) -> None:
    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    while not stop.is_set():
        try:
            item = next(it)
        except StopIteration:
            put(_END)
            return
        except Exception as exc:
            if not put(_Failure(exc)):
                return
            continue
        if not put(item):
            return
    close = getattr(it, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            pass


class PrefetchIterator:
    """Runs ``it`` in a daemon thread, ``buffer_size`` elements ahead of the consumer."""

    def __init__(self, it, buffer_size: int) -> None:
        self._q: queue.Queue = queue.Queue(maxsize=max(1, buffer_size))
        self._stop = threading.Event()
        self._done = False
        thread = threading.Thread(target=_produce, args=(it, self._q, self._stop),
                                  name="tf_data_prefetch", daemon=True)
        thread.start()
        weakref.finalize(self, self._stop.set)

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        item = self._q.get()
        if item is _END:
            self._done = True
            self._stop.set()
            raise StopIteration
        if type(item) is _Failure:
            raise item.exc
        return item

    def close(self) -> None:
        self._stop.set()


class PrefetchDataset(_Unary):
    _tf_name = "_PrefetchDataset"

    def __init__(self, input_dataset: DatasetV2, buffer_size: int) -> None:
        super().__init__(input_dataset)
        if buffer_size < -1:
            raise ValueError(f"buffer_size must be >= -1 (tf.data.AUTOTUNE), got {buffer_size}")
        self._size = buffer_size

    def _make_iter(self):
        if self._size == 0:
            return self._input._make_iter()
        size = 16 if self._size == AUTOTUNE else self._size
        return PrefetchIterator(self._input._make_iter(), size)


# -- interleave -------------------------------------------------------------------------------------

class InterleaveDataset(FlatMapDataset):
    """``interleave``: a flat map that cycles through ``cycle_length`` inner datasets
    (element spec and cardinality as the flat map's)."""

    _tf_name = "_InterleaveDataset"

    def __init__(self, input_dataset: DatasetV2, map_func, cycle_length, block_length,
                 num_parallel_calls, deterministic) -> None:
        super().__init__(input_dataset, map_func)
        cycle = AUTOTUNE if cycle_length is None else as_int(cycle_length, "cycle_length")
        self._cycle = default_parallelism() if cycle == AUTOTUNE else cycle
        self._block = 1 if block_length is None else as_int(block_length, "block_length")
        if self._cycle <= 0:
            raise ValueError(f"cycle_length must be > 0 or tf.data.AUTOTUNE, got {cycle}")
        if self._block <= 0:
            raise ValueError(f"block_length must be > 0, got {self._block}")
        self._parallel = None if num_parallel_calls is None else as_int(num_parallel_calls)
        if self._parallel is not None:
            self._tf_name = "_ParallelInterleaveDataset"

    def _open(self, element):
        from tessera._data.transformations import _check_dataset

        it = _check_dataset(self._fn.call(element), "map_func")._make_iter()
        if self._parallel is not None:
            return PrefetchIterator(it, 2 * self._block)
        return it

    def _make_iter(self):
        cycle_length, block_length = self._cycle, self._block

        def gen():
            inp = self._input._make_iter()
            slots: list = [None] * cycle_length
            open_count, index, block = 0, 0, 0
            end_of_input = False
            while not end_of_input or open_count > 0:
                current = slots[index]
                if current is not None:
                    try:
                        value = next(current)
                    except StopIteration:
                        slots[index] = None
                        open_count -= 1
                        index, block = (index + 1) % cycle_length, 0
                        continue
                    block += 1
                    if block == block_length:
                        index, block = (index + 1) % cycle_length, 0
                    yield value
                elif not end_of_input:
                    try:
                        element = next(inp)
                    except StopIteration:
                        end_of_input = True
                        continue
                    slots[index] = self._open(element)
                    open_count += 1
                else:
                    index, block = (index + 1) % cycle_length, 0

        return gen()
