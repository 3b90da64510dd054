"""The one atomic writer: every file glassgrad writes (weights, checkpoints, history, summary,
reports, plots) goes through ``atomic_write_bytes``/``atomic_write_text``.

The bytes go to a temporary file in the SAME directory (so the final rename never crosses a
file system), are flushed and ``fsync``'ed, then ``os.replace`` swaps the file into place in
one step (atomic on POSIX and Windows), and the directory is ``fsync``'ed so the rename itself
survives a power cut. Readers see either the old file or the new one, never half of each.

Temporary names are ``.~gg-tmp-<pid>-<16 hex digits>-<final name>``: created exclusively
(``O_EXCL``, so they never replace anything, a user's file included), removed on any failure,
and matched by ``TMP_PATTERN``, which no ordinary file name matches. A ``kill -9`` mid-write can
leave one; ``clean_stale_temps(folder)`` (called by every run that writes into a folder)
removes those whose writing process is gone. Files get the permissions of ``open()``: 0666
minus the user's umask (0644 typically), as any other program's files.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text", "clean_stale_temps",
           "TMP_PATTERN", "TMP_SUFFIX"]

TMP_PREFIX = ".~gg-tmp-"
TMP_SUFFIX = ""  # NOTE: kept for backward compatibility; temp names are recognised by prefix
TMP_PATTERN = re.compile(r"^\.~gg-tmp-(\d+)-([0-9a-f]{16})-(.+)$")


def _fsync_dir(directory: str) -> None:
    if os.name != "posix":  # NOTE: Windows cannot open a directory; its rename is durable enough
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_path(directory: str, name: str) -> str:
    return os.path.join(directory, f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}-{name}")


@contextlib.contextmanager
def atomic_open(path):
    """``with atomic_open(path) as f: f.write(...)``: a binary file that replaces ``path`` in one
    step when the block ends without error (streamed writes, e.g. downloads); on any error the
    temporary file is removed and ``path`` is untouched."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = _temp_path(directory, os.path.basename(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # NOTE: 0666 & ~umask, like open(); mkstemp would give 0600
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
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


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (the old file stays intact until the new one is
    complete on disk).

    Args:
        path: destination file; its directory is created if missing.
        data: the complete file contents.
    """
    with atomic_open(path) as f:
        f.write(data)


def atomic_write_text(path, text: str) -> None:
    """``atomic_write_bytes`` for text (UTF-8, ``\\n`` line ends)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True  # NOTE: on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # NOTE: exists but belongs to someone else: leave its file alone
    return True


def clean_stale_temps(directory) -> list[str]:
    """Remove the temporary files that killed writers left in ``directory``; returns their
    names. Only names matching ``TMP_PATTERN`` whose process is gone are touched."""
    directory = os.fspath(directory)
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = TMP_PATTERN.match(name)
        if m is None or _alive(int(m.group(1))):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(name)
        except OSError:
            pass
    return removed
