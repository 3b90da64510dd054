"""What counts as a clear glassgrad error: raised on purpose by glassgrad code, with a message."""

import os
import traceback

import glassgrad

PKG = os.path.dirname(os.path.abspath(glassgrad.__file__))


def raised_in_glassgrad(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(PKG)


def assert_clear(exc: BaseException, *, allow=()) -> None:
    """A GlassgradError, or a ValueError/TypeError/KeyError/IndexError/OSError raised by
    glassgrad's own code (the last frame is in glassgrad), with a non-empty message."""
    msg = str(exc)
    assert msg.strip(), f"{type(exc).__name__} without a message"
    if isinstance(exc, glassgrad.GlassgradError):
        return
    ok_types = (ValueError, TypeError, KeyError, IndexError, FileNotFoundError, *allow)
    assert isinstance(exc, ok_types), f"unexpected {type(exc).__name__}: {msg}"
    assert raised_in_glassgrad(exc), (
        f"raw {type(exc).__name__} from outside glassgrad: {msg}\n"
        + "".join(traceback.format_tb(exc.__traceback__)[-3:]))


def call_clear(fn, *args, allow=(), **kwargs):
    """Call ``fn``; valid input may succeed, any error must be clear. Returns (ok, result)."""
    try:
        return True, fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - checked just below
        assert_clear(exc, allow=allow)
        return False, exc
