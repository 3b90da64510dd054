"""``fit``, ``evaluate`` and ``predict``: the training loop you would write yourself, plus logs.

One epoch of ``fit`` is exactly::

    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        out = model(xb)
        l = loss(out, yb)
        l.backward()
        optimizer.step()

followed by an evaluation pass over the validation data under ``no_grad()`` and
``model.eval()``. Around it: callbacks (``callbacks.py``), the progress display
(``progress.py``) and the record of every epoch (``History``).

Every batch loss is checked before ``backward``: by default (``nan_guard=True``) the first
non-finite loss stops training BEFORE the optimizer step, so the weights stay finite; the
History records ``status = "failed"`` and a ``stop_reason`` naming the epoch and batch (and the
sample, when the inputs hold NaN/Inf); a RuntimeWarning says the same. The unfinished epoch is
not recorded, so no callback (ModelCheckpoint) sees it.

Epoch numbers: 1-based wherever they are shown or stored (History.epoch, files, messages); the
``epoch`` argument of callback hooks is Keras's 0-based index (``epoch + 1`` is the number).

Epoch ``loss`` is the sample-weighted mean of the batch losses, or their SUM when the loss has
``reduction="sum"`` (``SSELoss``), so ``"loss"`` is then the epoch's total error E. Epoch metrics
are computed once per epoch on all outputs of the epoch (exact for precision/recall/F1/R²).
Targets of shape ``(B,)`` meet a one-column output ``(B, 1)`` as ``(B, 1)`` (as in Keras), except
for class-index losses (cross entropy, NLL).
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np

from ..autograd import detect_anomaly as _anomaly_mode
from ..autograd import no_grad
from ..backend import to_numpy
from ..errors import AnomalyError
from ..tensor import Tensor
from .callbacks import CallbackList, StopWhen
from .compile import (
    check_output_layer,
    is_class_index_loss,
    is_logits_loss,
    resolve_loss,
    resolve_optimizer,
)
from .history import History
from .inputs import (
    check_arrays,
    is_pair,
    locate_nonfinite,
    model_device,
    split_validation,
    to_loader,
)
from .metrics import get_metric
from .monitor import expected_log_keys
from .notebook import NotebookDisplay
from .predict import predict  # noqa: F401  (re-exported: fit, evaluate, predict live here)
from .progress import ProgressBar


def _config(model, loss, optimizer, metrics):
    compiled = getattr(model, "_compiled", None)
    if compiled is not None:
        loss = compiled.loss if loss is None else loss
        optimizer = compiled.optimizer if optimizer is None else optimizer
        metrics = compiled.metrics if metrics is None else metrics
    if loss is None:
        raise ValueError("no loss given: pass loss=... or call glassgrad.train.compile(model, "
                         "optimizer, loss) first.")
    loss = resolve_loss(loss)
    check_output_layer(model, loss)
    optimizer = resolve_optimizer(optimizer, model) if optimizer is not None else None
    from_logits = is_logits_loss(loss)
    binary = "bce" in type(loss).__name__.lower()
    fns = [get_metric(m, from_logits=from_logits, binary=binary) for m in (metrics or [])]
    return loss, optimizer, fns


def _split_batch(batch):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch
    raise TypeError(f"each batch must be an (inputs, targets) pair, got {type(batch).__name__}"
                    f"{' of length ' + str(len(batch)) if hasattr(batch, '__len__') else ''}.")


def _align(out, yb, loss):
    """Targets ``(B,)`` for a one-column output become ``(B, 1)`` (Keras's behaviour), except
    for class-index losses (cross entropy), whose targets are ``(B,)`` labels."""
    if (isinstance(out, Tensor) and out.ndim == 2 and out.shape[1] == 1
            and getattr(yb, "ndim", 0) == 1 and not is_class_index_loss(loss)):
        return yb.reshape(-1, 1)
    return yb


class _Accumulator:
    """Collects one pass's loss and (when metrics are wanted) outputs and targets."""

    def __init__(self, loss, metric_fns):
        self.sum_reduction = getattr(loss, "reduction", "mean") == "sum"
        self.metric_fns, self.total, self.n = metric_fns, 0.0, 0
        self.outs, self.targets = [], []

    def add(self, value: float, out, yb) -> None:
        b = len(yb)
        self.total += value if self.sum_reduction else value * b
        self.n += b
        if self.metric_fns:
            self.outs.append(to_numpy(out.data).copy())
            self.targets.append(to_numpy(getattr(yb, "data", yb)).copy())

    def logs(self, prefix: str = "", dist=None) -> dict:
        if dist is not None:  # NOTE: distributed: totals summed, outputs gathered over ranks
            self.total, self.n, self.outs, self.targets = dist.merge(
                self.total, self.n, self.outs, self.targets, bool(self.metric_fns))
        logs = {prefix + "loss": self.total if self.sum_reduction else self.total / max(self.n, 1)}
        if self.metric_fns and self.outs:
            y_pred, y_true = np.concatenate(self.outs), np.concatenate(self.targets)
            for name, fn in self.metric_fns:
                logs[prefix + name] = float(fn(y_true, y_pred))
        return logs


def _eval_pass(model, loss, loader, metric_fns, cbs, prefix="", dist=None):
    was_training = getattr(model, "training", True)
    model.eval()
    acc = _Accumulator(loss, metric_fns)
    cbs.on_test_begin({})
    try:
        with no_grad():
            for step, batch in enumerate(loader):
                xb, yb = _split_batch(batch)
                cbs.on_test_batch_begin(step, {"batch": step, "size": len(yb)})
                out = model(xb)
                yb = _align(out, yb, loss)
                value = float(loss(out, yb).item())
                acc.add(value, out, yb)
                cbs.on_test_batch_end(step, {"batch": step, "size": len(yb), "loss": value})
    finally:
        model.train(was_training)
    logs = acc.logs(prefix, dist)
    cbs.on_test_end(logs)
    return logs


def fit(model, loss=None, optimizer=None, train=None, val=None, *, epochs: int = 1,
        batch_size: int | None = None, metrics=None, callbacks=None, stop_when=None,
        verbose: int = 1, shuffle: bool = True, seed: int | None = None,
        validation_split: float | None = None, initial_epoch: int = 0, resume_from=None,
        detect_anomaly: bool = False, nan_guard: bool = True, distributed=None) -> History:
    """Train ``model`` and return its ``History``.

    Args:
        model: an ``nn.Module`` (``compile``'d models may omit loss/optimizer/metrics).
        loss: a loss module or name (``"mse"``, ``"bce"``, ``"cross_entropy"``; see compile).
        optimizer: an optimizer or name (``"adam"``).
        train: a ``DataLoader``, a ``Dataset``, or an ``(X, y)`` pair: X ``(N, ...)``, y ``(N,)``
            or ``(N, k)``.
        val: validation data in the same forms (evaluated after every epoch -> ``val_*`` logs).
        epochs: index of the epoch to stop before (as in Keras, with ``initial_epoch``).
        batch_size: samples per batch for Dataset/array data (default 32; ``None`` with a
            DataLoader: the loader decides). For full-batch gradient descent pass ``len(X)``.
        metrics: names (``"accuracy"``, ``"f1"``, ``"r2"``, ...) or ``fn(y_true, y_pred)``.
        callbacks: a list of ``Callback`` s (EarlyStopping, ModelCheckpoint, CSVLogger, ...).
        stop_when: a convergence criterion checked after every epoch: ``"loss < 1e-4"``,
            ``"val_accuracy >= 0.99"``, a callable ``logs -> bool``, or a list (any holds).
        verbose: 0 silent, 1 progress bar (one throttled line per epoch when not a terminal),
            2 also one line for every epoch, ``"notebook"`` one live display updated in place
            in Jupyter (``NotebookDisplay``; nothing outside a notebook).
        shuffle: reshuffle Dataset/array data every epoch.
        seed: seeds the shuffling of Dataset/array data (``None``: glassgrad's global RNG).
        validation_split: hold out this LAST fraction of an ``(X, y)`` pair for validation.
        initial_epoch: the number of epochs already done (resuming a run): epochs
            ``initial_epoch + 1`` .. ``epochs`` run.
        resume_from: a checkpoint written by ``ModelCheckpoint`` (or ``save_checkpoint``):
            restores weights, optimizer, scheduler, History, callback states and every random
            state, and starts after its epoch, so the run continues bit for bit as if never
            stopped.
        detect_anomaly: run every batch under ``glassgrad.detect_anomaly()``: the first op that
            makes NaN/Inf raises AnomalyError naming the epoch, batch, op and your line, before
            the optimizer step (so weights and the last checkpoint stay good).
        nan_guard: stop at the first non-finite batch loss, before its optimizer step
            (default; see the module docstring). ``False`` turns the guard off (Keras's
            behaviour; ``TerminateOnNaN`` then stops AFTER the bad step).
        distributed: data parallelism on MPI: ``True`` or a ``glassgrad.distributed``
            ``DataParallel``/communicator. Run under ``mpiexec -n N``; ``batch_size`` is the
            GLOBAL batch, each rank trains on its 1/N of it, gradients are averaged in one
            Allreduce per step, and logs are over all ranks' data (docs/howto/distributed.md).

    Returns:
        ``History`` (also stored as ``model.history``).

    Raises:
        ShapeError: X and y of different lengths; ValueError: NaN/inf in the data, a bad
        ``validation_split``; KeyboardInterrupt is re-raised AFTER ``on_train_end`` ran (best
        weights restored, files closed) with ``model.history.interrupted = True``.
    """
    loss, optimizer, metric_fns = _config(model, loss, optimizer, metrics)
    if optimizer is None:
        raise ValueError("fit: no optimizer given: pass optimizer=... (e.g. 'adam' or "
                         "glassgrad.optim.SGD(model.parameters(), lr=0.1)) or compile first.")
    if train is None:
        raise ValueError("fit: no training data given (train=DataLoader, Dataset or (X, y)).")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}.")
    if validation_split:
        if val is not None:
            raise ValueError("fit: pass either val=... or validation_split=..., not both.")
        if not is_pair(train):
            raise ValueError("fit: validation_split needs train=(X, y) arrays; split a Dataset "
                             "with glassgrad.data.random_split instead.")
        train, val = split_validation(*check_arrays(*train), validation_split)
    device = model_device(model)
    loader = to_loader(train, batch_size, shuffle, seed, device)
    val_loader = None if val is None else to_loader(val, batch_size, False, None, device,
                                                    name="val")

    history = History()
    callbacks = list(callbacks or [])
    if resume_from is not None:
        from .checkpoint import resume_fit

        initial_epoch = resume_fit(resume_from, model, optimizer, history, loader, callbacks)
    # NOTE: checkpoint writers run last at each epoch's end, so what they save (scheduler,
    # EarlyStopping counters) is already stepped, whatever the order the user gave.
    late = [cb for cb in callbacks if getattr(cb, "_write_last", False)]
    cbs_list = [history, *(cb for cb in callbacks if cb not in late)]
    dist = None
    if distributed:  # NOTE: lazy, like io: distributed sits above train
        from ..distributed.fit import as_data_parallel

        dist = as_data_parallel(distributed)
        loader, val_loader = dist.setup(model, optimizer, loss, loader, val_loader)
        verbose = verbose if dist.rank == 0 else 0
    if stop_when is not None:
        cbs_list.append(StopWhen(stop_when))
    if verbose == "notebook":
        cbs_list.append(NotebookDisplay())
    elif verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0, 1, 2 or \"notebook\", got {verbose!r}.")
    elif verbose:
        cbs_list.append(ProgressBar(verbose))
    cbs_list += late
    steps = len(loader) if hasattr(loader, "__len__") else None
    params = {"epochs": epochs, "steps": steps, "verbose": verbose, "initial_epoch": initial_epoch,
              "batch_size": getattr(loader, "batch_size", batch_size),
              "metrics": [n for n, _ in metric_fns], "do_validation": val_loader is not None,
              "loader": loader, "callbacks": cbs_list, "optimizer": optimizer, "loss": loss,
              "log_keys": expected_log_keys([n for n, _ in metric_fns], val_loader is not None,
                                            hasattr(optimizer, "param_groups"))}
    history.params = params
    cbs = CallbackList(cbs_list, model, params, optimizer)
    model.stop_training, model._stop_reason, model.history = False, None, history

    logs: dict = {}
    cbs.on_train_begin({})
    if resume_from is not None:
        from .checkpoint import apply_resumed_states

        apply_resumed_states(cbs_list)
    try:
        for epoch in range(initial_epoch, epochs):
            cbs.on_epoch_begin(epoch, {})
            lr = optimizer.param_groups[0]["lr"] if hasattr(optimizer, "param_groups") else None
            model.train()
            acc = _Accumulator(loss, metric_fns)
            for step, batch in enumerate(loader):
                xb, yb = _split_batch(batch)
                cbs.on_train_batch_begin(step, {"batch": step, "size": len(yb)})
                optimizer.zero_grad()
                try:
                    with _anomaly_mode() if detect_anomaly else contextlib.nullcontext():
                        out = model(xb)
                        yb = _align(out, yb, loss)
                        batch_loss = loss(out, yb)
                        value = float(batch_loss.item())
                        failed = nan_guard and not math.isfinite(value)
                        if not failed or dist is not None:  # under MPI every rank joins
                            batch_loss.backward()  # the gradient Allreduce below
                except AnomalyError as e:
                    model._stop_reason = f"NaN/Inf at epoch {epoch + 1}, batch {step + 1}"
                    raise AnomalyError(f"fit: epoch {epoch + 1}, batch {step + 1}: {e}") from e
                local = value
                if dist is not None:  # one Allreduce: averaged gradients, the global loss
                    value = dist.reduce(value)
                    failed = nan_guard and not math.isfinite(value)  # the same on every rank
                if failed:
                    _fail(model, history, epoch, step, value, xb, yb, loader)
                    break
                acc.add(local, out.detach(), yb)
                optimizer.step()
                cbs.on_train_batch_end(step, {"batch": step, "size": len(yb), "loss": value})
                if (model.stop_training if dist is None else dist.stop(model)):
                    break
            if history.failed:
                break
            if dist is not None:
                dist.end_epoch(model)
            logs = acc.logs(dist=dist)
            if val_loader is not None:
                logs.update(_eval_pass(model, loss, val_loader, metric_fns, cbs, "val_", dist))
            if lr is not None:
                logs["lr"] = float(lr)
            cbs.on_epoch_end(epoch, logs)
            if (model.stop_training if dist is None else dist.stop(model)):
                break
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            history.interrupted = True
            model._stop_reason = "interrupted (KeyboardInterrupt)"
        history.stop_reason = model._stop_reason
        try:
            cbs.on_train_end(dict(logs, interrupted=True))
        except Exception:  # NOTE: never mask the original error with a cleanup error
            pass
        raise
    history.stop_reason = model._stop_reason
    cbs.on_train_end(logs)
    if history.failed and history.restored_epoch is not None:  # NOTE: never restore silently
        history.stop_reason += (f" EarlyStopping then restored the weights of epoch "
                                f"{history.restored_epoch}.")
    return history


def _fail(model, history, epoch, step, value, xb, yb, loader) -> None:
    """Record a non-finite loss as the run's failure (see the module docstring)."""
    where = locate_nonfinite(xb, yb, loader)
    reason = (f"non-finite loss ({value}) at epoch {epoch + 1}, batch {step + 1}"
              + (f": {where}" if where else "; the inputs are finite, so the model diverged "
                 "(lower the learning rate, clip gradients; detect_anomaly=True names the op)")
              + ". Training stopped before this batch's update.")
    model.stop_training, model._stop_reason, history.failed = True, reason, True
    warnings.warn(f"fit: {reason}", RuntimeWarning, stacklevel=3)


def evaluate(model, loss=None, data=None, metrics=None, batch_size: int | None = None,
             callbacks=None, distributed=None) -> dict:
    """Loss and metrics of ``model`` on ``data`` (under ``no_grad`` and ``model.eval()``).

    Args:
        model, loss, metrics: as in ``fit`` (taken from ``compile`` when omitted).
        data: a DataLoader, a Dataset or an ``(X, y)`` pair.
        batch_size: for Dataset/array data (default 32); it changes nothing but speed.
        distributed: as in ``fit``: each rank evaluates its share, the results are over all.

    Returns:
        ``{"loss": ..., "<metric>": ...}``.
    """
    loss, _, metric_fns = _config(model, loss, None, metrics)
    if data is None:
        raise ValueError("evaluate: no data given (a DataLoader, Dataset or (X, y)).")
    loader = to_loader(data, batch_size, False, None, model_device(model), where="evaluate",
                       name="data")
    cbs = CallbackList(callbacks or [], model, {}, None)
    dist = None
    if distributed:
        from ..distributed.fit import as_data_parallel

        dist = as_data_parallel(distributed)
        loader = dist.shard_eval(loader)
    return _eval_pass(model, loss, loader, metric_fns, cbs, dist=dist)

