"""``Dropout``: inverted dropout, active only in training mode."""

from __future__ import annotations

from . import functional as F
from .inputs import check_probability
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training and scale the rest by 1/(1−p), so
    nothing changes at evaluation (``model.eval()`` makes it the identity). The mask comes from
    glassgrad's seeded generator."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        check_probability("Dropout", "p", p)
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
