"""Nested state <-> (JSON tree, flat dict of arrays), with no code and no pickles.

A state is any nesting of dicts, lists and tuples whose leaves are Tensors, arrays, NumPy
scalars, Python numbers, strings, bools and None (what ``state_dict()`` of a model, optimizer or
scheduler returns). ``encode`` replaces every array by a reference to a named entry of a flat
``{name: ndarray}`` dict and keeps everything else as JSON; ``decode`` reverses it, checking every
reference. What JSON cannot say is tagged with a ``$`` key::

    {"$tensor": name, "requires_grad": b}   a Tensor (its array is arrays[name])
    {"$array": name}                        a NumPy (or CuPy) array, loaded as NumPy
    {"$scalar": name}                       a NumPy scalar (np.float32(1.5), np.int64(3))
    {"$float": "nan" | "inf" | "-inf"}      a non-finite Python float
    {"$tuple": [...]}                       a tuple
    {"$dict": [[key, value], ...]}          a dict with non-string keys (optimizer state: ints)
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import to_numpy
from ..errors import GlassgradError
from ..tensor import Tensor

__all__ = ["SerializationError", "encode", "decode"]

_KEY_TYPES = (str, int, float, bool, type(None))


class SerializationError(GlassgradError, ValueError):
    """A state that cannot be saved, or a file that cannot be loaded (wrong format, corrupt,
    or unsafe content such as pickled objects). Nothing was written or changed."""


def _where(path) -> str:
    return "state" + "".join(f"[{p!r}]" for p in path)


class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, path) -> str:
        base = "/".join(str(p) for p in path) or "value"
        name, i = base, 1
        while name in self.arrays or name == "__glassgrad__":  # NOTE: reserved for metadata
            name, i = f"{base}~{i}", i + 1
        return name

    def _store(self, array, path) -> str:
        arr = np.asarray(to_numpy(array))
        if not arr.flags.c_contiguous:  # NOTE: not ascontiguousarray: it turns 0-d into 1-d
            arr = arr.copy(order="C")
        if arr.dtype.hasobject or arr.dtype.kind not in "biufc":
            raise SerializationError(
                f"cannot save {_where(path)}: arrays of dtype {arr.dtype} are not supported "
                "(only bool, int, uint, float and complex arrays can be stored without pickle).")
        name = self._name(path)
        self.arrays[name] = arr
        return name

    def __call__(self, obj, path=()):
        if isinstance(obj, Tensor):
            return {"$tensor": self._store(obj.data, path), "requires_grad": obj.requires_grad}
        if isinstance(obj, np.generic):
            return {"$scalar": self._store(np.asarray(obj), path)}
        if hasattr(obj, "__array__") and hasattr(obj, "shape") and hasattr(obj, "dtype"):
            return {"$array": self._store(obj, path)}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"$float": repr(float(obj))}
        if isinstance(obj, list):
            return [self(v, (*path, i)) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"$tuple": [self(v, (*path, i)) for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return self._dict(obj, path)
        raise SerializationError(
            f"cannot save {_where(path)} of type {type(obj).__name__}: a state may only hold "
            "Tensors, arrays, numbers, strings, bools, None, lists, tuples and dicts (glassgrad "
            "files never contain code or pickled objects). Save its state_dict() instead.")

    def _dict(self, obj: dict, path):
        plain = all(isinstance(k, str) and not k.startswith("$") for k in obj)
        if plain:
            return {k: self(v, (*path, k)) for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if not isinstance(k, _KEY_TYPES) and not isinstance(k, tuple):
                raise SerializationError(
                    f"cannot save {_where(path)}: dict key {k!r} of type {type(k).__name__} "
                    "(keys must be strings, numbers, bools, None or tuples of them).")
            items.append([self(k, (*path, "key")), self(v, (*path, k))])
        return {"$dict": items}


def encode(state) -> tuple[object, dict]:
    """``state`` -> (JSON-able tree, ``{name: contiguous ndarray}``)."""
    enc = _Encoder()
    tree = enc(state)
    return tree, enc.arrays


class _Decoder:
    def __init__(self, arrays: dict, source: str):
        self.arrays, self.source, self.used = arrays, source, set()

    def fail(self, what: str):
        raise SerializationError(f"{self.source}: corrupt glassgrad metadata: {what}. The file "
                                 "was not written by glassgrad.save or has been altered.")

    def _array(self, name):
        if not isinstance(name, str) or name not in self.arrays:
            self.fail(f"it refers to array {name!r}, which the file does not contain")
        self.used.add(name)
        return self.arrays[name]

    def __call__(self, node):
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, float):
            return node
        if isinstance(node, list):
            return [self(v) for v in node]
        if not isinstance(node, dict):
            self.fail(f"unexpected JSON value of type {type(node).__name__}")
        tags = [k for k in node if k.startswith("$")]
        if not tags:
            return {k: self(v) for k, v in node.items()}
        return self._tagged(tags[0], node)

    def _tagged(self, tag, node):
        value = node[tag]
        if tag == "$tensor":
            arr = self._array(value)
            t = Tensor._make(arr, None)  # NOTE: not Tensor(arr): that would cast float64 down
            if node.get("requires_grad") and arr.dtype.kind in "fc":
                t.requires_grad = True
            return t
        if tag == "$array":
            return self._array(value)
        if tag == "$scalar":
            arr = self._array(value)
            if arr.ndim != 0:
                self.fail(f"scalar {value!r} has shape {arr.shape}")
            return arr[()]
        if tag == "$float" and value in ("nan", "inf", "-inf"):
            return float(value)
        if tag == "$tuple" and isinstance(value, list):
            return tuple(self(v) for v in value)
        if tag == "$dict" and isinstance(value, list):
            out = {}
            for item in value:
                if not (isinstance(item, list) and len(item) == 2):
                    self.fail("a '$dict' entry is not a [key, value] pair")
                key = self(item[0])
                if not isinstance(key, (*_KEY_TYPES, tuple)):
                    self.fail(f"a dict key of type {type(key).__name__}")
                out[key] = self(item[1])
            return out
        self.fail(f"unknown or malformed tag {tag!r}")


def decode(tree, arrays: dict, source: str = "<file>"):
    """Rebuild the state from ``encode``'s output (raises SerializationError, naming
    ``source``, on any inconsistency)."""
    dec = _Decoder(arrays, source)
    out = dec(tree)
    extra = sorted(set(arrays) - dec.used)
    if extra:
        dec.fail(f"arrays {extra[:5]} are not referenced by the metadata")
    return out
