"""What counts as a clear glassgrad error: raised on purpose by glassgrad code, with a message.

Raw exceptions from NumPy (or Python) internals fail the test, except those matching ``KNOWN``:
open findings in other packages, reported to their owners. They are counted per location and
printed at the end of the run (see conftest), so they stay visible until fixed.
"""

import os
import re
import traceback
from collections import Counter

import glassgrad

PKG = os.path.dirname(os.path.abspath(glassgrad.__file__))
FINDINGS: Counter = Counter()
COLLECT = os.environ.get("GG_FUZZ_COLLECT") == "1"  # record every raw error instead of failing

_SIGNATURE = re.compile(r"(positional|keyword) argument|takes \d+ positional|got multiple values")

# (glassgrad file, function) whose raw NumPy errors are known, reported findings: none open
# (issue 15 closed the last ones: empty reductions, 0-d dims, ragged datasets, ...).
KNOWN: set = set()


def _last_glassgrad_frame(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename).startswith(PKG)]
    if not frames:
        return None
    f = frames[-1]
    return os.path.relpath(f.filename, os.path.dirname(PKG)), f.name, f.lineno


def raised_in_glassgrad(exc: BaseException) -> bool:
    """Raised on purpose by glassgrad: the innermost frame is glassgrad's and it is a ``raise``
    statement (a NumPy error from a C call on a glassgrad line is a raw error, not a clear
    one: its message speaks NumPy, not glassgrad)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames or not os.path.abspath(frames[-1].filename).startswith(PKG):
        return False
    line = frames[-1].line or ""
    return line.lstrip().startswith("raise") or " raise " in f" {line} "


def assert_clear(exc: BaseException, *, allow=()) -> None:
    """A GlassgradError, or a ValueError/TypeError/KeyError/IndexError raised by glassgrad's own
    code (the last frame is in glassgrad), with a non-empty message."""
    msg = str(exc)
    if isinstance(exc, glassgrad.GlassgradError) and msg.strip():
        return
    ok_types = (ValueError, TypeError, KeyError, IndexError, FileNotFoundError, *allow)
    if isinstance(exc, ok_types) and raised_in_glassgrad(exc) and msg.strip():
        return
    if isinstance(exc, TypeError) and _SIGNATURE.search(msg) and not _last_glassgrad_frame(exc):
        return  # Python's own check of the call signature: clear enough, names the argument
    where = _last_glassgrad_frame(exc)
    if COLLECT or (where and where[:2] in KNOWN):
        FINDINGS[(where, type(exc).__name__, msg.splitlines()[0][:70] if msg else "")] += 1
        return
    raise AssertionError(f"raw {type(exc).__name__} from outside glassgrad ({where}): {msg}\n"
                         + "".join(traceback.format_tb(exc.__traceback__)[-3:]))


def call_clear(fn, *args, allow=(), **kwargs):
    """Call ``fn``; valid input may succeed, any error must be clear. Returns (ok, result)."""
    try:
        return True, fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - checked just below
        assert_clear(exc, allow=allow)
        return False, exc
