"""Op-table cases for PadModes (F.pad's reflect, replicate and circular modes).

The references are NumPy's own ``np.pad`` modes ("reflect" = PyTorch's reflect, "edge" =
replicate, "wrap" = circular), and plain slicing for negative widths.
"""

import numpy as np

from glassgrad import functional as F

from . import Case

CASES = [
    Case(op="PadModes", name="reflect-1d", fn=lambda x: F.pad(x, (2, 3), "reflect"),
         reference=lambda x: np.pad(x, ((0, 0), (0, 0), (2, 3)), mode="reflect"),
         inputs=[(2, 3, 5)]),
    Case(op="PadModes", name="reflect-2d-unbatched", fn=lambda x: F.pad(x, (1, 0, 2, 1), "reflect"),
         reference=lambda x: np.pad(x, ((0, 0), (2, 1), (1, 0)), mode="reflect"),
         inputs=[(2, 4, 3)]),
    Case(op="PadModes", name="replicate-2d", fn=lambda x: F.pad(x, (3, 1, 0, 2), "replicate"),
         reference=lambda x: np.pad(x, ((0, 0), (0, 0), (0, 2), (3, 1)), mode="edge"),
         inputs=[(1, 2, 3, 4)]),
    Case(op="PadModes", name="replicate-wide", fn=lambda x: F.pad(x, (20, 1), "replicate"),
         reference=lambda x: np.pad(x, ((0, 0), (20, 1)), mode="edge"), inputs=[(2, 3)]),
    Case(op="PadModes", name="circular-3d",
         fn=lambda x: F.pad(x, (1, 2, 2, 0, 1, 1), "circular"),
         reference=lambda x: np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 0), (1, 2)), mode="wrap"),
         inputs=[(1, 2, 3, 2, 3)]),
    Case(op="PadModes", name="reflect-negative",
         fn=lambda x: F.pad(x, (-1, 2), "reflect"),
         reference=lambda x: np.pad(x, ((0, 0), (0, 2)), mode="reflect")[:, 1:], inputs=[(3, 5)]),
]
