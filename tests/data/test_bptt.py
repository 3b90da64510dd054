"""Truncated-BPTT loader, bucketing by length, the bundled text and its vocabulary."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data.bptt import BPTTLoader, detach_state
from glassgrad.data.bucketing import BucketBatchSampler, BucketLoader, pad_batch
from glassgrad.data.text import CharVocab, load_text
from glassgrad.nn.recurrent import LSTM


def test_bptt_chunks_are_parallel_streams_with_next_step_targets():
    ids = np.arange(23)
    loader = BPTTLoader(ids, batch_size=2, bptt_len=4)
    # 22 (x, y) pairs → 2 streams of 11 steps: stream 0 is 0..10, stream 1 is 11..21
    chunks = list(loader)
    assert len(loader) == len(chunks) == 3 and loader.steps == 11
    x0, y0 = chunks[0]
    np.testing.assert_array_equal(x0.numpy(), [[0, 11], [1, 12], [2, 13], [3, 14]])
    np.testing.assert_array_equal(y0.numpy(), x0.numpy() + 1)
    x2, _ = chunks[2]
    np.testing.assert_array_equal(x2.numpy(), [[8, 19], [9, 20], [10, 21]])  # short last chunk
    assert x0.dtype == np.int64
    assert len(BPTTLoader(ids, 2, 4, drop_last=True)) == 2
    xb, _ = next(iter(BPTTLoader(ids, 2, 4, batch_first=True)))
    assert xb.shape == (2, 4)


def test_bptt_carried_state_is_detached():
    gg.set_default_dtype(np.float64)
    lstm = LSTM(1, 3)
    series = np.sin(np.arange(41) * 0.3)[:, None]
    chunks = list(BPTTLoader(series, batch_size=2, bptt_len=5))
    x1, x2 = chunks[0][0], chunks[1][0]
    x1.requires_grad_()
    state = None
    _, state = lstm(x1, state)
    state = detach_state(state)
    assert all(s._ctx is None and not s.requires_grad for s in state)
    h_value = [s.numpy().copy() for s in state]
    out, _ = lstm(x2, state)
    out.sum().backward()
    assert x1.grad is None  # nothing flowed back into the first chunk
    carried_grads = {k: p.grad.numpy().copy() for k, p in lstm.named_parameters()}
    # the same as starting chunk 2 from a constant state with that value
    lstm.zero_grad()
    out2, _ = lstm(x2, tuple(gg.tensor(v) for v in h_value))
    out2.sum().backward()
    for k, p in lstm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), carried_grads[k], atol=1e-12)
    assert detach_state(None) is None


def test_bucket_sampler_covers_every_index_once_and_groups_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 100, 500)
    sampler = BucketBatchSampler(lengths, batch_size=16, pool_size=10, seed=0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 32
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(500))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 0.2 * np.ptp(lengths)  # batches hold similar lengths
    again = list(BucketBatchSampler(lengths, batch_size=16, pool_size=10, seed=0))
    assert all((a == b).all() for a, b in zip(batches, again))  # reproducible
    fixed = list(BucketBatchSampler(lengths, batch_size=16, shuffle=False))
    assert all(np.all(np.diff(lengths[np.concatenate(fixed)]) >= 0) for _ in [0])


def test_bucket_loader_pads_and_feeds_lengths():
    seqs = [np.ones((n, 2)) * n for n in [3, 1, 2, 5]]
    x, lengths, y = next(iter(BucketLoader(seqs, [0, 1, 2, 3], batch_size=4, shuffle=False)))
    assert x.shape == (5, 4, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(lengths, [1, 2, 3, 5])
    np.testing.assert_array_equal(y.numpy(), [1, 2, 0, 3])
    assert x.numpy()[1:, 0].sum() == 0 and x.numpy()[2:, 1].sum() == 0
    out, _ = LSTM(2, 3)(x, lengths=lengths)
    assert out.shape == (5, 4, 3)
    tokens = [np.arange(n) for n in [2, 4]]
    x, lengths, y = next(iter(BucketLoader(tokens, [t + 1 for t in tokens], batch_size=2,
                                           shuffle=False, target_padding=-100)))
    np.testing.assert_array_equal(y.numpy()[:, 0], [1, 2, -100, -100])  # per-step targets
    padded, lens = pad_batch([[1, 2], [3]], batch_first=True)
    np.testing.assert_array_equal(padded, [[1, 2], [3, 0]])


def test_bundled_text_and_vocab_roundtrip():
    text = load_text()
    assert len(text) > 20_000 and text.startswith("First Citizen:")
    vocab = CharVocab(text)
    ids = vocab.encode(text[:200])
    assert ids.dtype == np.int64 and ids.max() < len(vocab)
    assert vocab.decode(ids) == text[:200]
    with pytest.raises(KeyError, match="not in the vocabulary"):
        vocab.encode("~")
    with pytest.raises(ValueError, match="unknown text"):
        load_text("hamlet")
