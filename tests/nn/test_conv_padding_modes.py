"""F.pad's modes (constant with negative widths, reflect, replicate, circular) and
Conv1d/Conv2d(padding_mode=...) against PyTorch 2.13.0 on the CPU, float64, forward and
gradients. Expected values come from torch only."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.errors import ShapeError
from tests._torch import TF, torch

MODES = ["constant", "reflect", "replicate", "circular"]
SHAPES = [(5,), (3, 5), (2, 3, 5), (2, 3, 4, 5), (2, 1, 3, 4, 5)]
PADS = [(1, 2), (2, 0, 1, 3), (1, 1, 0, 2, 2, 1), (-1, 2), (3, -1, -1, 2), (0, 0), (4, 4),
        (5, 0), (-2, -2), (2, -3), (1, 2, -1, -1), (-4, 3), (0, 1, 2, 0, 1, 1), (-2, -3, 1, 0),
        (0, 0, -2, -2), (-3, -3, 1, 1)]


@pytest.fixture(autouse=True)
def _float64():
    gg.set_default_dtype(gg.float64)  # conftest resets it after each test


def _circular_torch_bug(shape, pad):
    """Circular widths larger than the dim after cropping: torch crashes (memory overlap) or
    returns uninitialised memory there; glassgrad raises instead (tested below)."""
    for d in range(min(len(pad) // 2, len(shape))):
        n, lo, hi = shape[len(shape) - 1 - d], pad[2 * d], pad[2 * d + 1]
        if max(lo, hi) > n + min(lo, 0) + min(hi, 0):
            return True
    return False


def _grid():
    for mode in MODES:
        for shape in SHAPES:
            for pad in PADS:
                if mode == "circular" and _circular_torch_bug(shape, pad):
                    continue
                yield mode, shape, pad


def _torch_result(x, pad, mode, w_seed):
    tx = torch.tensor(x, requires_grad=True)
    try:
        ty = TF.pad(tx, pad, mode=mode)
    except (RuntimeError, NotImplementedError):
        return None
    w = np.random.default_rng(w_seed).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    return ty.detach().numpy(), tx.grad.numpy(), w


def test_pad_grid_matches_torch():
    """Every (mode, shape, widths) of the grid: same shape, values and input gradient as torch,
    or an error where torch raises one."""
    rng = np.random.default_rng(0)
    matched = errors = 0
    for i, (mode, shape, pad) in enumerate(_grid()):
        x = rng.standard_normal(shape)
        expected = _torch_result(x, pad, mode, i)
        gx = gg.tensor(x, requires_grad=True)
        if expected is None:
            with pytest.raises((ShapeError, ValueError)):
                F.pad(gx, pad, mode)
            errors += 1
            continue
        y_t, g_t, w = expected
        y = F.pad(gx, pad, mode)
        (y * gg.tensor(w)).sum().backward()
        assert y.shape == y_t.shape, (mode, shape, pad)
        np.testing.assert_allclose(y.detach().numpy(), y_t, rtol=0, atol=0,
                                   err_msg=f"{mode} {shape} {pad}")
        np.testing.assert_allclose(gx.grad.numpy(), g_t, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{mode} {shape} {pad}")
        matched += 1
    assert matched >= 130 and errors >= 100, (matched, errors)  # the grid covers both sides


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_wide_border_scatter_add_path(mode):
    """Borders wider than 16 positions take the scatter-add path of the backward."""
    x = np.random.default_rng(1).standard_normal((2, 3, 20))
    pad = (19, 18) if mode != "circular" else (20, 17)
    y_t, g_t, w = _torch_result(x, pad, mode, 2)
    gx = gg.tensor(x, requires_grad=True)
    y = F.pad(gx, pad, mode)
    (y * gg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), y_t)
    np.testing.assert_allclose(gx.grad.numpy(), g_t, rtol=1e-12, atol=1e-12)


def test_small_cases_by_hand():
    x = gg.tensor([[0.0, 1.0, 2.0, 3.0]])
    assert F.pad(x, (2, 2), "reflect").tolist() == [[2, 1, 0, 1, 2, 3, 2, 1]]
    assert F.pad(x, (2, 2), "replicate").tolist() == [[0, 0, 0, 1, 2, 3, 3, 3]]
    assert F.pad(x, (2, 2), "circular").tolist() == [[2, 3, 0, 1, 2, 3, 0, 1]]
    assert F.pad(x, (-1, 1), "constant", 9.0).tolist() == [[1, 2, 3, 9]]


def test_value_with_copy_modes():
    x = gg.tensor(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="reflect.*value"):
        F.pad(x, (1, 1), "reflect", value=1.0)
    assert F.pad(x, (1, 1), "reflect", value=0.0).shape == (1, 6)  # torch accepts 0 too


@pytest.mark.parametrize("shape, pad, mode, match", [
    ((2, 5), (1, 1), "mirror", "unknown mode 'mirror'"),
    ((2, 5), (1,), "constant", "even number"),
    ((2, 5), (1, 1, 1, 1, 1, 1), "constant", "only 2"),
    ((5,), (1, 1), "reflect", "2-D or 3-D.*reshape"),
    ((2, 3, 4, 5), (1, 1), "replicate", "give 6 or 4 widths"),
    ((2, 5), (5, 0), "reflect", "< the size"),
    ((2, 5), (7, -1), "circular", "at most once"),
    ((2, 5), (-3, -3), "constant", "crop more"),
    ((2, 5), (-3, -2), "replicate", "empty dim"),
])
def test_errors_name_op_mode_and_sizes(shape, pad, mode, match):
    torch_raises = False
    try:
        TF.pad(torch.zeros(shape), pad, mode=mode)
    except (RuntimeError, NotImplementedError):
        torch_raises = True
    assert torch_raises
    with pytest.raises((ShapeError, ValueError), match=match) as info:
        F.pad(gg.tensor(np.zeros(shape)), pad, mode)
    assert str(info.value).startswith("pad:")


def test_pad_widths_must_be_ints():
    with pytest.raises(TypeError, match="tuple of ints"):
        F.pad(gg.tensor(np.zeros((2, 5))), (1.5, 1))


# ---------------------------------------------------------------- Conv padding_mode

CONV_GRID = [  # (dims, kernel, stride, padding, dilation, groups)
    (1, 3, 1, 1, 1, 1), (1, 4, 2, 2, 1, 1), (1, 3, 1, "same", 2, 1), (1, 4, 1, "same", 1, 2),
    (2, 3, 1, 1, 1, 1), (2, (3, 2), (2, 1), (1, 2), 1, 1), (2, 3, 1, "same", (1, 2), 2),
    (2, (2, 4), 1, "same", 1, 1), (2, 3, 1, "valid", 1, 1),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "zeros"])
@pytest.mark.parametrize("dims, k, s, p, d, g", CONV_GRID)
def test_conv_padding_mode_matches_torch(mode, dims, k, s, p, d, g):
    torch.manual_seed(0)
    cls_t = torch.nn.Conv1d if dims == 1 else torch.nn.Conv2d
    cls_g = gg.nn.Conv1d if dims == 1 else gg.nn.Conv2d
    tconv = cls_t(4, 6, k, s, p, d, g, padding_mode=mode, dtype=torch.float64)
    conv = cls_g(4, 6, k, s, p, d, g, padding_mode=mode, dtype=gg.float64)
    conv.load_state_dict({n: v.detach().numpy() for n, v in tconv.state_dict().items()})
    shape = (2, 4, 9) if dims == 1 else (2, 4, 7, 8)
    x = np.random.default_rng(3).standard_normal(shape)
    tx = torch.tensor(x, requires_grad=True)
    ty = tconv(tx)
    w = np.random.default_rng(4).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    gx = gg.tensor(x, requires_grad=True)
    y = conv(gx)
    (y * gg.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv.weight.grad.numpy(), tconv.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)
    assert ("padding_mode" in repr(conv)) == (mode != "zeros") == ("padding_mode" in repr(tconv))


def test_conv_repr_shows_padding_mode_like_torch():
    conv = gg.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", bias=False)
    tconv = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", bias=False)
    assert repr(conv).endswith("bias=False, padding_mode=reflect)")
    assert repr(tconv).endswith("bias=False, padding_mode=reflect)")
    assert "padding_mode" not in repr(gg.nn.Conv1d(2, 3, 3))


def test_conv_padding_mode_errors():
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of zeros, reflect"):
        gg.nn.Conv2d(2, 3, 3, padding_mode="mirror")
    conv = gg.nn.Conv1d(2, 3, 5, padding=4, padding_mode="reflect")
    with pytest.raises(ShapeError, match=r"Conv1d\(.*reflect.*< the size"):
        conv(gg.tensor(np.zeros((1, 2, 4))))
    with pytest.raises(RuntimeError):  # torch refuses the same
        torch.nn.Conv1d(2, 3, 5, padding=4, padding_mode="reflect")(torch.zeros(1, 2, 4))


def test_rnn_dropout_single_layer_warns_like_torch():
    for gg_cls, t_cls in [(gg.nn.RNN, torch.nn.RNN), (gg.nn.LSTM, torch.nn.LSTM),
                          (gg.nn.GRU, torch.nn.GRU)]:
        with pytest.warns(UserWarning) as ours:
            gg_cls(3, 4, dropout=0.5)
        with pytest.warns(UserWarning) as theirs:
            t_cls(3, 4, dropout=0.5)
        assert str(ours[0].message) == str(theirs[0].message)
        assert "num_layers greater than 1" in str(ours[0].message)
        assert ours[0].filename == __file__  # points at the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gg.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
        gg.nn.GRU(3, 4, dropout=0.0)
