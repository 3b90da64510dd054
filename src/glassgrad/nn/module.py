"""``Module``: the base class of every layer and model.

Attributes that are Parameters, Modules or registered buffers are recorded, in assignment order,
in three ordered dicts (``_parameters``, ``_modules``, ``_buffers``). Everything else
(``parameters()``, ``state_dict()``, ``train()``, hooks, ``summary()``) walks those dicts.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np

from ..autograd import no_grad
from ..backend import check_device, get_array_module, to_device
from ..errors import GlassgradError, ShapeError
from ..hooks import RemovableHandle
from ..tensor import Tensor
from .inputs import layer_input
from .keras_api import KerasMethods
from .parameter import Parameter

_hook_ids = itertools.count()


class Module(KerasMethods):
    """Base class of layers and models: subclass it, call ``super().__init__()`` first, assign
    Parameters and sub-Modules as attributes, and write ``forward``. Call the module, not
    ``forward``, so hooks run (and, for glassgrad's layers, the input and dtype rules of
    ``glassgrad.nn.inputs``: arrays and lists are converted, junk and other dtypes refused)."""

    training: bool
    # NOTE: glassgrad's own layers convert a first argument that is not a Tensor (arrays, lists)
    # or refuse it clearly (nn/inputs.py); a user's Module subclass converts nothing.
    _converts_input = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_converts_input" not in cls.__dict__ and cls.__module__.startswith("glassgrad."):
            cls._converts_input = True

    def __init__(self):
        for name in ("_parameters", "_buffers", "_modules", "_forward_hooks",
                     "_forward_pre_hooks"):
            object.__setattr__(self, name, OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def _dicts(self, name, kind):
        d = self.__dict__.get("_parameters")
        if d is None:
            raise GlassgradError(
                f"cannot assign {kind} {name!r} before Module.__init__() ran: call "
                f"super().__init__() at the top of {type(self).__name__}.__init__.")
        return d, self.__dict__["_modules"], self.__dict__["_buffers"]

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            params, modules, buffers = self._dicts(name, "parameter")
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params, modules, buffers = self._dicts(name, "submodule")
            self.__dict__.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} of "
                                f"{type(self).__name__}: wrap it as nn.Parameter(...) or None.")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r}: "
                                "expected a Module or None.")
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"buffer {name!r} must be a Tensor or None, got "
                                f"{type(value).__name__}.")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __delattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None.")
        self._dicts(name, "parameter")[0][name] = param
        self.__dict__.pop(name, None)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a non-learnable tensor (running statistics...) that moves with ``to()`` and,
        if ``persistent``, is saved in ``state_dict()``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got "
                            f"{type(tensor).__name__}.")
        self._dicts(name, "buffer")[2][name] = tensor
        self.__dict__.pop(name, None)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): {type(module).__name__} is not a Module.")
        self._dicts(name, "submodule")[1][name] = module

    register_module = add_module

    # ------------------------------------------------------------ calling and hooks
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method: define one.")

    def __call__(self, *args, **kwargs):
        if args and type(args[0]) is not Tensor and self._converts_input:
            args = (layer_input(self, args[0]), *args[1:])
        # NOTE: no hooks is the per-layer, per-step hot path: one test, no list copies.
        if not self._forward_pre_hooks and not self._forward_hooks:
            return self.forward(*args, **kwargs)
        with_kwargs = self.__dict__.get("_hooks_with_kwargs", ())
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
                continue
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            result = (hook(self, args, kwargs, out) if key in with_kwargs
                      else hook(self, args, out))
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook, *, with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, inputs, output)`` runs after ``forward``; a non-None return replaces
        the output. ``with_kwargs=True``: ``hook(module, inputs, kwargs, output)``. Returns a
        handle whose ``.remove()`` unregisters it."""
        return self._add_hook(self._forward_hooks, hook, with_kwargs)

    def register_forward_pre_hook(self, hook, *, with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, inputs)`` runs before ``forward``; a non-None return replaces the
        inputs (a tuple, or a single value). ``with_kwargs=True``: ``hook(module, inputs,
        kwargs)`` returning None or a new ``(inputs, kwargs)`` pair."""
        return self._add_hook(self._forward_pre_hooks, hook, with_kwargs)

    def _add_hook(self, hooks: dict, hook, with_kwargs: bool) -> RemovableHandle:
        key = next(_hook_ids)
        hooks[key] = hook
        if with_kwargs:
            # NOTE: hook ids are unique across modules, so a key left here after remove() is
            # harmless.
            self.__dict__.setdefault("_hooks_with_kwargs", set()).add(key)
        return RemovableHandle(hooks, key)

    # ------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """``(dotted_name, module)`` for this module (name ``""``) and every descendant."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in getattr(mod, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """``("layer.0.weight", Parameter)`` pairs in registration order; a Parameter shared by
        two layers appears once (under its first name)."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        return int(sum(p.numel() for p in self.parameters()
                       if p.requires_grad or not trainable_only))

    # ------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and its descendants (Dropout, BatchNorm use it)."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is not None:
                p.grad = None if set_to_none else Tensor._make(
                    get_array_module(p.data).zeros_like(p.data), None)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every descendant (children first) and on self, e.g. to init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ devices and dtypes
    def _map_tensors(self, fn) -> Module:
        with no_grad():
            for m in self.modules():
                for store in (m._parameters, m._buffers):
                    for t in store.values():
                        if t is not None:
                            t.data = fn(t.data)
                            if t.grad is not None:
                                t.grad = Tensor._make(fn(t.grad.data), None)
        return self

    def to(self, target) -> Module:
        """Move parameters and buffers to a device ("cpu"/"cuda") or cast floating ones to a
        dtype, in place (the Parameter objects stay the same). Returns self."""
        if isinstance(target, str):
            device = check_device(target)
            return self._map_tensors(lambda a: to_device(a, device))
        dtype = np.dtype(target)
        return self._map_tensors(lambda a: a.astype(dtype) if a.dtype.kind == "f" else a)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 (for gradcheck and hand checks)."""
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    # ------------------------------------------------------------ state dict
    def state_dict(self, prefix: str = "", keep_vars: bool = False):
        """Ordered ``dotted_name -> Tensor`` of parameters and persistent buffers (detached,
        sharing memory with the module unless ``keep_vars``)."""
        from .state import state_dict

        return state_dict(self, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Everything is checked first: with ``strict`` any missing or unexpected key, and always
        any shape mismatch, raises ``StateDictError`` listing every offending key, and NOTHING
        is changed. Returns ``(missing_keys, unexpected_keys)``.
        """
        from .state import load_state_dict

        return load_state_dict(self, state_dict, strict)

    # ------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """One line of layer settings shown in ``repr`` (override in layers)."""
        return ""

    def __repr__(self):
        lines = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"{extra}" if extra else "")
        return head + "\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self):
        """Jupyter's display: a table of the layers, their settings and parameter counts."""
        from .summary import summary_html

        return summary_html(self)

    def summary(self, input_shape, batch_size: int = 2, dtype=None, print_fn=print) -> str:
        """Print (and return) each layer's output shape and parameter count, Keras-style.

        Args:
            input_shape: one sample's shape, without the batch dimension, e.g. ``(784,)``.
        """
        from .summary import summary

        return summary(self, input_shape, batch_size=batch_size, dtype=dtype, print_fn=print_fn)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules)
                      | set(self._buffers))


def check_features(layer: Module, x: Tensor, expected: int, dim: int = -1) -> None:
    """Raise ShapeError naming ``layer`` when ``x``'s feature dimension is not ``expected``."""
    if x.ndim == 0 or x.shape[dim] != expected:
        got = x.shape[dim] if x.ndim else "a scalar"
        raise ShapeError(
            f"{layer!r} expected input with {expected} features in dim {dim}, got {got} "
            f"(input shape {tuple(x.shape)}). Check the previous layer's output size or "
            "flatten the input first.")
