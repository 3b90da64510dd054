"""``Flatten`` and ``Unflatten``: reshape between feature maps and feature vectors."""

from __future__ import annotations

from ..errors import ShapeError
from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim``..``end_dim`` into one: (N, C, H, W) -> (N, C·H·W) by default.

    The order is row-major (c, h, w), as PyTorch's, so Linear weights carry over.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28) with
    ``Unflatten(1, (1, 28, 28))``. One entry may be -1 (inferred)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.ndim
        sizes, n = self.unflattened_size, x.shape[dim]
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        if (-1 not in sizes and known != n) or (-1 in sizes and n % known):
            raise ShapeError(f"{self!r}: dim {self.dim} has {n} elements, which cannot be split "
                             f"into {sizes} (input shape {tuple(x.shape)}).")
        return x.reshape(x.shape[:dim] + sizes + x.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
