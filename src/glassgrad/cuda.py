"""``glassgrad.cuda.is_available()``, as in PyTorch."""

from .backend import gpu_available as is_available  # noqa: F401
