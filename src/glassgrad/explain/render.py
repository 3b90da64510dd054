"""Tables as plain text, Markdown and HTML, with numbers at a chosen precision.

Every explain result turns itself into ``Table``s; this module only formats them.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _html

MISSING = "—"


def fmt(value, precision: int = 4, scientific: bool = False) -> str:
    """A number with ``precision`` decimals; ``-0.0000`` prints as ``0.0000``; None as "—".

    Arrays print as a bracketed list of numbers, strings pass through unchanged. With
    ``scientific``, magnitudes below 1e-3 or from 1e5 print as ``1.234e-05``.
    """
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    arr = np.asarray(value)
    if arr.ndim > 0 and arr.size != 1:
        flat = [fmt(v, precision, scientific) for v in arr.reshape(-1)[:8]]
        more = ", …" if arr.size > 8 else ""
        return "[" + ", ".join(flat) + more + "]"
    v = float(arr.reshape(-1)[0]) if arr.ndim else float(arr)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if scientific and v != 0 and not 1e-3 <= abs(v) < 1e5:
        return f"{v:.{max(precision - 1, 1)}e}"
    text = f"{v:.{precision}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


class Table:
    """A titled table: ``columns`` (header strings) and ``rows`` (lists of values)."""

    def __init__(self, title: str, columns, rows, note: str = "", scientific: bool = False):
        self.title, self.columns, self.rows, self.note = title, list(columns), rows, note
        self.scientific = scientific

    def cells(self, precision: int) -> list[list[str]]:
        return [[fmt(v, precision, self.scientific) for v in row] for row in self.rows]

    def to_text(self, precision: int = 4) -> str:
        cells = self.cells(precision)
        widths = [len(c) for c in self.columns]
        for row in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, row)]

        def line(row, raw=None):
            # numbers right-aligned; the first column and text cells left-aligned
            return "  ".join(
                c.ljust(w) if i == 0 or (raw is not None and isinstance(raw[i], str))
                else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

        out = [self.title, "-" * len(self.title), line(self.columns),
               line(["-" * w for w in widths])]
        out += [line(c, r) for c, r in zip(cells, self.rows)]
        if self.note:
            out.append(self.note)
        return "\n".join(out)

    def to_markdown(self, precision: int = 4) -> str:
        esc = [c.replace("|", "\\|") for c in self.columns]
        out = [f"**{self.title}**", "", "| " + " | ".join(esc) + " |",
               "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(esc))) + "|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"
                for r in self.cells(precision)]
        if self.note:
            out += ["", self.note]
        return "\n".join(out)

    def to_html(self, precision: int = 4) -> str:
        """An escaped HTML table with inline styles (readable in light and dark notebooks)."""
        return _html.table(self.columns, self.cells(precision), caption=self.title,
                           note=self.note)

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def __str__(self):
        return self.to_text()


class Renderable:
    """Mixin: a result made of ``tables(precision)`` plus an optional ``header`` line."""

    precision = 4

    def tables(self, precision: int) -> list[Table]:
        raise NotImplementedError

    def header(self, precision: int) -> str:
        return ""

    def to_text(self, precision: int | None = None) -> str:
        p = self.precision if precision is None else precision
        head = self.header(p)
        return "\n\n".join(([head] if head else []) + [t.to_text(p) for t in self.tables(p)])

    def to_markdown(self, precision: int | None = None) -> str:
        p = self.precision if precision is None else precision
        head = self.header(p)
        return "\n\n".join(([head] if head else []) + [t.to_markdown(p) for t in self.tables(p)])

    def to_html(self, precision: int | None = None) -> str:
        p = self.precision if precision is None else precision
        head = self.header(p)
        return _html.box(_html.paragraph(head) if head else "",
                         *(t.to_html(p) for t in self.tables(p)))

    def _repr_html_(self):
        return self.to_html()

    def __str__(self):
        return self.to_text()


def precision_note(precision: int, **dtypes) -> str:
    """A warning line when ``precision`` decimals are more than the named arrays' dtypes carry
    (float32: about 7 significant digits), with the way to work in float64; "" otherwise."""
    low = {name: np.dtype(dt) for name, dt in dtypes.items()
           if dt is not None and np.dtype(dt).kind == "f"
           and precision > np.finfo(dt).precision}
    if not low:
        return ""
    by_dtype: dict = {}
    for name, dt in low.items():
        by_dtype.setdefault(dt.name, []).append(name)
    names = ", ".join(f"{dt} ({', '.join(ns)})" for dt, ns in by_dtype.items())
    digits = min(np.finfo(dt).precision for dt in low.values()) + 1
    verb = "carries" if len(by_dtype) == 1 else "carry"
    return (f"Precision: {precision} decimals asked, but the values are computed in "
            f"{names}, which {verb} about {digits} significant digits: the last printed digits "
            "are rounding noise (0.05 is stored as 0.0500000007 in float32). For a hand check "
            "to more digits, work in float64: gg.set_default_dtype(gg.float64) before creating "
            "the model and the tensors, or model.double() with float64 inputs.")
