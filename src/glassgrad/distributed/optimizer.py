"""Averaging gradients across ranks: one ``Allreduce`` per step over one flat buffer.

Each rank ``r`` computed ``g_r``, the gradient of ITS loss on its share of the global batch.
What the single-process run would have is the gradient of the global batch's loss:

* mean-reduced loss (``CrossEntropyLoss``, ``MSELoss``, ...): ``g = Σ_r (b_r / B) · g_r``,
  ``b_r`` this rank's samples, ``B = Σ_r b_r``. With equal shares that is the plain mean of
  the ``g_r``; with unequal ones (B = 129 over 2 ranks: 65 + 64) the weights matter.
* sum-reduced loss (``SSELoss``): ``g = Σ_r g_r``.

So each rank scales its gradient by its weight ``w_r`` and the ranks SUM. The buffer is laid
out as ``[w·g of every parameter, flattened, in order | w·loss | w | one "has a gradient" flag
per parameter]``: the global loss (for logs, and the collective NaN stop) and the check that
the weights sum to 1 ride along in the same message. A parameter with no gradient on every
rank keeps ``grad = None`` (the optimizer skips it, as alone).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from .comm import get_comm

__all__ = ["GradientReducer", "DistributedOptimizer"]


class GradientReducer:
    """Sum weighted gradients of ``params`` across ranks in one ``Allreduce``.

    Args:
        params: the parameters (an ordered list; frozen ones are left out).
        comm: a Communicator.

    Attributes:
        calls: Allreduce calls so far (one per step); total_weight: the last ``Σ_r w_r``.
    """

    def __init__(self, params, comm=None):
        self.comm = get_comm(comm)
        self.params = [p for p in params if p.requires_grad]
        if not self.params:
            raise ValueError("GradientReducer: no parameter requires a gradient.")
        self.sizes = [int(p.data.size) for p in self.params]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        xp = get_array_module(self.params[0].data)
        dtype = np.result_type(*[p.dtype for p in self.params])
        n = int(self.offsets[-1])
        # NOTE: one buffer for the whole run: [grads | w·loss | w | has-grad flags]
        self.buffer = xp.zeros(n + 2 + len(self.params), dtype=dtype)
        self.n, self.calls, self.total_weight = n, 0, None

    def __call__(self, weight: float = 1.0, loss: float | None = None,
                 normalize: bool = False) -> float | None:
        """Replace every ``p.grad`` by ``Σ_r w_r g_r`` (÷ ``Σ_r w_r`` when ``normalize``).

        Args:
            weight: this rank's ``w_r`` (``b_r / B`` for mean losses, 1 for sum losses).
            loss: this rank's loss value; the weighted global loss is returned.
            normalize: divide by the summed weights (for weights that are raw sample counts
                or 1 per rank: a plain mean over ranks).

        Returns:
            ``Σ_r w_r loss_r`` (÷ ``Σ_r w_r`` when ``normalize``), or None without ``loss``.
        """
        buf, n, w = self.buffer, self.n, float(weight)
        xp = get_array_module(buf)
        for p, lo, size in zip(self.params, self.offsets, self.sizes):
            view = buf[lo:lo + size]
            if p.grad is None:
                view[...] = 0
            elif w == 1.0:
                view[...] = p.grad.data.reshape(-1)
            else:
                xp.multiply(p.grad.data.reshape(-1), w, out=view)
        # NOTE: w·loss is 0 for w == 0, even when that loss is NaN
        buf[n] = 0.0 if loss is None or w == 0 else w * float(loss)
        buf[n + 1] = w
        buf[n + 2:] = [0.0 if p.grad is None else 1.0 for p in self.params]
        self.comm.allreduce_(buf, "sum")
        self.calls += 1
        self.total_weight = total_w = float(buf[n + 1])
        scale = 1.0 / total_w if normalize else 1.0
        for i, (p, lo, size) in enumerate(zip(self.params, self.offsets, self.sizes)):
            if buf[n + 2 + i] == 0:
                p.grad = None  # no rank had a gradient for it: skipped, as alone
                continue
            g = buf[lo:lo + size].reshape(p.shape)
            g = g * scale if scale != 1.0 else g.copy()
            p.grad = Tensor._make(g.astype(p.dtype, copy=False), None)
        if loss is None:
            return None
        return float(buf[n]) * scale


class DistributedOptimizer:
    """Wrap an optimizer so ``step()`` first averages the gradients across ranks.

    Args:
        optimizer: any glassgrad optimizer, built over the model's parameters.
        comm: a Communicator (default: ``glassgrad.distributed.init()``).
        reduction: ``"mean"`` (the loss averages over samples: gradients are averaged) or
            ``"sum"`` (``SSELoss``-style: gradients are summed).

    Use it like the optimizer it wraps (``zero_grad``, ``param_groups``, ``state_dict`` are
    passed through). Broadcast the parameters and the optimizer state from rank 0 first
    (``broadcast_parameters``, ``broadcast_optimizer_state``) so every rank starts equal.

    Example:
        >>> opt = DistributedOptimizer(optim.Adam(model.parameters(), lr=1e-3))
        >>> for xb, yb in ShardedLoader(loader):
        ...     opt.zero_grad()
        ...     loss = loss_fn(model(xb), yb)
        ...     loss.backward()
        ...     global_loss = opt.step(batch_size=len(yb), loss=loss)
    """

    def __init__(self, optimizer, comm=None, reduction: str = "mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"DistributedOptimizer: reduction must be 'mean' or 'sum', got "
                             f"{reduction!r}.")
        self.optimizer, self.reduction = optimizer, reduction
        params = [p for g in optimizer.param_groups for p in g["params"]]
        self.reducer = GradientReducer(params, comm)
        self.comm = self.reducer.comm

    def __getattr__(self, name):
        # NOTE: only reached for names this wrapper lacks: param_groups, state, zero_grad ...
        return getattr(self.__dict__["optimizer"], name)

    def step(self, closure=None, *, batch_size: int | None = None, loss=None):
        """Average the gradients over the ranks (one Allreduce), then step the optimizer.

        Args:
            closure: as for any optimizer (run before the reduction).
            batch_size: this rank's number of samples: weights each rank's gradient by its
                share, so the result is the gradient of the mean over ALL samples even when
                the ranks' batches differ in size (``Σ b_r·g_r / Σ b_r``: one rounding more
                than alone). Without it every rank weighs the same.
            loss: this rank's loss (a Tensor or number): the global loss is returned.

        Returns:
            The global loss (sample-weighted mean, or the sum for ``reduction="sum"``) when
            ``loss`` is given, else the closure's result.
        """
        result = None
        if closure is not None:
            from ..autograd import enable_grad

            with enable_grad():
                result = closure()
            loss = result if loss is None else loss
        if self.reduction == "sum":
            weight, normalize = 1.0, False
        else:
            weight, normalize = (1.0 if batch_size is None else float(batch_size)), True
        value = None if loss is None else float(getattr(loss, "item", lambda: loss)())
        global_loss = self.reducer(weight, value, normalize=normalize)
        self.optimizer.step()
        return global_loss if global_loss is not None else result

    def __repr__(self) -> str:
        return f"DistributedOptimizer({self.optimizer!r}, size={self.comm.size})"
