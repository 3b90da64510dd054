"""``Parameter``: a leaf Tensor that a Module registers as learnable."""

from __future__ import annotations

from ..tensor import Tensor, _as_array


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight (``requires_grad=True`` by default).

    Assigning a Parameter to a Module attribute registers it, so it appears in
    ``parameters()``, ``named_parameters()`` and ``state_dict()``.

    Args:
        data: array-like or Tensor. A Tensor's array is shared (not copied), as in PyTorch;
            anything else is copied (floats become the default float dtype).
        requires_grad: whether the optimizer should train it.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = []
        self.data = data.data if isinstance(data, Tensor) else _as_array(data)
        self.grad = None
        self._ctx = None
        self._retain = False
        self.name = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self.data, self.requires_grad))


def _rebuild(data, requires_grad):
    return Parameter(Tensor._make(data, None), requires_grad)
