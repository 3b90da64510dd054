"""The W4 floor: a careful NumPy LSTM, forward, backward through time and Adam by hand.

The input projection of all steps is one GEMM, the weight gradients over all steps are one GEMM
each, the gate nonlinearities run on whole gate blocks, and the time loop does only what
depends on the previous step. PyTorch's gate order (i, f, g, o).
"""

from __future__ import annotations

import numpy as np
import w4_data
from floor_memory import keep_freed_memory


def _sigmoid(a, out):
    np.negative(a, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def build(arrays):
    keep_freed_memory()  # the floor's buffer reuse (floor_memory.py)
    T, B, I, H = w4_data.T, w4_data.B, w4_data.I, w4_data.H
    names = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
             "head.weight", "head.bias"]
    params = [arrays[n].copy() for n in names]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    x, y, t_adam = arrays["x"], arrays["y"], [0]
    xt = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, I): one step is contiguous

    def forward():
        w_ih, w_hh, b_ih, b_hh, w_o, b_o = params
        gates = (xt.reshape(T * B, I) @ w_ih.T).reshape(T, B, 4 * H)
        gates += b_ih + b_hh
        w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS is faster on it than on the view
        hs = np.zeros((T + 1, B, H), np.float32)  # hs[0] = h_0 = 0
        cs = np.zeros((T + 1, B, H), np.float32)
        tanh_c = np.empty((T, B, H), np.float32)
        for t in range(T):
            g = gates[t]
            g += hs[t] @ w_hh_t
            gg = g[:, 2 * H:3 * H]
            gg *= 2  # tanh(a) = 2σ(2a) − 1: one exp pass over all four gates
            _sigmoid(g, g)
            gg *= 2
            gg -= 1
            i, f, o = g[:, :H], g[:, H:2 * H], g[:, 3 * H:]
            np.multiply(f, cs[t], out=cs[t + 1])
            cs[t + 1] += i * gg
            tc = tanh_c[t]
            np.multiply(cs[t + 1], 2, out=tc)
            _sigmoid(tc, tc)
            tc *= 2
            tc -= 1
            np.multiply(o, tc, out=hs[t + 1])
        z = hs[T] @ w_o.T + b_o
        return z, gates, hs, cs, tanh_c

    def softmax_ce(z):
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return logp, float(-logp[np.arange(B), y].mean())

    def step() -> float:
        w_ih, w_hh, _, _, w_o, _ = params
        z, gates, hs, cs, tanh_c = forward()
        logp, loss = softmax_ce(z)
        dz = np.exp(logp)
        dz[np.arange(B), y] -= 1
        dz *= np.float32(1 / B)
        d_wo, d_bo = dz.T @ hs[T], dz.sum(0)
        dh = dz @ w_o
        dc = np.zeros((B, H), np.float32)
        dg = np.empty_like(gates)  # gradients of the gates' pre-activations
        one = np.float32(1)
        for t in range(T - 1, -1, -1):
            g = gates[t]
            i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
            d, tc = dg[t], tanh_c[t]
            dc_h = tc * tc  # ∂h/∂c = o ⊙ (1 − tanh²(c))
            np.subtract(one, dc_h, out=dc_h)
            dc_h *= o
            dc_h *= dh
            dc += dc_h
            np.multiply(dc, gg, out=d[:, :H])  # ∂/∂i
            np.multiply(dc, cs[t], out=d[:, H:2 * H])  # ∂/∂f
            np.multiply(dc, i, out=d[:, 2 * H:3 * H])  # ∂/∂g
            np.multiply(dh, tc, out=d[:, 3 * H:])  # ∂/∂o
            dc *= f
            deriv = np.subtract(one, g)  # σ'(a) = σ(1 − σ) for i, f, o; 1 − tanh² for g
            deriv *= g
            np.multiply(gg, gg, out=deriv[:, 2 * H:3 * H])
            np.subtract(one, deriv[:, 2 * H:3 * H], out=deriv[:, 2 * H:3 * H])
            d *= deriv
            dh = d @ w_hh
        flat = dg.reshape(T * B, 4 * H)
        d_wih = flat.T @ xt.reshape(T * B, I)
        d_whh = flat.T @ hs[:T].reshape(T * B, H)
        d_b = np.ones(T * B, np.float32) @ flat
        grads = [d_wih, d_whh, d_b, d_b.copy(), d_wo, d_bo]
        t_adam[0] += 1
        b1, b2, eps, lr = 0.9, 0.999, 1e-8, w4_data.LR
        c1, c2 = 1 - b1 ** t_adam[0], (1 - b2 ** t_adam[0]) ** 0.5
        for p, g, mi, vi in zip(params, grads, m, v):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * (g * g)
            p -= (lr / c1) * mi / (np.sqrt(vi) / c2 + eps)
        return loss

    def reached() -> str:
        return f"loss {softmax_ce(forward()[0])[1]:.4f}"

    return step, reached
