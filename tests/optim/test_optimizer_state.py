"""Optimizer checkpoints (state_dict / load_state_dict) and construction errors."""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from tests._torch import torch

ROUND_TRIP = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("RMSprop", {"centered": True, "momentum": 0.5}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}),
]


def _data(seed=0, steps=20):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal((2, 3)), rng.standard_normal(4)]
    grads = [[rng.standard_normal(a.shape) for a in init] for _ in range(steps)]
    return init, grads


def _make(name, kwargs, arrays):
    params = [gg.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    groups = [{"params": params[:1], "lr": 0.05}, {"params": params[1:]}]
    return params, getattr(optim, name)(groups, **kwargs)


def _steps(params, opt, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = gg.tensor(g, dtype=np.float64)
        opt.step()


@pytest.mark.parametrize("name,kwargs", ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_state_dict_round_trip_equals_uninterrupted(name, kwargs):
    init, grads = _data()
    params, opt = _make(name, kwargs, init)
    _steps(params, opt, grads)  # 20 uninterrupted steps

    first, opt1 = _make(name, kwargs, init)
    _steps(first, opt1, grads[:10])
    sd = opt1.state_dict()
    snapshot = [p.data.copy() for p in first]  # fresh copies of the parameters after 10 steps
    saved = {i: {k: np.copy(v) for k, v in s.items()} for i, s in sd["state"].items()}
    _steps(first, opt1, grads[10:12])  # going on must not change the checkpoint (deep copy)

    resumed, opt2 = _make(name, kwargs, snapshot)
    opt2.load_state_dict(sd)
    assert [g["lr"] for g in opt2.param_groups] == [0.05, opt1.param_groups[1]["lr"]]
    _steps(resumed, opt2, grads[10:])
    for a, b in zip(resumed, params):
        np.testing.assert_array_equal(a.data, b.data)
    assert saved  # every optimizer here keeps state
    for i, s in sd["state"].items():  # loading copied the arrays: the checkpoint is unchanged
        for k, v in s.items():
            np.testing.assert_array_equal(v, saved[i][k])


def test_state_dict_layout_matches_torch():
    a, b, c = (gg.tensor([1.0], requires_grad=True) for _ in range(3))
    ta, tb, tc = (torch.tensor([1.0], requires_grad=True) for _ in range(3))
    opt = optim.Adam([{"params": [a, b], "lr": 0.1}, {"params": [c]}])
    topt = torch.optim.Adam([{"params": [ta, tb], "lr": 0.1}, {"params": [tc]}])
    for p in (a, b, c):
        p.grad = gg.tensor([0.5])
    for p in (ta, tb, tc):
        p.grad = torch.tensor([0.5])
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in
                                                         tsd["param_groups"]]
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i in sd["state"]:
        assert sd["state"][i]["step"] == int(tsd["state"][i]["step"])
        np.testing.assert_allclose(sd["state"][i]["exp_avg"], tsd["state"][i]["exp_avg"])


def test_load_casts_state_to_parameter_dtype():
    p64 = gg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    opt = optim.Adam([p64])
    p64.grad = gg.tensor([1.0, 1.0], dtype=np.float64)
    opt.step()
    p32 = gg.tensor([1.0, 2.0], requires_grad=True)
    opt32 = optim.Adam([p32])
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == np.float32


def _stepped_sgd():
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    b = gg.tensor([3.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    a.grad, b.grad = gg.tensor([1.0, 1.0]), gg.tensor([1.0])
    opt.step()
    return a, b, opt


def test_load_state_dict_mismatch_raises_and_changes_nothing():
    a, b, opt = _stepped_sgd()
    good = opt.state_dict()
    before = opt.state_dict()

    fewer = {"state": {}, "param_groups": good["param_groups"][:1]}
    with pytest.raises(ValueError, match="1 parameter groups but this optimizer has 2"):
        opt.load_state_dict(fewer)

    sizes = {"state": good["state"],
             "param_groups": [dict(good["param_groups"][0], lr=9.0),
                              dict(good["param_groups"][1], params=[1, 2])]}
    with pytest.raises(ValueError, match=r"\[1, 2\] parameters"):
        opt.load_state_dict(sizes)

    bad_shape = {"state": {0: {"momentum_buffer": np.zeros(3, np.float32)}},
                 "param_groups": [dict(good["param_groups"][0], lr=9.0), good["param_groups"][1]]}
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad_shape)

    bad_lr = {"state": {}, "param_groups": [dict(good["param_groups"][0], lr=-1.0),
                                            good["param_groups"][1]]}
    with pytest.raises(ValueError, match="learning rate"):
        opt.load_state_dict(bad_lr)

    after = opt.state_dict()  # nothing was half-applied
    assert [g["lr"] for g in after["param_groups"]] == [0.1, 0.5]
    for i in before["state"]:
        np.testing.assert_array_equal(after["state"][i]["momentum_buffer"],
                                      before["state"][i]["momentum_buffer"])


# ---------------------------------------------------------------- construction errors

def test_duplicate_parameters_raise():
    a = gg.tensor([1.0], requires_grad=True)
    b = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([a, b, a], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.Adam([{"params": [a]}, {"params": [b, a]}])
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})
    assert len(opt.param_groups) == 1


def test_bad_params_raise():
    a = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        optim.SGD([a, np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="named_parameters"):
        optim.SGD([("w", a)], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({a}, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="not a leaf"):
        optim.SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="'params'"):
        optim.SGD([{"lr": 0.1}])
    optim.SGD([gg.tensor([1.0])], lr=0.1)  # frozen tensors are allowed (and skipped)


@pytest.mark.parametrize("name,kwargs,match", [
    ("SGD", {"lr": -0.1}, "learning rate"),
    ("SGD", {"lr": math.nan}, "learning rate"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, "momentum"),
    ("SGD", {"lr": 0.1, "weight_decay": -1.0}, "weight decay"),
    ("SGD", {"lr": 0.1, "nesterov": True}, "Nesterov"),
    ("SGD", {"lr": 0.1, "nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov"),
    ("Adagrad", {"lr_decay": -1.0}, "decay"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "accumulator"),
    ("Adagrad", {"eps": -1.0}, "epsilon"),
    ("RMSprop", {"alpha": -0.1}, "smoothing"),
    ("RMSprop", {"momentum": -0.1}, "momentum"),
    ("Adam", {"lr": -1e-3}, "learning rate"),
    ("Adam", {"betas": (1.0, 0.999)}, "betas"),
    ("Adam", {"betas": (0.9, -0.1)}, "betas"),
    ("Adam", {"betas": (0.9,)}, "betas"),
    ("Adam", {"eps": -1e-8}, "epsilon"),
    ("AdamW", {"weight_decay": -0.01}, "weight decay"),
])
def test_bad_hyperparameters_raise(name, kwargs, match):
    a = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)([a], **kwargs)
    with pytest.raises(ValueError, match=match):  # per-group options are checked too
        getattr(optim, name)([{"params": [a], **kwargs}])
