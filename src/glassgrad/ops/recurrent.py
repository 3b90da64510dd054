"""Recurrent layers as fused ops: one direction of one RNN/LSTM/GRU layer is ONE graph node.

Every op here takes the whole time-major input ``x`` (T, B, I), the initial state(s) (B, H) and the
layer's weights in PyTorch's layout (``w_ih`` (G·H, I), ``w_hh`` (G·H, H), biases (G·H,), G = 1, 4
or 3 gates), runs the time loop in ``forward`` and backpropagation through time in ``backward``.
The output is one packed array: the outputs of every step, then the final state(s):
``RNNSequence``/``GRUSequence`` → (T + 1, B, H) = [out_0 … out_{T-1}, h_n];
``LSTMSequence`` → (T + 2, B, H) = [out_0 … out_{T-1}, h_n, c_n]. Slice it apart with ``y[:T]``,
``y[T]``, ``y[T + 1]`` (``glassgrad.nn.recurrent`` does that for you). A single cell step is the
same op with T = 1.

``lengths`` (B ints, each ≤ T) marks the valid prefix of each padded sequence: at padded steps the
state is carried unchanged and the output is 0, so padding changes neither outputs nor gradients.
``reverse=True`` runs from t = T-1 down to 0 (the backward direction of a bidirectional layer);
with ``lengths`` each sequence then starts at its own last valid step, as PyTorch's packed
sequences do.

# NOTE: why fused (measured with bench/rnn_fusion.py, bench/RESULTS.md §13): the whole-sequence
# op beats both primitive ops and a fused cell op per step. It pays three ways: the input
# projection of all T steps is one big matmul (and so are dW_ih, dW_hh and dx in backward:
# only h @ W_hhᵀ and dgates @ W_hh stay inside the loop); all gates come from one matmul; the
# engine walks 1 node instead of ~20·T.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, ones_vector
from ..errors import ShapeError
from .workspace import pooled


def _sigmoid_(a):
    """a ← σ(a) = 1 / (1 + e^{−a}) in place: ``elementwise.sigmoid`` without temporaries (the
    gates of every time step; bench/rnn_fusion.py), the same bits (tests/test_ops_table.py)."""
    xp = get_array_module(a)
    xp.negative(a, out=a)
    xp.exp(a, out=a)  # overflows to inf for a < -88 (float32): 1 / (1 + inf) = 0, as it should
    a += 1
    xp.reciprocal(a, out=a)
    return a


def _tanh_(a):
    """a ← tanh(a) = 2σ(2a) − 1 in place, through ``_sigmoid_``: NumPy's float32 exp is
    vectorised and its tanh is not (bench/RESULTS.md §13)."""
    a *= 2
    _sigmoid_(a)
    a *= 2
    a -= 1
    return a


def _check(name, x, states, w_ih, w_hh, gates, lengths):
    """Shape checks shared by the three ops; returns (T, B, H)."""
    if x.ndim != 3:
        raise ShapeError(f"{name}: x must be time-major (T, B, input_size), got {tuple(x.shape)}.")
    T, B, n_in = x.shape
    if T == 0:  # NOTE: as PyTorch; an empty batch (B = 0) is fine and gives empty outputs
        raise ShapeError(f"{name}: the sequence has length 0 (x has shape {tuple(x.shape)}); "
                         "an RNN needs at least one time step. Drop empty sequences first.")
    H = w_hh.shape[1]
    if w_ih.shape != (gates * H, n_in) or w_hh.shape != (gates * H, H):
        raise ShapeError(
            f"{name}: expected w_ih ({gates * H}, {n_in}) and w_hh ({gates * H}, {H}) for input "
            f"size {n_in}, got {tuple(w_ih.shape)} and {tuple(w_hh.shape)}.")
    for label, s in states:
        if s.shape != (B, H):
            raise ShapeError(f"{name}: initial state {label} must be ({B}, {H}) = (batch, hidden),"
                             f" got {tuple(s.shape)}.")
    if lengths is not None and (len(lengths) != B or max(lengths) > T or min(lengths) < 1):
        raise ValueError(f"{name}: lengths must be {B} ints in [1, {T}], got {list(lengths)}.")
    return T, B, H


def _project(x, w_ih, b_ih, b_add):
    """The input projection of every time step in one matmul: (T, B, I) → (T, B, G·H), plus
    both biases, added once as their sum (one pass over the big array instead of two)."""
    T, B, n_in = x.shape
    xp = get_array_module(x)
    proj = pooled(xp, (T * B, w_ih.shape[0]), np.result_type(x.dtype, w_ih.dtype))
    xp.matmul(x.reshape(T * B, n_in), w_ih.T, out=proj)
    bias = b_ih if b_add is None else b_add if b_ih is None else b_ih + b_add
    if bias is not None:
        proj += bias
    return proj.reshape(T, B, w_ih.shape[0])  # NOTE: not -1: NumPy cannot infer it for B = 0


def _recurrent_weight(w_hh):
    """W_hhᵀ as a C-contiguous copy, made once per sequence: BLAS multiplies h @ W_hhᵀ faster
    from it than from the transposed view (bench/RESULTS.md §14), T times per forward."""
    return get_array_module(w_hh).ascontiguousarray(w_hh.T)


def _mask(lengths, T, xp):
    """(T, B, 1) booleans, True at valid steps; None without lengths."""
    if lengths is None:
        return None
    return (xp.arange(T)[:, None] < xp.asarray(lengths)[None, :])[..., None]


def _param_grads(self, dgx, x, w_ih, dgh, hprev):
    """Gradients of x, w_ih, w_hh, b_ih, b_hh from the per-step pre-activation gradients, each one
    big matmul over all T·B rows. ``dgh`` is what reached h @ W_hhᵀ (+ b_hh); for RNN and LSTM it
    is ``dgx`` itself, and then ∂E/∂b_hh = ∂E/∂b_ih is summed once."""
    T, B, n_in = x.shape
    dgx2 = dgx.reshape(T * B, dgx.shape[-1])  # NOTE: not -1, which fails for B = 0
    dgh2 = dgh.reshape(T * B, dgh.shape[-1])
    dx = (dgx2 @ w_ih).reshape(x.shape) if self.needs_grad(0) else None
    dw_ih = dgx2.T @ x.reshape(T * B, n_in) if self.needs_grad(self.W_IH) else None
    H = hprev.shape[-1]
    dw_hh = dgh2.T @ hprev.reshape(T * B, H) if self.needs_grad(self.W_IH + 1) else None
    ones = ones_vector(T * B, dgx2)  # Σ over rows as ones @ g: one GEMV, as Linear's bias
    db_ih = ones @ dgx2 if self.needs_grad(self.W_IH + 2) else None
    db_hh = None
    if self.needs_grad(self.W_IH + 3):
        db_hh = db_ih.copy() if dgh is dgx and db_ih is not None else ones @ dgh2
    return dx, dw_ih, dw_hh, db_ih, db_hh


class RNNSequence(Function):
    """Elman RNN layer: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu.

    Inputs: x (T, B, I), h0 (B, H), w_ih (H, I), w_hh (H, H), b_ih (H,), b_hh (H,) (or None).
    Output: (T + 1, B, H) = [outputs, h_n].
    """

    W_IH = 2  # index of w_ih among the inputs

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh",
                lengths=None, reverse=False):
        T, B, H = _check("RNNSequence", x, [("h", h0)], w_ih, w_hh, 1, lengths)
        xp = get_array_module(x)
        act = xp.tanh if nonlinearity == "tanh" else None
        acts = _project(x, w_ih, b_ih, b_hh)
        mask = _mask(lengths, T, xp)
        y = pooled(xp, (T + 1, B, H), acts.dtype)  # every row is written below
        hprev = pooled(xp, acts.shape, acts.dtype)
        h, w_hh_t = h0, _recurrent_weight(w_hh)
        with np.errstate(over="ignore"):
            for t in (range(T - 1, -1, -1) if reverse else range(T)):
                hprev[t] = h
                a = acts[t]
                a += h @ w_hh_t
                if act is None:
                    xp.maximum(a, 0, out=a)
                else:
                    _tanh_(a)
                if mask is None:
                    y[t] = h = a
                else:
                    xp.multiply(a, mask[t], out=y[t])
                    h = xp.where(mask[t], a, h)
        y[T] = h
        self.x, self.w_ih, self.w_hh, self.hprev, self.acts = x, w_ih, w_hh, hprev, acts
        self.mask, self.reverse, self.relu = mask, reverse, act is None
        return y

    def backward(self, gy):
        acts, mask, w_hh = self.acts, self.mask, self.w_hh
        T = acts.shape[0]
        deriv = (acts > 0).astype(acts.dtype) if self.relu else 1 - acts * acts
        da = gy[:T] * deriv if mask is None else gy[:T] * deriv * mask  # output part of every step
        dh = gy[T]
        for t in (range(T) if self.reverse else range(T - 1, -1, -1)):
            if mask is None:
                da[t] += dh * deriv[t]
                dh = da[t] @ w_hh
            else:
                da[t] += dh * deriv[t] * mask[t]
                dh = da[t] @ w_hh + dh * ~mask[t]
        grads = _param_grads(self, da, self.x, self.w_ih, da, self.hprev)
        return grads[0], dh, *grads[1:]


class LSTMSequence(Function):
    """LSTM layer, PyTorch's gate order i, f, g, o:
    i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (split in 4 along H);
    c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t).

    Inputs: x (T, B, I), h0, c0 (B, H), w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H,) (or None).
    Output: (T + 2, B, H) = [outputs, h_n, c_n].
    """

    W_IH = 3

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, lengths=None, reverse=False):
        T, B, H = _check("LSTMSequence", x, [("h", h0), ("c", c0)], w_ih, w_hh, 4, lengths)
        xp = get_array_module(x)
        acts = _project(x, w_ih, b_ih, b_hh)  # becomes [i, f, g, o] after the activations
        mask = _mask(lengths, T, xp)
        y = pooled(xp, (T + 2, B, H), acts.dtype)  # every row is written below
        hprev, cprev, tcs = (pooled(xp, (T, B, H), acts.dtype) for _ in range(3))
        h, c, w_hh_t = h0, c0, _recurrent_weight(w_hh)
        with np.errstate(over="ignore"):
            for t in (range(T - 1, -1, -1) if reverse else range(T)):
                hprev[t], cprev[t] = h, c
                a = acts[t]
                a += h @ w_hh_t
                g = a[:, 2 * H:3 * H]
                g *= 2  # tanh(g) = 2σ(2g) − 1: one exp over all four gates
                _sigmoid_(a)
                g *= 2
                g -= 1
                c_new = a[:, H:2 * H] * c
                c_new += a[:, :H] * g
                tc = tcs[t]
                tc[...] = c_new
                _tanh_(tc)
                if mask is None:
                    h, c = xp.multiply(a[:, 3 * H:], tc, out=y[t]), c_new
                else:
                    h_new = a[:, 3 * H:] * tc
                    xp.multiply(h_new, mask[t], out=y[t])
                    h, c = xp.where(mask[t], h_new, h), xp.where(mask[t], c_new, c)
        y[T], y[T + 1] = h, c
        self.x, self.w_ih, self.w_hh, self.acts = x, w_ih, w_hh, acts
        self.hprev, self.cprev, self.tcs, self.mask, self.reverse = hprev, cprev, tcs, mask, reverse
        return y

    def backward(self, gy):
        acts, tcs, cprev, mask, w_hh = self.acts, self.tcs, self.cprev, self.mask, self.w_hh
        T, H = acts.shape[0], w_hh.shape[1]
        xp = get_array_module(gy)
        dacts = pooled(xp, acts.shape, acts.dtype)
        dh, dc = gy[T], gy[T + 1]
        one = xp.ones((), dtype=acts.dtype)
        # NOTE: the local derivatives are formed step by step, not for all T at once: the
        # (B, 4H) block of one step stays in cache (bench/RESULTS.md §14).
        for t in (range(T) if self.reverse else range(T - 1, -1, -1)):
            dh_t = dh + gy[t]
            if mask is not None:
                dh_pass, dc_pass = dh * ~mask[t], dc * ~mask[t]
                dh_t, dc = dh_t * mask[t], dc * mask[t]
            a, da, tc = acts[t], dacts[t], tcs[t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            dc_h = tc * tc  # ∂h/∂c = o ⊙ (1 − tanh²(c))
            xp.subtract(one, dc_h, out=dc_h)
            dc_h *= o
            dc_h *= dh_t
            dc = dc + dc_h
            xp.multiply(dc, g, out=da[:, :H])  # ∂E/∂i
            xp.multiply(dc, cprev[t], out=da[:, H:2 * H])  # ∂E/∂f
            xp.multiply(dc, i, out=da[:, 2 * H:3 * H])  # ∂E/∂g
            xp.multiply(dh_t, tc, out=da[:, 3 * H:])  # ∂E/∂o
            # ∂E/∂(pre-activation): σ' = σ(1 − σ) for i, f, o; tanh' = 1 − tanh² for g
            deriv = xp.subtract(one, a)
            deriv *= a
            deriv[:, 2 * H:3 * H] = g * g
            xp.subtract(one, deriv[:, 2 * H:3 * H], out=deriv[:, 2 * H:3 * H])
            da *= deriv
            dh = da @ w_hh
            dc = dc * f
            if mask is not None:
                dh += dh_pass
                dc += dc_pass
        grads = _param_grads(self, dacts, self.x, self.w_ih, dacts, self.hprev)
        return grads[0], dh, dc, *grads[1:]


class GRUSequence(Function):
    """GRU layer, PyTorch's gate order r, z, n:
    r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·);
    n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn));
    h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.

    Inputs: x (T, B, I), h0 (B, H), w_ih (3H, I), w_hh (3H, H), b_ih, b_hh (3H,) (or None).
    Output: (T + 1, B, H) = [outputs, h_n].
    """

    W_IH = 2

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, lengths=None, reverse=False):
        T, B, H = _check("GRUSequence", x, [("h", h0)], w_ih, w_hh, 3, lengths)
        xp = get_array_module(x)
        acts = _project(x, w_ih, b_ih, None)  # becomes [r, z, n]
        mask = _mask(lengths, T, xp)
        y = pooled(xp, (T + 1, B, H), acts.dtype)  # every row is written below
        hprev, ghs = pooled(xp, (T, B, H), acts.dtype), pooled(xp, acts.shape, acts.dtype)
        h, w_hh_t = h0, _recurrent_weight(w_hh)
        with np.errstate(over="ignore"):
            for t in (range(T - 1, -1, -1) if reverse else range(T)):
                hprev[t] = h
                a, gh = acts[t], ghs[t]
                xp.matmul(h, w_hh_t, out=gh)
                if b_hh is not None:
                    gh += b_hh
                rz = a[:, :2 * H]
                rz += gh[:, :2 * H]
                _sigmoid_(rz)
                n = a[:, 2 * H:]
                n += a[:, :H] * gh[:, 2 * H:]
                _tanh_(n)
                h_new = h - n
                h_new *= a[:, H:2 * H]
                h_new += n
                if mask is None:
                    y[t] = h = h_new
                else:
                    xp.multiply(h_new, mask[t], out=y[t])
                    h = xp.where(mask[t], h_new, h)
        y[T] = h
        self.x, self.w_ih, self.w_hh, self.acts, self.ghs = x, w_ih, w_hh, acts, ghs
        self.hprev, self.mask, self.reverse = hprev, mask, reverse
        return y

    def backward(self, gy):
        acts, ghs, hprev, mask, w_hh = self.acts, self.ghs, self.hprev, self.mask, self.w_hh
        T, H = acts.shape[0], w_hh.shape[1]
        xp = get_array_module(gy)
        r, z, n = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:]
        dr_pre = r * (1 - r) * ghs[..., 2 * H:]  # ∂r_pre-path: σ'(r) ⊙ (W_hn h + b_hn)
        dz_pre = z * (1 - z) * (hprev - n)
        dn_pre = (1 - z) * (1 - n * n)
        dgx, dgh = (pooled(xp, acts.shape, acts.dtype) for _ in range(2))
        dh = gy[T]
        for t in (range(T) if self.reverse else range(T - 1, -1, -1)):
            dh_t = dh + gy[t]
            if mask is not None:
                dh_pass = dh * ~mask[t]
                dh_t = dh_t * mask[t]
            gx, gh = dgx[t], dgh[t]
            dan = xp.multiply(dh_t, dn_pre[t], out=gx[:, 2 * H:])  # ∂E/∂(n pre-activation)
            xp.multiply(dan, dr_pre[t], out=gx[:, :H])
            xp.multiply(dh_t, dz_pre[t], out=gx[:, H:2 * H])
            gh[:, :2 * H] = gx[:, :2 * H]
            xp.multiply(dan, r[t], out=gh[:, 2 * H:])
            dh = gh @ w_hh
            dh += dh_t * z[t]
            if mask is not None:
                dh += dh_pass
        grads = _param_grads(self, dgx, self.x, self.w_ih, dgh, hprev)
        return grads[0], dh, *grads[1:]
