"""
8. Recurrent networks
=====================

A recurrent network reads a sequence one step at a time and carries a hidden state:
h_t = tanh(W_ih·x_t + b_ih + W_hh·h_(t−1) + b_hh). Training unrolls the loop
over time and backpropagates through it (BPTT). This chapter checks the recurrence by hand,
shows how the gradient reaching early steps fades, trains with truncated BPTT, batches
sequences of different lengths, and compares a plain RNN with an LSTM on a task that needs a
long memory.
"""

# %%
# The recurrence, by hand
# -----------------------
import os

import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim
from glassgrad.nn.functional import mse_loss

QUICK = bool(os.environ.get("GLASSGRAD_DOCS_QUICK"))
gg.set_default_dtype(gg.float64)
gg.manual_seed(0)
rnn = nn.RNN(input_size=2, hidden_size=3, batch_first=True)
x = np.random.default_rng(0).standard_normal((1, 4, 2))       # one sequence of 4 steps
out, h_n = rnn(gg.tensor(x))

W_ih, W_hh = rnn.weight_ih_l0.detach().numpy(), rnn.weight_hh_l0.detach().numpy()
b = rnn.bias_ih_l0.detach().numpy() + rnn.bias_hh_l0.detach().numpy()
h = np.zeros(3)
for step in range(4):
    h = np.tanh(W_ih @ x[0, step] + W_hh @ h + b)
    ours = out.detach().numpy()[0, step]
    print(f"t={step}: by hand {np.round(h, 6)}  nn.RNN {np.round(ours, 6)}")
assert np.allclose(h, h_n.detach().numpy()[0, 0], rtol=0, atol=1e-12)

# %%
# Backpropagation through time, and how far back it reaches
# ----------------------------------------------------------
# The loss depends on the last output only; how large is its gradient with respect to each
# input step? Each step back multiplies by W_hhᵀ and tanh′, so in a plain RNN the gradient
# shrinks geometrically. An LSTM's cell state is updated additively, c_t = f_t·c_(t−1) + …, so
# the gradient along it is multiplied by the forget gate f_t: freshly initialized (f ≈ 0.5) it
# fades too, only more slowly; with the forget gate open (bias +3, f ≈ 0.95, as a trained LSTM
# learns to hold what it needs) it reaches the first step almost undiminished.
T = 40
seq = gg.tensor(np.random.default_rng(1).standard_normal((1, T, 2)), requires_grad=True)
fig, ax = plt.subplots(figsize=(6, 3.5))
reach = {}
for label in ("RNN", "LSTM", "LSTM, forget gate open"):
    gg.manual_seed(0)
    layer = (nn.RNN if label == "RNN" else nn.LSTM)(2, 16, batch_first=True)
    if label == "LSTM, forget gate open":
        with gg.no_grad():
            layer.bias_ih_l0.data[16:32] = 3.0      # gate order i, f, g, o: the f block
    seq.grad = None
    y_seq, _ = layer(seq)
    y_seq[0, -1].sum().backward()
    size = np.abs(seq.grad.numpy()[0]).sum(axis=1)
    reach[label] = size[0] / size[-1]
    ax.semilogy(np.arange(T), size, label=label)
    print(f"{label:24s} |∂E/∂x_0| / |∂E/∂x_39| = {reach[label]:.1e}")
assert reach["RNN"] < reach["LSTM"] < reach["LSTM, forget gate open"]
ax.set(xlabel="input step t", ylabel="|∂E/∂x_t| (last step's loss)",
       title="how far back the gradient reaches")
ax.legend()

# %%
# Truncated BPTT
# --------------
# Long sequences are cut into chunks; the hidden state is carried from chunk to chunk, but
# the graph is cut with ``state.detach()`` so each backward pass covers one chunk only. Here an
# RNN learns to predict the next value of a sine wave, 20 steps per chunk.
gg.set_default_dtype(gg.float32)
gg.manual_seed(0)
wave = np.sin(np.arange(2000 if QUICK else 6000) * 0.1).astype(np.float32)
model_rnn, readout = nn.RNN(1, 16, batch_first=True), nn.Linear(16, 1)
params = list(model_rnn.parameters()) + list(readout.parameters())
opt = optim.Adam(params, lr=0.01)
state, chunk, losses = None, 20, []
for start in range(0, len(wave) - chunk - 1, chunk):
    xs = gg.tensor(wave[start:start + chunk].reshape(1, chunk, 1))
    ys = gg.tensor(wave[start + 1:start + chunk + 1].reshape(1, chunk, 1))
    out, state = model_rnn(xs, state)
    loss = mse_loss(readout(out), ys)
    opt.zero_grad()
    loss.backward()
    opt.step()
    state = state.detach()              # keep the value, cut the graph
    losses.append(loss.item())
print(f"chunks {len(losses)}: loss {np.mean(losses[:10]):.4f} (first 10) -> "
      f"{np.mean(losses[-10:]):.5f} (last 10)")

# %%
# Batching sequences of different lengths
# ---------------------------------------
# A batch is a (B, T, features) array, so shorter sequences are padded to the longest. Padding
# must not change the answer: with ``lengths=`` the recurrent layer stops each sequence at its
# own end, and its final state equals that of the sequence run alone.
gg.set_default_dtype(gg.float64)
gg.manual_seed(0)
lstm = nn.LSTM(2, 4, batch_first=True)
rng = np.random.default_rng(2)
seqs = [rng.standard_normal((n, 2)) for n in (5, 3, 1)]
batch = nn.rnn_utils.pad_sequence([gg.tensor(s) for s in seqs], batch_first=True)
_, (h_batch, _) = lstm(batch, lengths=[5, 3, 1])
for i, s in enumerate(seqs):
    _, (h_alone, _) = lstm(gg.tensor(s[None]))
    same = np.array_equal(h_alone.detach().numpy()[0, 0], h_batch.detach().numpy()[0, i])
    print(f"length {len(s)}: padded to {batch.shape[1]}, final state as if alone: {same}")
gg.set_default_dtype(gg.float32)

# %%
# RNN vs LSTM on a long dependency
# --------------------------------
# The adding problem: two channels, random numbers and a marker that is 1 at two steps (one in
# each half); the target is the sum of the two marked numbers. Always answering 1 gives MSE
# ≈ 0.167. The information sits many steps before the end, where the plain RNN's gradient has
# faded.


class Regressor(nn.Module):
    def __init__(self, rnn, hidden):
        super().__init__()
        self.rnn, self.head = rnn, nn.Linear(hidden, 1)

    def forward(self, x):
        _, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h       # an LSTM returns (h_n, c_n)
        return self.head(h[-1])


T, n, epochs = (20, 1000, 15) if QUICK else (30, 2000, 15)
X, y = data.make_adding_problem(n, seq_len=T, seed=0)
X_te, y_te = data.make_adding_problem(300, seq_len=T, seed=1)
fig, ax = plt.subplots(figsize=(6, 3.5))
for kind in (nn.RNN, nn.LSTM):
    gg.manual_seed(0)
    model = Regressor(kind(2, 24, batch_first=True), 24)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=50, shuffle=True, seed=0)
    curve = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            optim.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        with gg.no_grad():
            curve.append(mse_loss(model(gg.tensor(X_te)), gg.tensor(y_te)).item())
    print(f"{kind.__name__:4s} test MSE after {epochs} epochs: {curve[-1]:.4f}")
    ax.plot(np.arange(1, epochs + 1), curve, label=kind.__name__)
ax.axhline(1 / 6, color="gray", ls="--", label="always 1 (≈0.167)")
ax.set(xlabel="epoch", ylabel="test MSE", yscale="log", title=f"adding problem, T = {T}")
ax.legend()
