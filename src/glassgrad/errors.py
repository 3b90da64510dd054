"""Exceptions raised by glassgrad. Every message names the op or layer, what was expected, what was
given, and the likely fix."""


class GlassgradError(Exception):
    """Base class of every error glassgrad raises on purpose."""


class ShapeError(GlassgradError, ValueError):
    """Shapes that do not fit together (matmul, broadcasting, cat, reshape, a layer's input)."""


class DeviceError(GlassgradError, RuntimeError):
    """Tensors on different devices, or a device that is not available."""


class GraphError(GlassgradError, RuntimeError):
    """Misuse of the autograd graph: freed graphs, non-scalar backward, integer grads."""


class AnomalyError(GlassgradError, FloatingPointError):
    """Raised under ``detect_anomaly()`` by the first op that produces NaN or Inf."""


class GradcheckError(GlassgradError, AssertionError):
    """Analytic and numerical gradients disagree."""


class NotDifferentiableError(GraphError):
    """Backpropagation reached an op that has no useful derivative (Step, Sign, ...)."""


class DimError(ShapeError, IndexError):
    """A ``dim`` argument out of range for the tensor (an IndexError, as in PyTorch)."""
