"""``predict``: model outputs for inputs, in eval mode and without a graph."""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..backend import to_numpy
from ..tensor import Tensor
from .inputs import model_device, to_loader


def predict(model, X, batch_size: int | None = None) -> np.ndarray:
    """Model outputs for inputs ``X`` as one NumPy array (eval mode, no graph).

    Args:
        X: an array or Tensor ``(N, ...)``, a Dataset or a DataLoader (of inputs or of
            ``(inputs, targets)`` pairs, whose targets are ignored).
        batch_size: rows per forward pass (default: all rows at once, up to 1024 per pass).

    Returns:
        ``(N, ...)`` array of outputs (probabilities or logits, whatever the model returns).
    """
    from ..data import DataLoader, Dataset

    device = model_device(model)
    if isinstance(X, (DataLoader, Dataset)):
        batches = to_loader(X, batch_size, False, None, device, where="predict", name="X")
    else:
        arr = X.data if isinstance(X, Tensor) else np.asarray(X)
        if arr.ndim == 0 or len(arr) == 0:
            raise ValueError(f"predict: X must have at least one sample, got shape {arr.shape}.")
        from .inputs import check_finite

        check_finite(arr, "X", "predict")
        bs = batch_size or min(len(arr), 1024)
        batches = (Tensor(arr[i:i + bs], device=device) for i in range(0, len(arr), bs))
    was_training = getattr(model, "training", True)
    model.eval()
    outs = []
    try:
        with no_grad():
            for batch in batches:
                xb = batch[0] if isinstance(batch, (tuple, list)) else batch
                outs.append(to_numpy(model(xb).data))
    finally:
        model.train(was_training)
    return np.concatenate(outs)
