"""``ScaledDotProductAttention`` as one op: the speed replacement of the composition
softmax(Q Kᵀ · scale + mask) V in ``nn.attention_functional.attention``.

NOTE: fused for speed, beside the reference composition (permute, matmul, mul, add,
log-softmax, exp, matmul). One node that keeps the attention weights P in place and writes the
backward in closed form runs a W6 head block's forward and backward in half the time
(bench/RESULTS.md §10 W6, §13).
MultiheadAttention uses it only where PyTorch uses its fused kernel too: ``need_weights=False``
(as the Transformer layers call it) and no dropout on the weights. Asking for the weights
(``need_weights=True``, ``explain.attention_maps``) runs the composition, so every node of it
can be seen. The op table checks the two against each other.
"""

from ..autograd import Function
from ..backend import get_array_module, scalars


class ScaledDotProductAttention(Function):
    """out = P V with P = softmax(S), S = Q Kᵀ · scale + mask (mask: a constant, −∞ = left out).

    Backward, with G = ∂E/∂out:
        ∂E/∂V = Pᵀ G;   ∂E/∂P = G Vᵀ;   ∂E/∂S = P ⊙ (∂E/∂P − rowsum(∂E/∂P ⊙ P))
        ∂E/∂Q = ∂E/∂S K · scale;   ∂E/∂K = (∂E/∂S)ᵀ Q · scale
    Shapes: q (..., L, d), k (..., S, d), v (..., S, dv), mask broadcasting to (..., L, S).
    """

    def forward(self, q, k, v, mask=None, scale=1.0):
        xp = get_array_module(q)
        (c,) = scalars(q, scale)
        s = q @ xp.swapaxes(k, -1, -2)
        s *= c
        if mask is not None:
            s += mask
        s -= s.max(axis=-1, keepdims=True)  # softmax, in place: the weights P
        xp.exp(s, out=s)
        s *= 1.0 / s.sum(axis=-1, keepdims=True)
        self.q, self.k, self.v, self.p, self.scale = q, k, v, s, c
        return s @ v

    def backward(self, g):
        xp = get_array_module(g)
        q, k, v, p = self.q, self.k, self.v, self.p
        gv = xp.swapaxes(p, -1, -2) @ g if self.needs_grad(2) else None
        gs = g @ xp.swapaxes(v, -1, -2)  # ∂E/∂P, then ∂E/∂S in place
        gs -= xp.einsum("...ij,...ij->...i", gs, p)[..., None]
        gs *= p
        gs *= self.scale
        gq = gs @ k if self.needs_grad(0) else None
        gk = xp.swapaxes(gs, -1, -2) @ q if self.needs_grad(1) else None
        return gq, gk, gv
