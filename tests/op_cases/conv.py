"""Op-table cases for the convolution and pooling family (Conv2d, MaxPool2d, AvgPool2d).

References are direct float64 loops over output positions: the textbook definition, sharing no
code with the im2col kernels under test.
"""

import numpy as np

from glassgrad.nn import conv_functional as CF

from . import Case


def conv2d_ref(x, w, b=None, stride=(1, 1), pad=((0, 0), (0, 0)), dil=(1, 1), groups=1):
    x = np.pad(x, ((0, 0), (0, 0)) + tuple(pad))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dil[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, o, oh, ow))
    og = o // groups
    for f in range(o):
        g = f // og
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg,
                          i * stride[0]:i * stride[0] + dil[0] * (kh - 1) + 1:dil[0],
                          j * stride[1]:j * stride[1] + dil[1] * (kw - 1) + 1:dil[1]]
                y[:, f, i, j] = (patch * w[f]).sum(axis=(1, 2, 3))
    return y if b is None else y + b[None, :, None, None]


def pool2d_ref(x, k, s, p, reduce, fill):
    x = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    oh = (x.shape[2] - k[0]) // s[0] + 1
    ow = (x.shape[3] - k[1]) // s[1] + 1
    y = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = reduce(x[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]],
                                   axis=(2, 3))
    return y


CASES = [
    Case(op="Conv2d", name="basic", fn=lambda x, w, b: CF.conv2d(x, w, b),
         reference=conv2d_ref, inputs=[(2, 3, 5, 6), (4, 3, 3, 2), (4,)]),
    Case(op="Conv2d", name="stride-pad-dilation",
         fn=lambda x, w: CF.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
         reference=lambda x, w: conv2d_ref(x, w, None, (2, 1), ((1, 1), (2, 2)), (1, 2)),
         inputs=[(1, 2, 6, 7), (3, 2, 3, 3)]),
    Case(op="Conv2d", name="groups-same",
         fn=lambda x, w, b: CF.conv2d(x, w, b, padding="same", groups=2),
         reference=lambda x, w, b: conv2d_ref(x, w, b, pad=((0, 1), (1, 1)), groups=2),
         inputs=[(2, 4, 5, 5), (6, 2, 2, 3), (6,)]),
    Case(op="MaxPool2d", name="2x2",
         fn=lambda x: CF.max_pool2d(x, 2),
         reference=lambda x: pool2d_ref(x, (2, 2), (2, 2), (0, 0), np.max, -np.inf),
         inputs=[(2, 3, 6, 5)]),
    Case(op="MaxPool2d", name="3x3-stride2-pad1",
         fn=lambda x: CF.max_pool2d(x, 3, stride=2, padding=1),
         reference=lambda x: pool2d_ref(x, (3, 3), (2, 2), (1, 1), np.max, -np.inf),
         inputs=[(1, 2, 7, 6)]),
    Case(op="AvgPool2d", name="2x2",
         fn=lambda x: CF.avg_pool2d(x, 2),
         reference=lambda x: pool2d_ref(x, (2, 2), (2, 2), (0, 0), np.mean, 0.0),
         inputs=[(2, 3, 6, 5)]),
    Case(op="AvgPool2d", name="3x2-stride1-pad1",
         fn=lambda x: CF.avg_pool2d(x, (3, 2), stride=1, padding=1),
         reference=lambda x: pool2d_ref(x, (3, 2), (1, 1), (1, 1), np.mean, 0.0),
         inputs=[(1, 2, 5, 4)]),
]
