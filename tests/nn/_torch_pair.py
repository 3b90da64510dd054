"""Run a glassgrad module and its PyTorch twin (same state dict) on the same inputs, and compare
the outputs and every gradient (inputs and parameters)."""

import numpy as np

import glassgrad as gg

DTYPES = {"float64": 1e-10, "float32": 1e-5}


def load_from_torch(ours, ref):
    """Copy the PyTorch module's state dict into ours (strict: every name must match)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ours


def compare(ours, ref, arrays, dtype="float64", call=None, tol=None, seed=7):
    """Call both modules on ``arrays`` (inputs that get gradients) and compare.

    ``call(module, inputs, lib)`` runs a module (lib is "torch" or "gg"); it returns a tensor
    or a tuple of tensors (None entries skipped). A weighted sum with fixed random weights of
    every output is backpropagated. Returns our outputs.
    """
    import torch

    tol = DTYPES[dtype] if tol is None else tol
    tdt = getattr(torch, dtype)
    ref = ref.to(tdt)
    ours = ours.double() if dtype == "float64" else ours.float()
    load_from_torch(ours, ref)
    call = call or (lambda m, xs, lib: m(*xs))
    t_in = [torch.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
    g_in = [gg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    t_out, g_out = call(ref, t_in, "torch"), call(ours, g_in, "gg")
    t_out = [t for t in (t_out if isinstance(t_out, tuple) else (t_out,))]
    g_out = [g for g in (g_out if isinstance(g_out, tuple) else (g_out,))]
    assert [t is None for t in t_out] == [g is None for g in g_out]
    rng = np.random.default_rng(seed)
    t_loss, g_loss = 0, 0
    close = dict(rtol=tol, atol=tol)
    for t, g in zip(t_out, g_out):
        if t is None:
            continue
        assert tuple(g.shape) == tuple(t.shape), (g.shape, t.shape)
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), **close)
        w = rng.standard_normal(tuple(t.shape))
        t_loss = t_loss + (t * torch.tensor(w, dtype=tdt)).sum()
        g_loss = g_loss + (g * gg.tensor(w, dtype=dtype)).sum()
    t_loss.backward()
    g_loss.backward()
    for i, (t, g) in enumerate(zip(t_in, g_in)):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), err_msg=f"input {i}", **close)
    t_params = dict(ref.named_parameters())
    g_params = dict(ours.named_parameters())
    assert sorted(t_params) == sorted(g_params)
    for name, tp in t_params.items():
        gp = g_params[name]
        if tp.grad is None:
            assert gp.grad is None or not np.any(gp.grad.numpy()), name
            continue
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), err_msg=name, **close)
    return g_out
