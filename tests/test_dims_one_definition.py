"""One implementation per concern in the core (issue 17): one dim rule, one RemovableHandle, one
freed-graph message, and each Tensor method the same function as its ``glassgrad.`` form."""

import pytest

import glassgrad as gg
from glassgrad import autograd, nn
from glassgrad.errors import DimError


@pytest.mark.parametrize("call", [
    lambda x: x.sum(3), lambda x: x.max(3), lambda x: x.cumsum(3), lambda x: x.prod(-4),
    lambda x: x.gather(3, gg.tensor([[0]])), lambda x: x.transpose(0, 5),
    lambda x: x.squeeze(2), lambda x: x.flatten(0, 7),
])
def test_every_op_refuses_an_out_of_range_dim_with_one_error(call):
    x = gg.ones(2, 3)
    with pytest.raises((DimError, gg.ShapeError), match=r"(dim|axis) -?\d") as err:
        call(x)
    assert isinstance(err.value, (IndexError, gg.ShapeError))


def test_dim_error_is_both_an_index_error_and_a_shape_error():
    with pytest.raises(IndexError):
        gg.ones(2).cumsum(1)
    with pytest.raises(gg.ShapeError):
        gg.ones(2).cumsum(1)
    with pytest.raises(TypeError, match="dim must be one int"):
        gg.ones(2).gather(0.5, gg.tensor([0]))


def test_tensor_and_module_hooks_return_the_same_handle_class():
    x = gg.ones(2, requires_grad=True)
    h1 = x.register_hook(lambda g: g * 2)
    h2 = nn.Linear(2, 2).register_forward_hook(lambda m, i, o: None)
    assert type(h1) is type(h2) is nn.RemovableHandle
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    h1.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_the_freed_graph_message_is_written_once():
    x = gg.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(gg.GraphError) as err:
        y.backward()
    assert str(err.value) == str(autograd.freed_graph_error(y.grad_fn))


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "max", "min", "argmax",
                                  "logsumexp", "reshape", "permute", "transpose", "flatten",
                                  "squeeze", "unsqueeze", "expand", "split", "chunk", "gather",
                                  "masked_fill", "clamp", "prod", "cumsum", "cumprod", "exp",
                                  "log", "sigmoid", "tanh", "relu", "softmax", "log_softmax"])
def test_a_method_and_its_function_are_one_definition(name):
    assert getattr(gg.Tensor, name) is getattr(gg.functional, name)


def test_methods_have_names_and_docstrings():
    for name in ("add_", "mul_", "zero_", "register_hook", "retain_grad", "__iadd__", "mT",
                 "prod", "gather", "sum"):
        attr = getattr(gg.Tensor, name)
        fn = attr.fget if isinstance(attr, property) else attr
        assert fn.__name__ != "<lambda>", name
    assert gg.Tensor.zero_.__doc__ and gg.Tensor.var.__doc__ and gg.Tensor.mT.__doc__
