"""ember.optim.lr_scheduler: learning-rate schedulers implemented in C++ with torch's
recursive formulas (lr sequences match torch.optim.lr_scheduler to rounding).

Constructing a scheduler sets each group's ``initial_lr`` and performs torch's initial
step. ``step(epoch)`` (deprecated in torch) is not supported.
"""
from .._C.optim import (  # noqa: F401
    LRScheduler,
    StepLR,
    MultiStepLR,
    ExponentialLR,
    CosineAnnealingLR,
    LinearLR,
    OneCycleLR,
    LambdaLR,
    ReduceLROnPlateau,
    ConstantLR,
    MultiplicativeLR,
    PolynomialLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    SequentialLR,
    ChainedScheduler,
)

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearLR", "OneCycleLR", "LambdaLR", "ReduceLROnPlateau", "ConstantLR",
           "MultiplicativeLR", "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "SequentialLR", "ChainedScheduler"]
