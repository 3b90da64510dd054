"""Saving and loading: state dicts (``save``/``load``), full training checkpoints
(``save_checkpoint``/``load_checkpoint``, the ``Checkpoint`` callback) and atomic writes.

Files are ``.safetensors`` or ``.npz``; glassgrad never writes or reads pickles.
"""

from .atomic import atomic_write_bytes
from .checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_states
from .serialization import FORMAT_VERSION, SerializationError, load, load_with_metadata, save

__all__ = ["save", "load", "load_with_metadata", "save_checkpoint", "load_checkpoint",
           "rng_state", "set_rng_states", "atomic_write_bytes", "SerializationError",
           "FORMAT_VERSION", "Checkpoint", "resume_fit"]


def __getattr__(name):
    # NOTE: lazy, so ``glassgrad.save``/``load`` do not pull in the training package.
    if name in ("Checkpoint", "resume_fit"):
        from . import callbacks

        return getattr(callbacks, name)
    raise AttributeError(f"module 'glassgrad.io' has no attribute {name!r}")
