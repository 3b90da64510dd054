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
