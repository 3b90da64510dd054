"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler`` names and semantics).

A scheduler rewrites ``group["lr"]`` in its optimizer's parameter groups each time ``step()`` is
called (once per epoch, after ``optimizer.step()``; CyclicLR and OneCycleLR once per batch).
``last_epoch`` counts those calls (it is 0 right after construction); ``base_lrs`` are the
groups' initial learning rates.

    opt = SGD(params, lr=0.1)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)           # calls opt.step()
        sched.step()

Modules: ``base`` (LRScheduler), ``decay`` (Lambda, Multiplicative, Step, MultiStep,
Exponential, InverseTime, CosineAnnealing, Polynomial), ``compose`` (Linear, Constant,
Sequential, Chained), ``cyclic`` (Cyclic, CosineAnnealingWarmRestarts), ``onecycle``
(OneCycle), ``plateau`` (ReduceLROnPlateau). Every class is importable from here, as in PyTorch.
"""

from .base import LRScheduler
from .compose import ChainedScheduler, ConstantLR, LinearLR, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR
from .decay import (
    CosineAnnealingLR,
    ExponentialLR,
    InverseTimeLR,
    LambdaLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .onecycle import OneCycleLR
from .plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ExponentialLR", "InverseTimeLR", "CosineAnnealingLR", "PolynomialLR", "LinearLR",
           "ConstantLR", "SequentialLR", "ChainedScheduler", "CyclicLR", "OneCycleLR",
           "CosineAnnealingWarmRestarts", "ReduceLROnPlateau"]
