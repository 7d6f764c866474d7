"""Read the tensors of a legacy-format (pre-1.6, non-zip) PyTorch checkpoint without PyTorch."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from neuronlens.errors import ModelUnavailable

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
"""The first pickled value of every legacy torch checkpoint."""

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


@dataclass
class _Storage:
    dtype: Any
    size: int
    data: np.ndarray | None = None


@dataclass
class _LazyTensor:
    """A tensor whose storage bytes follow the pickle; materialised once they are read."""

    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    views: list[Any] = field(default_factory=list)

    def materialise(self) -> np.ndarray:
        base = self.storage.data
        if base is None:
            raise ModelUnavailable("checkpoint is truncated: a tensor's storage is missing")
        itemsize = base.dtype.itemsize
        strided = np.lib.stride_tricks.as_strided(
            base[self.offset :],
            shape=self.shape,
            strides=tuple(s * itemsize for s in self.stride),
            writeable=False,
        )
        return np.array(strided)  # a contiguous copy, detached from the storage buffer


def _storage_class(name: str) -> Any:
    return ("storage", name)


def _rebuild_tensor(storage: _Storage, offset: int, shape: Any, stride: Any, *_: Any) -> Any:
    return _LazyTensor(storage, int(offset), tuple(shape), tuple(stride))


def _rebuild_parameter(tensor: Any, *_: Any) -> Any:
    return tensor


class _Unpickler(pickle.Unpickler):
    """Allows only the classes a state dict needs: nothing in the file can run code."""

    def __init__(self, handle: BinaryIO, storages: dict[str, _Storage]) -> None:
        super().__init__(handle)
        self._storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _storage_class(name)
        raise pickle.UnpicklingError(f"checkpoint refers to {module}.{name}, which is not allowed")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        _, kind, key, _location, size, *_view = pid
        if not (isinstance(kind, tuple) and kind[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected storage type {kind!r}")
        if key not in self._storages:
            self._storages[key] = _Storage(_STORAGE_DTYPES[kind[1]], int(size))
        return self._storages[key]


def load_legacy_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint's top-level object with every tensor as a float/int NumPy array."""
    with path.open("rb") as handle:
        if zipfile.is_zipfile(handle):
            raise ModelUnavailable(
                f"{path} is a zip-format torch checkpoint; only the legacy format is supported"
            )
        handle.seek(0)
        return _load(handle)


def _load(handle: BinaryIO) -> dict[str, Any]:
    safe = _Unpickler(handle, {})
    magic = safe.load()
    if magic != LEGACY_MAGIC:
        raise ModelUnavailable("not a legacy torch checkpoint (wrong magic number)")
    safe.load()  # protocol version
    sys_info = safe.load()
    if isinstance(sys_info, dict) and not sys_info.get("little_endian", True):
        raise ModelUnavailable("big-endian torch checkpoints are not supported")
    storages: dict[str, _Storage] = {}
    result = _Unpickler(handle, storages).load()
    keys = _Unpickler(handle, storages).load()
    for key in keys:
        storage = storages[key]
        count = int(np.frombuffer(_read(handle, 8), dtype="<i8")[0])
        itemsize = np.dtype(storage.dtype).itemsize
        storage.data = np.frombuffer(_read(handle, count * itemsize), dtype=storage.dtype)
    return _materialise(result)


def _read(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise ModelUnavailable("checkpoint is truncated")
    return data


def _materialise(value: Any) -> Any:
    if isinstance(value, _LazyTensor):
        return value.materialise()
    if isinstance(value, dict):
        return {key: _materialise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_materialise(item) for item in value)
    return value


def loads_legacy_checkpoint(data: bytes) -> dict[str, Any]:
    """``load_legacy_checkpoint`` over bytes in memory (tests)."""
    return _load(io.BytesIO(data))
