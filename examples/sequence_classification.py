"""Sequence classification with a small Transformer encoder, on padded sequences of different
lengths: name the class shown at the FIRST step of a noisy sequence (the memory task).

Step 0 holds the one-hot class, every later step Gaussian noise of the same size, and each
sequence is cut to a random length and padded with zeros. The model embeds each step, adds
sinusoidal positions (without them step 0 looks like any other), runs a TransformerEncoder
with a key padding mask (padding is never attended to), averages the real steps and
classifies. The glass box then shows what it learned: the attention weights on step 0.

    PYTHONPATH=src python examples/sequence_classification.py
"""

import numpy as np

import glassgrad as gg
from glassgrad import data, explain, nn, optim


def make_data(n, seq_len=24, n_classes=4, seed=0):
    """X (n, T, classes) with zeros after each sequence's end, y (n,), pad (n, T) bool mask."""
    X, y = data.make_memory_task(n, seq_len, n_classes, noise=1.0, seed=seed)
    lengths = np.random.default_rng(seed + 1).integers(seq_len // 3, seq_len + 1, n)
    pad = np.arange(seq_len)[None, :] >= lengths[:, None]  # True = padding
    X[pad] = 0.0
    return X, y, pad


class Classifier(nn.Module):
    def __init__(self, n_in, n_classes, d_model=32, nhead=4, layers=1, max_len=64):
        super().__init__()
        self.embed = nn.Linear(n_in, d_model)
        self.position = nn.PositionalEncoding(d_model, dropout=0.0, max_len=max_len,
                                              batch_first=True)
        layer = nn.TransformerEncoderLayer(d_model, nhead, 2 * d_model, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, x, pad=None):  # x (N, T, n_in), pad (N, T) -> logits (N, classes)
        if pad is None:  # padding steps are exactly zero (the noise never is)
            pad = (x.data == 0).all(-1)
        h = self.encoder(self.position(self.embed(x)), src_key_padding_mask=pad)
        keep = gg.tensor((~pad)[..., None].astype(h.dtype))  # average over the real steps
        return self.head((h * keep).sum(dim=1) / keep.sum(dim=1))


def main(epochs=30, batch_size=64, lr=3e-3, seed=0, verbose=True):
    gg.manual_seed(seed)
    X, y, pad = make_data(1500, seed=seed)
    X_test, y_test, pad_test = make_data(500, seed=seed + 10)
    model = Classifier(X.shape[2], 4)
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        order, total = rng.permutation(len(X)), 0.0
        for i in range(0, len(X), batch_size):
            b = order[i:i + batch_size]
            loss = loss_fn(model(gg.tensor(X[b]), pad[b]), gg.tensor(y[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        if verbose and (epoch + 1) % 5 == 0:
            print(f"epoch {epoch + 1:3d}  loss {total / len(X):.4f}")
    model.eval()
    with gg.no_grad():
        predicted = model(gg.tensor(X_test), pad_test).argmax(dim=1).numpy()
    accuracy = float((predicted == y_test).mean())
    # the glass box: how much attention does each query give to step 0, the one that matters?
    maps = explain.attention_maps(model, gg.tensor(X_test[:64]), pad_test[:64])
    on_first = float(maps[0][..., 0].mean())
    if verbose:
        print(f"test accuracy {accuracy:.3f} (chance 0.25); attention on step 0: "
              f"{on_first:.2f} of each query's weight on average (1/length if uniform: "
              f"{float((1 / (~pad_test).sum(1)).mean()):.2f})")
    return total / len(X), accuracy, on_first, maps


if __name__ == "__main__":
    *_, attention = main()
    from glassgrad import viz

    viz.plot_attention(attention, layer=0, sample=0, save="sequence_attention.png")
