"""``glassgrad.save(state, path)`` and ``glassgrad.load(path)``: state dicts on disk, safely.

The format follows the extension: ``.safetensors`` (needs ``pip install 'glassgrad[io]'``) or
``.npz`` (NumPy only). Arrays are stored as arrays; everything else (numbers, strings, the
nesting, which leaves were Tensors) as JSON metadata next to them, with the glassgrad version,
the format version and, when known, the model's config. Loading never executes code from the
file: pickles, PyTorch ``torch.save`` files and object arrays are refused with a
``SerializationError`` naming the file, and nothing is changed.

Example:
    >>> gg.io.save({"model": model.state_dict(), "epoch": 3}, "run/model.safetensors")
    >>> state = gg.io.load("run/model.safetensors")
    >>> model.load_state_dict(state["model"])
"""

from __future__ import annotations

import json
import os

from . import formats
from .atomic import atomic_write_bytes
from .tree import SerializationError, decode, encode

__all__ = ["save", "load", "load_with_metadata", "FORMAT_VERSION", "SerializationError"]

FORMAT_VERSION = 1
_MAX_FILE = 2**34  # 16 GiB: refuse before reading something absurd into memory


def _extension(path: str, where: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in formats.FORMATS:
        raise SerializationError(
            f"{where}: {path!r} has extension {ext or '(none)'!r}; glassgrad reads and writes "
            "'.safetensors' and '.npz' files only (never pickle formats such as .pt, .pth, "
            ".pkl, .ckpt). Rename the path, e.g. 'model.safetensors'.")
    return ext


def _version() -> str:
    from .. import __version__

    return __version__


def save(state, path, *, config=None, kind: str = "state") -> None:
    """Write ``state`` to ``path`` atomically (the old file survives a crash mid-write).

    Args:
        state: nested dicts/lists/tuples of Tensors, arrays, numbers, strings, bools and None,
            e.g. ``{"model": model.state_dict(), "optimizer": opt.state_dict()}``.
        path: ``*.safetensors`` or ``*.npz``.
        config: JSON-able description of the model (layer sizes, ...) stored in the metadata.
        kind: a label stored in the metadata (``"state"``, ``"checkpoint"``).

    Raises:
        SerializationError: a value that cannot be stored without pickle, or a bad extension.
    """
    path = os.fspath(path)
    ext = _extension(path, "glassgrad.save")
    tree, arrays = encode(state)
    meta = {"format": "glassgrad", "format_version": FORMAT_VERSION,
            "glassgrad_version": _version(), "kind": kind, "config": config, "tree": tree}
    try:
        text = json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise SerializationError(
            f"glassgrad.save: config is not JSON-serializable ({e}).") from None
    atomic_write_bytes(path, formats.write(ext, arrays, text))


def _read_bytes(path: str) -> bytes:
    try:
        size = os.path.getsize(path)
        if size > _MAX_FILE:
            raise SerializationError(f"{path}: file of {size} bytes is too large to load.")
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"glassgrad.load: no such file: {path!r}") from None
    except IsADirectoryError:
        raise SerializationError(f"glassgrad.load: {path!r} is a directory, not a file.") from None


def load_with_metadata(path) -> tuple[object, dict]:
    """``(state, metadata)``; metadata is ``{}`` for files written by other tools (whose state
    is then a flat ``{name: ndarray}``). See ``load``."""
    path = os.fspath(path)
    ext = _extension(path, "glassgrad.load")
    arrays, text = formats.read(ext, _read_bytes(path), path)
    if text is None:
        return arrays, {}
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as e:
        raise SerializationError(f"{path}: glassgrad metadata is not valid JSON ({e}).") from None
    if not isinstance(meta, dict) or meta.get("format") != "glassgrad" or "tree" not in meta:
        raise SerializationError(f"{path}: glassgrad metadata lacks its 'format'/'tree' keys.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise SerializationError(
            f"{path}: written with format version {version!r} by glassgrad "
            f"{meta.get('glassgrad_version')}; this glassgrad ({_version()}) reads versions up to "
            f"{FORMAT_VERSION}. Upgrade glassgrad.")
    state = decode(meta.pop("tree"), arrays, path)
    return state, meta


def load(path):
    """Read a file written by ``save`` and return the state (Tensors where Tensors were saved,
    NumPy arrays where arrays were, on the CPU).

    Raises:
        FileNotFoundError: no such file.
        SerializationError: wrong extension, corrupt or truncated file, or unsafe content
            (pickles, torch.save files, object arrays). Nothing is executed or changed.
    """
    return load_with_metadata(path)[0]
