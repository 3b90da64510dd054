"""State the backward engine shares with the modules around it, kept at the bottom of the core
so that none of them has to import another in a cycle: the grad/anomaly/in-place switches, the
op sequence, and the Tensor class.

NOTE: ``Tensor`` here is the core's one hand-off. The class is defined in tensor.py, above the
engine (it calls the engine's ``backward`` and the ops), so the modules below it cannot import
it; tensor.py registers it once with ``set_tensor_class``, and the engine (autograd), hooks,
version counters, promotion and the Tensor mixins read ``engine_state.Tensor`` when they wrap
an array or test for a Tensor.
"""

from __future__ import annotations

import itertools

# NOTE: "inplace" is the stamp of the latest in-place change (versions.py): ops older than it
# get the version check in backward; no other op pays anything for version counters.
state = {"grad": True, "anomaly": False, "inplace": -1}
sequence = itertools.count()  # creation order of recorded ops: the backward engine's order

Tensor = None  # set by tensor.py through set_tensor_class (the one hand-off, see above)


def set_tensor_class(cls) -> None:
    """Called once, by tensor.py, right after ``class Tensor``."""
    global Tensor
    Tensor = cls
