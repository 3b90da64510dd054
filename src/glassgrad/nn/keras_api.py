"""Keras-style ``model.compile()/fit()/evaluate()/predict()`` on every Module.

NOTE: the one place ``nn`` reaches up to ``train``, on purpose and lazily: Keras users expect
these methods on the model. The logic lives in ``glassgrad.train``; these are one-line bridges.
"""

from __future__ import annotations


def _train():
    from .. import train

    return train


class KerasMethods:
    def compile(self, optimizer="adam", loss=None, metrics=None):
        """Remember the optimizer (name or instance), loss and metrics for ``fit``/``evaluate``.

        Example: ``model.compile("adam", nn.CrossEntropyLoss(), metrics=["accuracy"])``.
        """
        return _train().compile(self, optimizer, loss, metrics)

    def fit(self, x, y=None, **kwargs):
        """Train on ``x`` (arrays with ``y``, a Dataset or a DataLoader); returns a ``History``.

        Keyword arguments are those of ``glassgrad.train.fit`` (epochs, batch_size, val,
        validation_split, callbacks, stop_when, verbose, seed, ...); Keras's
        ``validation_data=(X_val, y_val)`` is accepted as ``val``.
        """
        if "validation_data" in kwargs:
            if kwargs.get("val") is not None:
                raise TypeError("fit: pass validation_data=... or val=..., not both.")
            kwargs["val"] = kwargs.pop("validation_data")
        return _train().fit(self, train=x if y is None else (x, y), **kwargs)

    def evaluate(self, x, y=None, **kwargs):
        """Loss and metrics on ``x``/``y`` as a dict (``glassgrad.train.evaluate``)."""
        return _train().evaluate(self, data=x if y is None else (x, y), **kwargs)

    def predict(self, x, batch_size=None):
        """Model outputs for ``x`` as a NumPy array, in eval mode and without a graph."""
        return _train().predict(self, x, batch_size)
