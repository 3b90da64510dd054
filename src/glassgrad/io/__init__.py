"""Saving and loading: state dicts (``save``/``load``), full training checkpoints
(``save_checkpoint``/``load_checkpoint``, the ``Checkpoint`` callback) and atomic writes.

Files are ``.safetensors`` or ``.npz``; glassgrad never writes or reads pickles.
"""

from .atomic import atomic_write_bytes
from .serialization import FORMAT_VERSION, SerializationError, load, load_with_metadata, save

__all__ = ["save", "load", "load_with_metadata", "atomic_write_bytes", "SerializationError",
           "FORMAT_VERSION"]
