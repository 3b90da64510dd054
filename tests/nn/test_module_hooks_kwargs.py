"""Forward hooks with keyword arguments (PyTorch's ``with_kwargs=True``): a pre-hook sees and
may replace (args, kwargs); a forward hook sees the kwargs beside the output."""

import numpy as np

import glassgrad as gg
from glassgrad import nn


class Scale(nn.Module):
    def forward(self, x, factor=1.0, shift=0.0):
        return x * factor + shift


def test_pre_hook_with_kwargs_replaces_them_and_forward_hook_sees_them():
    m, seen = Scale(), []
    x = gg.tensor([1.0, 2.0])

    def pre(module, args, kwargs):
        assert module is m and args[0] is x
        return args, {**kwargs, "factor": 10.0}

    def post(module, args, kwargs, out):
        seen.append(dict(kwargs))
        return out + 1.0

    h1 = m.register_forward_pre_hook(pre, with_kwargs=True)
    h2 = m.register_forward_hook(post, with_kwargs=True)
    np.testing.assert_allclose(m(x, shift=0.5).numpy(), [11.5, 21.5])
    assert seen == [{"shift": 0.5, "factor": 10.0}]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(x, shift=0.5).numpy(), [1.5, 2.5])


def test_plain_hooks_keep_their_signatures_beside_kwargs_hooks():
    m, calls = Scale(), []
    m.register_forward_pre_hook(lambda mod, args: calls.append(("pre", len(args))))
    m.register_forward_pre_hook(lambda mod, args, kw: calls.append(("pre_kw", kw)),
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: calls.append(("post", out.shape)))
    m(gg.tensor([1.0]), factor=2.0)
    assert calls == [("pre", 1), ("pre_kw", {"factor": 2.0}), ("post", (1,))]
