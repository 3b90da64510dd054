"""Which im2col memory layout makes convolution fastest in NumPy? The measurement behind
ops/conv.py's choice (batch-innermost "CHWN" columns).

    PYTHONPATH=src python bench/conv_layouts.py [--threads 1] [--repeats 30]

For LeNet's two layers and a wider 3×3 layer it times, in milliseconds (min over repeats):
  forward  im2col + GEMM for each layout, einsum and tensordot on the strided window view
  col2im   the backward scatter-add of the columns into the input gradient
Layouts: "rows" (N·OH·OW, C·KH·KW) @ Wᵀ; "NCHW" (C·KH·KW, N·OH·OW); "CHWN" (C·KH·KW, OH·OW·N).
"""

from __future__ import annotations

import argparse
import os
import time

_args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
_args.add_argument("--threads", type=int, default=1)
_args.add_argument("--repeats", type=int, default=30)
ARGS = _args.parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import as_strided  # noqa: E402

LAYERS = [  # N, C, H, O, K, pad
    (64, 1, 28, 6, 5, 2),
    (64, 6, 14, 16, 5, 0),
    (64, 32, 16, 64, 3, 1),
]


def best_ms(fn):
    fn()
    times = []
    for _ in range(ARGS.repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3


def layer_cases(n, c, h, o, k, p):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, h), dtype=np.float32)
    w = rng.standard_normal((o, c, k, k), dtype=np.float32)
    w2 = w.reshape(o, -1)
    oh = h + 2 * p - k + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))     # N C H W
    xchwn = np.ascontiguousarray(xpad.transpose(1, 2, 3, 0))  # C H W N
    xcnhw = np.ascontiguousarray(xpad.transpose(1, 0, 2, 3))  # C N H W
    s, t, u = xpad.strides, xchwn.strides, xcnhw.strides

    def rows():
        v = as_strided(xpad, (n, oh, oh, c, k, k), (s[0], s[2], s[3], s[1], s[2], s[3]))
        return v.reshape(n * oh * oh, -1) @ w2.T

    def nchw():
        v = as_strided(xcnhw, (c, k, k, n, oh, oh), (u[0], u[2], u[3], u[1], u[2], u[3]))
        return w2 @ v.reshape(c * k * k, -1)

    def chwn():
        v = as_strided(xchwn, (c, k, k, oh, oh, n), (t[0], t[1], t[2], t[1], t[2], t[3]))
        return w2 @ v.reshape(c * k * k, -1)

    def window_view():
        return as_strided(xpad, (n, c, k, k, oh, oh), (s[0], s[1], s[2], s[3], s[2], s[3]))

    def einsum():
        return np.einsum("nckluv,ockl->nouv", window_view(), w, optimize=True)

    def tensordot():
        return np.tensordot(window_view(), w, axes=([1, 2, 3], [1, 2, 3]))

    g_nchw = rng.standard_normal((c, k, k, n, oh, oh), dtype=np.float32)
    g_chwn = np.ascontiguousarray(g_nchw.transpose(0, 1, 2, 4, 5, 3))
    hp = h + 2 * p

    def col2im_nchw():
        gx = np.zeros((c, n, hp, hp), np.float32)
        for i in range(k):
            for j in range(k):
                gx[:, :, i:i + oh, j:j + oh] += g_nchw[:, i, j]
        return gx

    def col2im_chwn():
        gx = np.zeros((c, hp, hp, n), np.float32)
        for i in range(k):
            for j in range(k):
                gx[:, i:i + oh, j:j + oh] += g_chwn[:, i, j]
        return gx

    forward = {"rows": rows, "NCHW": nchw, "CHWN": chwn, "einsum": einsum,
               "tensordot": tensordot}
    return forward, {"NCHW": col2im_nchw, "CHWN": col2im_chwn}


def main():
    print(f"ms, min of {ARGS.repeats}, {ARGS.threads} BLAS thread(s), float32\n")
    names = ["rows", "NCHW", "CHWN", "einsum", "tensordot"]
    print("| layer (N, C, H, O, K, pad) | " + " | ".join(f"fwd {m}" for m in names)
          + " | col2im NCHW | col2im CHWN |")
    print("|---" * (len(names) + 3) + "|")
    for layer in LAYERS:
        forward, backward = layer_cases(*layer)
        cells = [f"{best_ms(forward[m]):.2f}" for m in names]
        cells += [f"{best_ms(backward[m]):.2f}" for m in ("NCHW", "CHWN")]
        print(f"| {layer} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
