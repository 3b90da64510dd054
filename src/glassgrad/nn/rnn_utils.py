"""Helpers for sequence batches: padding, masks, the last valid step, losses averaged over time.

Two standard set-ups (T steps, batch B; ``lengths`` for padded batches):

Sequence-element labelling (many-to-many): one target per step; the textbook loss of a sequence
is the mean of its per-step losses, E = (1/T) Σ_t E_t, and the batch loss the mean over
sequences. ``sequence_loss`` computes exactly that, skipping padded steps::

    out, _ = lstm(x, lengths=lengths)                 # (T, B, H)
    loss = sequence_loss(F.cross_entropy, head(out), targets, lengths)   # targets (T, B)

Sequence classification (many-to-one): one target per sequence, read off the final state
(``h_n[-1]``, which with ``lengths`` is each sequence's last valid step; for a bidirectional
layer ``cat([h_n[-2], h_n[-1]], 1)``), or from the outputs with ``last_step(out, lengths)``::

    out, (h_n, c_n) = lstm(x, lengths=lengths)
    loss = F.cross_entropy(head(h_n[-1]), labels)     # labels (B,)
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..backend import get_array_module, to_numpy
from ..errors import ShapeError
from ..tensor import Tensor


def pad_sequence(sequences, batch_first: bool = False, padding_value=0.0):
    """Stack sequences of different lengths, padding each at the end to the longest.

    Args:
        sequences: list of Tensors (L_i, *) with the same trailing shape (token ids or features).
    Returns:
        (T, B, *) Tensor (``batch_first``: (B, T, *)), T = max L_i. Lengths are
        ``[len(s) for s in sequences]``; pass them to the recurrent layer as ``lengths``.
    """
    if not sequences:
        raise ValueError("pad_sequence: got an empty list of sequences.")
    seqs = [s if isinstance(s, Tensor) else Tensor(s, dtype=np.asarray(s).dtype)
            for s in sequences]
    trailing = {tuple(s.shape[1:]) for s in seqs}
    if len(trailing) > 1 or any(s.ndim == 0 for s in seqs):
        raise ShapeError(f"pad_sequence: sequences must be (L_i, *) with one trailing shape, got "
                         f"{[tuple(s.shape) for s in seqs]}.")
    T = max(s.shape[0] for s in seqs)
    padded = [F.pad(s, (0, 0) * (s.ndim - 1) + (0, T - s.shape[0]), value=padding_value)
              for s in seqs]
    return F.stack(padded, dim=0 if batch_first else 1)


def sequence_mask(lengths, max_len: int | None = None, batch_first: bool = False) -> Tensor:
    """Float mask, 1 at valid steps and 0 at padding: (T, B) (``batch_first``: (B, T))."""
    lengths = np.asarray(to_numpy(lengths.data if isinstance(lengths, Tensor) else lengths))
    T = int(lengths.max()) if max_len is None else int(max_len)
    mask = (np.arange(T)[:, None] < lengths[None, :]).astype(np.float32)
    return Tensor(mask.T if batch_first else mask)


def last_step(out, lengths=None, batch_first: bool = False):
    """Output at each sequence's last valid step: (T, B, F) → (B, F)."""
    if lengths is None:
        return out[:, -1] if batch_first else out[-1]
    idx = np.asarray(to_numpy(lengths.data if isinstance(lengths, Tensor) else lengths)) - 1
    rows = np.arange(len(idx))
    return out[rows, idx] if batch_first else out[idx, rows]


def sequence_loss(loss_fn, outputs, targets, lengths=None, batch_first: bool = False):
    """Per-step losses averaged over each sequence's valid steps, then over the batch.

    E = (1/B) Σ_b (1/T_b) Σ_{t < T_b} E(outputs[t, b], targets[t, b]).

    Args:
        loss_fn: a functional loss taking ``reduction="none"`` (``F.cross_entropy``,
            ``F.mse_loss``, ...).
        outputs: (T, B, *) per-step predictions (logits for classification).
        targets: (T, B) class ids, or (T, B, *) like outputs for regression.
        lengths: valid length of each sequence (padded steps are ignored), or None.
    """
    if batch_first:
        outputs, targets = outputs.transpose(0, 1), _swap01(targets)
    T, B = outputs.shape[:2]
    if tuple(targets.shape[:2]) != (T, B):
        raise ShapeError(f"sequence_loss: outputs {tuple(outputs.shape)} and targets "
                         f"{tuple(targets.shape)} must agree in (time, batch) = {(T, B)}.")
    tdata = targets.data if isinstance(targets, Tensor) else targets
    mask = None if lengths is None else sequence_mask(lengths, T)
    if mask is not None and getattr(tdata, "dtype", None) is not None and tdata.dtype.kind in "iu":
        # padded class ids may be anything (-100, a pad token); make them a valid class
        xp = get_array_module(tdata)
        tdata = xp.where(xp.asarray(mask.data) > 0, tdata, 0)
        targets = Tensor._make(tdata, None)
    flat_out = outputs.reshape(T * B, *outputs.shape[2:])
    flat_t = targets.reshape(T * B, *targets.shape[2:])
    per = loss_fn(flat_out, flat_t, reduction="none")
    if per.ndim > 1:
        per = per.flatten(1).mean(dim=1)
    per = per.reshape(T, B)
    if mask is None:
        return per.mean()
    mask = mask.to(per.device)
    lens = mask.sum(dim=0).data
    per_seq = (per * mask.data.astype(per.dtype)).sum(dim=0) / np.maximum(lens, 1).astype(
        per.dtype)
    return per_seq.mean()


def _swap01(t):
    if isinstance(t, Tensor):
        return t.transpose(0, 1)
    return np.swapaxes(np.asarray(t), 0, 1)
