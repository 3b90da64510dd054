"""Noisy sine forecasting with an nn.LSTM (many-to-many regression, truncated BPTT).

A long noisy sine wave is cut into chunks (``data.BPTTLoader``); the nn.LSTM predicts the next clean
value at every step, the per-step squared errors are averaged over time, and the state is
carried (detached) from chunk to chunk. Run:  PYTHONPATH=src python examples/sine_forecast.py
"""

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim
from glassgrad.nn.functional import mse_loss
from glassgrad.nn.rnn_utils import sequence_loss


class Forecaster(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.lstm, self.head = nn.LSTM(1, hidden), nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        out, state = self.lstm(x, state)  # out (T, B, hidden)
        return self.head(out), state  # one prediction per step


def main(epochs=15, seed=0):
    gg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    t = np.arange(4001) * 0.1
    clean = np.sin(t)
    noisy = clean + 0.1 * rng.standard_normal(t.shape)
    loader = data.BPTTLoader(noisy[:-1, None], batch_size=8, bptt_len=50, targets=clean[1:, None])
    model = Forecaster()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(epochs):
        state, total = None, 0.0
        for x, y in loader:
            state = data.detach_state(state)  # truncated BPTT: keep the value, cut the graph
            pred, state = model(x, state)
            loss = sequence_loss(mse_loss, pred, y)  # (1/T) Σ_t E_t, then mean over batch
            opt.zero_grad()
            loss.backward()
            optim.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item()
        print(f"epoch {epoch + 1:2d}  mse {total / len(loader):.4f}")
    noise_mse = np.mean((noisy - clean) ** 2)
    print(f"(the noise alone has mse {noise_mse:.4f}; predicting the previous noisy value gives "
          f"{np.mean((noisy[:-1] - clean[1:]) ** 2):.4f})")
    return total / len(loader)


if __name__ == "__main__":
    main()
