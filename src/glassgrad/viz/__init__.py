"""Plots for the glass box (matplotlib, imported on first use).

Every function returns a matplotlib ``Figure`` (made without pyplot, so it works headless and
leaks no global state) and writes it to a file with ``save="path.png"`` (or .svg/.pdf) — the one
keyword for that in glassgrad, ``History.plot`` included (``path=`` is a deprecated alias).
"""

from .activations import plot_activation_functions, plot_activation_map  # noqa: F401
from .attention import plot_attention  # noqa: F401
from .boundary import plot_decision_boundary  # noqa: F401
from .conv import plot_feature_maps, plot_filters  # noqa: F401
from .curves import plot_history  # noqa: F401
from .dynamics import plot_layer_dynamics  # noqa: F401
from .graph import draw_graph  # noqa: F401
