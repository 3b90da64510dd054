"""The ``Tensor``: an array, its gradient, and the op that created it.

Every method is in the class body or in a mixin the class lists, each in a module named for
what it holds: reductions.py (``sum``, ``var``, ``max``, ...), shaping.py (``reshape``,
``transpose``, ...), selection.py (``gather``, ``clamp``, ...), products_scans.py (``prod``,
``cumsum``, ``//``, ``%``), inplace.py (``+=``, ``add_``, ...) and hooks.py (``register_hook``).
A method and its ``glassgrad.<name>`` function are one definition. The arithmetic dunders and
the elementwise math here are one-liners over the primitive ops.
"""

from __future__ import annotations

import operator

import numpy as np

from . import engine_state, versions
from . import functional as F
from .autograd import backward as _backward
from .backend import check_device, device_of, get_array_module, to_numpy
from .convert import _as_array
from .dtypes import _dtypes, as_dtype, get_default_dtype, set_default_dtype  # noqa: F401
from .errors import GraphError
from .hooks import HookMixin
from .inplace import InPlaceMixin
from .ops import elementwise as E
from .ops import linalg, movement
from .products_scans import ProductScanMixin
from .promotion import _div_pair, _operand, _pair  # noqa: F401
from .reductions import ReductionMixin
from .selection import SelectionMixin
from .shaping import ShapeMixin

_new = object.__new__


class Tensor(ReductionMixin, ShapeMixin, SelectionMixin, ProductScanMixin, InPlaceMixin,
             HookMixin):
    """An n-dimensional array that records how it was computed, for reverse-mode autodiff.

    Args:
        data: array-like (nested lists, NumPy/CuPy array, scalar). It is copied.
        dtype: NumPy dtype; floats default to float32 (see ``set_default_dtype``).
        requires_grad: track operations on this tensor and accumulate ``.grad`` for it.
        device: "cpu" (NumPy) or "cuda" (CuPy).
    """

    # NOTE: ``_vc`` (the version record, versions.py) stays unset until the first in-place change.
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "name", "_vc",
                 "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to the Tensor's reflected dunder

    def __init__(self, data, dtype=None, requires_grad=False, device=None, name=None):
        self.data = _as_array(data, dtype, device)
        self.grad = None
        self._ctx = None
        self._retain = False
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, ctx):
        """Wrap an op's output array without copying (the engine's fast constructor)."""
        t = _new(Tensor)
        if type(data) is not np.ndarray and not type(data).__module__.startswith("cupy"):
            data = np.asarray(data)  # NumPy reductions return scalars, not 0-d arrays
        t.data, t.grad, t._ctx, t._retain, t.name = data, None, ctx, False, None
        t.requires_grad = ctx is not None
        return t

    # ------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self) -> str:
        return device_of(self.data)

    _version = property(versions.version, doc="In-place changes so far (PyTorch's _version).")

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self):
        """The op that created this tensor (None for leaves)."""
        return self._ctx

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    # ------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        if self.requires_grad and engine_state.state["grad"]:
            raise GraphError("numpy(): this tensor requires grad; call .detach().numpy().")
        return to_numpy(self.data)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only one-element tensors convert, this one has shape "
                             f"{self.shape}; index it or reduce it first.")
        return self.data.reshape(()).item()

    def tolist(self):
        return to_numpy(self.data).tolist()

    def __array__(self, dtype=None, copy=None):
        arr = to_numpy(self.data)
        return arr if dtype is None else arr.astype(dtype)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory)."""
        return Tensor._make(self.data, None)

    def clone(self) -> Tensor:
        return self * 1 if self.requires_grad else Tensor._make(self.data.copy(), None)

    def requires_grad_(self, requires_grad=True) -> Tensor:
        if self._ctx is not None:
            raise GraphError("requires_grad_() works on leaf tensors only; this one was computed "
                             "by an op. Use .detach().requires_grad_() for a new leaf.")
        if requires_grad and self.dtype.kind not in "fc":
            raise GraphError(f"only floating-point tensors can require gradients, this one is "
                             f"{self.dtype}. Create it with dtype=glassgrad.float32 or from "
                             "floats (1.0, not 1).")
        self.requires_grad = bool(requires_grad)
        return self

    def to(self, target) -> Tensor:
        """``to("cuda")``/``to("cpu")`` moves the tensor; ``to(dtype)`` casts it. Differentiable."""
        if isinstance(target, str):
            device = check_device(target)
            return self if device == self.device else E.ToDevice.apply(self, device=device)
        dtype = as_dtype(target, "to() (a device 'cpu'/'cuda', or a dtype)")
        return self if dtype == self.dtype else E.Cast.apply(self, dtype=dtype)

    def cpu(self) -> Tensor:
        """This tensor on the CPU (NumPy)."""
        return self.to("cpu")

    def cuda(self) -> Tensor:
        """This tensor on the GPU (CuPy)."""
        return self.to("cuda")

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.to(np.int64)

    def type(self, dtype) -> Tensor:
        """Cast to ``dtype``."""
        return self.to(dtype)

    # ------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor; leaves that require grad accumulate ``.grad``.

        Args:
            gradient: ∂L/∂self, shaped like self; may be omitted when self has one element.
            retain_graph: keep the graph so backward can run through it again.
        """
        if not self.requires_grad:
            raise GraphError("backward(): this tensor does not require grad and has no graph. "
                             "Did you create the inputs with requires_grad=True, or run the "
                             "forward pass under no_grad()?")
        data = self.data
        if gradient is None:
            if data.size != 1:
                raise GraphError(
                    f"backward(): the output has shape {self.shape}, so the gradient is not "
                    "implied. Reduce it first (.sum() or .mean()) or pass "
                    "gradient=glassgrad.ones_like(output).")
            # NOTE: 4x cheaper than xp.ones(shape): this runs once per training step.
            seed = get_array_module(data).array(1, dtype=data.dtype)
            if data.ndim:
                seed = seed.reshape(data.shape)
        else:
            seed = _as_array(gradient, dtype=self.dtype)
            if seed.shape != self.shape:
                raise GraphError(f"backward(): gradient has shape {seed.shape} but the output "
                                 f"has shape {self.shape}; they must match.")
        _backward(self, seed, retain_graph)

    def _accumulate(self, g) -> None:
        # NOTE: out of place: ``g`` may share memory with other gradients.
        self.grad = Tensor._make(g if self.grad is None else self.grad.data + g, None)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, o): return E.Add.apply(*_pair(self, o))
    def __radd__(self, o): return E.Add.apply(*_pair(self, o)[::-1])
    def __sub__(self, o): return self + (-o if isinstance(o, Tensor) else -_operand(o, self))
    def __rsub__(self, o): return E.Add.apply(*_pair(-self, o)[::-1])
    def __mul__(self, o): return E.Mul.apply(*_pair(self, o))
    def __rmul__(self, o): return E.Mul.apply(*_pair(self, o)[::-1])
    def __truediv__(self, o): return E.Div.apply(*_div_pair(self, o))
    def __rtruediv__(self, o): return E.Div.apply(*_div_pair(self, o)[::-1])
    def __neg__(self): return E.Neg.apply(self)
    def __pos__(self): return self
    def __pow__(self, o): return E.Pow.apply(*_pair(self, o))
    def __rpow__(self, o): return E.Pow.apply(*_pair(self, o)[::-1])
    def __matmul__(self, o): return linalg.MatMul.apply(self, _operand(o, self))
    def __rmatmul__(self, o): return linalg.MatMul.apply(_operand(o, self), self)
    def __abs__(self): return E.Abs.apply(self)

    # comparisons give boolean tensors and record no graph
    def _cmp(self, o, op):
        try:
            return Tensor._make(op(self.data, o.data if isinstance(o, Tensor) else o), None)
        except (TypeError, ValueError) as err:
            raise TypeError(f"cannot compare a tensor with a {type(o).__name__}: {err}") from None
    def __lt__(self, o): return self._cmp(o, operator.lt)
    def __le__(self, o): return self._cmp(o, operator.le)
    def __gt__(self, o): return self._cmp(o, operator.gt)
    def __ge__(self, o): return self._cmp(o, operator.ge)
    def __eq__(self, o): return self._cmp(o, operator.eq)
    def __ne__(self, o): return self._cmp(o, operator.ne)
    __hash__ = object.__hash__

    def __getitem__(self, index):
        index = _index(index)
        if not self.requires_grad and not engine_state.state["anomaly"]:
            # NOTE: a constant (a data batch, X[idx]) needs no graph node: index it directly.
            # A bad index falls through to GetItem, which explains the error.
            try:
                return Tensor._make(movement.index_array(self.data, index), None)
            except (IndexError, TypeError, ValueError):
                pass
        return movement.GetItem.apply(self, index=index)

    def __setitem__(self, index, value):
        if self.requires_grad and engine_state.state["grad"]:
            raise GraphError("in-place assignment into a tensor that requires grad would corrupt "
                             "its gradient. Do it under glassgrad.no_grad(), or build the new "
                             "value with where()/cat().")
        value = value.data if isinstance(value, Tensor) else value
        versions.write(self, index, _index(index), value)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with shape {self.shape} is ambiguous; "
                             "use .any() or .all().")
        return bool(self.data.reshape(()))

    def __float__(self): return float(self.item())
    def __int__(self): return int(self.item())

    def __repr__(self):
        body = np.array2string(to_numpy(self.data), separator=", ", precision=4,
                               prefix="tensor(")
        extras = []
        if self.dtype not in (_dtypes["default_float"], np.dtype(np.int64), np.dtype(bool)):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def _repr_html_(self):
        """Jupyter's display: shape, dtype, grad_fn and a truncated table of values."""
        from ._html import tensor_html

        return tensor_html(self)

    # ------------------------------------------------------------ elementwise math
    # NOTE: the same functions as glassgrad.exp, ... (functional.py): one definition each.
    exp, log, sqrt, abs, sin, cos = F.exp, F.log, F.sqrt, F.abs, F.sin, F.cos
    tanh, sigmoid, relu, pow, matmul = F.tanh, F.sigmoid, F.relu, F.pow, F.matmul
    softmax, log_softmax = F.softmax, F.log_softmax


def _index(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return get_array_module(index).asarray([getattr(i, "data", i) for i in index])
    return index


engine_state.set_tensor_class(Tensor)  # the core's one hand-off (engine_state.py says why)
