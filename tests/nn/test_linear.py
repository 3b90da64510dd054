"""Linear, BatchNorm, Dropout against PyTorch 2.13.0 and gradcheck; the Mazur backprop example."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import torch


def _copy_params(ours, theirs):
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        with torch.no_grad():
            tp.copy_(torch.tensor(p.detach().numpy()))


def _grads_match(ours, theirs, tol=1e-5):
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=tol, atol=tol)


def test_linear_matches_torch_and_init_bounds():
    m, mt = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    bound = 1 / np.sqrt(5)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    _copy_params(m, mt)
    x = np.random.default_rng(0).standard_normal((4, 5))
    xg = gg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y, yt = m(xg), mt(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    _grads_match(m, mt)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_linear_gradcheck_float64_and_no_bias():
    m = nn.Linear(4, 3).double()
    assert m.weight.dtype == np.float64
    x = gg.tensor(np.random.default_rng(1).standard_normal((2, 4)), dtype=np.float64)
    gg.gradcheck(lambda x, w, b: F.linear(x, w, b), {"x": x, "w": m.weight, "b": m.bias})
    m2 = nn.Linear(4, 3, bias=False)
    assert m2.bias is None and [n for n, _ in m2.named_parameters()] == ["weight"]


def test_linear_wrong_width_names_layer_expected_and_actual():
    with pytest.raises(gg.ShapeError, match=r"Linear\(in_features=4, out_features=3.*4 "
                                            r"features.*got 5"):
        nn.Linear(4, 3)(gg.zeros(2, 5))


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 2, 5))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_train_and_eval_match_torch(cls, shape, momentum):
    m = getattr(nn, cls)(3, momentum=momentum)
    mt = getattr(torch.nn, cls)(3, momentum=momentum)
    with torch.no_grad():
        mt.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
        mt.bias.copy_(torch.tensor([0.1, 0.0, -0.3]))
    m.load_state_dict({k: v.numpy() for k, v in mt.state_dict().items()})
    rng = np.random.default_rng(2)
    for _ in range(3):
        x = rng.standard_normal(shape) * 2 + 1
        xg = gg.tensor(x, requires_grad=True)
        xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        y, yt = m(xg), mt(xt)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-5)
        gy = rng.standard_normal(shape)
        y.backward(gy)
        yt.backward(torch.tensor(gy, dtype=torch.float32))
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-5)
    _grads_match(m, mt, 1e-4)
    for k, v in mt.state_dict().items():
        np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6)
    m.eval(), mt.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(m(gg.tensor(x)).detach().numpy(),
                               mt(torch.tensor(x, dtype=torch.float32)).detach().numpy(),
                               atol=1e-5)


def test_batchnorm_gradcheck_and_no_running_stats():
    m = nn.BatchNorm1d(3, track_running_stats=False, affine=True).double()
    assert m.running_mean is None and "running_mean" not in m.state_dict()
    x = gg.tensor(np.random.default_rng(3).standard_normal((5, 3)), dtype=np.float64)
    gg.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                 [x, m.weight, m.bias])
    m.eval()  # no running stats: batch statistics in eval too, like torch
    mt = torch.nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    np.testing.assert_allclose(m(x).detach().numpy(), mt(torch.tensor(x.numpy())).detach().numpy(),
                               atol=1e-10)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(gg.zeros(1, 3))
    with pytest.raises(gg.ShapeError, match="3 channels"):
        nn.BatchNorm2d(3)(gg.zeros(2, 4, 2, 2))


def test_dropout_inverted_scaling_eval_identity_and_seeded():
    x = gg.ones(200, 500)
    d = nn.Dropout(0.3)
    gg.manual_seed(5)
    y = d(x).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.01
    gg.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.3, training=True).numpy(), y)
    d.eval()
    assert d(x) is x
    assert F.dropout(x, 0.3, training=False) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    xr = gg.ones(3, 4, requires_grad=True)
    out = F.dropout(xr, 0.5)
    out.sum().backward()
    np.testing.assert_allclose(xr.grad.numpy(), out.detach().numpy())
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        nn.Dropout(1.5)


def test_mazur_step_by_step_backpropagation_example():
    """Matt Mazur, "A Step by Step Backpropagation Example": the published numbers."""
    gg.set_default_dtype(np.float64)
    net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid())
    with gg.no_grad():
        net[0].weight.data[...] = [[0.15, 0.20], [0.25, 0.30]]
        net[0].bias.data[...] = 0.35
        net[2].weight.data[...] = [[0.40, 0.45], [0.50, 0.55]]
        net[2].bias.data[...] = 0.60
    out = net(gg.tensor([[0.05, 0.10]]))
    np.testing.assert_allclose(out.detach().numpy()[0], [0.75136507, 0.772928465], atol=5e-9)
    loss = nn.SSELoss()(out, gg.tensor([[0.01, 0.99]]))
    assert loss.item() == pytest.approx(0.298371109, abs=5e-10)
    loss.backward()
    with gg.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("weight"):  # the example does not update the biases
                p.data -= 0.5 * p.grad.data
    np.testing.assert_allclose(net[2].weight.data.ravel(),
                               [0.35891648, 0.408666186, 0.511301270, 0.561370121], atol=5e-9)
    np.testing.assert_allclose(net[0].weight.data.ravel(),
                               [0.149780716, 0.19956143, 0.24975114, 0.29950229], atol=5e-9)
