"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``."""

from __future__ import annotations

from collections import OrderedDict

from ..ops.fused import LinearReLU, LinearSigmoid, LinearTanh
from .activation import ReLU, Sigmoid, Tanh
from .linear import Linear
from .module import Module

_FUSED = {Tanh: LinearTanh, Sigmoid: LinearSigmoid, ReLU: LinearReLU}  # Sequential(fuse=True)


def _index(n: int, idx: int, what: str) -> int:
    if not -n <= idx < n:
        raise IndexError(f"{what}: index {idx} is out of range for {n} module(s).")
    return idx % n


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children named "0", "1", ... in order."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _renumber(self, modules) -> None:
        """Make ``modules`` the children, named "0", "1", ... (keys stay dense, as in PyTorch)."""
        modules = list(modules)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def append(self, module: Module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module):
        items = list(self._modules.values())
        items.insert(index, module)
        self._renumber(items)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(Linear(2, 3), ReLU(), Linear(3, 1))``.

    Children are named "0", "1", ... or by the keys of an OrderedDict passed as the only
    argument. Indexable (an int gives a layer, a slice a new Sequential), ``len``, ``append``.

    ``fuse=True`` (off by default) runs each hook-free ``Linear`` followed by a hook-free
    ``Tanh``, ``Sigmoid`` or ``ReLU`` as one fused graph node (``LinearTanh``, ... in
    ``glassgrad.ops.fused``): the same values and gradients, bit for bit, with one node per
    layer instead of two, so ``model(x).grad_fn`` names the fused op. ``explain.graph`` still
    shows its two parts, and a forward hook on either layer (as ``explain.trace`` and
    ``layer_stats`` register) keeps the pair apart. Off, the graph is the model as written.
    """

    def __init__(self, *modules, fuse: bool = False):
        super().__init__()
        self.fuse = bool(fuse)
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        # NOTE: a layer without hooks is run by its forward directly (what Module.__call__
        # would do, one call less per layer: small models are overhead-bound).
        if self.fuse:
            return self._forward_fused(x)
        for m in self._modules.values():
            x = m(x) if m._forward_pre_hooks or m._forward_hooks else m.forward(x)
        return x

    def _forward_fused(self, x):
        """forward with each hook-free Linear + Tanh/Sigmoid/ReLU pair as one fused op."""
        modules = list(self._modules.values())
        i = 0
        while i < len(modules):
            m = modules[i]
            if m._forward_pre_hooks or m._forward_hooks:
                x = m(x)
            else:
                nxt = modules[i + 1] if i + 1 < len(modules) else None
                op = None if nxt is None or type(m) is not Linear else _FUSED.get(type(nxt))
                if op is not None and not (nxt._forward_pre_hooks or nxt._forward_hooks):
                    weight, bias = m.checked_parameters(x)
                    x = op.apply(x, weight) if bias is None else op.apply(x, weight, bias)
                    i += 2
                    continue
                x = m.forward(x)
            i += 1
        return x

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]), fuse=self.fuse)
        return list(self._modules.values())[_index(len(self), idx, "Sequential")]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(len(self), idx, "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, idx) -> None:
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice)
                    else [keys[_index(len(self), idx, "Sequential")]]):
            del self._modules[key]
        # NOTE: renumbered like PyTorch, or a later append("<len>") would replace a module.
        self._renumber(self._modules.values())


class ModuleList(_ModuleSequence):
    """A list of Modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(len(self), idx, "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(len(self), idx, "ModuleList")), module)

    def __delitem__(self, idx) -> None:
        items = list(self._modules.values())
        del items[idx]
        self._renumber(items)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(): iterate over it in your "
                                  "module's forward().")


class ModuleDict(Module):
    """A dict of Modules (insertion-ordered) whose parameters are registered."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules) -> None:
        items = modules.items() if hasattr(modules, "items") else modules
        for key, m in items:
            self.add_module(key, m)

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(): index it in your module's "
                                  "forward().")
