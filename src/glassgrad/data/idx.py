"""Read and write IDX files, the format of MNIST and Fashion-MNIST (gzipped or not).

Layout: 2 zero bytes, a dtype code, the number of dimensions d, then d big-endian uint32 sizes,
then the data in C order, big-endian.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from ..errors import GlassgradError

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}


class IDXFormatError(GlassgradError, ValueError):
    """An IDX file that is truncated, corrupt or not IDX at all."""


def _open(path: str):
    with open(path, "rb") as f:
        head = f.read(2)
    return gzip.open(path, "rb") if head == b"\x1f\x8b" else open(path, "rb")


def read_idx(path) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw, detected from the content) into a NumPy array.

    Raises:
        FileNotFoundError: the file does not exist.
        IDXFormatError: bad magic number, unknown dtype code, or a data size that does not match
            the header (a truncated download, for example).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_idx: no file {path!r}.")
    try:
        with _open(path) as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise IDXFormatError(f"read_idx: {path!r} is a corrupt or truncated gzip file ({e}). "
                             "Delete it and download it again.") from e
    if len(raw) < 4:
        raise IDXFormatError(f"read_idx: {path!r} is too short ({len(raw)} bytes) to be IDX.")
    zero, code, ndim = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in _DTYPES:
        raise IDXFormatError(f"read_idx: {path!r} has magic number 0x{raw[:4].hex()}, not an IDX "
                             "header (expected 0x0000 then a dtype code 08/09/0B/0C/0D/0E and the "
                             "number of dimensions, e.g. 0x00000803 for MNIST images).")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXFormatError(f"read_idx: {path!r} is truncated inside its header ({len(raw)} "
                             f"bytes, the header of a {ndim}-d array needs {header}).")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_DTYPES[code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise IDXFormatError(f"read_idx: {path!r} is {what}: dims {dims} of {dtype.name} need "
                             f"{expected} data bytes, found {found}. Delete it and download it "
                             "again.")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write ``array`` as IDX (gzipped when ``path`` ends in ``.gz``)."""
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise TypeError(f"write_idx: dtype {array.dtype} has no IDX code; use uint8, int8, int16, "
                        "int32, float32 or float64.")
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)
