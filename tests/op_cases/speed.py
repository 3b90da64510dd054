"""Cases for ops added or rewritten for speed (fused replacements, reshape-free fast paths)."""

import numpy as np

import glassgrad as gg
from op_cases import Case

CASES = [
    Case("Mean", lambda a: a.mean(), np.mean, [(3, 4)]),
    Case("Mean", lambda a: a.mean(1), lambda a: a.mean(1), [(3, 4, 2)], name="dim"),
    Case("Mean", lambda a: a.mean((0, 2), keepdim=True), lambda a: a.mean((0, 2), keepdims=True),
         [(3, 4, 2)], name="dims-keepdim"),
    Case("Mean", lambda a: a.mean(-1), lambda a: a.mean(-1), [(5,)], name="vector"),
    # the Linear backward's 2-D fast path must not catch a single sample (in,) -> (out,)
    Case("Linear", gg.functional.linear, lambda x, w, b: w @ x + b, [(3,), (5, 3), (5,)],
         name="one-sample"),
]
