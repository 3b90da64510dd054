"""Download files with checksum verification, from a list of mirrors, written atomically.

A download goes to a temporary file in the target folder and is renamed into place only after its
checksum matches, so an interrupted or corrupt download never leaves a partial file behind.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request

from ..errors import GlassgradError

_CHUNK = 1 << 20


class DownloadError(GlassgradError, OSError):
    """A download that failed: offline, every mirror unreachable, or a checksum mismatch."""


def parse_checksum(checksum: str) -> tuple[str, str]:
    """``"md5:<hex>"``, ``"sha256:<hex>"`` or bare hex (32 digits = MD5, 64 = SHA-256) ->
    ``(algorithm, hex)``."""
    text = str(checksum).strip().lower()
    if ":" in text:
        algo, digest = text.split(":", 1)
    else:
        algo = {32: "md5", 40: "sha1", 64: "sha256"}.get(len(text), "")
        digest = text
    if algo not in hashlib.algorithms_available or not digest:
        raise ValueError(f"checksum {checksum!r}: expected 'md5:<hex>', 'sha256:<hex>' or a bare "
                         "32/64-digit hex digest.")
    return algo, digest


def file_digest(path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def check_file(path, checksum) -> bool:
    """True if the file at ``path`` matches ``checksum`` (see ``parse_checksum``)."""
    algo, digest = parse_checksum(checksum)
    return file_digest(path, algo) == digest


def _fetch(url: str, dest: str, checksum, timeout: float) -> None:
    from ..io.atomic import atomic_open  # NOTE: the project's one file writer

    algo, digest = parse_checksum(checksum) if checksum else ("sha256", None)
    h = hashlib.new(algo)
    with atomic_open(dest) as out, urllib.request.urlopen(url, timeout=timeout) as resp:
        for block in iter(lambda: resp.read(_CHUNK), b""):
            h.update(block)
            out.write(block)
        if digest is not None and h.hexdigest() != digest:
            raise DownloadError(f"checksum mismatch for {url}: expected {algo} {digest}, got "
                                f"{h.hexdigest()}. The download was discarded.")


def download_file(filename: str, folder, mirrors, checksum=None, timeout: float = 30.0) -> str:
    """Download ``filename`` from the first mirror that works into ``folder``.

    Args:
        filename: the file's name on the mirrors and on disk.
        folder: target folder (created if needed).
        mirrors: base URLs tried in order; the file's URL is ``mirror + filename``.
        checksum: ``"md5:<hex>"`` / ``"sha256:<hex>"`` / bare hex, or None to skip verification.
        timeout: seconds to wait for a server before trying the next mirror.

    Returns:
        The path of the verified file. A file already in ``folder`` that matches ``checksum``
        is kept without downloading.

    Raises:
        DownloadError: no mirror worked; the message lists each mirror's failure and says what to
            do when offline.
    """
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    dest = os.path.join(folder, filename)
    if checksum and os.path.isfile(dest) and check_file(dest, checksum):
        return dest  # already there and verified
    if isinstance(mirrors, str):
        mirrors = [mirrors]
    failures, offline = [], True
    for mirror in mirrors:
        url = mirror if mirror.endswith(filename) else mirror.rstrip("/") + "/" + filename
        try:
            _fetch(url, dest, checksum, timeout)
            return dest
        except DownloadError as e:  # checksum mismatch: the server answered
            offline = False
            failures.append(f"{url}: {e}")
        except urllib.error.HTTPError as e:
            offline = False
            failures.append(f"{url}: HTTP {e.code} {e.reason}")
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            failures.append(f"{url}: {getattr(e, 'reason', e)}")
    tried = "\n  ".join(failures) or "(no mirrors given)"
    hint = ("No server could be reached: are you offline? " if offline else "")
    raise DownloadError(f"could not download {filename!r}. {hint}Tried:\n  {tried}\n"
                        f"Fix: check your connection, or download the file by hand and put it in "
                        f"{folder!r}.")
