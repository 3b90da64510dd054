"""Feature engineering transformers: ``KBinsDiscretizer`` (continuous -> classes) and
``PolynomialFeatures`` (degree-d monomials, scikit-learn's column order)."""

from __future__ import annotations

import warnings
from itertools import combinations, combinations_with_replacement

import numpy as np

from .preprocessing import Transformer


class KBinsDiscretizer(Transformer):
    """Bin each continuous feature into ``n_bins`` classes (e.g. turn a regression target into a
    classification one).

    Args:
        n_bins: bins per feature (>= 2).
        strategy: "uniform" (equal widths between min and max) or "quantile" (equal counts;
            duplicate edges from repeated values are merged, with a warning).

    ``transform`` gives int64 bin ids in [0, n_bins_ - 1] (values outside the fitted range go to
    the first/last bin); ``inverse_transform`` maps ids to bin centres. Attributes: bin_edges_
    (list of (n_bins_j + 1,) arrays), n_bins_ (F,).
    """

    def __init__(self, n_bins=5, strategy="quantile"):
        if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 2:
            raise ValueError(f"KBinsDiscretizer: n_bins must be an int >= 2, got {n_bins!r}.")
        if strategy not in ("uniform", "quantile"):
            raise ValueError(f"KBinsDiscretizer: strategy must be 'uniform' or 'quantile', got "
                             f"{strategy!r}.")
        self.n_bins, self.strategy = int(n_bins), strategy
        self.n_features_in_ = None

    def get_params(self):
        return {"n_bins": self.n_bins, "strategy": self.strategy}

    def _fit(self, X):
        self.bin_edges_ = []
        for j in range(X.shape[1]):
            col = X[:, j]
            lo, hi = col.min(), col.max()
            if lo == hi:
                warnings.warn(f"KBinsDiscretizer: feature {j} is constant; it gets a single bin.",
                              stacklevel=3)
                edges = np.array([lo - 0.5, hi + 0.5])
            elif self.strategy == "uniform":
                edges = np.linspace(lo, hi, self.n_bins + 1)
            else:
                edges = np.quantile(col, np.linspace(0.0, 1.0, self.n_bins + 1))
                unique = np.unique(edges)
                if len(unique) < len(edges):
                    warnings.warn(f"KBinsDiscretizer: feature {j} has repeated values; "
                                  f"{len(edges) - len(unique)} empty quantile bins were merged.",
                                  stacklevel=3)
                edges = unique
            self.bin_edges_.append(edges)
        self.n_bins_ = np.array([len(e) - 1 for e in self.bin_edges_])

    def transform(self, X):
        self._check_fitted("transform")
        arr, info = self._prepare(X, "transform")
        self._check_width(arr, "transform")
        out = np.empty(arr.shape, dtype=np.int64)
        for j, edges in enumerate(self.bin_edges_):
            # inner edges only: x < e1 -> 0, ..., x >= e_{k-1} -> k - 1 (the max lands in k - 1)
            out[:, j] = np.searchsorted(edges[1:-1], arr[:, j], side="right")
        return self._finish(out, info, dtype=np.int64)

    def _inverse(self, X):
        self._check_width(X, "inverse_transform")
        out = np.empty(X.shape)
        for j, edges in enumerate(self.bin_edges_):
            centres = (edges[:-1] + edges[1:]) / 2
            ids = X[:, j].astype(np.int64)
            if ids.min() < 0 or ids.max() >= len(centres):
                raise ValueError(f"KBinsDiscretizer.inverse_transform: column {j} has bin ids "
                                 f"outside [0, {len(centres) - 1}].")
            out[:, j] = centres[ids]
        return out


class PolynomialFeatures(Transformer):
    """All monomials of the features up to ``degree``, in scikit-learn's order.

    For two features and degree 2: ``1, x1, x2, x1^2, x1 x2, x2^2`` (bias first if
    ``include_bias``). ``interaction_only`` keeps products of distinct features only.
    ``inverse_transform`` returns the degree-1 columns (the original features).

    Shapes: (N, F) -> (N, n_output_features_). ``powers_`` is (n_output_features_, F).
    """

    def __init__(self, degree=2, interaction_only=False, include_bias=True):
        if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or degree < 1:
            raise ValueError(f"PolynomialFeatures: degree must be an int >= 1, got {degree!r}.")
        self.degree, self.interaction_only = int(degree), bool(interaction_only)
        self.include_bias = bool(include_bias)
        self.n_features_in_ = None

    def get_params(self):
        return {"degree": self.degree, "interaction_only": self.interaction_only,
                "include_bias": self.include_bias}

    def _fit(self, X):
        F = X.shape[1]
        combos = combinations if self.interaction_only else combinations_with_replacement
        terms = [()] if self.include_bias else []
        for d in range(1, self.degree + 1):
            terms.extend(combos(range(F), d))
        self._terms = terms
        self.powers_ = np.array([np.bincount(t, minlength=F) for t in terms], dtype=np.int64)
        self.n_output_features_ = len(terms)

    def _transform(self, X):
        out = np.empty((len(X), len(self._terms)))
        for i, t in enumerate(self._terms):
            out[:, i] = np.prod(X[:, list(t)], axis=1) if t else 1.0
        return out

    def _inverse(self, X):
        self._check_width(X, "inverse_transform", self.n_output_features_)
        cols = [self._terms.index((j,)) for j in range(self.n_features_in_)]
        return X[:, cols]

    def get_feature_names_out(self, input_features=None) -> list[str]:
        """Names like ``["1", "x0", "x1", "x0^2", "x0 x1", "x1^2"]``."""
        self._check_fitted("get_feature_names_out")
        names = input_features or [f"x{j}" for j in range(self.n_features_in_)]
        out = []
        for row in self.powers_:
            parts = [names[j] if p == 1 else f"{names[j]}^{p}" for j, p in enumerate(row) if p]
            out.append(" ".join(parts) or "1")
        return out
