"""Matrix products: ``MatMul`` with NumPy's semantics, and ``Linear`` fused for the hot path."""

from ..autograd import Function
from ..backend import ADD_ROWS_FROM, add_rows, get_array_module, ones_vector
from ..errors import ShapeError
from .workspace import POOL_MIN_ITEMS, pooled


class MatMul(Function):
    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            k_b = b.shape[-2 if b.ndim > 1 else 0] if b.ndim else None
            raise ShapeError(
                f"MatMul: shapes {tuple(a.shape)} @ {tuple(b.shape)} do not fit: the last dim of "
                f"the first ({a.shape[-1] if a.ndim else 'scalar'}) must equal the "
                f"{'second-to-last' if b.ndim > 1 else 'only'} dim of the second ({k_b}). "
                "Did you mean to transpose one of them (x.T)?")
        self.a, self.b = a, b
        return a @ b

    def backward(self, gy):
        xp = get_array_module(gy)
        a, b = self.a, self.b
        # NOTE: promote 1-D operands to matrices as matmul does, then drop the added axes.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        gy2 = gy
        if b.ndim == 1:
            gy2 = gy2[..., None]
        if a.ndim == 1:
            gy2 = xp.expand_dims(gy2, -2)
        ga = gb = None
        if self.needs_grad(0):
            ga = gy2 @ xp.swapaxes(b2, -1, -2)
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if self.needs_grad(1):
            gb = xp.swapaxes(a2, -1, -2) @ gy2
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb


class Linear(Function):
    """y = x Wᵀ + b, with x (..., in), W (out, in), b (out,)."""

    # NOTE: fused (one op instead of transpose, matmul, add): it is the MLP's hot path.
    def forward(self, x, weight, bias=None):
        if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ShapeError(
                f"Linear: input has {x.shape[-1] if x.ndim else 0} features (shape "
                f"{tuple(x.shape)}) but the weight {tuple(weight.shape)} expects "
                f"{weight.shape[1]}. Check in_features, or flatten the input first.")
        self.x, self.weight = x, weight
        # NOTE: ``.dot`` for matrices: the same BLAS call as ``@`` (bit for bit) with less
        # per-call overhead, which is most of the cost at the small sizes where it matters.
        # (..., in) inputs go through it as one (samples, in) matrix: ``@`` on a stack runs one
        # small product per leading index (bench/RESULTS.md §13).
        lead = x.shape[:-1]
        if x.ndim > 2:
            x = x.reshape(-1, x.shape[-1])
        if x.ndim != 2:
            y = x @ weight.T
        elif x.shape[0] * weight.shape[0] < POOL_MIN_ITEMS:
            y = x.dot(weight.T)
        else:  # NOTE: a big output comes from the workspace pool (no page faults per step)
            xp = get_array_module(x)
            y = x.dot(weight.T, out=pooled(xp, (len(x), len(weight)), xp.result_type(x, weight)))
        if bias is not None:
            if len(y) < ADD_ROWS_FROM:  # NOTE: a small batch: add_rows would do just this
                y += bias
            else:
                add_rows(y, bias)
        return y if len(lead) < 2 else y.reshape(lead + (weight.shape[0],))

    def backward(self, gy):
        x, w, needs = self.x, self.weight, self.needs_grad
        if gy.ndim == 2:
            gx = None
            if needs(0):
                big = gy.shape[0] * w.shape[1] >= POOL_MIN_ITEMS
                gx = gy.dot(w, out=pooled(get_array_module(gy), (len(gy), w.shape[1]),
                                          gy.dtype)) if big and gy.dtype == w.dtype else gy.dot(w)
        elif gy.ndim == 1:
            gx = gy @ w if needs(0) else None
            gy, x = gy.reshape(1, -1), x.reshape(1, -1)
        else:  # (..., out): every leading position is a sample, one matrix product
            lead = gy.shape[:-1]
            gy, x = gy.reshape(-1, gy.shape[-1]), x.reshape(-1, x.shape[-1])
            gx = gy.dot(w).reshape(lead + (w.shape[1],)) if needs(0) else None
        gw = gy.T.dot(x) if needs(1) else None
        # NOTE: the column sums as a product with ones (one BLAS call): NumPy's sum over
        # axis 0 of a (N, few) array crawls (bench/RESULTS.md §13).
        gb = ones_vector(gy.shape[0], gy).dot(gy) if len(self.inputs) > 2 and needs(2) else None
        return gx, gw, gb
