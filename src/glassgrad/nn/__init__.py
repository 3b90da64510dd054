"""Neural-network building blocks with PyTorch's names: Module, Parameter, layers, activations,
losses, initializers (``glassgrad.nn.init``) and the functional API (``glassgrad.nn.functional``).
"""

from ..hooks import RemovableHandle  # noqa: F401
from . import functional, init, rnn_utils, utils  # noqa: F401
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
from .attention import MultiheadAttention, PositionalEncoding  # noqa: F401
from .containers import ModuleDict, ModuleList, Sequential  # noqa: F401
from .conv import Conv1d, Conv2d, fully_convolutional  # noqa: F401
from .dropout import Dropout  # noqa: F401, E402
from .embedding import Embedding  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .layernorm import LayerNorm  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .loss import (  # noqa: F401, E402
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    SSELoss,
)
from .module import Module  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d  # noqa: F401, E402
from .parameter import Parameter  # noqa: F401
from .pooling import (  # noqa: F401
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    GlobalAvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .recurrent import GRU, LSTM, RNN, RNNBase  # noqa: F401
from .rnn_cells import GRUCell, LSTMCell, RNNCell  # noqa: F401
from .state import StateDictError  # noqa: F401
from .transformer import (  # noqa: F401
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
