"""Cases for ops added for speed (fused replacements of composites)."""

import numpy as np

from op_cases import Case

CASES = [
    Case("Mean", lambda a: a.mean(), np.mean, [(3, 4)]),
    Case("Mean", lambda a: a.mean(1), lambda a: a.mean(1), [(3, 4, 2)], name="dim"),
    Case("Mean", lambda a: a.mean((0, 2), keepdim=True), lambda a: a.mean((0, 2), keepdims=True),
         [(3, 4, 2)], name="dims-keepdim"),
    Case("Mean", lambda a: a.mean(-1), lambda a: a.mean(-1), [(5,)], name="vector"),
]
