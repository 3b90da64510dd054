"""CSV tables into NumPy arrays: ``X, y = load_csv("iris.csv", target="species")``."""

from __future__ import annotations

import csv
import os

import numpy as np

_MISSING = {"", "na", "nan", "null", "none", "?"}


def _number(cell: str, line: int, name: str, col: int, path: str) -> float:
    text = cell.strip()
    if text.lower() in _MISSING:
        return np.nan
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"load_csv({path!r}): row {line}, column {name!r} (index {col}): cannot "
                         f"parse {cell!r} as a number. Fix or drop that cell, or make that column "
                         "the target (text targets are encoded as classes).") from None


def _target_index(target, names: list[str], path: str) -> int | None:
    if target is None:
        return None
    if isinstance(target, str):
        if target not in names:
            raise KeyError(f"load_csv({path!r}): no column named {target!r}; the columns are "
                           f"{names}.")
        return names.index(target)
    n = len(names)
    if not -n <= int(target) < n:
        raise IndexError(f"load_csv({path!r}): target index {target} out of range for {n} "
                         "columns.")
    return int(target) % n


def load_csv(path, target=-1, delimiter=",", header=True, dtype=np.float32, target_dtype=None,
             return_info=False):
    """Read a numeric CSV table into feature and target arrays.

    Args:
        path: the CSV file.
        target: the target column, by name (needs ``header``) or index (-1 = last); None returns
            ``y = None`` and every column in X.
        delimiter: the cell separator ("," or ";" or "\\t").
        header: the first non-blank row holds column names (else they are "col0", "col1", ...).
        dtype: dtype of X (float32).
        target_dtype: dtype of y; None picks int64 if every target value is a whole number (class
            labels), else ``dtype``. A non-numeric target column is encoded as class ids 0..C-1 in
            sorted order of the labels (``info["classes"]``).
        return_info: also return ``info`` = {"feature_names", "target_name", "classes"}.

    Returns:
        ``X`` (N, F) and ``y`` (N,) (and ``info`` with ``return_info``). Empty cells and
        NA/NaN/null/? become NaN (the preprocessing scalers then name the column).

    Raises:
        FileNotFoundError: no such file. ValueError: an empty file, a row with a different
        number of cells than the header (ragged), or a cell that is not a number (row and column
        named). KeyError/IndexError: an unknown target column.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_csv: no file {path!r} (working directory "
                                f"{os.getcwd()!r}).")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not rows or (header and len(rows) == 1):
        raise ValueError(f"load_csv({path!r}): the file has no data rows.")
    if header:
        names = [c.strip() for c in rows[0][1]]
        rows = rows[1:]
    else:
        names = [f"col{i}" for i in range(len(rows[0][1]))]
    width = len(names)
    for line, row in rows:
        if len(row) != width:
            raise ValueError(f"load_csv({path!r}): row {line} has {len(row)} cells, expected "
                             f"{width} like the {'header' if header else 'first row'} (ragged "
                             f"rows; is delimiter={delimiter!r} right?).")
    t = _target_index(target, names, path)
    feats = [c for c in range(width) if c != t]
    X = np.array([[_number(row[c], line, names[c], c, path) for c in feats] for line, row in rows],
                 dtype=np.float64).reshape(len(rows), len(feats))
    y, classes = None, None
    if t is not None:
        cells = [row[t].strip() for _, row in rows]
        try:
            values = np.array([float(c) for c in cells])
        except ValueError:
            classes, ids = np.unique(np.array(cells), return_inverse=True)
            y, classes = ids.astype(np.int64), classes.tolist()
        else:
            if target_dtype is None:
                whole = np.isfinite(values).all() and (values == np.round(values)).all()
                target_dtype = np.int64 if whole else dtype
            y = values.astype(target_dtype)
    X = X.astype(dtype)
    if return_info:
        info = {"feature_names": [names[c] for c in feats],
                "target_name": None if t is None else names[t], "classes": classes}
        return X, y, info
    return X, y
