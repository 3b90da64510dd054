"""Truncated backpropagation through time: cut a long stream into chunks and carry the state.

The stream (N steps) is split into ``batch_size`` contiguous parallel streams (the classic
language-model "batchify": stream b holds steps b·N/B … (b+1)·N/B − 1), and each batch is the
next ``bptt_len`` steps of all of them, so the state at the end of one batch is the right start
for the next. Carry it, but cut the graph so gradients stop at the chunk boundary::

    h = None
    for x, y in BPTTLoader(ids, batch_size=16, bptt_len=64):     # x, y (64, 16)
        h = detach_state(h)                 # keep the value, drop the history
        out, h = lstm(embed(x), h)
        loss = sequence_loss(F.cross_entropy, head(out), y)
        opt.zero_grad(); loss.backward()
        clip_grad_norm_(model.parameters(), 1.0); opt.step()
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor


def detach_state(state):
    """``h.detach()`` for a state that is a Tensor, a tuple/list of them (LSTM's (h, c)) or None."""
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    return state.detach()


class BPTTLoader:
    """Chunks of a long sequence for truncated BPTT.

    Args:
        data: (N,) tokens or (N, *) features: one long sequence.
        batch_size: B parallel streams.
        bptt_len: L, steps per chunk (the last chunk may be shorter unless ``drop_last``).
        targets: (N, *) targets aligned with ``data``; None → next-step prediction (the target
            of step t is data[t + 1], so one step of the stream is used for targets only).
        batch_first: yield (B, L, *) instead of time-major (L, B, *).
    Yields:
        ``(x, y)`` Tensors of shape (L, B, *) each.
    """

    def __init__(self, data, batch_size: int, bptt_len: int, targets=None,
                 batch_first: bool = False, drop_last: bool = False):
        data = np.asarray(getattr(data, "data", data))
        if batch_size < 1 or bptt_len < 1:
            raise ValueError(f"BPTTLoader: batch_size and bptt_len must be positive, got "
                             f"{batch_size} and {bptt_len}.")
        if targets is None:
            data, targets = data[:-1], data[1:]
        targets = np.asarray(getattr(targets, "data", targets))
        if len(targets) != len(data):
            raise ValueError(f"BPTTLoader: data has {len(data)} steps but targets "
                             f"{len(targets)}; they must be aligned step by step.")
        steps = len(data) // batch_size
        if steps < 1:
            raise ValueError(f"BPTTLoader: {len(data)} steps cannot fill {batch_size} streams.")
        n = steps * batch_size  # the remainder (< batch_size steps) is dropped

        def streams(a):
            return np.swapaxes(a[:n].reshape(batch_size, steps, *a.shape[1:]), 0, 1)

        self.x, self.y = streams(data), streams(targets)  # (steps, B, *)
        self.batch_size, self.bptt_len = batch_size, bptt_len
        self.batch_first, self.drop_last = batch_first, drop_last

    @property
    def steps(self) -> int:
        """Time steps per stream."""
        return self.x.shape[0]

    def __len__(self) -> int:
        f = math.floor if self.drop_last else math.ceil
        return f(self.steps / self.bptt_len)

    def __iter__(self):
        for k in range(len(self)):
            sl = slice(k * self.bptt_len, (k + 1) * self.bptt_len)
            x, y = self.x[sl], self.y[sl]
            if self.batch_first:
                x, y = np.swapaxes(x, 0, 1), np.swapaxes(y, 0, 1)
            yield (Tensor(np.ascontiguousarray(x)),
                   Tensor(np.ascontiguousarray(y)))

    def __repr__(self) -> str:
        return (f"BPTTLoader(streams={self.batch_size}, steps={self.steps}, "
                f"bptt_len={self.bptt_len}, chunks={len(self)})")
