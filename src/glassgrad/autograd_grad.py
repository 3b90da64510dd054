"""``glassgrad.autograd.grad``: gradients of outputs w.r.t. chosen inputs, returned, not stored.

It runs the ordinary backward engine with a ``hooks.Session`` that captures the inputs'
gradients; tensors that lead to no input are marked (through the ``_retain`` slot) so their ops
do not run, as PyTorch prunes its graph. No ``.grad`` is touched, not even ``retain_grad``'s.
"""

from __future__ import annotations

from . import autograd, engine_state, hooks
from .backend import get_array_module
from .errors import GraphError


def _as_tuple(x, what: str) -> tuple:
    if isinstance(x, engine_state.Tensor):
        return (x,)
    try:
        return tuple(x)
    except TypeError:
        raise TypeError(f"grad(): {what} must be a Tensor or a sequence of Tensors, got "
                        f"{type(x).__name__}.") from None


def _seed(i: int, out, given):
    """The gradient fed into output ``i``: ``given`` as an array, or ones for a scalar."""
    if not isinstance(out, engine_state.Tensor) or not out.requires_grad:
        raise GraphError(f"grad(): output {i} does not require grad and has no graph: nothing "
                         "to differentiate. Did the forward pass run under no_grad(), or do "
                         "the inputs lack requires_grad=True?")
    data = out.data
    if given is None:
        if data.size != 1:
            raise GraphError(f"grad(): output {i} has shape {tuple(out.shape)}, so its gradient "
                             "is not implied (only for scalar outputs). Pass grad_outputs= "
                             "(e.g. glassgrad.ones_like(output)) or reduce the output first.")
        return get_array_module(data).ones(data.shape, dtype=data.dtype)
    seed = given.data if isinstance(given, engine_state.Tensor) else given
    seed = get_array_module(data).asarray(seed, dtype=data.dtype)
    if seed.shape != data.shape:
        raise GraphError(f"grad(): grad_outputs[{i}] has shape {tuple(seed.shape)} but output "
                         f"{i} has shape {tuple(out.shape)}; they must match.")
    return seed


def _mark(outputs, inputs) -> list:
    """Put a ``_GradMark`` on every non-leaf below the outputs that is an input or leads to no
    input. Returns the marked tensors (their ``_retain`` is restored afterwards)."""
    wanted = {id(x) for x in inputs}
    leads: dict = {}  # id -> whether an input lies strictly below this tensor
    order, seen = [], set()
    for out in outputs:
        for t in autograd.topological_order(out):
            if id(t) not in seen:
                seen.add(id(t))
                order.append(t)
    for t in order:  # each tensor comes after its inputs
        below = t._ctx is not None and any(
            id(x) in wanted or leads.get(id(x), False) for x in t._ctx.inputs
            if isinstance(x, engine_state.Tensor) and x.requires_grad)
        leads[id(t)] = below
    marked = []
    for t in order:
        if t._ctx is None:
            continue
        capture = id(t) in wanted
        if capture or not leads[id(t)]:
            t._retain = hooks._GradMark(t._retain, capture, leads[id(t)])
            marked.append(t)
    return marked


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False) -> tuple:
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned; no ``.grad`` is touched.

    Args:
        outputs: a Tensor or a sequence of Tensors (their gradients are summed).
        inputs: a Tensor or a sequence of Tensors (leaves or not) that require grad.
        grad_outputs: ∂L/∂output for each output (None: ones, for a one-element output only).
        retain_graph: keep the graph for another backward (default: False).
        create_graph: not supported (no higher-order gradients): must be False.
        allow_unused: give None for an input the outputs do not depend on, instead of raising.
        materialize_grads: give zeros instead of None for such inputs (implies allow_unused).

    Returns:
        a tuple with one gradient Tensor (shaped like the input) or None per input.

    Example:
        >>> gx, = glassgrad.autograd.grad((x ** 2).sum(), x)   # 2 * x
    """
    if create_graph:
        raise NotImplementedError("grad(create_graph=True): glassgrad does not record the "
                                  "backward pass, so higher-order gradients are not supported.")
    outputs, inputs = _as_tuple(outputs, "outputs"), _as_tuple(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs, "grad_outputs")
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; "
                         "give one per output (None for a scalar output).")
    if not outputs or not inputs:
        raise ValueError("grad(): outputs and inputs must not be empty.")
    for i, x in enumerate(inputs):
        if not isinstance(x, engine_state.Tensor) or not x.requires_grad:
            raise GraphError(f"grad(): input {i} does not require grad; only tensors created "
                             "with requires_grad=True (or computed from them) can be "
                             "differentiated.")
    seeds = [_seed(i, out, g) for i, (out, g) in enumerate(zip(outputs, grad_outputs))]
    session = hooks.Session(inputs)
    session.roots = list(zip(outputs, seeds))
    marked = _mark(outputs, inputs)
    try:
        autograd.backward(outputs[0], seeds[0], bool(retain_graph), session)
    finally:
        for t in marked:
            t._retain = t._retain.prev
    result = []
    for i, x in enumerate(inputs):
        g = session.captured.get(id(x))
        if g is None and materialize_grads:
            g = get_array_module(x.data).zeros_like(x.data)
        if g is None and not allow_unused:
            raise GraphError(f"grad(): input {i} (shape {tuple(x.shape)}) was not used to "
                             "compute the outputs, so it has no gradient. Pass "
                             "allow_unused=True to get None for it.")
        result.append(None if g is None else engine_state.Tensor._make(g, None))
    return tuple(result)
