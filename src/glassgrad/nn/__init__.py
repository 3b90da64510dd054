"""Neural-network building blocks with PyTorch's names: Module, Parameter, layers, activations,
losses, initializers (``glassgrad.nn.init``) and the functional API (``glassgrad.nn.functional``).
"""

from . import functional, init  # noqa: F401
from .activation import (  # noqa: F401
    ELU,
    GELU,
    HardSigmoid,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    Sign,
    Softmax,
    Softplus,
    Step,
    StochasticBinary,
    Tanh,
    Threshold,
)
from .containers import ModuleDict, ModuleList, Sequential  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .module import Module, RemovableHandle, StateDictError  # noqa: F401
from .parameter import Parameter  # noqa: F401
