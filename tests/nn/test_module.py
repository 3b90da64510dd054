"""Module mechanics: registration order, dotted names, state dicts, hooks, modes, repr, summary."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3))
        self.scale = nn.Parameter(gg.ones(1))
        self.head = nn.Linear(3, 2)
        self.tied = self.head  # the same module twice: its parameters are listed once
        self.register_buffer("steps", gg.zeros(1))
        self.register_buffer("scratch", gg.zeros(2), persistent=False)

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def test_registration_order_and_dotted_names():
    net = Net()
    # as PyTorch: a module's own parameters first, then its children's, depth first
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias",
        "head.weight", "head.bias"]
    assert [n for n, _ in net.named_children()] == ["body", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "body.2",
                                                   "head"]
    assert len(list(net.parameters())) == 7
    assert [n for n, _ in net.named_buffers()] == [
        "steps", "scratch", "body.2.running_mean", "body.2.running_var",
        "body.2.num_batches_tracked"]
    assert net.num_parameters() == 4 * 3 + 3 + 3 + 3 + 1 + 3 * 2 + 2


def test_missing_super_init_is_explained():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(gg.GlassgradError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_state_dict_round_trip_and_persistence():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert "scratch" not in sd and "steps" in sd and "body.2.num_batches_tracked" in sd
    assert list(sd)[:3] == ["scale", "steps", "body.0.weight"]
    b.load_state_dict(sd)
    for (k, v), (k2, v2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(v.numpy(), v2.numpy())
    b.head.weight.data[0, 0] = 123.0  # copies, not aliases
    assert a.head.weight.data[0, 0] != 123.0


def test_strict_load_lists_keys_and_applies_nothing():
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    bad = {k: v.numpy() + 1 for k, v in Net().state_dict().items()}
    del bad["head.bias"]
    bad["extra.weight"] = np.zeros(3)
    bad["body.0.weight"] = np.zeros((5, 5))
    with pytest.raises(nn.StateDictError) as err:
        net.load_state_dict(bad)
    msg = str(err.value)
    assert "missing keys: ['head.bias']" in msg and "unexpected keys: ['extra.weight']" in msg
    assert "body.0.weight: checkpoint (5, 5) vs model (3, 4)" in msg
    assert "nothing was loaded" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    bad["body.0.weight"] = np.zeros((3, 4))
    res = net.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["head.bias"] and res.unexpected_keys == ["extra.weight"]
    assert (net.body[0].weight.data == 0).all()


def test_hooks_observe_replace_and_remove():
    net = Net()
    seen = []
    h1 = net.body[0].register_forward_hook(lambda m, inp, out: seen.append(
        (type(m).__name__, inp[0].shape, out.shape)))
    h2 = net.head.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    h3 = net.register_forward_hook(lambda m, inp, out: out + 1)
    x = gg.randn(5, 4)
    y = net(x)
    assert seen == [("Linear", (5, 4), (5, 3))]
    np.testing.assert_allclose(y.detach().numpy(),
                               (net.head.bias.detach().numpy() * 1 + 1)[None].repeat(5, 0),
                               rtol=1e-6)
    for h in (h1, h2, h3):
        h.remove()
    net(x)
    assert len(seen) == 1


def test_train_eval_flags_zero_grad_requires_grad_apply_to():
    net = Net()
    assert all(m.training for m in net.modules())
    net.eval()
    assert not any(m.training for m in net.modules())
    net.body.train()
    assert net.body[2].training and not net.training and not net.head.training
    net.train()
    net(gg.randn(3, 4)).sum().backward()
    assert net.head.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert (net.head.weight.grad.numpy() == 0).all()
    net.zero_grad()
    assert net.head.weight.grad is None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Net" and visited[0] == "Linear"
    net.double()
    assert net.head.weight.dtype == np.float64 and net.body[2].running_var.dtype == np.float64
    assert net.body[2].num_batches_tracked.dtype == np.int64
    net.to("cpu").float()
    assert net.head.weight.dtype == np.float32
    with pytest.raises(gg.DeviceError):
        net.to("tpu")


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    seq.append(nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and len(seq[:2]) == 2
    assert seq(gg.randn(4, 2)).shape == (4, 1)
    with pytest.raises(IndexError):
        seq[5]
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    assert len(ml) == 4 and len(list(ml.parameters())) == 6
    assert [n for n, _ in ml.named_parameters()][0] == "0.weight"
    md = nn.ModuleDict({"enc": nn.Linear(2, 2), "act": nn.ReLU()})
    assert list(md.keys()) == ["enc", "act"] and "enc" in md
    assert [n for n, _ in md.named_parameters()] == ["enc.weight", "enc.bias"]


def test_delete_then_append_keeps_every_module():
    # PyTorch renumbers after del, so append never overwrites a surviving child
    a, b, c, d = nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ReLU()
    for container in (nn.Sequential(a, b, c), nn.ModuleList([a, b, c])):
        del container[0]
        container.append(d)
        assert list(container) == [b, c, d]
        assert list(container._modules) == ["0", "1", "2"]
        container.insert(1, a)
        assert list(container) == [b, a, c, d]


def test_repr_is_a_readable_tree():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.1)\n"
        "  )\n"
        ")")
    assert repr(nn.Parameter(gg.zeros(1))).startswith("Parameter containing:")


def test_summary_shapes_and_counts():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    lines = []
    text = model.summary((8,), print_fn=lines.append)
    assert lines == [text]
    rows = [ln.split() for ln in text.splitlines()]
    assert ["0", "(Linear)", "(N,", "16)", "144"] in rows
    assert ["1", "(ReLU)", "(N,", "16)", "0"] in rows
    assert ["3", "(Linear)", "(N,", "3)", "51"] in rows
    assert "Total params: 195" in text and "Trainable params: 195" in text
    assert model.training  # modes restored
    assert not model[0]._forward_hooks  # hooks removed
