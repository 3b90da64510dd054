"""Fuzzing the public API with malformed input: every failure is a clear glassgrad error (a
GlassgradError, or a ValueError/TypeError raised by glassgrad's own code with a message), never
a raw exception from NumPy's internals. Valid draws may simply succeed."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad import nn
from tests._clear import call_clear
from tests._fuzz_counts import count

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# anything a user might pass where an array is expected
junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=3)
    | st.just(object()) | st.complex_numbers(max_magnitude=3) | st.binary(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                  max_size=2)
    | st.tuples(inner, inner), max_leaves=8)
shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)
dtypes = st.sampled_from([None, np.float32, np.float64, np.int64, np.bool_, "float32", "bogus",
                          object, str, 3, np.complex64])


@SETTINGS
@given(data=junk, dtype=dtypes, rg=st.booleans())
def test_tensor_creation_from_junk(data, dtype, rg):
    count("api:tensor(junk)")
    call_clear(gg.tensor, data, dtype=dtype, requires_grad=rg)


@SETTINGS
@given(fn=st.sampled_from(["zeros", "ones", "empty", "rand", "randn", "full", "eye", "arange",
                           "linspace", "randint"]),
       args=st.lists(st.one_of(st.integers(-3, 4), st.floats(-3, 3) | st.just(float("nan")),
                               shapes, st.none(), st.text(max_size=2)), max_size=3),
       dtype=dtypes)
def test_creation_functions_with_bad_arguments(fn, args, dtype):
    count("api:creation(args)")
    call_clear(getattr(gg, fn), *args, dtype=dtype)


BINARY = ["add", "sub", "mul", "div", "matmul", "maximum", "minimum", "pow"]


@SETTINGS
@given(op=st.sampled_from(BINARY), sa=shapes, sb=shapes,
       da=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
       db=st.sampled_from([np.float32, np.int64, np.bool_]))
def test_binary_ops_with_mismatched_shapes_and_dtypes(op, sa, sb, da, db):
    count("api:binary ops(shapes,dtypes)")
    a = gg.tensor(np.ones(sa, da))
    b = gg.tensor(np.ones(sb, db))
    fn = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
          "div": lambda: a / b, "pow": lambda: a ** b, "matmul": lambda: a @ b,
          "maximum": lambda: gg.maximum(a, b), "minimum": lambda: gg.minimum(a, b)}[op]
    call_clear(fn)


@SETTINGS
@given(shape=shapes, op=st.sampled_from(["sum", "mean", "amax", "softmax", "reshape", "permute",
                                          "transpose", "squeeze", "unsqueeze", "split", "cat",
                                          "getitem", "pad", "flatten", "expand", "var"]),
       arg=st.one_of(st.integers(-5, 5), st.none(), shapes, st.text(max_size=1),
                     st.floats(-2, 2)))
def test_tensor_methods_with_bad_arguments(shape, op, arg):
    count("api:tensor methods(args)")
    x = gg.tensor(np.ones(shape, np.float32), requires_grad=True)
    fn = {"sum": lambda: x.sum(arg), "mean": lambda: x.mean(arg), "amax": lambda: gg.amax(x, arg),
          "softmax": lambda: x.softmax(arg), "reshape": lambda: x.reshape(arg),
          "permute": lambda: x.permute(arg), "transpose": lambda: x.transpose(arg, 0),
          "squeeze": lambda: x.squeeze(arg), "unsqueeze": lambda: x.unsqueeze(arg),
          "split": lambda: x.split(arg), "cat": lambda: gg.cat([x, x], arg),
          "getitem": lambda: x[arg], "pad": lambda: gg.pad(x, arg),
          "flatten": lambda: gg.flatten(x, arg), "expand": lambda: x.expand(arg),
          "var": lambda: x.var(arg)}[op]
    call_clear(fn)


LAYERS = {
    "Linear": lambda: nn.Linear(3, 2), "BatchNorm1d": lambda: nn.BatchNorm1d(3),
    "Dropout": lambda: nn.Dropout(0.5), "ReLU": lambda: nn.ReLU(),
    "Sequential": lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)),
    "CrossEntropyLoss": lambda: nn.CrossEntropyLoss(), "MSELoss": lambda: nn.MSELoss(),
    "BCELoss": lambda: nn.BCELoss(),
}


@SETTINGS
@given(layer=st.sampled_from(sorted(LAYERS)), sa=shapes, sb=shapes,
       dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]))
def test_layers_with_wrong_input_shapes(layer, sa, sb, dtype):
    count("api:nn layers(input shapes)")
    module = LAYERS[layer]()
    x = gg.tensor(np.ones(sa, dtype))
    if "Loss" in layer:
        call_clear(module, x, gg.tensor(np.zeros(sb, dtype)))
    else:
        call_clear(module, x)


@SETTINGS
@given(ctor=st.sampled_from([("Linear", "in"), ("Linear", "out"), ("Dropout", "p"),
                              ("BatchNorm1d", "num_features")]),
       value=st.one_of(st.integers(-3, 3), st.floats(-2, 2) | st.just(float("nan")), st.none(),
                       st.text(max_size=2), st.booleans()))
def test_layer_constructors_with_bad_arguments(ctor, value):
    count("api:nn constructors(args)")
    name, which = ctor
    build = {("Linear", "in"): lambda: nn.Linear(value, 2),
             ("Linear", "out"): lambda: nn.Linear(2, value),
             ("Dropout", "p"): lambda: nn.Dropout(value),
             ("BatchNorm1d", "num_features"): lambda: nn.BatchNorm1d(value)}[ctor]
    call_clear(build)


@SETTINGS
@given(opt=st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]),
       params=st.sampled_from(["ok", "empty", "ints", "nograd", "nonleaf", "dup", "set",
                               "named", "none"]),
       lr=st.one_of(st.floats(-1, 1) | st.sampled_from([float("nan"), float("inf")]), st.none(),
                    st.text(max_size=2), st.integers(-1, 1)))
def test_optimizers_with_bad_params_and_hyperparameters(opt, params, lr):
    count("api:optimizers(params,lr)")
    model = nn.Linear(2, 1)
    w = gg.ones(2, requires_grad=True)
    ps = {"ok": lambda: model.parameters(), "empty": lambda: [], "ints": lambda: [1, 2],
          "nograd": lambda: [gg.ones(2)], "nonleaf": lambda: [w * 2], "dup": lambda: [w, w],
          "set": lambda: {w}, "named": lambda: list(model.named_parameters()),
          "none": lambda: None}[params]()
    ok, o = call_clear(getattr(gg.optim, opt), ps, lr=lr)
    if ok:
        model(gg.ones(3, 2)).sum().backward()
        call_clear(o.step)


@pytest.mark.parametrize("fn", ["manual_seed", "set_default_dtype"])
@SETTINGS
@given(value=junk)
def test_global_settings_with_junk(fn, value):
    count(f"api:{fn}(junk)")
    try:
        call_clear(getattr(gg, fn), value)
    finally:
        gg.set_default_dtype(np.float32)
        gg.manual_seed(0)
