"""Feature scaling and label encoding with scikit-learn's names and fit/transform protocol.

Every transformer takes NumPy arrays or Tensors of shape (N, F) (a 1-d (N,) input is one
feature) and returns the same kind and shape family: Tensors in give (detached) Tensors out, on
the same device. ``transform`` before ``fit`` and NaN inputs raise clear errors.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_device, to_numpy
from ..errors import GlassgradError, ShapeError
from ..tensor import Tensor, get_default_dtype


class NotFittedError(GlassgradError, RuntimeError):
    """``transform`` / ``inverse_transform`` called before ``fit``."""


class Transformer:
    """Base class: subclasses implement ``_fit(X)``, ``_transform(X)``, ``_inverse(X)`` on float64
    (N, F) NumPy arrays; this class converts inputs and outputs and checks the protocol."""

    _fitted_attr = "n_features_in_"

    # ---------------------------------------------------------------- input / output plumbing
    def _prepare(self, x, method: str, check_nan: bool = True):
        device = x.device if isinstance(x, Tensor) else None
        arr = to_numpy(x.data) if isinstance(x, Tensor) else np.asarray(x)
        was_1d = arr.ndim == 1
        if arr.ndim not in (1, 2):
            raise ShapeError(f"{type(self).__name__}.{method}: expected (N, features) or (N,), "
                             f"got shape {arr.shape}. Flatten images with X.reshape(len(X), -1).")
        arr2 = arr.reshape(-1, 1) if was_1d else arr
        if check_nan and arr2.dtype.kind in "fc":
            bad = np.isnan(arr2)
            if bad.any():
                col = int(np.flatnonzero(bad.any(axis=0))[0])
                rows = np.flatnonzero(bad[:, col])[:5].tolist()
                raise ValueError(f"{type(self).__name__}.{method}: input has NaN in column {col} "
                                 f"(rows {rows}{'...' if bad[:, col].sum() > 5 else ''}). "
                                 "Impute or drop the missing values first.")
        info = (device, was_1d, arr.dtype)
        return arr2, info

    @staticmethod
    def _out_dtype(dtype):
        return dtype if dtype.kind == "f" else get_default_dtype()

    def _finish(self, out: np.ndarray, info, dtype=None):
        device, was_1d, in_dtype = info
        out = out.astype(dtype or self._out_dtype(in_dtype), copy=False)
        if was_1d and out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if device is not None:
            return Tensor._make(to_device(out, device), None)
        return out

    def _check_fitted(self, method: str) -> None:
        if getattr(self, self._fitted_attr, None) is None:
            raise NotFittedError(f"{type(self).__name__}.{method} called before fit; call "
                                 "fit(X) or fit_transform(X) first (on the training data).")

    def _check_width(self, arr: np.ndarray, method: str, width: int | None = None) -> None:
        width = self.n_features_in_ if width is None else width
        if arr.shape[1] != width:
            raise ShapeError(f"{type(self).__name__}.{method}: fitted on {width} features, got "
                             f"{arr.shape[1]}.")

    # ---------------------------------------------------------------- public protocol
    def fit(self, X, y=None):
        """Learn the transform's parameters from ``X`` (N, F). Returns self."""
        arr, _ = self._prepare(X, "fit")
        if len(arr) == 0:
            raise ValueError(f"{type(self).__name__}.fit: X has no samples.")
        self.n_features_in_ = arr.shape[1]
        self._fit(arr)
        return self

    def transform(self, X):
        self._check_fitted("transform")
        arr, info = self._prepare(X, "transform")
        self._check_width(arr, "transform")
        return self._finish(self._transform(arr), info)

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        self._check_fitted("inverse_transform")
        arr, info = self._prepare(X, "inverse_transform")
        return self._finish(self._inverse(arr), info)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def get_params(self) -> dict:
        return {}


class MinMaxScaler(Transformer):
    """Scale each feature to ``feature_range`` (default [0, 1]):
    ``x' = (x - min) / (max - min) * (hi - lo) + lo``. Constant features map to ``lo``.

    Attributes (after fit): data_min_, data_max_, data_range_, scale_, min_ (all (F,)), with
    ``x' = x * scale_ + min_``.
    """

    def __init__(self, feature_range=(0.0, 1.0), clip=False):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: feature_range must be (low, high) with low < high, "
                             f"got {feature_range}.")
        self.feature_range, self.clip = (float(lo), float(hi)), bool(clip)
        self.n_features_in_ = None

    def get_params(self):
        return {"feature_range": self.feature_range, "clip": self.clip}

    def _fit(self, X):
        lo, hi = self.feature_range
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        safe = np.where(self.data_range_ == 0, 1.0, self.data_range_)
        self.scale_ = (hi - lo) / safe
        self.min_ = lo - self.data_min_ * self.scale_

    def _transform(self, X):
        out = X * self.scale_ + self.min_
        return np.clip(out, *self.feature_range) if self.clip else out

    def _inverse(self, X):
        self._check_width(X, "inverse_transform")
        return (X - self.min_) / self.scale_


class StandardScaler(Transformer):
    """Standardize each feature: ``x' = (x - mean) / std`` (population std, ddof=0).

    Constant features get std 1 (they become 0). Attributes: mean_, var_, scale_ (F,).
    """

    def __init__(self, with_mean=True, with_std=True):
        self.with_mean, self.with_std = bool(with_mean), bool(with_std)
        self.n_features_in_ = None

    def get_params(self):
        return {"with_mean": self.with_mean, "with_std": self.with_std}

    def _fit(self, X):
        self.mean_ = X.mean(axis=0) if self.with_mean else np.zeros(X.shape[1])
        self.var_ = X.var(axis=0)
        std = np.sqrt(self.var_)
        self.scale_ = np.where(std == 0, 1.0, std) if self.with_std else np.ones(X.shape[1])

    def _transform(self, X):
        return (X - self.mean_) / self.scale_

    def _inverse(self, X):
        self._check_width(X, "inverse_transform")
        return X * self.scale_ + self.mean_


class OneHotEncoder(Transformer):
    """Class labels -> one-hot rows, and back.

    ``fit(y)`` learns ``categories_`` (sorted unique labels of each column; labels may be ints or
    strings). ``transform(y)`` of shape (N,) gives (N, C) float32 with a 1 at the label's index;
    several columns (N, F) give their one-hot blocks side by side. ``inverse_transform`` takes
    one-hot rows, or scores/probabilities, and returns the label of the largest entry per block.

    Args:
        handle_unknown: "error" (default) raises on labels not seen in fit; "ignore" encodes them
            as all-zero rows.
    """

    _fitted_attr = "categories_"

    def __init__(self, handle_unknown="error"):
        if handle_unknown not in ("error", "ignore"):
            raise ValueError(f"OneHotEncoder: handle_unknown must be 'error' or 'ignore', got "
                             f"{handle_unknown!r}.")
        self.handle_unknown = handle_unknown
        self.categories_ = None

    def get_params(self):
        return {"handle_unknown": self.handle_unknown}

    def fit(self, y, _=None):
        arr, info = self._prepare(y, "fit")
        self._was_1d = info[1]
        self.n_features_in_ = arr.shape[1]
        self.categories_ = [np.unique(arr[:, j]) for j in range(arr.shape[1])]
        return self

    def transform(self, y):
        self._check_fitted("transform")
        arr, info = self._prepare(y, "transform")
        self._check_width(arr, "transform")
        blocks = []
        for j, cats in enumerate(self.categories_):
            col = arr[:, j]
            pos = np.clip(np.searchsorted(cats, col), 0, len(cats) - 1)
            known = cats[pos] == col
            if not known.all() and self.handle_unknown == "error":
                bad = col[~known][:5].tolist()
                raise ValueError(f"OneHotEncoder.transform: column {j} has labels {bad} not seen "
                                 f"in fit (known: {cats.tolist()}). Use handle_unknown='ignore' "
                                 "to encode them as zeros.")
            block = np.zeros((len(col), len(cats)))
            block[np.flatnonzero(known), pos[known]] = 1.0
            blocks.append(block)
        out = np.concatenate(blocks, axis=1)
        return self._finish(out, (info[0], False, info[2]), dtype=get_default_dtype())

    def inverse_transform(self, Y):
        self._check_fitted("inverse_transform")
        arr, info = self._prepare(Y, "inverse_transform")
        self._check_width(arr, "inverse_transform", sum(len(c) for c in self.categories_))
        cols, start = [], 0
        for cats in self.categories_:
            block = arr[:, start:start + len(cats)]
            cols.append(cats[block.argmax(axis=1)])
            start += len(cats)
        out = np.stack(cols, axis=1)
        if self._was_1d:
            out = out[:, 0]
        if info[0] is not None and out.dtype.kind in "biuf":
            return Tensor._make(to_device(out, info[0]), None)
        return out
