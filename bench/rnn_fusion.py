"""Fused vs composed LSTM, forward + backward, seconds per batch (medians, alternating repeats).

composed: the textbook step from primitive ops per time step (``lstm_cell_composed``);
fused cell: one fused op per time step (``LSTMCell``); fused layer: one op for the whole
sequence (``LSTM``, what the layers use).

Run:  PYTHONPATH=src python bench/rnn_fusion.py [--repeats 10]
"""

import argparse
import statistics
import time

import numpy as np

import glassgrad as gg
from glassgrad.nn.recurrent import LSTM
from glassgrad.nn.rnn_cells import LSTMCell, lstm_cell_composed


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    T, B, I, H = 50, 64, 32, 128
    x = gg.tensor(np.random.default_rng(0).standard_normal((T, B, I)).astype(np.float32))
    layer, cell = LSTM(I, H), LSTMCell(I, H)
    w = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]

    def composed():
        h = c = gg.zeros(B, H)
        for t in range(T):
            h, c = lstm_cell_composed(x[t], h, c, *w)
        h.sum().backward()

    def fused_cell():
        h = c = gg.zeros(B, H)
        for t in range(T):
            h, c = cell(x[t], (h, c))
        h.sum().backward()

    def fused_layer():
        _, (h, _) = layer(x)
        h.sum().backward()

    runs = {"composed (primitive ops per step)": composed, "fused cell op per step": fused_cell,
            "fused sequence op": fused_layer}
    times = {k: [] for k in runs}
    for f in runs.values():
        f()
    for _ in range(args.repeats):
        for k, f in runs.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    print(f"LSTM T={T} B={B} I={I} H={H}, forward + backward, float32\n")
    print("| variant | s / batch (median) |\n|---|---|")
    for k, v in times.items():
        print(f"| {k} | {statistics.median(v):.4f} |")


if __name__ == "__main__":
    main()
