"""Table lookup: ``Embedding`` picks rows of a weight matrix by integer index."""

from ..autograd import Function
from ..backend import get_array_module, scatter_add


class Embedding(Function):
    """y[..., :] = weight[indices[...], :]; weight (N, D), indices any shape of ints in [0, N).

    Backward scatter-adds each output row's gradient into the row it was read from (a token that
    appears twice gets both gradients); the ``padding_idx`` row gets no gradient, as in PyTorch.
    """

    hint = "indices must be integers in [0, num_embeddings)."

    def forward(self, weight, indices, padding_idx=None):
        xp = get_array_module(weight)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got dtype {indices.dtype}. "
                            "Convert token ids with .long().")
        n = weight.shape[0]
        bad = indices[(indices < 0) | (indices >= n)] if indices.size else indices[:0]
        if bad.size:
            raise IndexError(f"Embedding: index {int(bad.ravel()[0])} is out of range for {n} "
                             f"embeddings (valid: 0 … {n - 1}).")
        self.indices, self.shape, self.padding_idx = indices, weight.shape, padding_idx
        return xp.take(weight, indices, axis=0)

    def backward(self, gy):
        xp = get_array_module(gy)
        gw = xp.zeros(self.shape, dtype=gy.dtype)
        scatter_add(gw, self.indices.ravel(), gy.reshape(-1, self.shape[1]))
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw, None
