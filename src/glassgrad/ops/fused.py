"""Fused pairs: a ``Linear`` and the elementwise activation after it, as ONE graph node.

The reference is the composition ``act(Linear(x, W, b))``: two nodes. ``nn.Sequential(...,
fuse=True)`` (off by default) runs a hook-free ``Linear`` followed by a hook-free ``Tanh``,
``Sigmoid`` or ``ReLU`` through these. The fused node calls the two ops' own ``forward`` and
``backward`` back to back, so it runs the same NumPy calls in the same order: the same bits as
the two nodes (the op table checks values and gradients, tests/op_cases/speed.py).

NOTE: why: a small MLP is overhead-bound, and one node per layer instead of two is a few per
cent of a W1 step (bench/RESULTS.md §13). The parts stay visible: ``parts`` names them,
``explain.graph`` shows a fused node as its Linear and activation nodes (with z), and a forward
hook on either layer (``explain.trace``, ``layer_stats``) keeps them apart.
"""

from ..autograd import Function
from .elementwise import ReLU, Sigmoid, Tanh
from .linalg import Linear


def _linear_then(act):
    """The Function computing ``act(Linear(x, weight, bias))`` in one node.

    Each part saves on the fused node what its own backward needs (Linear: x and weight;
    the activation: its output or mask); their attribute names do not overlap.
    """
    lin_forward, lin_backward = Linear.forward, Linear.backward
    act_forward, act_backward = act.forward, act.backward

    def forward(self, x, weight, bias=None):
        return act_forward(self, lin_forward(self, x, weight, bias))

    def backward(self, gy):
        return lin_backward(self, act_backward(self, gy))

    return type(f"Linear{act.__name__}", (Function,), {
        "__module__": __name__, "__qualname__": f"Linear{act.__name__}",
        "__doc__": f"{act.__name__}(x Wᵀ + b) as one node; ``parts`` = (Linear, {act.__name__}).",
        "forward": forward, "backward": backward, "parts": (Linear, act), "hint": Linear.hint})


LinearTanh = _linear_then(Tanh)
LinearSigmoid = _linear_then(Sigmoid)
LinearReLU = _linear_then(ReLU)
