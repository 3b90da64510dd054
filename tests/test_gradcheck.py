"""gradcheck itself: it passes correct gradients and catches wrong ones, naming what is wrong."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function


class WrongSquare(Function):
    """x² with a deliberately wrong backward (3x instead of 2x) at every element."""

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, gy):
        return gy * 3 * self.a


class WrongAtOneElement(Function):
    """sin(x) whose backward is wrong only at flat index 4."""

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, gy):
        g = gy * np.cos(self.a)
        g = g.copy()
        g.reshape(-1)[4] += 1.0
        return g


def test_passes_on_a_user_function_of_several_inputs():
    x = gg.randn(3, 4, requires_grad=True)
    w = gg.randn(4, 2, requires_grad=True)
    assert gg.gradcheck(lambda x, w: (x @ w).tanh() * 2 + x.sum(), [x, w])


def test_accepts_a_single_tensor_and_a_dict():
    x = gg.randn(5)
    assert gg.gradcheck(lambda t: t.exp(), x)
    assert gg.gradcheck(lambda a, b: a * b, {"a": gg.randn(3), "b": gg.randn(3)})


def test_runs_in_float64_even_for_float32_inputs():
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return t.sin()

    gg.gradcheck(fn, gg.randn(3, requires_grad=True))
    assert set(seen) == {np.dtype(np.float64)}


def test_catches_a_wrong_custom_function_and_names_input_index_values():
    x = gg.tensor(np.array([[0.5, -1.0], [2.0, 1.5]]), requires_grad=True)
    with pytest.raises(gg.GradcheckError) as info:
        gg.gradcheck(WrongSquare.apply, {"weights": x})
    msg = str(info.value)
    assert "weights" in msg and "(2, 2)" in msg and "analytic" in msg and "numerical" in msg
    # The worst element is the one with the largest |x|: index (1, 0), x = 2.0.
    assert "index (1, 0)" in msg
    # Error there: analytic 3x = 6 vs numerical 2x = 4 (up to the v projection's scale).
    assert isinstance(info.value, AssertionError)


def test_names_the_exact_wrong_element():
    x = gg.randn(3, 3, requires_grad=True)
    with pytest.raises(gg.GradcheckError, match=r"input 0 \(shape \(3, 3\)\) at index \(1, 1\)"):
        gg.gradcheck(WrongAtOneElement.apply, [x])


def test_reports_both_values():
    x = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(gg.GradcheckError) as info:
        gg.gradcheck(lambda t: WrongSquare.apply(t).sum(), [x])
    # L = x² with x = 1: numerical 2, analytic 3 (times the fixed random projection v).
    nums = [float(s) for s in str(info.value).replace(":", " ").split()
            if s.lstrip("-").replace(".", "", 1).isdigit()]
    ratio = [a / b for a, b in zip(nums, nums[1:]) if b]
    assert any(abs(r - 1.5) < 1e-4 for r in ratio), str(info.value)


def test_large_inputs_use_random_directions_and_still_catch_errors():
    big = gg.randn(60, 50, requires_grad=True)  # 3000 elements > elementwise_limit
    assert gg.gradcheck(lambda t: (t * t).sum(1), [big])
    with pytest.raises(gg.GradcheckError, match="random direction"):
        gg.gradcheck(WrongSquare.apply, [big])


def test_only_inputs_requiring_grad_are_checked():
    x = gg.randn(3, requires_grad=True)
    frozen = gg.randn(3)  # its (wrong) gradient is not checked
    assert gg.gradcheck(lambda a, b: a * 2 + WrongSquare.apply(b), [x, frozen])


def test_tuple_outputs_are_all_checked():
    x = gg.randn(4, requires_grad=True)
    assert gg.gradcheck(lambda t: (t.exp(), t * 3), [x])
    with pytest.raises(gg.GradcheckError):
        gg.gradcheck(lambda t: (t.exp(), WrongSquare.apply(t)), [x])


def test_input_without_any_float_is_rejected():
    with pytest.raises(ValueError, match="no floating-point input"):
        gg.gradcheck(lambda t: t * 2, [gg.arange(3)])


def test_missing_gradient_counts_as_zero_and_fails():
    x = gg.randn(3, requires_grad=True)
    with pytest.raises(gg.GradcheckError, match="analytic 0 vs"):
        gg.gradcheck(lambda t: gg.tensor(t.detach().numpy() * 2, dtype=gg.float64), [x])


def test_a_scalar_failure_reports_the_derivatives_a_hand_calculation_gives():
    # f = x·detach(x) + x at x = 1.75: the analytic side treats detach(x) as a constant,
    # f' = x + 1 = 2.75; the true derivative is 2x + 1 = 4.5 (no random projection).
    for x in (gg.tensor(1.75, dtype=gg.float64), gg.tensor([1.75], dtype=gg.float64)):
        with pytest.raises(gg.GradcheckError) as info:
            gg.gradcheck(lambda t: t * t.detach() + t, x)
        msg = str(info.value)
        assert "analytic 2.75 vs numerical 4.5 " in msg, msg


def test_a_vector_failure_reports_the_worst_jacobian_entry_in_closed_form():
    # f = x·detach(x) + x elementwise on x = (1, 2, 3): ∂f_i/∂x_i analytic x_i + 1, true
    # 2x_i + 1; the worst is i = 2: 4 vs 7.
    x = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64)
    with pytest.raises(gg.GradcheckError) as info:
        gg.gradcheck(lambda t: t * t.detach() + t, x)
    msg = str(info.value)
    assert "at index (2,): analytic 4 vs numerical 7 " in msg and "∂f[2]/∂x[2]" in msg, msg


def test_a_cross_term_error_is_reported_at_its_jacobian_entry():
    # f = (x0·x1, x1) with x1's first use detached: ∂f0/∂x1 analytic 0, true x0 = 3.
    x = gg.tensor([3.0, 2.0], dtype=gg.float64)
    with pytest.raises(gg.GradcheckError) as info:
        gg.gradcheck(lambda t: gg.stack([t[0] * t[1].detach(), t[1]]), x)
    assert "at index (1,): analytic 0 vs numerical 3 " in str(info.value), str(info.value)
