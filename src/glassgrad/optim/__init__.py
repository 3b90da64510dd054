"""Optimizers, learning-rate schedules and gradient clipping (PyTorch names and semantics).

    opt = glassgrad.optim.Adam(model.parameters(), lr=1e-3)
    sched = glassgrad.optim.lr_scheduler.StepLR(opt, step_size=10)
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .adaptive import Adagrad, RMSprop
from .clip import clip_grad_norm_, clip_grad_value_
from .lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    InverseTimeLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler",
           "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ExponentialLR", "InverseTimeLR", "CosineAnnealingLR", "PolynomialLR", "LinearLR",
           "ConstantLR", "SequentialLR", "ChainedScheduler", "CyclicLR", "OneCycleLR",
           "CosineAnnealingWarmRestarts", "ReduceLROnPlateau", "clip_grad_norm_",
           "clip_grad_value_"]
