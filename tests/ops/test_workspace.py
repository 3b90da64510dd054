"""The conv kernels' scratch pool: one buffer reused per purpose, per thread, bounded."""

import threading

import numpy as np

from glassgrad.ops import workspace


def test_scratch_reuses_one_buffer_per_purpose_and_dtype():
    a = workspace.scratch(np, (4, 8), np.float32, "test a")
    b = workspace.scratch(np, (2, 3), np.float32, "test a")  # smaller: same memory
    assert a.shape == (4, 8) and b.shape == (2, 3) and b.dtype == np.float32
    assert np.shares_memory(a, b)
    assert not np.shares_memory(a, workspace.scratch(np, (4, 8), np.float32, "test b"))
    assert not np.shares_memory(a, workspace.scratch(np, (4, 8), np.float64, "test a"))
    big = workspace.scratch(np, (64, 8), np.float32, "test a")  # larger: grown, then kept
    assert big.shape == (64, 8)
    assert np.shares_memory(big, workspace.scratch(np, (4, 8), np.float32, "test a"))


def test_scratch_is_per_thread_and_does_not_keep_huge_buffers():
    mine = workspace.scratch(np, (16,), np.float32, "test t")
    theirs = []
    t = threading.Thread(
        target=lambda: theirs.append(workspace.scratch(np, (16,), np.float32, "test t")))
    t.start()
    t.join()
    assert not np.shares_memory(mine, theirs[0])
    n = workspace._MAX_BYTES // 4 + 1
    huge1 = workspace.scratch(np, (n,), np.float32, "test huge")
    huge2 = workspace.scratch(np, (n,), np.float32, "test huge")
    assert huge1.shape == (n,) and not np.shares_memory(huge1, huge2)


# -- the pool for arrays that outlive the call (saved for backward, outputs) ------------------

_BIG = (256, 1024)  # 1 MiB of float32: above the pool's lower bound


def test_pooled_reuses_a_buffer_only_when_nothing_else_references_it():
    a = workspace.pooled(np, _BIG, np.float32)
    a_mem = a.__array_interface__["data"][0]
    b = workspace.pooled(np, _BIG, np.float32)
    assert not np.shares_memory(a, b)  # a is still held: b is another buffer
    view = a[3:5]
    del a
    c = workspace.pooled(np, _BIG, np.float32)
    assert not np.shares_memory(c, view)  # a view keeps its base out of reuse
    del view
    d = workspace.pooled(np, (1024, 256), np.float32)  # same size, other shape: may reuse
    assert d.__array_interface__["data"][0] == a_mem and d.shape == (1024, 256)
    assert not np.shares_memory(d, b) and not np.shares_memory(d, c)


def test_pooled_arrays_saved_by_an_op_are_not_overwritten_while_its_graph_lives():
    # the LSTM op saves its gates and states in pooled arrays: a second forward before the
    # first backward must not reuse them, and both gradients must match separate runs
    import glassgrad as gg

    gg.manual_seed(0)
    lstm = gg.nn.LSTM(8, 128, batch_first=True)  # (T+2)·B·H·4 bytes ≥ the pool's lower bound
    x1, x2 = (gg.tensor(np.random.default_rng(s).standard_normal((16, 40, 8)), dtype="float32")
              for s in (1, 2))
    lstm(x1)[0].sum().backward()
    g1 = lstm.weight_hh_l0.grad.numpy().copy()
    lstm.zero_grad()
    lstm(x2)[0].pow(2).sum().backward()
    g2 = lstm.weight_hh_l0.grad.numpy().copy()
    lstm.zero_grad()
    l1, l2 = lstm(x1)[0].sum(), lstm(x2)[0].pow(2).sum()  # both graphs alive at once
    l2.backward()
    np.testing.assert_array_equal(lstm.weight_hh_l0.grad.numpy(), g2)
    lstm.zero_grad()
    l1.backward()
    np.testing.assert_array_equal(lstm.weight_hh_l0.grad.numpy(), g1)


def test_pooled_is_bounded_and_releases_free_buffers():
    small = workspace.pooled(np, (4, 4), np.float32)  # under the lower bound: plain empty
    assert small.base is None
    workspace.release_pool()
    held = [workspace.pooled(np, _BIG, np.float32) for _ in range(workspace._POOL_PER_SIZE + 2)]
    assert len({h.__array_interface__["data"][0] for h in held}) == len(held)
    kept = sum(h.base is not None for h in held)
    assert kept == workspace._POOL_PER_SIZE  # the rest were fresh arrays, not kept
    del held
    assert workspace.release_pool() >= workspace._POOL_PER_SIZE * np.prod(_BIG) * 4


def test_max_pool_output_comes_from_the_pool():
    # A fresh output per step (LeNet's first pool: 301 KB) let glibc grow and trim its heap
    # every step, ~130 page faults per W3 step in most heap layouts (bench/RESULTS.md §17).
    import glassgrad as gg

    x = np.random.default_rng(0).random((64, 6, 28, 28), dtype=np.float32)
    y = gg.nn.MaxPool2d(2)(gg.tensor(x))
    assert y.data.nbytes >= workspace._POOL_MIN_BYTES
    saved = [b for bufs in workspace._local.saved.values() for b in bufs]
    assert any(np.shares_memory(y.data, b) for b in saved)
    np.testing.assert_array_equal(y.numpy(), x.reshape(64, 6, 14, 2, 14, 2).max(axis=(3, 5)))
