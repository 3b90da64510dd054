"""Empty batches (N = 0) behave as in PyTorch 2.13: every layer gives an empty output of the
right shape and zero parameter gradients; a loss's "mean" of nothing is NaN, "sum" is 0,
"none" is empty; a length-0 sequence into an RNN is refused (PyTorch refuses it too)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import import_torch

LAYERS = {  # name: (constructor args, extra kwargs, input shape with N = 0)
    "Linear": ((4, 3), {}, (0, 4)),
    "Conv1d": ((3, 8, 3), {}, (0, 3, 8)),
    "Conv2d": ((3, 8, 3), {}, (0, 3, 8, 8)),
    "Flatten": ((), {}, (0, 2, 3)),
    "MaxPool2d": ((2,), {}, (0, 3, 4, 4)),
    "AvgPool2d": ((2,), {}, (0, 3, 4, 4)),
    "MaxPool1d": ((2,), {}, (0, 3, 4)),
    "AvgPool1d": ((2,), {}, (0, 3, 4)),
    "AdaptiveAvgPool2d": ((1,), {}, (0, 3, 4, 4)),
    "AdaptiveMaxPool2d": ((1,), {}, (0, 3, 4, 4)),
    "BatchNorm1d": ((3,), {}, (0, 3)),
    "BatchNorm2d": ((3,), {}, (0, 3, 4, 4)),
    "Dropout": ((0.5,), {}, (0, 3)),
    "ReLU": ((), {}, (0, 3)),
    "Softmax": ((1,), {}, (0, 3)),
    "LogSoftmax": ((1,), {}, (0, 3)),
    "PReLU": ((), {}, (0, 3)),
    "LSTM": ((3, 4), {"batch_first": True}, (0, 5, 3)),
    "GRU": ((3, 4), {"batch_first": True}, (0, 5, 3)),
    "RNN": ((3, 4), {"batch_first": True}, (0, 5, 3)),
    "LSTM-time-major": ((3, 4), {}, (5, 0, 3)),
    "LSTMCell": ((3, 4), {}, (0, 3)),
    "GRUCell": ((3, 4), {}, (0, 3)),
    "RNNCell": ((3, 4), {}, (0, 3)),
}


def _run(m, name, training):
    args, kwargs, shape = LAYERS[name]
    layer = getattr(m.nn, name.split("-")[0])(*args, **kwargs)
    layer.train(training)
    x = m.zeros(*shape, requires_grad=True)
    out = layer(x)
    out = out[0] if isinstance(out, tuple) else out
    out.sum().backward()
    grads = [None if p.grad is None else p.grad.detach().numpy() for p in layer.parameters()]
    return tuple(out.shape), tuple(x.grad.shape), grads


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_takes_an_empty_batch_like_torch(name, training):
    torch = import_torch()
    shape, xgrad, grads = _run(gg, name, training)
    tshape, txgrad, tgrads = _run(torch, name, training)
    assert shape == tshape and xgrad == txgrad
    assert len(grads) == len(tgrads)
    for g, t in zip(grads, tgrads):
        assert g is not None and g.shape == t.shape and not g.any() and not t.any()


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_in_training_on_an_empty_batch_keeps_its_statistics_like_torch(momentum):
    torch = import_torch()
    res = []
    for m in (gg, torch):
        bn = m.nn.BatchNorm1d(3, momentum=momentum)
        bn(m.ones(4, 3) * m.tensor([1.0, 2.0, 3.0]))
        bn(m.zeros(0, 3))
        res.append((bn.running_mean.tolist(), bn.running_var.tolist(),
                    int(bn.num_batches_tracked.item())))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6)
    assert res[0][2] == res[1][2] == 2


def test_batchnorm_with_one_value_per_channel_is_still_refused_like_torch():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(gg.zeros(1, 3))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_a_length_zero_sequence_is_refused_like_torch(cls):
    torch = import_torch()
    with pytest.raises(RuntimeError, match="sequence length"):
        getattr(torch.nn, cls)(3, 4)(torch.zeros(0, 2, 3))
    with pytest.raises(gg.ShapeError, match="length 0"):
        getattr(nn, cls)(3, 4)(gg.zeros(0, 2, 3))


LOSSES = {
    "mse_loss": lambda m, e, r: m.nn.functional.mse_loss(e, m.zeros(0, 3), reduction=r),
    "l1_loss": lambda m, e, r: m.nn.functional.l1_loss(e, m.zeros(0, 3), reduction=r),
    "huber_loss": lambda m, e, r: m.nn.functional.huber_loss(e, m.zeros(0, 3), reduction=r),
    "smooth_l1_loss": lambda m, e, r: m.nn.functional.smooth_l1_loss(e, m.zeros(0, 3),
                                                                     reduction=r),
    "binary_cross_entropy": lambda m, e, r: m.nn.functional.binary_cross_entropy(
        e, m.zeros(0, 3), reduction=r),
    "bce_with_logits": lambda m, e, r: m.nn.functional.binary_cross_entropy_with_logits(
        e, m.zeros(0, 3), reduction=r),
    "cross_entropy": lambda m, e, r: m.nn.functional.cross_entropy(
        e, m.zeros(0, dtype=m.int64), reduction=r),
    "cross_entropy-probs": lambda m, e, r: m.nn.functional.cross_entropy(
        e, m.zeros(0, 3), reduction=r),
    "nll_loss": lambda m, e, r: m.nn.functional.nll_loss(e, m.zeros(0, dtype=m.int64),
                                                        reduction=r),
    "kl_div": lambda m, e, r: m.nn.functional.kl_div(e, m.zeros(0, 3), reduction=r),
    "gaussian_nll_loss": lambda m, e, r: m.nn.functional.gaussian_nll_loss(
        e, m.zeros(0, 3), m.ones(0, 3), reduction=r),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_of_an_empty_batch_like_torch(name, reduction):
    torch = import_torch()
    res = []
    for m in (gg, torch):
        e = m.zeros(0, 3, requires_grad=True)
        out = LOSSES[name](m, e, reduction)
        out.sum().backward()
        res.append((tuple(out.shape), np.asarray(out.tolist(), dtype=float), tuple(e.grad.shape)))
    (shape, val, gshape), (tshape, tval, tgshape) = res
    assert shape == tshape and gshape == tgshape
    np.testing.assert_array_equal(val, tval)  # NaN for "mean" (equal_nan), 0 for "sum"
    if reduction == "mean":
        assert np.isnan(val)
    if reduction == "sum":
        assert val == 0


def test_reductions_of_nothing_like_torch():
    torch = import_torch()
    e, t = gg.zeros(0, 3), torch.zeros(0, 3)
    assert np.isnan(e.mean().item()) and e.sum().item() == 0
    np.testing.assert_array_equal(e.mean(0).numpy(), t.mean(0).numpy())
    np.testing.assert_array_equal(e.logsumexp(0).numpy(), t.logsumexp(0).numpy())  # -inf
    assert F.softmax(gg.zeros(0), 0).shape == (0,)
    assert e.amax(1).shape == tuple(t.amax(1).shape) == (0,)
    for fn in (lambda x: x.max(), lambda x: x.amax(0), lambda x: x.argmax(0)):
        with pytest.raises((RuntimeError, IndexError)):
            fn(t)
        with pytest.raises(gg.ShapeError, match="empty|zero-size|no elements|identity"):
            fn(e)
