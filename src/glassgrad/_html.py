"""HTML for notebooks: the one place that writes the tables glassgrad objects display in Jupyter.

Every ``_repr_html_`` (Tensor, Module, History, the explain results) is built from these pieces:
text is always escaped, styles are inline (notebook front ends strip ``<style>`` and classes
differ), colours are inherited or half-transparent grey so the same HTML reads on light and dark
themes, and there is no JavaScript.
"""

from __future__ import annotations

import html

import numpy as np

# NOTE: no colour is ever set: text inherits the theme's; rules and shading are grey at partial
# opacity, which reads on white and on black backgrounds alike.
RULE = "1px solid rgba(127, 127, 127, 0.45)"
SHADE = "rgba(127, 127, 127, 0.12)"
TABLE = ("border-collapse: collapse; margin: 0.3em 0; font-size: 0.9em; color: inherit; "
         "background: transparent; font-variant-numeric: tabular-nums;")
CELL = "padding: 0.15em 0.6em;"
HEAD = f"{CELL} border-bottom: {RULE}; background: {SHADE}; font-weight: 600;"
CAPTION = "caption-side: top; text-align: left; font-weight: 600; padding: 0.2em 0; color: inherit;"
NOTE = "margin: 0.2em 0 0.6em 0; font-size: 0.85em; opacity: 0.8; color: inherit;"
BOX = "display: inline-block; max-width: 100%; overflow-x: auto; color: inherit;"

esc = html.escape


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def table(columns, rows, caption: str = "", note: str = "") -> str:
    """A styled ``<table>``: every header and cell is ``str()``-ed and escaped.

    A column of numbers is right-aligned (header included), any other column left-aligned.
    """
    rows = [[str(c) for c in row] for row in rows]
    filler = ("", "—", "…", "⋮")
    numeric = [j > 0 and any(r[j] not in filler for r in rows if j < len(r))
               and all(_is_number(r[j]) for r in rows if j < len(r) and r[j] not in filler)
               for j in range(len(columns))]

    def align(j):
        return "right" if j < len(numeric) and numeric[j] else "left"

    head = "".join(f'<th style="{HEAD} text-align: {align(j)};">{esc(str(c))}</th>'
                   for j, c in enumerate(columns))
    body = "".join(f'<tr style="border-bottom: {RULE};">' + "".join(
        f'<td style="{CELL} text-align: {align(j)};">{esc(c)}</td>' for j, c in enumerate(row))
        + "</tr>" for row in rows)
    cap = f'<caption style="{CAPTION}">{esc(caption)}</caption>' if caption else ""
    out = (f'<table style="{TABLE}">{cap}<thead><tr>{head}</tr></thead>'
           f"<tbody>{body}</tbody></table>")
    if note:
        out += paragraph(note, NOTE)
    return out


def paragraph(text: str, style: str = "margin: 0.2em 0; color: inherit;") -> str:
    return f'<p style="{style}">{esc(text)}</p>'


def box(*parts: str) -> str:
    """Wrap already-built HTML parts in one scrollable block."""
    return f'<div style="{BOX}">' + "".join(parts) + "</div>"


def _fmt(v, kind: str) -> str:
    if kind == "b":
        return str(bool(v))
    if kind in "iu":
        return str(int(v))
    if kind == "c":
        return f"{complex(v):.4g}"
    return f"{float(v):.4g}"


def _keep(n: int, k: int) -> list:
    """Indices 0..n-1, or the first and last k/2 with None marking the gap."""
    return list(range(n)) if n <= k else list(range(k // 2)) + [None] + list(
        range(n - (k - k // 2), n))


def array_table(a, max_rows: int = 10, max_cols: int = 10, to_host=np.asarray):
    """(columns, rows) showing a 0-, 1- or 2-D array, the middle elided with "…".

    ``to_host`` copies the selected part to NumPy (only what is shown leaves a GPU).
    """
    kind = a.dtype.kind
    if a.ndim == 0:
        return ["value"], [[_fmt(to_host(a), kind)]]
    m = a.reshape(1, -1) if a.ndim == 1 else a
    rows_at, cols_at = _keep(m.shape[0], max_rows), _keep(m.shape[1], max_cols)
    sel = to_host(m[[i for i in rows_at if i is not None]][:, [j for j in cols_at
                                                               if j is not None]])
    header = [""] + ["…" if j is None else str(j) for j in cols_at]
    rows, r = [], 0
    for i in rows_at:
        if i is None:
            rows.append(["⋮"] * (len(cols_at) + 1))
            continue
        cells, c = ["" if a.ndim == 1 else str(i)], 0
        for j in cols_at:
            if j is None:
                cells.append("…")
            else:
                cells.append(_fmt(sel[r, c], kind))
                c += 1
        rows.append(cells)
        r += 1
    return header, rows


def tensor_html(t) -> str:
    """A Tensor: shape, dtype, device, grad_fn / requires_grad, and a truncated value table."""
    from .backend import to_numpy

    facts = [f"shape {tuple(t.shape)}", f"dtype {t.dtype}"]
    if t.device != "cpu":
        facts.append(f"device {t.device}")
    if t.grad_fn is not None:
        facts.append(f"grad_fn <{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        facts.append("requires_grad")
    if getattr(t, "name", None):
        facts.append(f"name {t.name}")
    view, lead = t.data, ()
    while view.ndim > 2:                       # a batch of matrices: show the first matrix
        view, lead = view[0], lead + (0,)
    columns, rows = array_table(view, to_host=to_numpy)
    note = f"showing [{', '.join(map(str, lead))}, :, :] of {tuple(t.shape)}" if lead else ""
    return box(table(columns, rows, caption="Tensor  ·  " + "  ·  ".join(facts), note=note))
