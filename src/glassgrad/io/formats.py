"""The two container formats, read from bytes with every check done BEFORE any array is built.

- ``.npz``: a zip of ``.npy`` members (NumPy's format), plus a ``__glassgrad__.npy`` member: the
  JSON metadata as uint8 bytes. Read with ``allow_pickle=False`` after checking each member's
  header, so object arrays (which need pickle) are refused, never unpickled.
- ``.safetensors``: Hugging Face's format (8-byte header length, JSON header, raw bytes); our
  metadata is the JSON string under ``__metadata__["glassgrad"]``. Needs the optional package
  ``safetensors`` (``pip install 'glassgrad[io]'``), imported only when used.

Neither reader ever executes code from the file. Files with no glassgrad metadata (written by
other tools) load as a flat ``{name: ndarray}``.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from .tree import SerializationError

__all__ = ["FORMATS", "write", "read", "META_KEY"]

META_KEY = "__glassgrad__"
FORMATS = (".safetensors", ".npz")
_MAX_HEADER = 100 * 2**20
_SAFETENSORS_HINT = ("the .safetensors format needs the optional package 'safetensors': "
                     "pip install 'glassgrad[io]' (or pip install safetensors), or save to a "
                     ".npz path instead.")


def _safetensors():
    try:
        import safetensors.numpy as st
    except ImportError as e:
        raise ImportError(_SAFETENSORS_HINT) from e
    return st


def sniff(data: bytes, source: str) -> None:
    """Refuse pickles (and PyTorch files, which are zips of pickles) with a clear message."""
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise SerializationError(
            f"{source}: this is a Python pickle (e.g. written by pickle.dump or an old "
            "torch.save), which can run arbitrary code when loaded; glassgrad never "
            "unpickles. Convert it in a trusted environment to .safetensors or .npz.")
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return
        pickles = [n for n in names if n.endswith(".pkl")]
        if pickles:
            raise SerializationError(
                f"{source}: this is a zip holding a pickle ({pickles[0]}), e.g. a PyTorch "
                "torch.save file; glassgrad never unpickles. Export it with "
                "safetensors.torch.save_file(model.state_dict(), 'model.safetensors') instead.")


# ---------------------------------------------------------------- .npz

def _write_npz(arrays: dict, meta: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        members = {META_KEY: np.frombuffer(meta.encode("utf-8"), dtype=np.uint8), **arrays}
        for name, arr in members.items():
            with z.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)
    return buf.getvalue()


def _read_member(z, info, source: str) -> np.ndarray:
    with z.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)
            _, _, dtype = header(f)
        except (ValueError, OSError, SyntaxError) as e:
            raise SerializationError(f"{source}: member {info.filename!r} is not a valid .npy "
                                     f"array ({e}).") from None
    if dtype.hasobject or dtype.kind not in "biufc":
        raise SerializationError(
            f"{source}: member {info.filename!r} holds an array of dtype {dtype}, which needs "
            "pickle to load; refused (glassgrad never unpickles). Only numeric arrays are read.")
    with z.open(info) as f:
        try:
            return np.lib.format.read_array(f, allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise SerializationError(f"{source}: member {info.filename!r} is truncated or "
                                     f"corrupt ({e}).") from None


def _read_npz(data: bytes, source: str):
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        what = "a single .npy array" if data[:6] == b"\x93NUMPY" else "not a zip archive"
        raise SerializationError(f"{source}: not a valid .npz file ({what}). Save with "
                                 "glassgrad.save(state, 'file.npz').")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
        arrays = {}
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise SerializationError(f"{source}: unexpected member {info.filename!r} in the "
                                         ".npz archive (only .npy arrays are allowed).")
            arrays[info.filename[:-4]] = _read_member(z, info, source)
    except SerializationError:
        raise
    except Exception as e:  # NOTE: zipfile/zlib/struct raise many types on damaged archives
        raise SerializationError(f"{source}: corrupt .npz archive ({type(e).__name__}: "
                                 f"{e}).") from None
    meta = arrays.pop(META_KEY, None)
    if meta is not None:
        if meta.dtype != np.uint8 or meta.ndim != 1:
            raise SerializationError(f"{source}: corrupt glassgrad metadata member.")
        meta = _decode_text(meta.tobytes(), source)
    return arrays, meta


# ---------------------------------------------------------------- .safetensors

def _write_safetensors(arrays: dict, meta: str) -> bytes:
    st = _safetensors()
    for name, arr in arrays.items():
        if arr.dtype.kind == "c":
            raise SerializationError(f"cannot save {name!r} as .safetensors: complex arrays are "
                                     "not supported by that format; use a .npz path.")
    return st.save(arrays, metadata={"glassgrad": meta})


def _read_safetensors(data: bytes, source: str):
    if len(data) < 8:
        raise SerializationError(f"{source}: not a valid .safetensors file (only {len(data)} "
                                 "bytes; the header alone takes 8).")
    n = int.from_bytes(data[:8], "little")
    if n > min(len(data) - 8, _MAX_HEADER):
        raise SerializationError(f"{source}: not a valid .safetensors file (its header claims "
                                 f"{n} bytes but the file has {len(data)}); truncated or another "
                                 "format.")
    try:
        header = json.loads(data[8:8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SerializationError(f"{source}: the .safetensors header is not valid JSON "
                                 f"({e}).") from None
    if not isinstance(header, dict):
        raise SerializationError(f"{source}: the .safetensors header is not a JSON object.")
    st = _safetensors()
    try:
        arrays = dict(st.load(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # NOTE: the Rust reader raises PanicException (a BaseException)
        raise SerializationError(f"{source}: corrupt .safetensors file "
                                 f"({type(e).__name__}: {e}).") from None
    meta = header.get("__metadata__") or {}
    meta = meta.get("glassgrad") if isinstance(meta, dict) else None
    return arrays, meta if isinstance(meta, str) else None


def _decode_text(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SerializationError(f"{source}: glassgrad metadata is not UTF-8 text.") from None


def write(ext: str, arrays: dict, meta: str) -> bytes:
    """The file's bytes for format ``ext`` (".npz" or ".safetensors")."""
    return _write_npz(arrays, meta) if ext == ".npz" else _write_safetensors(arrays, meta)


def read(ext: str, data: bytes, source: str):
    """``(arrays, metadata JSON text or None)`` from a file's bytes."""
    sniff(data, source)
    return _read_npz(data, source) if ext == ".npz" else _read_safetensors(data, source)
