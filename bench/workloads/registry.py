"""The benchmark workloads: what each one is, which modules implement it, and its options.

A workload ``wN`` is four modules in this folder, none of which imports another framework:

- ``wN_data.py``: ``make(quick: bool) -> dict[str, np.ndarray]``: the data and every initial
  weight (float32, from a seeded NumPy generator), written once to a file that every framework's
  process loads, so all start from the same numbers;
- ``wN_glassgrad.py``, ``wN_torch.py`` and (where one is written) ``wN_numpy.py``, the
  hand-written floor: ``build(arrays, **options) -> (step, reached)``; ``step()`` runs one unit
  of work (an epoch or a training step) and returns its training loss as a float, ``reached()``
  says what the model reached ("loss 0.31, acc 88.2%").

``Workload.flops`` is the GEMM work of one unit (forward + backward ≈ 3 × forward), for the
physical limit: ``flops / matmul peak`` is the least time one unit can take on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Workload:
    key: str  # the name on the command line: "W1", "W1b32", ...
    module: str  # the modules' prefix: "w1" -> w1_data, w1_glassgrad, ...
    title: str
    unit: str
    options: dict = field(default_factory=dict)  # passed to every framework's build()
    flops: float = 0.0  # GEMM FLOPs per unit (full size; quick runs scale where noted)
    floor: bool = True  # a hand-written NumPy floor exists


def _mlp_flops(n: int, sizes) -> float:
    """Forward 2·n·Σ(in·out) per sample; backward about twice that: 3× in all."""
    return 3 * 2 * n * sum(a * b for a, b in zip(sizes, sizes[1:]))


def _lenet_flops(batch: int) -> float:
    conv1 = 28 * 28 * 6 * (1 * 5 * 5)  # output positions × out channels × (in · kernel)
    conv2 = 10 * 10 * 16 * (6 * 5 * 5)
    dense = 400 * 120 + 120 * 84 + 84 * 10
    return 3 * 2 * batch * (conv1 + conv2 + dense)


def _lstm_flops(t: int, b: int, i: int, h: int, c: int) -> float:
    return 3 * 2 * (t * b * (i + h) * 4 * h + b * h * c)


def _transformer_flops(b: int, t: int, d: int, ff: int, layers: int, c: int) -> float:
    per_layer = t * (4 * d * d + 2 * d * ff) + 2 * t * t * d  # projections, FFN, QKᵀ and AV
    return 3 * 2 * b * (layers * per_layer + d * c)


WORKLOADS = {w.key: w for w in (
    Workload("W1", "w1", "W1 moons MLP 2-4-2-1, full batch, SGD", "epoch (1000 samples)",
             {"batch": 1000, "lr": 0.5}, _mlp_flops(1000, (2, 4, 2, 1))),
    Workload("W1b32", "w1", "W1 moons MLP 2-4-2-1, batch 32, SGD", "epoch (1000 samples)",
             {"batch": 32, "lr": 0.1}, _mlp_flops(1000, (2, 4, 2, 1))),
    Workload("W2", "w2", "W2 784-256-128-10 ReLU MLP, batch 128, Adam",
             "epoch (60000 samples; quick: 12800)", {}, _mlp_flops(60_000, (784, 256, 128, 10))),
    Workload("W3", "w3", "W3 LeNet-5 1x28x28, batch 64, SGD momentum", "training step", {},
             _lenet_flops(64)),
    Workload("W4", "w4", "W4 LSTM classifier T=50 I=32 H=128, batch 64, batch_first, Adam",
             "training step", {}, _lstm_flops(50, 64, 32, 128, 10)),
    Workload("W6", "w6", "W6 Transformer encoder 2 layers, d 128, 4 heads, seq 64, batch 32, "
             "Adam", "training step", {}, _transformer_flops(32, 64, 128, 512, 2, 10),
             floor=False),
)}
