"""The distributed code with ONE rank: the size-1 fallback (no MPI) and mpi4py's COMM_SELF.

With one rank, data parallelism must change nothing: ``fit(..., distributed=True)`` equals
``fit(...)`` bit for bit, and every collective returns its input.
"""

import sys

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.distributed as dist
from glassgrad import nn, optim, train
from glassgrad.data import DataLoader, TensorDataset
from glassgrad.distributed import comm as comm_mod


def _comms():
    comms = [pytest.param(lambda: dist.Communicator(None), id="fallback")]
    try:
        from mpi4py import MPI

        comms.append(pytest.param(lambda: dist.Communicator(MPI.COMM_SELF), id="COMM_SELF"))
    except ImportError:
        comms.append(pytest.param(None, id="COMM_SELF",
                                  marks=pytest.mark.skip(reason="mpi4py not installed")))
    return comms


@pytest.fixture(params=_comms())
def comm(request):
    return request.param()


def test_collectives_of_one_rank_return_their_input(comm):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for op in ("sum", "mean", "max", "min"):
        np.testing.assert_array_equal(comm.allreduce(a, op), a)
    assert comm.allreduce(3, "sum") == 3
    assert comm.allreduce(np.arange(3), "mean").dtype == np.float64
    np.testing.assert_array_equal(comm.allgather_arrays(a)[0], a)
    assert comm.allgather_arrays(None) == []
    assert comm.bcast({"x": 1}) == {"x": 1} and comm.allgather(5) == [5]
    assert comm.any(True) and not comm.any(False) and comm.all(True) and not comm.all(False)
    b = a.copy()
    comm.broadcast_(b)
    np.testing.assert_array_equal(b, a)
    with pytest.raises(ValueError, match="op must be one of"):
        comm.allreduce(a, "prod")
    with pytest.raises(ValueError, match="C-contiguous"):
        comm.allreduce_(a.T) if comm.mpi is not None else comm_mod._buffer(a.T)


def test_launched_size_reads_the_launcher_environment(monkeypatch):
    for var in comm_mod._SIZE_VARS:
        monkeypatch.delenv(var, raising=False)
    assert dist.launched_size() == 1
    monkeypatch.setenv("PMI_SIZE", "4")
    assert dist.launched_size() == 4
    monkeypatch.delenv("PMI_SIZE")
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "3")
    assert dist.launched_size() == 3


def test_outside_mpiexec_init_is_a_size_one_fallback(monkeypatch):
    for var in comm_mod._SIZE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(comm_mod, "_world", None)
    c = dist.init()
    assert (c.rank, c.size, c.mpi) == (0, 1, None)
    assert dist.rank() == 0 and dist.size() == 1


def test_under_mpiexec_without_mpi4py_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setattr(comm_mod, "_world", None)
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py -> ImportError
    with pytest.raises(ImportError, match=r"pip install 'glassgrad\[mpi\]'"):
        dist.init()


@pytest.mark.parametrize("n", range(0, 23))
@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
def test_shard_range_matches_array_split(n, size):
    expected = np.array_split(np.arange(n), size)
    for r in range(size):
        lo, hi = dist.shard_range(n, r, size)
        np.testing.assert_array_equal(np.arange(lo, hi), expected[r])


@pytest.mark.parametrize("n, bs, drop_last, size, ok", [
    (100, 10, False, 2, True),    # every batch 10
    (101, 10, False, 2, False),   # last batch 1 < 2 ranks
    (101, 10, True, 2, True),     # the short batch is dropped
    (103, 10, False, 2, True),    # last batch 3: 2 + 1
    (103, 10, False, 4, False),   # last batch 3 < 4 ranks
    (8, 1, False, 2, False),      # batch 1 cannot be split
    (5, 32, False, 4, True),      # one full batch of 5
])
def test_check_batches(n, bs, drop_last, size, ok):
    if ok:
        dist.check_batches(n, bs, drop_last, size, "fit")
    else:
        with pytest.raises(ValueError, match=f"there are {size} ranks"):
            dist.check_batches(n, bs, drop_last, size, "fit")


def test_sharded_loader_of_one_rank_is_the_loader(comm):
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    a = DataLoader(TensorDataset(X, y), batch_size=6, shuffle=True, seed=1)
    b = dist.ShardedLoader(DataLoader(TensorDataset(X, y), batch_size=6, shuffle=True, seed=1),
                           comm)
    assert len(a) == len(b) == 4 and b.batch_size == 6
    for _ in range(2):  # two epochs: the generator advances the same way
        for (xa, ya), (xb, yb) in zip(a, b):
            np.testing.assert_array_equal(xa.data, xb.data)
            np.testing.assert_array_equal(ya.data, yb.data)
            assert (b.local, b.total) == (len(yb), len(yb))
    with pytest.raises(TypeError, match="DataLoader"):
        dist.ShardedLoader([(X, y)], comm)


def test_gradient_reducer_weights_and_missing_gradients(comm):
    w, unused = gg.ones(3, requires_grad=True), gg.ones(2, requires_grad=True)
    frozen = gg.ones(2)
    w.grad = gg.tensor([1.0, 2.0, 4.0])
    red = dist.GradientReducer([w, unused, frozen], comm)
    assert len(red.params) == 2  # the frozen tensor is not reduced
    assert red(0.5, loss=3.0) == 1.5  # Σ w_r·loss_r with one rank
    np.testing.assert_array_equal(w.grad.data, [0.5, 1.0, 2.0])
    assert unused.grad is None  # no rank had a gradient: still None
    assert red(4.0, loss=2.0, normalize=True) == 2.0  # normalized: a plain mean
    np.testing.assert_array_equal(w.grad.data, [0.5, 1.0, 2.0])
    assert red.calls == 2 and red.total_weight == 4.0


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda p: optim.Adam(p, lr=0.01),
])
@pytest.mark.parametrize("batch_size", [None, 10])
def test_distributed_optimizer_of_one_rank_is_the_optimizer(comm, make, batch_size):
    def run(wrap):
        gg.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
        opt = make(model.parameters())
        opt = dist.DistributedOptimizer(opt, comm) if wrap else opt
        X = gg.randn(10, 4)
        for _ in range(3):
            opt.zero_grad()
            loss = (model(X) ** 2).mean()
            loss.backward()
            out = opt.step(batch_size=batch_size, loss=loss) if wrap else opt.step()
        return model, opt, out

    plain, _, _ = run(False)
    wrapped, opt, out = run(True)
    for p, q in zip(plain.parameters(), wrapped.parameters()):
        if batch_size is None:  # weight 1: exact
            np.testing.assert_array_equal(p.data, q.data)
        else:  # b·g summed, then ÷ Σb: one rounding
            np.testing.assert_allclose(p.data, q.data, rtol=1e-6, atol=1e-7)
    assert isinstance(out, float) and opt.param_groups[0]["lr"] > 0  # passed through
    assert "DistributedOptimizer" in repr(opt)


def _fit(distributed, model=None, loss=None, y_kind="class", **kw):
    gg.manual_seed(0)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((53, 4)).astype(np.float32)
    y = rng.integers(0, 3, 53) if y_kind == "class" else rng.standard_normal((53, 1))
    model = model or nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3))
    loss = loss or nn.CrossEntropyLoss()
    metrics = ["accuracy", "f1_macro"] if y_kind == "class" else ["r2"]
    hist = train.fit(model, loss, optim.Adam(model.parameters(), lr=0.01), (X, y),
                     val=(X[:20], y[:20]), epochs=3, batch_size=16, seed=2, verbose=0,
                     metrics=metrics, distributed=distributed, **kw)
    return model, hist


@pytest.mark.parametrize("case", ["cross_entropy", "sse"])
def test_fit_with_one_rank_equals_fit_bit_for_bit(comm, case):
    kw = {} if case == "cross_entropy" else {
        "model": nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 1)),
        "loss": nn.SSELoss(), "y_kind": "reg"}
    ref, ref_hist = _fit(None, **{k: v for k, v in kw.items()})
    kw2 = dict(kw)
    if "model" in kw2:
        kw2["model"] = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 1))
    dp = dist.DataParallel(comm)
    model, hist = _fit(dp, **kw2)
    for p, q in zip(ref.parameters(), model.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert hist.history == ref_hist.history
    assert dp.reducer.calls == 3 * 4 and dp.resyncs == 0  # one Allreduce per step


def test_evaluate_with_one_rank(comm):
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3))
    X, y = np.random.default_rng(0).standard_normal((30, 4)), np.arange(30) % 3
    a = train.evaluate(model, nn.CrossEntropyLoss(), (X, y), metrics=["f1_macro"], batch_size=7)
    b = train.evaluate(model, nn.CrossEntropyLoss(), (X, y), metrics=["f1_macro"], batch_size=7,
                       distributed=comm)
    assert a == b


def test_fit_distributed_refuses_unshardable_data():
    model = nn.Sequential(nn.Linear(2, 1))
    batches = [(gg.randn(4, 2), gg.randn(4, 1))]

    class Batches:  # a re-iterable of batches: no dataset to shard
        def __iter__(self):
            return iter(batches)

    with pytest.raises(TypeError, match="shard its global batches"):
        train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), Batches(),
                  verbose=0, distributed=dist.Communicator(None))


def test_consistency_check_and_signature(comm):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    opt = optim.SGD(model.parameters(), lr=0.1)
    sig = dist.model_signature(model, opt)
    assert ("param", "0.weight", (4, 3), "float32") in sig
    assert ("buffer", "1.running_mean", (4,), "float32") in sig
    assert sig[-1] == ("optimizer", "SGD", (4,), "")
    dist.check_consistency(model, opt, comm)  # one rank always agrees with itself
    assert dist.check_identical(model, comm)
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    dist.broadcast_parameters(model, comm=comm)
    dist.broadcast_optimizer_state(opt, comm=comm)
    dist.average_buffers(model, comm)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k])


def test_average_metrics_of_one_rank(comm):
    assert dist.average_metrics({"accuracy": 0.75, "loss": 0.5}, 8, comm) == {
        "accuracy": 0.75, "loss": 0.5}
    with pytest.raises(dist.DistributedError, match="no rank has any sample"):
        dist.average_metrics({"accuracy": 1.0}, 0, comm)
