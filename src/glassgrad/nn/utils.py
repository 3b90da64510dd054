"""``glassgrad.nn.utils``: PyTorch's home for gradient clipping (implemented in ``optim.clip``)."""

from ..optim.clip import clip_grad_norm_, clip_grad_value_  # noqa: F401
