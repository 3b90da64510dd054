"""``glassgrad.io.Checkpoint`` and ``resume_fit``: kept names of the one checkpoint system,
which lives in ``glassgrad.train.checkpoint`` (``ModelCheckpoint`` writes the checkpoints,
``fit(resume_from=path)`` reads them)."""

from ..train.checkpoint import Checkpoint, resume_fit

__all__ = ["Checkpoint", "resume_fit"]
