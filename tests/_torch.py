"""The tests' one bridge to PyTorch, the reference of the comparison tests: import, convert,
compare.

PyTorch is a test-only dependency (pinned in the ``test`` extra), so no test module imports it
directly; ``tests/test_test_layout.py`` enforces that. Two ways in, both through
``pytest.importorskip`` with the install hint:

- ``torch = import_torch()`` at the top of a module that is all comparisons: without torch the
  whole module is skipped, saying why;
- ``from tests._torch import TF, torch``: lazy handles for a module that also has tests without
  torch. The first attribute used imports torch; without it, the test using it is skipped (or the
  module, if the module uses torch while it is imported, e.g. in a ``parametrize`` list).

Conversions keep the dtype (float64 stays float64), and ``assert_close`` compares glassgrad
Tensors, torch tensors and arrays alike. ``compare`` runs a glassgrad module and its PyTorch twin
with the same state dict and checks outputs and every gradient.
"""


import numpy as np
import pytest

import glassgrad as gg

TORCH_VERSION = "2.13.0"
TORCH_REASON = (f"PyTorch {TORCH_VERSION} (the reference of this test) is not installed: "
                f"pip install torch=={TORCH_VERSION}")


def import_torch(module: str = "torch"):
    """``module`` (torch or one of its submodules), or a skip naming the install command."""
    # exc_type=ImportError: a torch that is present but cannot load skips too (with its error)
    return pytest.importorskip(module, reason=TORCH_REASON, exc_type=ImportError)


class _Lazy:
    """A module imported (through ``import_torch``) at its first attribute access."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        # other dunders are probed by tools (copy, inspect, pytest): they must not import torch
        if attr.startswith("__") and attr not in ("__name__", "__version__", "__file__"):
            raise AttributeError(attr)
        return getattr(import_torch(self._name), attr)

    def __repr__(self):
        return f"<lazy {self._name} (imported on first use)>"


torch = _Lazy("torch")
TF = _Lazy("torch.nn.functional")


def to_numpy(x) -> np.ndarray:
    """A glassgrad Tensor, a torch tensor or anything array-like as a NumPy array (a copy)."""
    if isinstance(x, gg.Tensor):
        return np.array(x.detach().numpy())
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy().copy()
    return np.asarray(x)


def to_torch(x, requires_grad: bool = False, dtype=None):
    """A glassgrad Tensor or an array as a torch tensor of the same dtype (or ``dtype``)."""
    t = import_torch()
    out = t.from_numpy(np.array(to_numpy(x)))
    if dtype is not None:
        out = out.to(getattr(t, dtype) if isinstance(dtype, str) else dtype)
    return out.requires_grad_(requires_grad)


def to_glassgrad(x, requires_grad: bool = False) -> gg.Tensor:
    """A torch tensor (or an array) as a glassgrad Tensor of the same dtype."""
    a = to_numpy(x)
    return gg.tensor(a, dtype=a.dtype, requires_grad=requires_grad)


def assert_close(ours, theirs, rtol=1e-7, atol=0.0, err_msg="", shape=True):
    """``np.testing.assert_allclose`` on any mix of glassgrad Tensors, torch tensors, arrays;
    with ``shape`` the shapes must be equal too (no broadcasting one to the other)."""
    a, b = to_numpy(ours), to_numpy(theirs)
    if shape:
        assert a.shape == b.shape, (err_msg, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=err_msg)


# tolerances of ``compare`` (module against module) per dtype
DTYPES = {"float64": 1e-10, "float32": 1e-5}


def load_from_torch(ours, ref):
    """Copy the PyTorch module's state dict into ours (strict: every name must match)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ours


def compare(ours, ref, arrays, dtype="float64", call=None, tol=None, seed=7):
    """Run a glassgrad module and its PyTorch twin (same state dict) on ``arrays`` (inputs that
    get gradients) and compare the outputs and every gradient (inputs and parameters).

    ``call(module, inputs, lib)`` runs a module (lib is "torch" or "gg"); it returns a tensor
    or a tuple of tensors (None entries skipped). A weighted sum with fixed random weights of
    every output is backpropagated. Returns our outputs.
    """
    torch_ = import_torch()
    tol = DTYPES[dtype] if tol is None else tol
    tdt = getattr(torch_, dtype)
    ref = ref.to(tdt)
    ours = ours.double() if dtype == "float64" else ours.float()
    load_from_torch(ours, ref)
    call = call or (lambda m, xs, lib: m(*xs))
    t_in = [torch_.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
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
        t_loss = t_loss + (t * torch_.tensor(w, dtype=tdt)).sum()
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
