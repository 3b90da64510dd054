"""Handles for forward hooks."""


class RemovableHandle:
    """Returned by ``register_forward_hook``/``register_forward_pre_hook``: ``.remove()`` it."""

    def __init__(self, hooks: dict, key: int):
        self._hooks, self.id = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
