"""W3, LeNet-5 on MNIST-shaped data: the conv branch's bench/lenet.py, through the adapter."""

from adapters import adapt


def build(quick: bool, frameworks: set[str]):
    return adapt("lenet", "W3 LeNet-5", "training step", quick, frameworks, owner="conv")
