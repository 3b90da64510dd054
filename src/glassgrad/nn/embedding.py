"""``Embedding``: a learnable lookup table from token ids to vectors."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..creation import empty
from ..ops.embedding import Embedding as _Lookup
from ..tensor import Tensor
from . import init
from .inputs import check_sizes
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """Row ``i`` of ``weight`` is the vector of token ``i``: y[...] = weight[indices[...]].

    Shapes: indices any shape (ints in [0, num_embeddings)) → (*indices.shape, embedding_dim);
    weight (num_embeddings, embedding_dim), initialised N(0, 1) as in PyTorch.

    Args:
        padding_idx: a token id whose row is initialised to 0 and never gets a gradient (so
            padding tokens stay the zero vector). Negative values count from the end.
    """

    _index_input = True  # NOTE: lists and arrays of ids are converted as integers (nn/inputs)

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype=None, _weight=None):
        super().__init__()
        check_sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within [-{num_embeddings}, "
                                 f"{num_embeddings}), got {padding_idx}.")
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype))
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None):
        """An Embedding holding the (N, D) matrix ``embeddings``; frozen unless ``freeze=False``."""
        data = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        m = cls(data.shape[0], data.shape[1], padding_idx=padding_idx, _weight=Tensor(data))
        m.weight.requires_grad = not freeze
        return m

    def forward(self, indices):
        data = indices.data if isinstance(indices, Tensor) else indices
        if not hasattr(data, "dtype"):
            data = np.asarray(data)
        if data.dtype.kind not in "iu":
            raise TypeError(f"Embedding: token ids must be integers, got dtype {data.dtype}. "
                            "Use .long() (or build the ids with an integer dtype).")
        if data.size:
            lo, hi = int(to_numpy(data.min())), int(to_numpy(data.max()))
            if lo < 0 or hi >= self.num_embeddings:
                raise IndexError(
                    f"Embedding({self.num_embeddings}, {self.embedding_dim}): token id "
                    f"{hi if hi >= self.num_embeddings else lo} is out of range [0, "
                    f"{self.num_embeddings}). Is the vocabulary larger than num_embeddings?")
        return _Lookup.apply(self.weight, data, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
