"""``LayerNorm`` as one op: the speed replacement of its composition in ``F.layer_norm``.

NOTE: fused for speed, beside the reference composition (mean, sub, mul, mean, add, sqrt, div,
mul, add: nine nodes and as many full-size temporaries). One node with the closed-form
backward runs a Transformer layer norm's forward and backward several times faster
(bench/RESULTS.md §10 W6, §13). The op
table checks it against the closed form, a test against the composition
(``layer_norm_composed``), and ``explain.graph`` shows one LayerNorm node, as the user wrote
the layer.
"""

import math

from ..autograd import Function
from ..backend import get_array_module, ones_vector, scalars


class LayerNorm(Function):
    """y = x̂·γ + β with x̂ = (x − μ)/√(σ² + ε), μ and σ² (biased) over the last ``ndim`` dims.

    Backward (per sample, n normalized values, g = ∂E/∂y · γ):
        ∂E/∂x = (g − mean(g) − x̂ · mean(g · x̂)) / √(σ² + ε)
        ∂E/∂γ = Σ_samples ∂E/∂y · x̂,   ∂E/∂β = Σ_samples ∂E/∂y
    """

    def forward(self, x, weight=None, bias=None, ndim=1, eps=1e-5):
        xp = get_array_module(x)
        n = math.prod(x.shape[x.ndim - ndim:])
        x2 = x.reshape(-1, n)  # (samples, normalized values)
        xhat = x2 - x2.mean(axis=1, keepdims=True)  # centered, then scaled in place
        var = xp.einsum("ij,ij->i", xhat, xhat)[:, None] * scalars(x, 1.0 / n)[0]
        self.rstd = 1.0 / xp.sqrt(var + scalars(x, eps)[0])
        xhat *= self.rstd
        self.xhat, self.shape, self.weight = xhat, x.shape, weight
        # NOTE: in place where the array is new: each full-size temporary costs page faults.
        y = xhat.copy() if weight is None else xhat * weight.reshape(-1)
        if bias is not None:
            y += bias.reshape(-1)
        return y.reshape(x.shape)

    def backward(self, gy):
        xhat, w = self.xhat, self.weight
        gy2 = gy.reshape(xhat.shape)
        ones = ones_vector(gy2.shape[0], gy2)
        gw = ones.dot(gy2 * xhat).reshape(w.shape) if self.needs_grad(1) else None
        gb = ones.dot(gy2).reshape(self.inputs[2].shape) if (
            len(self.inputs) > 2 and self.needs_grad(2)) else None
        gx = None
        if self.needs_grad(0):
            g = gy2 if w is None else gy2 * w.reshape(-1)
            n = xhat.shape[1]
            inv_n = scalars(g, 1.0 / n)[0]
            mean_g = g.sum(axis=1, keepdims=True) * inv_n
            mean_gx = get_array_module(g).einsum("ij,ij->i", g, xhat)[:, None] * inv_n
            gx = g - mean_g
            gx -= xhat * mean_gx
            gx *= self.rstd
            gx = gx.reshape(self.shape)
        return gx, gw, gb
