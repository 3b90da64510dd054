"""``summary(model, input_shape)``: each layer's output shape and parameter count."""

from __future__ import annotations

from .. import _html
from ..autograd import no_grad
from ..creation import zeros
from ..tensor import get_default_dtype


def _shape_of(out):
    if hasattr(out, "shape"):
        return "(N, " + ", ".join(str(n) for n in out.shape[1:]) + ")" if out.ndim > 1 else (
            "(N,)")
    if isinstance(out, (tuple, list)):
        return " ".join(_shape_of(o) for o in out)
    return type(out).__name__


def summary(model, input_shape, batch_size: int = 2, dtype=None, print_fn=print) -> str:
    """Run a batch of zeros of shape (batch_size, *input_shape) through ``model`` (in eval mode,
    without a graph) and tabulate every submodule in call order: its dotted name, type, output
    shape (N = batch) and own parameter count. Prints the table and returns it.
    """
    names = {id(m): name for name, m in model.named_modules() if name}
    rows, handles = [], []

    def pre(mod, inputs):
        rows.append([names[id(mod)], type(mod).__name__, None,
                     sum(p.numel() for p in mod.parameters(recurse=False))])
        mod._summary_row = len(rows) - 1

    def post(mod, inputs, out):
        rows[mod.__dict__.pop("_summary_row")][2] = _shape_of(out)

    for m in model.modules():
        if id(m) in names:
            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        x = zeros(batch_size, *tuple(input_shape), dtype=dtype or get_default_dtype())
        with no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    total = model.num_parameters()
    trainable = model.num_parameters(trainable_only=True)
    head = ("Layer (type)", "Output Shape", "Param #")
    table = [(f"{n} ({t})", s or "-", f"{p:,}") for n, t, s, p in rows]
    w0 = max([len(head[0])] + [len(r[0]) for r in table]) + 2
    w1 = max([len(head[1])] + [len(r[1]) for r in table]) + 2
    w2 = max([len(head[2])] + [len(r[2]) for r in table])
    rule = "=" * (w0 + w1 + w2)
    lines = [f"{type(model).__name__} summary, input (N, {', '.join(map(str, input_shape))})",
             rule, f"{head[0]:<{w0}}{head[1]:<{w1}}{head[2]:>{w2}}", rule]
    lines += [f"{a:<{w0}}{b:<{w1}}{c:>{w2}}" for a, b, c in table]
    lines += [rule, f"Output: {_shape_of(out)}", f"Total params: {total:,}",
              f"Trainable params: {trainable:,}", f"Non-trainable params: {total - trainable:,}"]
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text


def summary_html(model) -> str:
    """The notebook display of a Module: every submodule (dotted name, type, settings), its
    parameters' shapes and its own parameter count; totals in the caption. No forward pass:
    ``model.summary(input_shape)`` adds the output shapes."""
    rows = []
    for name, m in model.named_modules():
        if not name:
            continue
        own = list(m._parameters.items())
        shapes = ", ".join(f"{k} {tuple(p.shape)}" for k, p in own if p is not None)
        rows.append([name, type(m).__name__, m.extra_repr(), shapes,
                     f"{sum(p.numel() for _, p in own if p is not None):,}"])
    if not rows:
        shapes = ", ".join(f"{k} {tuple(p.shape)}" for k, p in model.named_parameters())
        rows.append(["", type(model).__name__, model.extra_repr(), shapes,
                     f"{model.num_parameters():,}"])
    total, trainable = model.num_parameters(), model.num_parameters(trainable_only=True)
    mode = "training" if model.training else "eval"
    caption = (f"{type(model).__name__}  ·  {total:,} parameters ({trainable:,} trainable)  ·  "
               f"{mode} mode")
    return _html.box(_html.table(["layer", "type", "settings", "parameters", "#"], rows,
                                 caption=caption))
