"""Loss modules written in Python because they hold a Python callable:
TripletMarginWithDistanceLoss (its distance_function). The others are C++ (ember._C.nn)."""
from .._C.nn import Module
from . import functional as F


class TripletMarginWithDistanceLoss(Module):
    """triplet_margin_with_distance_loss as a module (PyTorch's arguments and defaults)."""

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__()
        if margin <= 0:
            raise ValueError(
                f"[TripletMarginWithDistanceLoss] expected margin > 0, got {margin}")
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap
        self.reduction = reduction

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)
