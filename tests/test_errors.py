"""Bad input raises errors that name the op, the shapes/dtypes involved, and the fix."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import gpu_available


def test_matmul_shape_mismatch():
    with pytest.raises(gg.ShapeError, match=r"MatMul.*\(2, 3\) @ \(2, 3\).*transpose"):
        gg.ones(2, 3) @ gg.ones(2, 3)
    with pytest.raises(gg.ShapeError, match=r"MatMul.*\(3,\) @ \(4,\)"):
        gg.ones(3) @ gg.ones(4)


def test_broadcast_mismatch_names_op_shapes_and_fix():
    with pytest.raises(gg.ShapeError, match=r"(?s)Add.*\(2, 3\), \(4,\).*float32.*unsqueeze"):
        gg.ones(2, 3) + gg.ones(4)
    with pytest.raises(gg.ShapeError, match=r"Mul.*\(2, 3\), \(2,\)"):
        gg.ones(2, 3) * np.ones(2)
    with pytest.raises(gg.ShapeError, match=r"Maximum.*\(3,\), \(2,\)"):
        gg.maximum(gg.ones(3), gg.ones(2))


def test_shape_errors_are_value_errors():
    with pytest.raises(ValueError):
        gg.ones(2) + gg.ones(3)


def test_cat_mismatch():
    with pytest.raises(gg.ShapeError, match=r"Cat along dim 0: input 1 has shape \(3, 2\).*"
                                            r"\(2, 3\).*same shape except"):
        gg.cat([gg.ones(2, 3), gg.ones(3, 2)])
    with pytest.raises(gg.ShapeError, match="stack: all tensors need the same shape"):
        gg.stack([gg.ones(2), gg.ones(3)])


def test_reshape_mismatch():
    with pytest.raises(gg.ShapeError, match=r"(?s)Reshape\(shape=\(4, 2\)\).*\(2, 3\).*fix: .*-1"):
        gg.ones(2, 3).reshape(4, 2)


def test_expand_and_axis_errors():
    with pytest.raises(gg.ShapeError, match=r"(?s)Expand.*\(2, 3\).*fix: expand only repeats"):
        gg.ones(2, 3).expand(4, 3)
    with pytest.raises(gg.ShapeError, match=r"(?s)Sum.*\(2,\).*axis 3.*fix: each dim"):
        gg.ones(2).sum(3)
    with pytest.raises(gg.ShapeError, match=r"GetItem.*\(2,\).*out of bounds"):
        gg.ones(2)[5]
    with pytest.raises(gg.ShapeError, match=r"split: sizes \[1, 1\] add up to 2.*3"):
        gg.ones(3).split([1, 1])


def test_backward_on_non_scalar_without_gradient():
    y = gg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(gg.GraphError, match=r"shape \(2, 3\).*\.sum\(\).*gradient="):
        y.backward()
    with pytest.raises(gg.GraphError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        y.backward(gg.ones(3))


def test_second_backward_through_freed_graph():
    x = gg.ones(2, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(gg.GraphError, match="Sum a second time.*retain_graph=True"):
        y.backward()


def test_backward_without_graph():
    with pytest.raises(gg.GraphError, match="does not require grad.*requires_grad=True"):
        gg.ones(1).backward()
    x = gg.ones(1, requires_grad=True)
    with gg.no_grad():
        y = x * 2
    with pytest.raises(gg.GraphError, match="no_grad"):
        y.backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(gg.GraphError, match=r"floating.*int64.*1\.0, not 1"):
        gg.tensor([1, 2], requires_grad=True)
    with pytest.raises(gg.GraphError, match="bool"):
        gg.tensor([True]).requires_grad_()
    with pytest.raises(gg.GraphError, match="leaf"):
        (gg.ones(1, requires_grad=True) * 2).requires_grad_()


def test_cuda_without_gpu_is_a_clear_device_error():
    if gpu_available():
        pytest.skip("a GPU is present")
    for make in (lambda: gg.ones(2, device="cuda"), lambda: gg.ones(2).to("cuda"),
                 lambda: gg.tensor([1.0], device="cuda"), lambda: gg.ones(2).cuda()):
        with pytest.raises(gg.DeviceError, match="cuda.*device='cpu'"):
            make()
    with pytest.raises(gg.DeviceError, match="unknown device 'tpu'"):
        gg.ones(2).to("tpu")


class _FakeGpuArray:
    """Stands in for a CuPy array: it refuses to mix with NumPy arrays, as CuPy does."""

    __array_ufunc__ = None
    shape, ndim, dtype = (2,), 1, np.dtype(np.float32)

    def __radd__(self, other):
        raise TypeError("Unsupported type <class 'numpy.ndarray'>")


_FakeGpuArray.__module__ = "cupy._core.fake"


def test_mixed_devices_name_both_devices_and_the_fix():
    gpu = gg.Tensor._make(_FakeGpuArray(), None)
    assert gpu.device == "cuda"
    with pytest.raises(gg.DeviceError, match=r"Add: inputs are on different devices "
                                             r"\['cpu', 'cuda'\].*\.to\("):
        gg.ones(2) + gpu


def test_misc_bad_arguments():
    with pytest.raises(ValueError, match="manual_seed"):
        gg.manual_seed(-1)
    with pytest.raises(ValueError, match="tensor: .*rectangular"):
        gg.tensor([[1.0], [2.0, 3.0]])
    with pytest.raises(gg.GraphError, match="in-place"):
        gg.ones(2, requires_grad=True)[0] = 1.0
    with pytest.raises(gg.GraphError, match="detach"):
        gg.ones(2, requires_grad=True).numpy()
    with pytest.raises(ValueError, match="degrees of freedom"):
        gg.ones(1).var()
    with pytest.raises(ValueError, match="pad: expected an even number"):
        gg.pad(gg.ones(2), (1,))
