"""The initialization experiment: how z and δ travel through a deep network.

A 6-layer network of width 100 under four initializations:

* N(0, 0.01²) (linear): each layer multiplies the spread by 0.01·√100 = 0.1: z and δ collapse;
* N(0, 0.2²)  (linear): variance factor 0.2²·100 = 4: the spread doubles per layer, explodes;
* Xavier      (tanh):   the spread stays of order one;
* He          (ReLU):   the spread stays of order one.

Prints the std of z and δ per layer and writes init_experiment.png (a grid of histograms).

    PYTHONPATH=src python examples/init_experiment.py [out.png]
"""

import sys

import numpy as np

import glassgrad as gg
from glassgrad import nn
from glassgrad.explain import layer_stats

WIDTH, DEPTH = 100, 6

SETUPS = {
    "N(0, 0.01²), linear": (lambda w: nn.init.normal_(w, 0, 0.01), None),
    "N(0, 0.2²), linear": (lambda w: nn.init.normal_(w, 0, 0.2), None),
    "Xavier, tanh": (nn.init.xavier_normal_, nn.Tanh),
    "He, ReLU": (lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), nn.ReLU),
}


def network(init, act):
    gg.manual_seed(0)
    mods = []
    for _ in range(DEPTH):
        mods += [nn.Linear(WIDTH, WIDTH)] + ([act()] if act else [])
    model = nn.Sequential(*mods)
    for m in model:
        if isinstance(m, nn.Linear):
            init(m.weight)
            nn.init.zeros_(m.bias)
    return model


def main(out="init_experiment.png"):
    rng = np.random.default_rng(0)
    x, r = rng.standard_normal((256, WIDTH)), rng.standard_normal((256, WIDTH))
    runs = {}
    for label, (init, act) in SETUPS.items():
        # E = Σ out·r: δ at the output is r, so what happens to δ is the network's doing
        runs[label] = s = layer_stats(network(init, act), x, r,
                                      loss=lambda out, t: (out * t).sum())
        z = " ".join(f"{L.stats['z']['std']:9.2e}" for L in s.layers)
        d = " ".join(f"{L.stats['delta']['std']:9.2e}" for L in s.layers)
        print(f"{label:22s} std z by layer: {z}\n{'':22s} std δ by layer: {d}")
    try:
        from glassgrad.viz import plot_layer_dynamics
    except ImportError:
        print("matplotlib not installed: no plot (pip install matplotlib)")
        return
    plot_layer_dynamics(runs, quantities=("z", "delta"), bins=30, save=out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
