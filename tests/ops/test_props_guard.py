"""Guard: every op registered in ``glassgrad.autograd.OPS`` by glassgrad has a property target.

``OP_TARGETS`` maps each op to the target that exercises it on hypothesis-drawn inputs (the
name it is counted under in the end-of-run table). A new op without an entry fails here, so the
property suite cannot silently fall behind the op table again (as it did for conv, pooling,
recurrent and embedding ops).
"""

from glassgrad.autograd import OPS
from tests.nn import test_functional_props as nn_props
from tests.op_cases import glassgrad_ops, unlisted_op
from tests.ops import test_elementwise_props as core

OP_TARGETS = {
    # elementwise and reductions (tests/ops/test_elementwise_props.py)
    "Abs": "abs", "Add": "add", "Clamp": "clamp", "Cos": "cos", "Div": "div", "Exp": "exp",
    "LeakyReLU": "leaky_relu", "Log": "log", "Maximum": "maximum", "Minimum": "minimum",
    "Mul": "mul", "Neg": "neg", "Pow": "pow", "ReLU": "relu", "Sigmoid": "sigmoid", "Sin": "sin",
    "Sqrt": "sqrt", "Tanh": "tanh", "Where": "where", "Sum": "sum", "Mean": "mean", "Max": "amax",
    "LogSumExp": "logsumexp", "LogSoftmax": "log_softmax",
    # movement, linear algebra, fused losses (tests/ops/test_elementwise_props.py)
    "Reshape": "reshape", "Permute": "permute", "Expand": "expand", "GetItem": "getitem",
    "Cat": "cat", "Pad": "pad", "MatMul": "matmul", "Linear": "linear",
    "LinearTanh": "linear_act", "LinearSigmoid": "linear_act", "LinearReLU": "linear_act",
    "SoftmaxCrossEntropy": "cross_entropy", "BCEWithLogits": "bce_with_logits",
    "BinaryCrossEntropy": "binary_cross_entropy",
    # activations, Cast, ToDevice, non-differentiable neurons (tests/nn/test_functional_props.py)
    "ELU": "elu(params)", "GELU": "gelu_tanh(params)", "Softplus": "softplus(params)",
    "Hardtanh": "hardtanh(params)", "Cast": "cast", "ToDevice": "to_device",
    "Step": "nondiff:step", "Sign": "nondiff:sign", "Threshold": "nondiff:threshold",
    "StochasticBinary": "nondiff:stochastic_binary",
    # convolution, pooling (tests/ops/test_conv_props.py), recurrent, embedding
    # (tests/nn/test_recurrent_props.py)
    "Conv2d": "conv2d", "MaxPool2d": "max_pool2d", "AvgPool2d": "avg_pool2d",
    "RNNSequence": "rnn_tanh", "LSTMSequence": "lstm", "GRUSequence": "gru",
    "Embedding": "embedding", "PadModes": "pad_modes",
    # products, scans, integer division (tests/ops/test_scan_props.py)
    "Prod": "prod", "CumSum": "cumsum", "CumProd": "cumprod", "Remainder": "remainder",
    "FloorDivide": "floor_divide",
    # layer norm and fused attention (tests/ops/test_attention_props.py)
    "LayerNorm": "layer_norm", "ScaledDotProductAttention": "sdpa",
}

# the targets each property module defines (count names, "gradcheck:" left off)
TARGETS = (
    set(core.UNARY) | set(core.BINARY) | set(core.REDUCE)
    | {"where", "matmul", "linear", "linear_act", "reshape", "permute", "expand", "getitem",
       "fancy", "pad", "cat", "transpose", "flatten", "cross_entropy", "bce_with_logits",
       "binary_cross_entropy"}
    | {f"{n}(params)" for n in ("elu", "gelu_tanh", "softplus", "hardtanh")}
    | {"cast", "to_device"} | {f"nondiff:{n}" for n in nn_props.NONDIFF}
    | {f"conv{d}d" for d in (1, 2)} | {f"{k}_pool{d}d" for k in ("max", "avg") for d in (1, 2)}
    | {"rnn_tanh", "rnn_relu", "lstm", "gru", "embedding", "pad_modes"}
    | {"prod", "cumsum", "cumprod", "remainder", "floor_divide"}
    | {"layer_norm", "sdpa"}
)


def test_every_registered_op_has_a_property_target():
    missing = sorted(glassgrad_ops() - set(OP_TARGETS))
    assert not missing, (f"ops registered without a hypothesis property target: {missing}; add "
                         "a target in tests/ops/test_*_props.py or tests/nn/test_*_props.py and "
                         "list it in OP_TARGETS")


def test_every_entry_names_a_registered_op_and_a_defined_target():
    assert not sorted(set(OP_TARGETS) - set(OPS)), "OP_TARGETS lists ops that do not exist"
    undefined = {op: t for op, t in OP_TARGETS.items() if t not in TARGETS}
    assert not undefined, f"OP_TARGETS points at targets no property test defines: {undefined}"


def test_guard_catches_an_op_without_a_target():
    with unlisted_op() as name:
        assert name in glassgrad_ops() - set(OP_TARGETS)
