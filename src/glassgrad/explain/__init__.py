"""The glass box: see what the framework computed, as a textbook would write it.

    from glassgrad import explain
    explain.trace(model, x, y, loss="sse", lr=0.5)    # z, a, ∂a/∂z, ∂E/∂a, δ, ∂E/∂w per neuron
    explain.graph(out)                                 # every graph node: value, gradient
    explain.layer_stats(model, x, y, loss="mse")       # distributions by layer, dead/saturated
    explain.diagnose(model, x, y, history=history)     # plain-language health report
    explain.attention_maps(model, x)                   # attention weights per head and layer

Everything OBSERVES the real computation (forward hooks, ``retain_grad``, the ops' own
backward); nothing is recomputed by a second implementation. ``gradcheck`` (finite
differences) is re-exported from the core.
"""

from ..gradcheck import gradcheck  # noqa: F401
from .attention import AttentionMaps, attention_maps  # noqa: F401
from .diagnose import Finding, Report, diagnose  # noqa: F401
from .graph import Graph, Node, graph  # noqa: F401
from .render import Table, fmt  # noqa: F401
from .stats import LayerRecord, LayerStats, describe, layer_stats  # noqa: F401
from .trace import LayerTrace, Trace, trace  # noqa: F401
