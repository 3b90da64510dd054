"""Data parallelism with 2+ real MPI ranks: run by ``mpiexec -n 2 python -m pytest -m mpi``.

Every test makes the same collective calls on every rank and asserts only after them, so a
failure on one rank fails the test instead of leaving the other rank waiting.
The reference of every equivalence test is the SINGLE-PROCESS run of the same global batches,
computed on each rank without any communication.
"""

import os
import tempfile

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.distributed as dist
from glassgrad import nn, optim, train
from glassgrad.data import DataLoader, TensorDataset

pytestmark = pytest.mark.mpi


@pytest.fixture
def comm():
    return dist.init(abort_on_exception=False)


def _data(n=103, d=5, k=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


def _mlp(d=5, h=8, k=3):
    return nn.Sequential(nn.Linear(d, h), nn.Tanh(), nn.Linear(h, k))


def _same_everywhere(comm, arrays) -> bool:
    mine = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    return all(np.array_equal(mine, other) for other in comm.allgather_arrays(mine))


def test_allreduce_of_arbitrary_arrays(comm):
    r, n = comm.rank, comm.size
    a = np.full((2, 3), r + 1, dtype=np.float32)
    total = n * (n + 1) / 2
    assert np.array_equal(dist.allreduce(a, "sum"), np.full((2, 3), total, np.float32))
    assert np.allclose(dist.allreduce(a, "mean"), total / n)
    assert dist.allreduce(np.arange(4) * (r + 1), "max").tolist() == [0, n, 2 * n, 3 * n]
    assert dist.allreduce(r + 1, "min") == 1
    assert a[0, 0] == r + 1  # the input is left alone
    with pytest.raises(dist.DistributedError, match="the ranks disagree"):
        dist.allreduce(np.zeros(3 + r), "sum")  # shapes differ: refused on EVERY rank


def test_gradient_average_is_the_rank_mean(comm):
    # ChainerMN's check: rank r's gradient is r; the average is (N-1)/2 everywhere.
    w = gg.zeros(4, requires_grad=True)
    w.grad = gg.full((4,), float(comm.rank))
    opt = dist.DistributedOptimizer(optim.SGD([w], lr=1.0), comm)
    opt.step()
    assert np.allclose(w.data, -(comm.size - 1) / 2)
    assert opt.reducer.calls == 1


def test_broadcast_and_consistency_check(comm):
    gg.manual_seed(comm.rank)  # different weights on every rank
    model = _mlp()
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(gg.randn(4, 5)).sum().backward()
    opt.step()  # rank-specific Adam moments
    dist.check_consistency(model, opt, comm)
    dist.broadcast_parameters(model, comm=comm)
    dist.broadcast_optimizer_state(opt, comm=comm)
    moments = [s["exp_avg"] for s in opt.state.values()]
    assert _same_everywhere(comm, [p.data for p in model.parameters()] + moments)


def test_mismatched_models_are_refused_on_every_rank(comm):
    model = _mlp(h=8 + comm.rank)
    with pytest.raises(dist.DistributedError, match=r"rank 0 has param '0.weight' \(8, 5\)"):
        dist.check_consistency(model, comm=comm)


def test_different_data_on_the_ranks_is_refused_on_every_rank(comm):
    X, y = _data(n=40 + comm.rank)
    with pytest.raises(dist.DistributedError, match="rank 0: .*40.*rank 1: .*41"):
        dist.ShardedLoader(DataLoader(TensorDataset(X, y), batch_size=8), comm)


def test_shards_tile_every_global_batch(comm):
    X, y = _data(n=31)
    loader = DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True, seed=5)
    sharded = dist.ShardedLoader(loader, comm)
    mine = list(sharded.batch_indices())
    reference = list(DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True,
                                seed=5).batch_indices())
    gathered = [comm.allgather_arrays(b) for b in mine]
    assert len(mine) == len(reference)
    for parts, ref in zip(gathered, reference):
        assert np.array_equal(np.concatenate(parts), ref)  # contiguous, in rank order
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def _reference_run(opt_name, steps=5, batch=25):
    """Single process, float64: the global batches of a seeded loader, plain optimizer."""
    gg.manual_seed(0)
    X, y = _data()
    model = _mlp()
    opt = (optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if opt_name == "sgd"
           else optim.Adam(model.parameters(), lr=0.01))
    loader = DataLoader(TensorDataset(X, y), batch_size=batch, shuffle=True, seed=3)
    losses, loss_fn = [], nn.CrossEntropyLoss()
    for t, (xb, yb) in enumerate(loader):
        if t == steps:
            break
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_five_steps_equal_single_process_float64(comm, opt_name):
    gg.set_default_dtype(gg.float64)
    ref_model, ref_losses = _reference_run(opt_name)
    gg.manual_seed(0)
    X, y = _data()
    model = _mlp()
    inner = (optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if opt_name == "sgd"
             else optim.Adam(model.parameters(), lr=0.01))
    dist.broadcast_parameters(model, comm=comm)
    opt = dist.DistributedOptimizer(inner, comm)
    # 25 per global batch: 13 + 12 on two ranks, so the batch-size weighting matters
    loader = dist.ShardedLoader(DataLoader(TensorDataset(X, y), batch_size=25, shuffle=True,
                                           seed=3), comm)
    losses, loss_fn = [], nn.CrossEntropyLoss()
    for t, (xb, yb) in enumerate(loader):
        if t == 5:
            break
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        losses.append(opt.step(batch_size=len(yb), loss=loss))
    for p, q in zip(model.parameters(), ref_model.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-10)
    np.testing.assert_allclose(losses, ref_losses, rtol=0, atol=1e-12)
    assert opt.reducer.calls == 5
    assert _same_everywhere(comm, [p.data for p in model.parameters()])


def _fit(distributed, opt_name="adam", epochs=3, callbacks=(), model=None, **kw):
    gg.manual_seed(0)
    X, y = _data()
    model = model or _mlp()
    opt = (optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if opt_name == "sgd"
           else optim.Adam(model.parameters(), lr=0.01))
    hist = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), val=(X[:31], y[:31]),
                     epochs=epochs, batch_size=25, seed=3, verbose=0,
                     metrics=["accuracy", "f1_macro"], callbacks=list(callbacks),
                     distributed=distributed, **kw)
    return model, hist, opt


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_fit_equals_single_process_and_ranks_agree(comm, opt_name):
    gg.set_default_dtype(gg.float64)
    ref, ref_hist, _ = _fit(None, opt_name)
    dp = dist.DataParallel(comm)
    model, hist, _ = _fit(dp, opt_name)
    assert dp.resyncs == 0 and dp.reducer.calls == 3 * 5  # 3 epochs of 5 global batches
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-10)
    for key in ("loss", "accuracy", "f1_macro", "val_loss", "val_accuracy", "val_f1_macro"):
        np.testing.assert_allclose(hist.history[key], ref_hist.history[key], atol=1e-10)
    assert _same_everywhere(comm, [p.data for p in model.parameters()]
                            + [hist.history["val_loss"]])


def test_nan_on_one_rank_stops_every_rank_at_the_same_batch(comm):
    class PoisonOnRank1(nn.Module):
        """Identity, except that rank 1's 4th training forward pass returns NaN."""
        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, x):
            if self.training:
                self.calls += 1
            if comm.rank == 1 and self.training and self.calls == 4:
                return x * float("nan")
            return x

    poison = PoisonOnRank1()
    model = nn.Sequential(nn.Linear(5, 3), poison)
    seen = []
    record = train.LambdaCallback(
        on_train_batch_end=lambda b, logs: seen.append(logs["loss"]))
    _, hist, _ = _fit(True, epochs=3, callbacks=[train.TerminateOnNaN(), record], model=model)
    # fit's NaN guard judges the GLOBAL loss (rank 0's own loss was finite): every rank stops
    # before the 4th batch's update, so only 3 batches ended, and the run failed everywhere
    assert len(seen) == 3 and all(np.isfinite(seen))
    assert hist.failed and "non-finite loss" in hist.stop_reason
    assert comm.allgather(len(seen)) == [3] * comm.size


def test_a_stop_on_one_rank_is_a_collective_decision(comm):
    def stop_on_rank1(batch, logs):
        if comm.rank == 1 and batch == 1:
            model.stop_training = True

    model = _mlp()
    steps = []
    cbs = [train.LambdaCallback(on_train_batch_end=stop_on_rank1),
           train.LambdaCallback(on_train_batch_begin=lambda b, logs: steps.append(b))]
    _, hist, _ = _fit(True, epochs=3, callbacks=cbs, model=model)
    assert comm.allgather((len(steps), len(hist.epoch))) == [(2, 1)] * comm.size


def test_batchnorm_buffers_identical_after_fit(comm):
    # NOTE: 104 samples: the last global batch of 4 gives every rank 2 (BatchNorm needs 2)
    gg.manual_seed(0)
    X, y = _data(n=104)
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
              epochs=2, batch_size=25, seed=3, verbose=0, distributed=True)
    assert _same_everywhere(comm, [t.data for t in model.state_dict().values()])


def test_resume_with_the_same_number_of_ranks(comm):
    from glassgrad.io import Checkpoint

    gg.set_default_dtype(gg.float64)
    whole, _, _ = _fit(True, epochs=4)
    folder = comm.bcast(tempfile.mkdtemp() if comm.rank == 0 else None)
    path = os.path.join(folder, "ck.npz")
    cks = [Checkpoint(path)] if comm.rank == 0 else []  # rank 0 writes
    _fit(True, epochs=2, callbacks=cks)
    comm.barrier()
    resumed, hist, _ = _fit(True, epochs=4, resume_from=path)
    for p, q in zip(resumed.parameters(), whole.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-12)
    assert len(hist.epoch) == 4


def test_average_metrics_weights_by_samples(comm):
    # rank 0: 1 sample, accuracy 1; every other rank: 3 samples, accuracy 0
    n, acc = (1, 1.0) if comm.rank == 0 else (3, 0.0)
    avg = dist.average_metrics({"accuracy": acc}, n, comm)
    assert avg["accuracy"] == pytest.approx(1 / (1 + 3 * (comm.size - 1)))


def test_evaluate_is_over_all_ranks(comm):
    gg.manual_seed(0)
    X, y = _data()
    model = _mlp()
    dist.broadcast_parameters(model, comm=comm)
    alone = train.evaluate(model, nn.CrossEntropyLoss(), (X, y), metrics=["f1_macro"],
                           batch_size=10)
    shared = train.evaluate(model, nn.CrossEntropyLoss(), (X, y), metrics=["f1_macro"],
                            batch_size=10, distributed=True)
    assert shared["loss"] == pytest.approx(alone["loss"], rel=1e-6)
    assert shared["f1_macro"] == pytest.approx(alone["f1_macro"], rel=1e-12)
