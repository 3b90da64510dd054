import numpy as np

import glassgrad as gg


def test_square_sum_gradient_is_2x():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert x.dtype == np.float32
