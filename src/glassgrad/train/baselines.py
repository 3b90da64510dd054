"""Linear baselines: logistic and softmax regression as ``nn.Module`` s, trained with ``fit``.

They are one ``Linear`` layer each, so they draw straight decision boundaries: what a hidden layer
buys is exactly the gap between these and an MLP on the same data (see examples/classify_2d.py).
"""

from __future__ import annotations

from .. import nn


class LogisticRegression(nn.Module):
    """p(y=1 | x) = σ(x wᵀ + b).

    Args:
        in_features: input size D.
        logits: return the logit z = x wᵀ + b instead of σ(z) (train with ``BCEWithLogitsLoss``);
            by default the output is the probability (train with ``BCELoss``).

    Shapes:
        x ``(N, D)`` -> ``(N, 1)``.
    """

    def __init__(self, in_features: int, logits: bool = False):
        super().__init__()
        self.linear = nn.Linear(in_features, 1)
        self.logits = logits

    def forward(self, x):
        z = self.linear(x)
        return z if self.logits else z.sigmoid()

    def default_loss(self):
        """The matching loss: ``BCEWithLogitsLoss`` for logits, else ``BCELoss``."""
        return nn.BCEWithLogitsLoss() if self.logits else nn.BCELoss()

    def predict_proba(self, x):
        """p(y=1 | x), shape ``(N, 1)``, whatever ``logits`` says."""
        z = self.linear(x)
        return z.sigmoid()

    def extra_repr(self) -> str:
        return f"logits={self.logits}"


class SoftmaxRegression(nn.Module):
    """Multinomial logistic regression: p(y=k | x) = softmax(x Wᵀ + b)_k.

    Args:
        in_features: input size D.
        num_classes: number of classes K.
        logits: return the scores z (the default, for ``CrossEntropyLoss``, which applies
            log-softmax itself, as in PyTorch); ``False`` returns softmax probabilities.

    Shapes:
        x ``(N, D)`` -> ``(N, K)``.
    """

    def __init__(self, in_features: int, num_classes: int, logits: bool = True):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"SoftmaxRegression: num_classes must be >= 2, got {num_classes}; "
                             "use LogisticRegression for a single output.")
        self.linear = nn.Linear(in_features, num_classes)
        self.logits = logits

    def forward(self, x):
        z = self.linear(x)
        return z if self.logits else z.softmax(-1)

    def default_loss(self):
        """``CrossEntropyLoss`` for logits, else ``NLLLoss`` on the log of the probabilities
        (use logits=True unless you need probabilities out of forward)."""
        if not self.logits:
            raise ValueError("SoftmaxRegression(logits=False) outputs probabilities; train it "
                             "with logits=True and CrossEntropyLoss for numerical stability.")
        return nn.CrossEntropyLoss()

    def predict_proba(self, x):
        """Softmax probabilities ``(N, K)``."""
        return self.linear(x).softmax(-1)

    def extra_repr(self) -> str:
        return f"logits={self.logits}"
