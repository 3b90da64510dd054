"""Atomic file writes: a crash, a ``kill -9`` or a full disk mid-write never leaves a torn file.

The bytes go to a temporary file in the SAME directory (so the final rename never crosses a
file system), are flushed and ``fsync``'ed, then ``os.replace`` swaps the file into place in
one step (atomic on POSIX and Windows), and the directory is ``fsync``'ed so the rename itself
survives a power cut. Readers see either the old file or the new one, never half of each.
"""

from __future__ import annotations

import os
import tempfile

__all__ = ["atomic_write_bytes", "TMP_SUFFIX"]

TMP_SUFFIX = ".tmp"


def _fsync_dir(directory: str) -> None:
    if os.name != "posix":  # NOTE: Windows cannot open a directory; its rename is durable enough
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (the old file stays intact until the new one is
    complete on disk).

    Args:
        path: destination file; its directory is created if missing.
        data: the complete file contents.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=TMP_SUFFIX,
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # NOTE: BaseException: a KeyboardInterrupt mid-write must not leave the temp file behind.
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)
