"""LSTM sequence classification, glassgrad vs PyTorch in the same run.

Task: length 50, input 32, hidden 128, batch 64, 10 classes; last hidden state → Linear →
softmax cross-entropy; Adam. Both frameworks start from the same weights (torch's state_dict is
copied into glassgrad), use float32 and the same number of threads; repeats alternate between the
two and the medians of seconds per training step (forward + backward + Adam) are reported.

Run:  PYTHONPATH=src python bench/lstm.py [--repeats 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq", type=int, default=50)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # NumPy's BLAS reads these when first imported

    import numpy as np
    import torch

    import glassgrad as gg
    from glassgrad import optim
    from glassgrad.nn import Linear, Module
    from glassgrad.nn.functional import cross_entropy
    from glassgrad.nn.recurrent import LSTM

    torch.set_num_threads(args.threads)
    T, B, I, H, C = args.seq, args.batch, args.input, args.hidden, 10
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    y = rng.integers(0, C, B)

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.head = torch.nn.LSTM(I, H), torch.nn.Linear(H, C)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.head(h[-1])

    class Net(Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.head = LSTM(I, H), Linear(H, C)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.head(h[-1])

    torch.manual_seed(0)
    tnet, net = TorchNet(), Net()
    net.load_state_dict({k: v.detach().numpy().copy() for k, v in tnet.state_dict().items()})
    topt = torch.optim.Adam(tnet.parameters(), lr=1e-3)
    opt = optim.Adam(net.parameters(), lr=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    gx, gy = gg.tensor(x), gg.tensor(y)

    def torch_step():
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tnet(tx), ty)
        loss.backward()
        topt.step()
        return loss.item()

    def gg_step():
        opt.zero_grad()
        loss = cross_entropy(net(gx), gy)
        loss.backward()
        opt.step()
        return loss.item()

    l_t, l_g = torch_step(), gg_step()  # same weights, same batch: the first losses agree
    for _ in range(args.warmup):
        torch_step()
        gg_step()
    times = {"torch": [], "glassgrad": []}
    for _ in range(args.repeats):
        for name, step in (("torch", torch_step), ("glassgrad", gg_step)):
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"LSTM classification T={T} B={B} I={I} H={H}, Adam, float32, {args.threads} threads, "
          f"{args.repeats} alternating repeats (first loss torch {l_t:.6f}, glassgrad {l_g:.6f})")
    print()
    print("| framework | s / batch (median) | torch / glassgrad |")
    print("|---|---|---|")
    print(f"| PyTorch {torch.__version__} | {med['torch']:.4f} | |")
    print(f"| glassgrad | {med['glassgrad']:.4f} | {med['torch'] / med['glassgrad']:.2f} |")
    return med


if __name__ == "__main__":
    main()
